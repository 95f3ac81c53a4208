/**
 * Every NATS subject, stream, consumer and KV bucket wattpack uses, in one place.
 * docs/architecture.md describes them; change both together.
 */
export const STREAMS = {
  /** Scheduler -> agent commands; work queue, one durable consumer per node. */
  commands: 'WP_COMMANDS',
  /** Agent -> scheduler job events; work queue, one durable consumer (the scheduler). */
  events: 'WP_EVENTS',
  /** Job output lines, one subject per job, size-limited. */
  logs: 'WP_LOGS',
  /** Who did what through the API, and every refusal: written by the scheduler only. */
  audit: 'WP_AUDIT',
} as const;

export const SUBJECTS = {
  command: (nodeId: string) => `wp.cmd.${nodeId}`,
  commandsAll: 'wp.cmd.>',
  event: (nodeId: string) => `wp.evt.${nodeId}`,
  eventsAll: 'wp.evt.>',
  log: (jobId: string) => `wp.log.${jobId}`,
  logsAll: 'wp.log.>',
  audit: 'wp.audit',
} as const;

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

/** Retained log lines per job; older lines are dropped first. */
export const LOG_LINES_PER_JOB = 10_000;
