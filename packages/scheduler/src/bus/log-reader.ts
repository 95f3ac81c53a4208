import type { JetStreamClient, JetStreamManager } from 'nats';
import { STREAMS, SUBJECTS, json, logRecordSchema, nodeOfSubject, type LogRecord } from '@wattpack/common/daemon';

/** How long a followed log stays open after the job ended, for its last lines to land. */
const DRAIN_MS = 1000;

/**
 * Replays a job's retained log lines from JetStream (an ordered, ephemeral consumer of
 * every node's subject for the job), and with `follow` keeps streaming until the job has
 * ended and its output drained. A line counts as its subject's node's, whatever its body
 * says, and lines from nodes the job was never placed on (`fromNode` false) are dropped:
 * a node may publish only on its own subjects, but on any job's.
 */
export async function readJobLogs(
  js: JetStreamClient,
  jsm: JetStreamManager,
  jobId: string,
  opts: { follow: boolean; jobEnded: () => boolean; cancelled: () => boolean; fromNode: (nodeId: string) => boolean },
  write: (record: LogRecord) => void,
): Promise<void> {
  const subject = SUBJECTS.logsOfJob(jobId);
  const info = await jsm.streams.info(STREAMS.logs, { subjects_filter: subject });
  const retained = Object.values(info.state.subjects ?? {}).reduce((a, n) => a + n, 0);
  if (retained === 0 && !opts.follow) return;

  // A single subject string: nats-server 2.9 knows filter_subject, not the 2.10 filter_subjects list.
  const consumer = await js.consumers.get(STREAMS.logs, { filterSubjects: subject });
  const messages = await consumer.consume();
  let pending = retained;
  let lastAt = Date.now();
  const timer = setInterval(() => {
    const caughtUp = pending === 0 && Date.now() - lastAt > (opts.follow ? DRAIN_MS : 0);
    if (opts.cancelled() || (caughtUp && (!opts.follow || opts.jobEnded()))) void messages.close();
  }, 100);
  try {
    for await (const m of messages) {
      pending = m.info.pending;
      lastAt = Date.now();
      const nodeId = nodeOfSubject(m.subject);
      const parsed = logRecordSchema.safeParse(decode(m.data));
      if (nodeId && parsed.success && parsed.data.jobId === jobId && opts.fromNode(nodeId)) write({ ...parsed.data, nodeId });
      if (pending === 0 && !opts.follow) break;
    }
  } finally {
    clearInterval(timer);
    await messages.close();
  }
}

function decode(data: Uint8Array): unknown {
  try {
    return json.decode(data);
  } catch {
    return undefined;
  }
}
