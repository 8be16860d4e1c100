import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, setLongTimeout } from '#agent/core/long-timeout.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('setLongTimeout', () => {
  it('waits the whole delay past the 24.8-day limit of setTimeout instead of firing at once', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    const thirtyDays = 30 * 24 * 3600 * 1000;
    setLongTimeout(fired, thirtyDays);

    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(thirtyDays - MAX_TIMER_MS - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('fires a short or past-due delay once, and never after it is cancelled', () => {
    vi.useFakeTimers();
    const due = vi.fn();
    const cancelled = vi.fn();
    setLongTimeout(due, -5);
    const cancel = setLongTimeout(cancelled, 1000);
    cancel();

    vi.advanceTimersByTime(2000);
    expect(due).toHaveBeenCalledTimes(1);
    expect(cancelled).not.toHaveBeenCalled();
  });
});
