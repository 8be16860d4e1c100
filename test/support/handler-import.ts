import { afterAll, beforeEach, vi } from 'vitest';

/**
 * Imports a Lambda entry as Lambda would, after stubbing the environment it parses at
 * import (its tables and bus, placeholder AWS settings, quiet logs).
 */
export const importHandlerWith = async <M>(load: () => Promise<M>, env: Record<string, string>): Promise<M> => {
  for (const [name, value] of Object.entries({
    EVENT_BUS_NAME: 'gpuhive-test',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...env,
  })) {
    vi.stubEnv(name, value);
  }
  return load();
};

interface ClientMock {
  reset(): unknown;
  restore(): void;
}

/**
 * A handler test's client mocks (aws-sdk-client-mock, class-level so that they reach the clients
 * the module builds at import): emptied before each test, which then sets its answers, and
 * restored with the environment `importHandlerWith` stubbed once the file is done.
 */
export const resetEachTest = (...mocks: readonly ClientMock[]): void => {
  beforeEach(() => mocks.forEach((mock) => mock.reset()));
  afterAll(() => {
    vi.unstubAllEnvs();
    mocks.forEach((mock) => mock.restore());
  });
};
