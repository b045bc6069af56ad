import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-image and conformance suites need material outside the repo; .ci/run runs them on their own.
    exclude: ['test/e2e/**', 'test/conformance/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
