import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hardwareDir } from '../../packages/agent/src/collectors/asic/simulator.js';
import { tracesDir } from '../../packages/sim/src/traces/index.js';

// A user clones the repository alone: nothing tracked may read, or point a reader at, a
// path outside it (the reference folder beside the checkout is not there for them).
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const inside = (path: string) => {
  const rel = relative(root, path);
  return !rel.startsWith('..') && !isAbsolute(rel);
};

const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((f) => f && !/(^|\/)pnpm-lock\.yaml$|\.csv$|\/hardware\//.test(f));
const text = (file: string) => {
  const content = readFileSync(join(root, file));
  return content.includes(0) ? undefined : content.toString('utf8');
};
const CODE = /\.(ts|mts|mjs|js|cjs|sh|json|yaml|yml|conf)$|(^|\/)\.ci\/run$/;

describe('the repository stands alone', () => {
  it('has no relative path in code, scripts or settings that leads out of it', () => {
    const escapes: string[] = [];
    for (const file of tracked.filter((f) => CODE.test(f))) {
      const content = text(file);
      if (content === undefined) continue;
      // Quoted paths that start with ../ resolve against the file's own folder.
      for (const m of content.matchAll(/['"`]((?:\.\.\/)+[^'"`\s$]*)['"`]/g)) {
        if (!inside(resolve(root, dirname(file), m[1]!))) escapes.push(`${file}: ${m[1]}`);
      }
      // path.join or resolve with a ".." piece and then a "shared" piece builds the same thing.
      if (/['"]\.\.['"]\s*,\s*['"]shared['"]/.test(content)) escapes.push(`${file}: joins .. and shared`);
    }
    expect(escapes).toEqual([]);
  });

  it('mentions no folder beside the checkout in its docs and comments', () => {
    const mentions = tracked.filter((f) => /\.\.\/shared\/(hardware|traces|reference|docs|hooks)\b/.test(text(f) ?? ''));
    expect(mentions).toEqual([]);
  });

  it('finds the recorded hardware replies and the traces inside the repository', () => {
    expect(inside(hardwareDir())).toBe(true);
    expect(inside(tracesDir({}))).toBe(true);
    expect(readFileSync(join(hardwareDir(), 'asic/antminer/s19pro-stock-summary.json'), 'utf8')).toContain('SUMMARY');
    expect(readFileSync(join(tracesDir({}), 'philly-2017.csv'), 'utf8').slice(0, 60)).toMatch(/^timestamp,/);
  });
});
