import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIVENESS } from '#registry/domain/host.ts';
import { MAX_INTERVAL_SHARE_OF_THRESHOLD, handedHeartbeatIntervalSeconds } from '#registry/domain/heartbeat-interval.ts';

describe('handedHeartbeatIntervalSeconds', () => {
  it('hands out the configured interval when the threshold leaves room for it (the defaults: 60 s against 90 s)', () => {
    expect(handedHeartbeatIntervalSeconds(DEFAULT_LIVENESS)).toBe(60);
  });

  it('shortens it to two thirds of a tight threshold (the walkthrough: 5 s hands out 3 s, not 60 s)', () => {
    expect(handedHeartbeatIntervalSeconds({ heartbeatIntervalSeconds: 60, unreachableAfterSeconds: 5 })).toBe(3);
    expect(handedHeartbeatIntervalSeconds({ heartbeatIntervalSeconds: 60, unreachableAfterSeconds: 30 })).toBe(20);
  });

  it('never hands out less than a second, nor a fraction', () => {
    expect(handedHeartbeatIntervalSeconds({ heartbeatIntervalSeconds: 60, unreachableAfterSeconds: 1 })).toBe(1);
    expect(handedHeartbeatIntervalSeconds({ heartbeatIntervalSeconds: 2.5, unreachableAfterSeconds: 90 })).toBe(2);
  });

  it('is always a whole number of seconds, at most the configured interval, and inside the threshold', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 86_400, noNaN: true }), fc.double({ min: 1.5, max: 86_400, noNaN: true }), (interval, threshold) => {
        const handed = handedHeartbeatIntervalSeconds({ heartbeatIntervalSeconds: interval, unreachableAfterSeconds: threshold });
        expect(Number.isInteger(handed)).toBe(true);
        expect(handed).toBeGreaterThanOrEqual(1);
        expect(handed).toBeLessThanOrEqual(interval);
        expect(handed).toBeLessThanOrEqual(threshold * MAX_INTERVAL_SHARE_OF_THRESHOLD);
      }),
    );
  });
});
