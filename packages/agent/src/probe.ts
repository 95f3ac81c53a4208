import { createLogger } from '@wattpack/common/daemon';
import type { ProbeTarget, Output } from './cli.js';
import { MinerFleet } from './collectors/asic/fleet.js';
import { nameplateOf } from './collectors/asic/models.js';
import { NvidiaCollector, type GpuDetails } from './collectors/nvidia/collector.js';
import { XidWatcher } from './collectors/nvidia/kernel-log.js';
import { nvidiaSmi } from './collectors/nvidia/nvidia-smi.js';

const HEALTH = { HEALTH_OK: 'ok', HEALTH_DEGRADED: 'degraded', HEALTH_FAILED: 'FAILED', HEALTH_UNSPECIFIED: 'unknown' } as const;
const RUN_STATE = {
  MINER_RUN_STATE_MINING: 'mining',
  MINER_RUN_STATE_CURTAILED: 'curtailed',
  MINER_RUN_STATE_OFFLINE: 'OFFLINE',
  MINER_RUN_STATE_ERROR: 'ERROR',
  MINER_RUN_STATE_UNSPECIFIED: 'unknown',
} as const;

/**
 * `wattpack-agent probe`: what the agent sees, read the way the agent reads it. Exit code
 * 0 when everything could be read and is usable; 1 when it could not be read, or a GPU is
 * failed, or the miner is offline or in error.
 */
export async function runProbe(target: ProbeTarget, json: boolean, io: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    return 'gpus' in target ? await probeGpus(json, io, env) : await probeMiner(target, json, io, env);
  } catch (err) {
    io.err(`wattpack-agent probe: ${(err as Error).message}\n`);
    return 1;
  }
}

async function probeGpus(json: boolean, io: Output, env: NodeJS.ProcessEnv): Promise<number> {
  // One read of the kernel log (no --follow): the probe ends.
  const xids = new XidWatcher({ argv: ['dmesg', '--kernel'], env });
  xids.start();
  let collector: NvidiaCollector;
  try {
    collector = await NvidiaCollector.open(nvidiaSmi({ env }), { xids });
  } catch (err) {
    xids.stop();
    throw err;
  }
  await xids.finished();
  const inventory = await collector.inventory();
  const gpus = (await collector.details()).map((d) => ({ ...inventory.find((g) => g.index === d.index), ...d }));
  const kernelLog = collector.xidWatchProblem();
  if (json) {
    io.out(`${JSON.stringify({ gpus, xids: xids.events(), kernelLog: kernelLog ?? 'read' }, null, 2)}\n`);
  } else {
    for (const g of gpus) io.out(gpuText(g));
    io.out(`kernel log: ${kernelLog ? `XIDs not checked (${kernelLog})` : `${xids.events().length} XID line(s)`}\n`);
  }
  return gpus.some((g) => g.health === 'HEALTH_FAILED') ? 1 : 0;
}

const w = (x: number | undefined) => (x === undefined ? '?' : `${x} W`);
const v = (x: number | undefined, unit: string) => (x === undefined ? '?' : `${x}${unit}`);

function gpuText(g: GpuDetails & { memoryMib?: number }): string {
  const lines = [
    `GPU ${g.index}  ${g.model ?? 'unknown model'}  ${g.uuid}${g.busId ? `  ${g.busId}` : ''}`,
    `  health       ${HEALTH[g.health]}${g.healthReason ? `: ${g.healthReason}` : ''}`,
    `  power        ${w(g.powerDrawW)} of ${w(g.enforcedLimitW)} enforced (requested ${w(g.requestedLimitW)}; range ${w(g.minLimitW)}-${w(g.maxLimitW)}, default ${w(g.defaultLimitW)})`,
    `  utilization  ${v(g.utilizationPct, ' %')}   memory ${v(g.memoryUsedMib, '')} / ${v(g.memoryTotalMib, ' MiB')}`,
    `  temperature  ${v(g.temperatureC, ' C')} (memory ${v(g.memoryTemperatureC, ' C')})`,
    `  clocks       SM ${v(g.smClockMhz, '')} / ${v(g.maxSmClockMhz, ' MHz')}, memory ${v(g.memoryClockMhz, ' MHz')}; events: ${g.clockEventReasons?.join(', ') || 'none'}`,
    `  ECC          ${v(g.eccUncorrectedVolatile, '')} uncorrected since driver load; row remap pending ${yesNo(g.remappedRowsPending)}; recovery action ${g.recoveryAction ?? '?'}`,
    `  MIG          ${g.migEnabled === undefined ? '?' : g.migEnabled ? 'enabled' : 'disabled'}${g.mig.length ? `: ${g.mig.map((m) => `${m.profile} (device ${m.index}, ${m.uuid})`).join(', ')}` : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

const yesNo = (b: boolean | undefined) => (b === undefined ? '?' : b ? 'yes' : 'no');

async function probeMiner(target: Extract<ProbeTarget, { miner: string }>, json: boolean, io: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const credentials = env.WATTPACK_MINER_USERNAME ? { username: env.WATTPACK_MINER_USERNAME, password: env.WATTPACK_MINER_PASSWORD ?? '' } : undefined;
  const fleet = await MinerFleet.open({
    miners: [
      {
        endpoint: target.miner,
        firmware: (target.firmware ?? 'auto') as 'auto',
        ...(target.web ? { web: target.web } : {}),
        ...(credentials ? { credentials } : {}),
      },
    ],
    pollIntervalMs: 0,
    timeoutMs: 3000,
    logger: createLogger('probe', 'silent'),
  });
  const [info] = await fleet.inventory();
  const [d] = fleet.details();
  const plate = nameplateOf(info!.model);
  if (json) {
    io.out(`${JSON.stringify({ ...info, ...d }, null, 2)}\n`);
  } else {
    const r = d!.reading;
    const lines = [
      `miner ${info!.endpoint}`,
      `  firmware     ${d!.firmware ?? 'unknown'}`,
      `  model        ${info!.model}${plate ? ` (nameplate ${plate.hashrateThs} TH/s, ${plate.powerW} W)` : ''}`,
      `  state        ${RUN_STATE[d!.state.state]}${d!.state.reason ? `: ${d!.state.reason}` : ''}${r?.paused !== undefined ? ` (firmware says ${r.paused ? 'paused' : 'running'})` : ''}`,
    ];
    if (r) {
      lines.push(
        `  hashrate     ${r.hashrateThs === undefined ? '?' : `${r.hashrateThs.toFixed(2)} TH/s`}`,
        `  power        ${r.powerW === undefined ? '?' : `${Math.round(r.powerW)} W (${r.powerSource})`}`,
        `  chips        ${r.chipTemperaturesC.length ? `${r.chipTemperaturesC.join(', ')} C (hottest per board)` : '?'}`,
        `  fans         ${r.fansRpm.length ? `${r.fansRpm.join(', ')} rpm` : '?'}`,
      );
      if (r.profiles?.length) lines.push(`  profiles     ${r.profiles.map((p) => `${p.name} ${v(p.watts, ' W')} ${v(p.hashrateThs, ' TH/s')}`).join('; ')}`);
    }
    io.out(`${lines.join('\n')}\n`);
  }
  return d!.state.state === 'MINER_RUN_STATE_MINING' || d!.state.state === 'MINER_RUN_STATE_CURTAILED' ? 0 : 1;
}
