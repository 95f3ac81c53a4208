/** What a local site for end-to-end tests is made of (harness.ts starts it). */

export interface AgentSpec {
  id: string;
  profile: string;
  labels?: string;
  /** How it runs jobs (default process); podman needs CONTAINERS_CONF set by preparePodman. */
  runtime?: 'process' | 'podman';
  /** Its simulated BMC's file (writeSimulatedBmc): the scheduler can power it off and on. */
  simulateBmc?: string;
}

export interface SiteOptions {
  capMw?: number;
  agents?: AgentSpec[];
  /** Schedulers competing for leadership (default 1). */
  schedulers?: number;
  /** Site settings for the scheduler (written to a site file). Without users, every job runs as JOB_USER. */
  site?: Record<string, unknown>;
  /** A 3-node NATS cluster with replicas 3 instead of one server. */
  natsCluster?: boolean;
  /** Everything --insecure (no TLS, no credentials): only to measure what security costs (pnpm bench:security). */
  insecure?: boolean;
  /** A PostgreSQL URL for accounting (--accounting-db); absent: each scheduler's embedded store in its state folder. */
  accountingDb?: string;
  /** Hollow nodes hollow-1..N besides the agents: one `wattpack-agent --fleet` process, each node its own identity. */
  fleet?: { nodes: number; profile: string; labels?: string };
}
