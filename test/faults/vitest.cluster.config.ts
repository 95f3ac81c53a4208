import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

/** `pnpm faults` runs the NATS-cluster scenario with this; `npm test` leaves it out. */
export default defineConfig({ ...base, test: { ...base.test, include: ['test/faults/*.faults.ts'] } });
