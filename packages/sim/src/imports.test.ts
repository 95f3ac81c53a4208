import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('.', import.meta.url));

describe('the simulator', () => {
  it('imports the scheduler\'s pure core and nothing else of it (no NATS, gRPC or store)', () => {
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const bad = files.flatMap((f) =>
      [...readFileSync(join(src, f), 'utf8').matchAll(/from '(@wattpack\/scheduler[^']*|nats|@grpc\/[^']*)'/g)]
        .map((m) => m[1]!)
        .filter((spec) => spec !== '@wattpack/scheduler/core')
        .map((spec) => `${f}: ${spec}`),
    );
    expect(files.length).toBeGreaterThan(10);
    expect(bad).toEqual([]);
  });
});
