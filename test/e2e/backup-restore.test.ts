import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startNatsServer } from '@wattpack/common';
import { useLocalSite, waitFor } from './harness.js';

const site = useLocalSite();

// docs/operations.md, "Back up and restore": the NATS store is lost, a backup brings the site back.
describe('wattpack admin backup and restore', () => {
  it('brings back every job, its logs and the audit log after the NATS store is wiped', async () => {
    const submit = async (spec: object) => (await site().rpc<{ id: string }>('SubmitJob', { specJson: JSON.stringify(spec) })).id;
    const done = await submit({ name: 'done', gpus: 8, command: ['sh', '-c', 'echo hello from before the backup'] });
    await site().waitForState(done, ['SUCCEEDED']);
    // Long enough to outlive the restore; both nodes busy, so the third waits.
    const running = await submit({ name: 'running', gpus: 8, nodes: 2, command: ['sleep', '600'] });
    await site().waitForState(running, ['RUNNING']);
    const pending = await submit({ name: 'pending', gpus: 8, command: ['true'] });
    expect((await site().job(pending)).state).toBe('PENDING');

    const file = join(mkdtempSync(join(tmpdir(), 'wattpack-backup-')), 'site.jsonl');
    const bus = ['--nats', site().natsUrl, '--credentials', site().trust.schedulerCredentials];
    const backup = await site().cli(['admin', 'backup', ...bus, '--out', file, '-o', 'json']);
    expect(backup.exitCode, backup.stderr).toBe(0);
    expect(JSON.parse(backup.stdout).counts).toMatchObject({ 'wp-jobs': 3, 'wp-nodes': 2 });
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // Disaster: the scheduler stops and the NATS store is gone; a new, empty server takes its port.
    await site().killScheduler();
    const { port } = site().nats;
    await site().nats.stop({ removeStore: true });
    site().natsServers[0] = await startNatsServer({ port, config: site().trust.natsConfig });

    const restore = await site().cli(['admin', 'restore', file, ...bus]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/restored .*wp-jobs 3/);
    // A second restore would mix two histories: refused.
    const again = await site().cli(['admin', 'restore', file, ...bus]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('wp-jobs already holds 3 job(s)');

    await site().startScheduler();
    expect((await site().job(done)).state).toBe('SUCCEEDED');
    const logs = await site().cli(['logs', done]);
    expect(logs.stdout).toContain('hello from before the backup');
    // The agents kept running the gang; they report it and the scheduler keeps it running.
    await site().waitForState(running, ['RUNNING']);
    expect((await site().job(running)).attempt).toBe(1);
    expect((await site().job(pending)).state).toBe('PENDING');
    const audit = await site().cli(['audit', '-o', 'json']);
    expect(audit.stdout).toContain('SubmitJob');

    // Still a working site: cancel the gang and the waiting job runs.
    expect((await site().cli(['cancel', running])).exitCode).toBe(0);
    await site().waitForState(pending, ['SUCCEEDED'], 45_000);
    await waitFor('the cancelled gang to end', async () => ((await site().job(running)).state === 'CANCELLED' ? true : undefined), 30_000);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toContain('wattpack-backup/1');
  }, 120_000);
});
