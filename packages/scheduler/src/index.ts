export * from './core/index.js';
export { Scheduler, type SchedulerPorts } from './loop/scheduler.js';
export { startScheduler, type SchedulerHandle, type SchedulerOptions } from './server.js';
export { buildSnapshot } from './state/snapshot-builder.js';
export { backupState, restoreState, BACKUP_BUCKETS, BACKUP_STREAMS, type BackupCounts } from './state/backup.js';
export { startMeterSimulator, type MeterSimulator, type MeterSimulatorOptions, type MeterFault } from './meter/simulator.js';
export { startVtnSimulator, type VtnSimulator } from './openadr/simulator.js';
export { RedfishNodePower, bmcsFromSettings, type NodePowerPort, type RedfishBmc, type ServerPower } from './power/bmc-power.js';
