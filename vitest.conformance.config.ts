import { defineConfig } from 'vitest/config';

// Conformance checks against data kept outside the repository (../shared); CI runs them.
export default defineConfig({
  test: {
    include: ['test/conformance/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
