import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readYamlFile, siteConfigSchema } from '@wattpack/common';
import { parseCommandLine } from '../../packages/agent/src/cli.js';
import { schedulerOptions } from '../../packages/scheduler/src/options.js';

// deploy/etc/wattpack/: the /etc/wattpack layout docs/operations.md describes, read by the real parsers.
const etc = join(dirname(fileURLToPath(import.meta.url)), '../../deploy/etc/wattpack');

describe('the example /etc/wattpack files', () => {
  it('scheduler.yaml is what wattpack-scheduler --config accepts', () => {
    expect(schedulerOptions({ config: join(etc, 'scheduler.yaml') }, {})).toMatchObject({ id: 'sched-a', natsReplicas: 3, credentials: '/etc/wattpack/credentials', site: '/etc/wattpack/site.yaml' });
  });

  it('site.yaml holds valid site settings', () => {
    const site = siteConfigSchema.parse(readYamlFile(join(etc, 'site.yaml')));
    expect(site).toMatchObject({ name: 'acme-wa', capMw: 18, teams: { vision: { gpus: 512, mw: 4 } } });
  });

  it('agent.yaml is what wattpack-agent --config accepts', () => {
    const errors: string[] = [];
    const result = parseCommandLine(['--config', join(etc, 'agent.yaml')], { out: () => {}, err: (t) => void errors.push(t) });
    expect(errors).toEqual([]);
    expect(result).toMatchObject({ run: { gpus: 'nvidia', runtime: 'podman', credentials: '/etc/wattpack/credentials', labels: { rack: 'r12', zone: 'a' } } });
  });
});
