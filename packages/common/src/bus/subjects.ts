/**
 * Every NATS subject, stream, consumer and KV bucket wattpack uses, in one place.
 * docs/architecture.md describes them; change both together.
 */
export const STREAMS = {
  /** Scheduler -> agent commands; work queue, one durable consumer per node. */
  commands: 'WP_COMMANDS',
  /** Agent -> scheduler job events; work queue, one durable consumer (the scheduler). */
  events: 'WP_EVENTS',
  /** Job output lines, one subject per node and job, size-limited. */
  logs: 'WP_LOGS',
  /** Who did what through the API, and every refusal: written by the scheduler only. */
  audit: 'WP_AUDIT',
  /** One usage record per ended attempt, deduplicated by attempt id: written by the scheduler only. */
  accounting: 'WP_ACCOUNTING',
} as const;

/**
 * The node in a command, event or log subject is the only name of the sender (or the
 * receiver) anyone trusts: NATS lets node X publish only on its own subjects (see
 * trust/nats-auth.ts), whatever the message body says.
 */
export const SUBJECTS = {
  command: (nodeId: string) => `wp.cmd.${nodeId}`,
  commandsAll: 'wp.cmd.>',
  event: (nodeId: string) => `wp.evt.${nodeId}`,
  eventsAll: 'wp.evt.>',
  /** A job's lines from one node: only that node may publish them. */
  log: (nodeId: string, jobId: string) => `wp.log.${nodeId}.${jobId}`,
  /** Every line a node publishes (what its NATS user may publish). */
  logsOfNode: (nodeId: string) => `wp.log.${nodeId}.>`,
  /** A job's lines from every node. */
  logsOfJob: (jobId: string) => `wp.log.*.${jobId}`,
  logsAll: 'wp.log.>',
  audit: 'wp.audit',
  accounting: 'wp.acct',
  /** A node's reply subjects (its connection's inbox prefix): only that node may subscribe to them. */
  inbox: (nodeId: string) => `_INBOX_${nodeId}`,
} as const;

/** The node an event or log subject names (wp.evt.<node>, wp.log.<node>.<job>); undefined for anything else. */
export function nodeOfSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  if (parts[0] !== 'wp' || !parts[2]) return undefined;
  if (parts[1] === 'evt' && parts.length === 3) return parts[2];
  if (parts[1] === 'log' && parts.length === 4) return parts[2];
  return undefined;
}

export const CONSUMERS = {
  agent: (nodeId: string) => `agent-${nodeId}`,
  scheduler: 'scheduler',
} as const;

export const BUCKETS = {
  jobs: 'wp-jobs',
  nodes: 'wp-nodes',
  site: 'wp-site',
  /** Leader election: one key with a TTL; its revision is the leader's term. */
  leader: 'wp-leader',
} as const;

export const SITE_CONFIG_KEY = 'config';
export const LEADER_KEY = 'scheduler';
/** Revoked credentials, in the site bucket beside its config. */
export const REVOCATIONS_KEY = 'revocations';

/** Retained log lines per job and node; older lines are dropped first. */
export const LOG_LINES_PER_JOB = 10_000;
