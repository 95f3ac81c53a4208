import { createLogger, type JobEvent } from '@wattpack/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSimulatedHardware } from '../collectors/simulated/hardware.js';
import { parseProfile } from '../collectors/simulated/profile.js';
import { SimulatedPowerControl } from '../power/simulated-power.js';
import { ProcessRuntime } from '../runtimes/process/process-runtime.js';
import { exec } from '../util/exec.js';
import { Supervisor } from './supervisor.js';
import { startCommand, until } from '../../test-fixtures/agent-bus.js';

// The real exec, watched: which commands the agent ran.
vi.mock('../util/exec.js', async (original) => {
  const real = await original<typeof import('../util/exec.js')>();
  return { ...real, exec: vi.fn(real.exec) };
});

const supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stopAll('test over')));
});

function node(nodeId: string) {
  const events: JobEvent[] = [];
  const supervisor = new Supervisor({
    nodeId,
    runtime: new ProcessRuntime(),
    power: new SimulatedPowerControl(createSimulatedHardware(parseProfile('h100x4'), nodeId)),
    publishEvent: async (e) => void events.push(e),
    publishLog: () => {},
    logger: createLogger('test', 'silent'),
  });
  supervisors.push(supervisor);
  return { supervisor, events };
}

describe("the host's accounts", () => {
  it('are looked up once for all the nodes of one process (a fleet), not once per node', async () => {
    const nodes = ['h1', 'h2', 'h3'].map(node);
    const getent = () => vi.mocked(exec).mock.calls.filter(([file]) => file === 'getent').length;
    const before = getent();
    for (const { supervisor, events } of nodes) {
      const cmd = startCommand(['true']);
      await supervisor.handle(cmd);
      await until('exited', () => events.some((e) => e.attemptId === cmd.attemptId && e.kind === 'exited'));
    }
    expect(getent() - before).toBe(1);
  });
});
