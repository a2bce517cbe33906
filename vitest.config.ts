/**
 * Three projects: `unit` (pure code and in-process servers, no infrastructure),
 * `integration` (the real test environment: kube-apiserver + kwok, MinIO, registry),
 * which a global setup starts once per run and stops afterwards, and `browser` (the web
 * console in Debian's headless Chromium against the local server as a process).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'functions/**/*.test.ts',
            'agent-runtime/**/*.test.ts',
            'build-jobs/**/*.test.ts',
            'test/unit/**/*.test.ts',
          ],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/env/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
