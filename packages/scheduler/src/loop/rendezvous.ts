import { isTerminal, type Job, type NodeRecord, type Rendezvous, type SiteConfig } from '@wattpack/common/daemon';

/**
 * Where an attempt's ranks meet: rank 0's node (its reported address, else its host name)
 * and the lowest port of the site's range that no other live attempt meeting there holds.
 * The scheduler cannot see other programs' ports: the range is kept for wattpack's jobs
 * (docs/jobs.md). With the range used up, ports are shared in turn; the attempt may then
 * fail to bind and is retried like any failed start.
 */
export function chooseRendezvous(rank0: NodeRecord, jobs: Iterable<Job>, range: SiteConfig['rendezvousPorts']): Rendezvous {
  const address = nodeAddress(rank0);
  const held = new Set<number>();
  for (const j of jobs) if (j.rendezvous && !isTerminal(j.state) && j.assignments[0]?.nodeId === rank0.id) held.add(j.rendezvous.port);
  for (let port = range.from; port <= range.to; port++) if (!held.has(port)) return { address, port };
  return { address, port: range.from + (held.size % (range.to - range.from + 1)) };
}

/** Where other nodes reach a node: the address its agent reports, else its host name. */
export const nodeAddress = (node: NodeRecord): string => node.inventory.host.address || node.inventory.host.hostname || node.id;
