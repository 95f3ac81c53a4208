import { KvWatchInclude, type JetStreamClient, type JetStreamManager, type KV, type NatsConnection } from 'nats';
import pLimit from 'p-limit';
import { BUCKETS, REVOCATIONS_KEY, SITE_CONFIG_KEY, json, type Job, type NodeRecord, type SiteConfig } from '@wattpack/common/daemon';

/**
 * Job writes in flight on the connection at once, at most. A 2,000-task array is 2,000
 * puts: sent all at once, the leader lease's refresh queued behind them and lapsed on a
 * loaded machine (seen in pnpm bench:e2e). 256 keep the server busy and a refresh waits
 * behind at most 64; p-limit runs them first come, first served.
 */
const JOB_WRITES_IN_FLIGHT = 256;

/**
 * The scheduler's durable state in JetStream KV: the single source of truth. The
 * scheduler keeps a copy in memory and writes every change through before acting on it.
 */
export class KvStore {
  private readonly jobWrites = pLimit(JOB_WRITES_IN_FLIGHT);

  private constructor(
    private readonly jobs: KV,
    private readonly nodes: KV,
    private readonly site: KV,
    private readonly jsm: JetStreamManager,
  ) {}

  static async open(nc: NatsConnection, replicas = 1): Promise<KvStore> {
    const js = nc.jetstream();
    const open = (name: string) => openBucket(js, name, replicas);
    return new KvStore(await open(BUCKETS.jobs), await open(BUCKETS.nodes), await open(BUCKETS.site), await nc.jetstreamManager());
  }

  loadJobs(): Promise<Map<string, Job>> {
    return loadAll<Job>(this.jobs);
  }

  loadNodes(): Promise<Map<string, NodeRecord>> {
    return loadAll<NodeRecord>(this.nodes);
  }

  async loadSite(): Promise<SiteConfig | undefined> {
    const entry = await this.site.get(SITE_CONFIG_KEY);
    return entry && entry.operation === 'PUT' ? (json.decode(entry.value) as SiteConfig) : undefined;
  }

  /** Revoked credentials (api/revocations.ts), beside the site's settings; unchecked here. */
  async loadRevocations(): Promise<unknown[]> {
    const entry = await this.site.get(REVOCATIONS_KEY);
    return entry && entry.operation === 'PUT' ? (json.decode(entry.value) as unknown[]) : [];
  }

  async putRevocations(list: unknown[]): Promise<void> {
    await this.site.put(REVOCATIONS_KEY, json.encode(list));
  }

  async putJob(job: Job): Promise<void> {
    await this.jobWrites(() => this.jobs.put(job.id, json.encode(job)));
  }

  /**
   * Removes a job's values from the bucket's stream outright: a KV delete or purge would
   * leave a marker per job, and the bucket would still grow with every job ever run.
   */
  async deleteJob(id: string): Promise<void> {
    await this.jobWrites(() => this.jsm.streams.purge(`KV_${BUCKETS.jobs}`, { filter: `$KV.${BUCKETS.jobs}.${id}` }));
  }

  async putNode(node: NodeRecord): Promise<void> {
    await this.nodes.put(node.id, json.encode(node));
  }

  async putSite(site: SiteConfig): Promise<void> {
    await this.site.put(SITE_CONFIG_KEY, json.encode(site));
  }
}

/** A bucket of the scheduler's, made if missing (a restore makes them as the scheduler does). */
export function openBucket(js: JetStreamClient, name: string, replicas: number): Promise<KV> {
  return js.views.kv(name, { history: 1, replicas });
}

/** Every current value of a bucket, read with one watcher rather than a get per key. */
async function loadAll<T>(kv: KV): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  if ((await kv.status()).values === 0) return out;
  const watcher = await kv.watch({ include: KvWatchInclude.LastValue });
  for await (const entry of watcher) {
    if (entry.operation === 'PUT') out.set(entry.key, json.decode(entry.value) as T);
    else out.delete(entry.key);
    if (entry.delta === 0) break;
  }
  watcher.stop();
  return out;
}
