import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '@wattpack/common';
import { BIN, waitFor } from './harness.js';

describe('wattpack dev', () => {
  it('starts a local site detached, runs a job to completion, and stops it all', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'wattpack-dev-'));
    const port = await freePort();
    const scheduler = `127.0.0.1:${port}`;
    // No address and no credential given: the context dev writes carries both.
    const config = join(stateDir, 'cli-config.yaml');
    const wattpack = (...args: string[]) => execa(process.execPath, [BIN.cli, ...args], { reject: false, env: { WATTPACK_DEV_DIR: stateDir, WATTPACK_CONFIG: config } });

    const up = await wattpack('dev', '--detach', '--port', String(port));
    try {
      expect(up.exitCode, up.stderr).toBe(0);
      expect(up.stdout).toContain('3 node(s) ready (gpu-1, gpu-2, miners-1)');
      expect(up.stdout).toContain(`The CLI's current context is now "dev" (an admin of every team; ${config})`);
      expect((await wattpack('whoami')).stdout).toBe(`dev (admin, teams *), context "dev", scheduler ${scheduler}`);

      const second = await wattpack('dev', '--detach', '--port', String(port));
      expect(second.exitCode).not.toBe(0);

      const job = await wattpack('submit', 'examples/train-h100.yaml', '--wait');
      expect(job.exitCode, job.stderr + job.stdout).toBe(0);
      expect(job.stdout).toContain('SUCCEEDED');

      // Metrics and the dashboard are on: the state file names them, `wattpack dashboard` finds the dashboard beside the scheduler.
      const state = JSON.parse(readFileSync(join(stateDir, 'dev.json'), 'utf8')) as { dashboard: string; metrics: Record<string, string> };
      expect(state.dashboard).toBe(`127.0.0.1:${port + 80}`);
      expect(up.stdout).toContain(`https://${state.dashboard}/`);
      expect((await fetch(`http://${state.metrics.scheduler}/readyz`)).status).toBe(200);
      expect(await (await fetch(`http://${state.metrics['gpu-1']}/metrics`)).text()).toContain('DCGM_FI_DEV_POWER_USAGE{');
      const link = await wattpack('dashboard', '-o', 'json');
      expect(link.exitCode, link.stderr).toBe(0);
      expect(JSON.parse(link.stdout).url).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${port + 80}/login#token=`));

      const nodes = await wattpack('nodes', '-o', 'json');
      expect(JSON.parse(nodes.stdout).map((n: { id: string; status: string }) => `${n.id}:${n.status}`)).toEqual(['gpu-1:READY', 'gpu-2:READY', 'miners-1:READY']);
    } finally {
      const down = await wattpack('dev', 'down');
      expect(down.exitCode, down.stderr).toBe(0);
    }
    expect(existsSync(join(stateDir, 'dev.json'))).toBe(false);
    const after = await wattpack('jobs');
    expect(after.exitCode).toBe(4); // nothing listens any more
  }, 90_000);

  it('runs a larger kind of node as one hollow-node fleet process, and the fleet takes jobs', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'wattpack-dev-'));
    const port = await freePort();
    const config = join(stateDir, 'cli-config.yaml');
    const wattpack = (...args: string[]) => execa(process.execPath, [BIN.cli, ...args], { reject: false, env: { WATTPACK_DEV_DIR: stateDir, WATTPACK_CONFIG: config } });
    const up = await wattpack('dev', '--detach', '--port', String(port), '--agents', 'h100x8:12,s19xp:2');
    try {
      expect(up.exitCode, up.stderr).toBe(0);
      expect(up.stdout).toContain('13 node(s) ready');
      const state = JSON.parse(readFileSync(join(stateDir, 'dev.json'), 'utf8')) as { processes: { role: string; name: string }[] };
      expect(state.processes.filter((p) => p.role === 'agent').map((p) => p.name)).toEqual(['fleet-gpu-1-12', 'miners-1']);
      const sweep = await wattpack('submit', '--array', '0-23', '--name', 'sweep', '--gpus', '4', '--', 'true');
      expect(sweep.exitCode, sweep.stderr).toBe(0);
      await waitFor('the array to succeed', async () => {
        const jobs = JSON.parse((await wattpack('jobs', '-o', 'json')).stdout) as { state: string; assignments: { nodeId: string }[] }[];
        return jobs.length === 24 && jobs.every((j) => j.state === 'SUCCEEDED') ? jobs : undefined;
      }, 60_000);
    } finally {
      const down = await wattpack('dev', 'down');
      expect(down.exitCode, down.stderr).toBe(0);
    }
  }, 120_000);
});

