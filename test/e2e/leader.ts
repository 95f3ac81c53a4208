import { BUCKETS, LEADER_KEY, connectNats, json, loadCredentials, natsConnectionOptions } from '@wattpack/common';
import type { LocalSite } from './harness.js';

/** The id in the wp-leader key: the scheduler that leads now ('' when none does). */
export async function leaderId(site: LocalSite): Promise<string> {
  const nc = await connectNats(site.natsUrl, 'test-leader-probe', { ...natsConnectionOptions(loadCredentials(site.trust.schedulerCredentials)), maxReconnectAttempts: 0 });
  try {
    const kv = await nc.jetstream().views.kv(BUCKETS.leader, { bindOnly: true });
    const entry = await kv.get(LEADER_KEY);
    return entry && entry.operation === 'PUT' ? (json.decode(entry.value) as { id: string }).id : '';
  } finally {
    await nc.close();
  }
}
