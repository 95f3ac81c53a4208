export { startAgent, type AgentHandle } from './agent.js';
export { DEFAULTS, RUNTIMES, type AgentOptions, type RuntimeName } from './options.js';
export { PROFILE_HELP } from './collectors/simulated/profile.js';
export { AGENT_VERSION } from './version.js';
export type { Collector } from './collectors/collector.js';
export type { MinerAction, PowerControl } from './power/power-control.js';
export { StartError, type ExitStatus, type OutputStream, type Runtime, type RunningProcess, type StartRequest } from './runtimes/runtime.js';
export type { SchedulerLinkState } from './link/grpc-link.js';
export { startRedfishSimulator, type RedfishSimulator, type RedfishPowerState } from './collectors/bmc/redfish-simulator.js';
