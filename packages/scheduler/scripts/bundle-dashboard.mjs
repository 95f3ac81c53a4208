// Bundles the dashboard's page (src/dashboard/web) into dist/dashboard/web with esbuild:
// one minified script and one stylesheet, uPlot included. Run by `pnpm build`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dir = fileURLToPath(new URL('..', import.meta.url));
const out = `${dir}dist/dashboard/web`;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [`${dir}src/dashboard/web/app.ts`],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  outdir: out,
  logLevel: 'warning',
});
copyFileSync(`${dir}src/dashboard/web/index.html`, `${out}/index.html`);
