import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local for the run, shared by every file's in-memory runtime.
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests start Java and local services: give them room on 2-core machines.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // Functions' JSON logs are for people running the system; tests show only warnings.
    env: { POWERTOOLS_LOG_LEVEL: 'WARN' },
    execArgv: ['--disable-warning=NodeVersionSupportWarning'],
  },
});
