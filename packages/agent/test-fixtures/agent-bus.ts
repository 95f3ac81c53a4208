import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  STREAMS,
  SUBJECTS,
  connectNats,
  jobEventSchema,
  localJobUser,
  json,
  loadCredentials,
  localSiteTrust,
  logRecordSchema,
  natsConnectionOptions,
  startNatsServer,
  type AgentCommandInput,
  type JobEvent,
  type LocalNatsServer,
  type LogRecord,
  type StartCommand,
} from '@wattpack/shared';
import type { JetStreamClient, JetStreamManager, NatsConnection, StoredMsg } from 'nats';

/**
 * A NATS server with JetStream and the site's security on (TLS, one user per component),
 * and what tests need to command agents (as the scheduler) and read what they published.
 */
export async function startBus() {
  const trust = await localSiteTrust(mkdtempSync(join(tmpdir(), 'wattpack-bus-pki-')), []);
  const server: LocalNatsServer = await startNatsServer({ config: trust.natsConfig });
  const nc: NatsConnection = await connectNats(server.url, 'test-scheduler', natsConnectionOptions(loadCredentials(trust.schedulerCredentials)));
  const js: JetStreamClient = nc.jetstream();
  const jsm: JetStreamManager = await nc.jetstreamManager();

  /** Messages stored on one subject, read without consuming them. */
  const stored = async (stream: string, subject: string): Promise<StoredMsg[]> => {
    const { state } = await jsm.streams.info(stream);
    const out: StoredMsg[] = [];
    for (let s = state.first_seq; s <= state.last_seq && state.messages > 0; s++) {
      const m = await jsm.streams.getMessage(stream, { seq: s }).catch(() => undefined);
      if (m?.subject === subject) out.push(m);
    }
    return out;
  };
  const events = async (nodeId: string): Promise<JobEvent[]> => (await stored(STREAMS.events, SUBJECTS.event(nodeId))).map((m) => jobEventSchema.parse(m.json()));
  return {
    url: server.url,
    /** A node's credentials folder, issued on first use (nats-server reloads to admit it). */
    credentialsFor: async (nodeId: string): Promise<string> => {
      if (!trust.pki.entries().some((e) => e.role === 'node' && e.name === nodeId)) {
        await trust.pki.issue({ name: nodeId, role: 'node', teams: [] });
        await server.reload();
      }
      return trust.nodeCredentials(nodeId);
    },
    js,
    stored,
    events,
    logLines: async (jobId: string): Promise<LogRecord[]> => (await stored(STREAMS.logs, SUBJECTS.log(jobId))).map((m) => logRecordSchema.parse(m.json())),
    /** Commands as a scheduler sends them (the term defaults to 0 when the agent parses them). */
    send: (nodeId: string, cmd: AgentCommandInput | string) =>
      js.publish(SUBJECTS.command(nodeId), typeof cmd === 'string' ? new TextEncoder().encode(cmd) : json.encode(cmd), typeof cmd === 'string' ? {} : { msgID: cmd.commandId }),
    eventOf: <K extends JobEvent['kind']>(nodeId: string, attemptId: string, kind: K) =>
      until(`${kind} ${attemptId}`, async () => (await events(nodeId)).find((e): e is Extract<JobEvent, { kind: K }> => e.attemptId === attemptId && e.kind === kind)),
    close: async () => {
      await nc.close();
      await server.stop({ removeStore: true });
    },
  };
}

export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let seq = 0;
/** A start command with defaults: 2 GPUs at 500 W, SIGTERM with 5 s grace. */
export function startCommand(argv: string[], extra: Partial<StartCommand> = {}): StartCommand {
  seq++;
  return {
    kind: 'start',
    commandId: `c-${seq}-${Date.now()}`,
    issuedAt: Date.now(),
    term: 0,
    jobId: `job-${seq}`,
    attemptId: `job-${seq}-1`,
    attempt: 1,
    nodeRank: 0,
    nodeCount: 1,
    command: argv.slice(0, 1),
    args: argv.slice(1),
    env: {},
    gpuIndices: [0, 1],
    powerLimitW: 500,
    checkpoint: { signal: 'SIGTERM', graceSeconds: 5 },
    // Never root: the invoking user, or nobody when the tests run as root.
    owner: 'test-user',
    runAs: localJobUser(),
    hostNetwork: false,
    ...extra,
  };
}
