import { natsConnected } from '@wattpack/common/daemon';
import type { NatsConnection } from 'nats';

/**
 * What the scheduler's /readyz answers: ready once connected to NATS and either leading
 * or standing by behind a known leader. One per process, across its terms.
 */
export class SchedulerHealth {
  private connected: () => boolean = () => false;
  private role: { kind: 'starting' } | { kind: 'standby'; leader: string } | { kind: 'leader' } = { kind: 'starting' };

  /** The NATS connection of the current term (or campaign). */
  connection(nc: NatsConnection): void {
    this.connected = natsConnected(nc);
  }

  standby(leader: string | undefined): void {
    this.role = leader ? { kind: 'standby', leader } : { kind: 'starting' };
  }

  leading(): void {
    this.role = { kind: 'leader' };
  }

  /** Between terms: not leading, leader unknown. */
  stepDown(): void {
    this.role = { kind: 'starting' };
  }

  isLeader(): boolean {
    return this.role.kind === 'leader' && this.connected();
  }

  /** What is missing; empty when ready. */
  problems(): string[] {
    const out: string[] = [];
    if (!this.connected()) out.push('not connected to NATS');
    if (this.role.kind === 'starting') out.push('neither leading nor standing by behind a known leader');
    return out;
  }
}
