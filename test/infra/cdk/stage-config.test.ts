import { describe, expect, it } from 'vitest';
import { ContextKeys, stageConfig, stageConfigFromContext } from '#infra/stacks/stage-config.ts';

const contextOf = (values: Record<string, unknown>) => (key: string) => values[key];

describe('stageConfigFromContext', () => {
  it('applies no reserved concurrency by default', () => {
    expect(stageConfigFromContext('prod', contextOf({})).reservedConcurrency).toEqual({});
  });

  it('applies the stage\'s recommendation when opted in with "true"', () => {
    expect(stageConfigFromContext('prod', contextOf({ [ContextKeys.reservedConcurrency]: 'true' })).reservedConcurrency).toEqual(
      stageConfig('prod').recommendedReservedConcurrency,
    );
  });

  it('takes an explicit JSON object of handler entry to count', () => {
    const config = stageConfigFromContext('dev', contextOf({ [ContextKeys.reservedConcurrency]: '{"functions/registry/heartbeat.ts": 3}' }));
    expect(config.reservedConcurrency).toEqual({ 'functions/registry/heartbeat.ts': 3 });
  });

  it('treats "false" as no reservation', () => {
    expect(stageConfigFromContext('prod', contextOf({ [ContextKeys.reservedConcurrency]: 'false' })).reservedConcurrency).toEqual({});
  });

  it('refuses a count that is not a whole number', () => {
    expect(() => stageConfigFromContext('dev', contextOf({ [ContextKeys.reservedConcurrency]: '{"functions/x.ts": 1.5}' }))).toThrow(/whole number/);
  });

  it('takes the alarm email from the context', () => {
    expect(stageConfigFromContext('dev', contextOf({ [ContextKeys.alarmEmail]: 'ops@example.com' })).alarmEmail).toBe('ops@example.com');
  });

  it('has no alarm email unless given one', () => {
    expect(stageConfigFromContext('dev', contextOf({})).alarmEmail).toBeUndefined();
  });

  it('keeps dev cheaper to throw away than prod: no deletion protection, shorter retention', () => {
    const [dev, prod] = [stageConfig('dev'), stageConfig('prod')];
    expect([dev.deletionProtection, prod.deletionProtection, dev.logRetention < prod.logRetention]).toEqual([false, true, true]);
  });
});
