import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/** Test runner settings: real databases are slow to start, so allow time per test and hook. */
export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS entry for the dependencies (Pothos, Yoga); Vite would
    // pick its .mjs for our code, and two copies of graphql refuse each other's types.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
