import { EventEmitter } from 'node:events';
import { WattpackError, type Logger } from '@wattpack/common';
import { describe, expect, it } from 'vitest';
import { H100X8 } from '../testing/live.js';
import type { Scheduler } from '../loop/scheduler.js';
import type { AuditLog } from './audit.js';
import { nodeService } from './node-service.js';
import { Revocations } from './revocations.js';

/** An agent's stream as grpc-js hands it to the handler, on an insecure server (no peer certificate). */
function agentStream() {
  const call = Object.assign(new EventEmitter(), { getAuthContext: () => ({}), write: () => true, end: () => {} });
  return call;
}

/** Logs kept by level, to see what an operator would read. */
function keptLog() {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (_obj: unknown, msg: string) => void lines.push({ level, msg });
  return { lines, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger };
}

describe("agents' streams ending", () => {
  const serve = (lostError: WattpackError) => {
    const { lines, log } = keptLog();
    const scheduler = {
      registerNode: async () => ({}),
      siteConfig: () => ({ reportIntervalMs: 1000 }),
      nodeLost: async () => Promise.reject(lostError),
    } as unknown as Scheduler;
    const audit = { record: async () => {}, read: async () => ({ records: [], truncated: false }) } satisfies AuditLog;
    const service = nodeService(scheduler, log, { revocations: new Revocations([], async () => {}), audit });
    const streams = ['a', 'b', 'c'].map((nodeId) => {
      const call = agentStream();
      service.Connect(call as never);
      call.emit('data', { register: { nodeId, labels: {}, inventory: { gpus: H100X8.gpus, miners: [], host: H100X8.host } } });
      return call;
    });
    return { lines, streams };
  };
  const settle = () => new Promise((r) => setImmediate(r));

  it('while the scheduler steps down (its lease lost) is said once, at info, not an error per node', async () => {
    const { lines, streams } = serve(new WattpackError('UNAVAILABLE', 'this scheduler is no longer the leader'));
    for (const s of streams) s.emit('cancelled');
    await settle();
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(lines.filter((l) => l.level === 'info' && /stepping down/.test(l.msg))).toHaveLength(1);
  });

  it('any other failure to mark a node lost is an error, for each node', async () => {
    const { lines, streams } = serve(new WattpackError('INTERNAL', 'the store refused it'));
    for (const s of streams) s.emit('cancelled');
    await settle();
    expect(lines.filter((l) => l.level === 'error' && l.msg === 'marking node lost failed')).toHaveLength(3);
  });
});
