import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Unit tests import workspace packages from source; end-to-end tests run the built binaries.
    alias: {
      '@wattpack/common': src('common'),
      // Subpaths before '@wattpack/scheduler': the first entry that matches a prefix wins.
      '@wattpack/scheduler/core': fileURLToPath(new URL('./packages/scheduler/src/core/index.ts', import.meta.url)),
      '@wattpack/scheduler/testing': fileURLToPath(new URL('./packages/scheduler/src/testing/index.ts', import.meta.url)),
      '@wattpack/scheduler': src('scheduler'),
      '@wattpack/agent': src('agent'),
      '@wattpack/sim': src('sim'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: end-to-end files start servers, so keep parallelism modest.
    maxWorkers: 2,
  },
});
