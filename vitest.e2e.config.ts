import { defineConfig } from 'vitest/config';

/**
 * End-to-end tests on real images (`npm run test:e2e`). The first run builds a Debian image
 * with mmdebstrap, npm, umoci and skopeo into a cache outside the repository; later runs reuse it.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    // Files share one cached image and a two-core machine; running them one at a time keeps timings readable.
    fileParallelism: false,
    testTimeout: 10 * 60_000,
    hookTimeout: 30 * 60_000,
  },
});
