import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  STREAMS,
  SUBJECTS,
  commandSigner,
  connectNats,
  ensureAgentConsumer,
  ensureStreams,
  jobEventBodies,
  jobEventSchema,
  localJobUser,
  json,
  loadCredentials,
  localSiteTrust,
  logRecordSchema,
  natsConnectionOptions,
  startNatsServer,
  type AgentCommandInput,
  type CommandSigner,
  type JobEvent,
  type LocalNatsServer,
  type LogRecord,
  type StartCommand,
} from '@wattpack/common';
import type { JetStreamClient, JetStreamManager, NatsConnection, StoredMsg } from 'nats';

/**
 * A NATS server with JetStream and the site's security on (TLS, one user per component),
 * and what tests need to command agents (as the scheduler: streams and each node's
 * consumer made, commands signed) and read what they published.
 */
export async function startBus() {
  const trust = await localSiteTrust(mkdtempSync(join(tmpdir(), 'wattpack-bus-pki-')), []);
  const server: LocalNatsServer = await startNatsServer({ config: trust.natsConfig });
  const credentials = loadCredentials(trust.schedulerCredentials);
  const nc: NatsConnection = await connectNats(server.url, 'test-scheduler', natsConnectionOptions(credentials));
  const js: JetStreamClient = nc.jetstream();
  const jsm: JetStreamManager = await nc.jetstreamManager();
  await ensureStreams(jsm);
  const scheduler = commandSigner(credentials)!;

  const stored = (stream: string, subject: string) => storedOn(jsm, stream, subject);
  const events = async (nodeId: string): Promise<JobEvent[]> => (await stored(STREAMS.events, SUBJECTS.event(nodeId))).flatMap((m) => jobEventBodies(m.json()).map((e) => jobEventSchema.parse(e)));
  return {
    url: server.url,
    trust,
    /**
     * A node's credentials folder, issued on first use (nats-server reloads to admit it),
     * and its command consumer, as the scheduler makes it when a node registers.
     */
    credentialsFor: async (nodeId: string, opts: { consumer?: boolean } = {}): Promise<string> => {
      if (!trust.pki.entries().some((e) => e.role === 'node' && e.name === nodeId)) {
        await trust.pki.issue({ name: nodeId, role: 'node', teams: [] });
        await server.reload();
      }
      if (opts.consumer !== false) await ensureAgentConsumer(jsm, nodeId);
      return trust.nodeCredentials(nodeId);
    },
    /** Makes a node's command consumer, as the scheduler does when the node registers. */
    openNode: (nodeId: string) => ensureAgentConsumer(jsm, nodeId),
    js,
    stored,
    events,
    /** A job's lines from one node. */
    logLines: async (jobId: string, nodeId: string): Promise<LogRecord[]> => (await stored(STREAMS.logs, SUBJECTS.log(nodeId, jobId))).map((m) => logRecordSchema.parse(m.json())),
    /**
     * Commands as a scheduler sends them, signed with its key (the term defaults to 0 when
     * the agent parses them); `signer: null` sends one unsigned.
     */
    send: (nodeId: string, cmd: AgentCommandInput | string, opts: { signer?: CommandSigner | null } = {}) => {
      const subject = SUBJECTS.command(nodeId);
      const data = typeof cmd === 'string' ? new TextEncoder().encode(cmd) : json.encode(cmd);
      const signer = opts.signer === undefined ? scheduler : opts.signer;
      return js.publish(subject, data, { ...(typeof cmd === 'string' ? {} : { msgID: cmd.commandId }), ...(signer ? { headers: signer.headers(subject, data) } : {}) });
    },
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

/** Messages stored on one subject, read without consuming them. */
async function storedOn(jsm: JetStreamManager, stream: string, subject: string): Promise<StoredMsg[]> {
  const { state } = await jsm.streams.info(stream);
  const out: StoredMsg[] = [];
  for (let s = state.first_seq; s <= state.last_seq && state.messages > 0; s++) {
    const m = await jsm.streams.getMessage(stream, { seq: s }).catch(() => undefined);
    if (m?.subject === subject) out.push(m);
  }
  return out;
}
