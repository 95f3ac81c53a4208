import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Unit tests import workspace packages from source; end-to-end tests run the built binaries.
    alias: {
      // Subpaths before their package: the first entry that matches a prefix wins.
      '@wattpack/common/core': fileURLToPath(new URL('./packages/common/src/core.ts', import.meta.url)),
      '@wattpack/common/grpc': fileURLToPath(new URL('./packages/common/src/grpc.ts', import.meta.url)),
      '@wattpack/common/daemon': fileURLToPath(new URL('./packages/common/src/daemon.ts', import.meta.url)),
      '@wattpack/common/login-token': fileURLToPath(new URL('./packages/common/src/trust/login-token.ts', import.meta.url)),
      '@wattpack/common': src('common'),
      '@wattpack/scheduler/core': fileURLToPath(new URL('./packages/scheduler/src/core/index.ts', import.meta.url)),
      '@wattpack/scheduler/testing': fileURLToPath(new URL('./packages/scheduler/src/testing/index.ts', import.meta.url)),
      '@wattpack/scheduler': src('scheduler'),
      '@wattpack/agent': src('agent'),
      '@wattpack/sim/cli': fileURLToPath(new URL('./packages/sim/src/cli.ts', import.meta.url)),
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
