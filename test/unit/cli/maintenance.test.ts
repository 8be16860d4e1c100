import { describe, expect, it } from 'vitest';
import { parseDuration, parseStart } from '#cli/commands/maintenance.ts';
import { main } from '#cli/main.ts';
import { bufferOutput, loggedIn, recordedFetch } from './fakes.ts';

const NOW = new Date('2026-12-04T12:00:00.000Z');
const run = async (argv: string[], replies: Parameters<typeof recordedFetch>[0]) => {
  const output = bufferOutput();
  const fake = recordedFetch(replies);
  const code = await main(argv, { output, env: loggedIn, fetch: fake.fetch, sleep: async () => undefined, now: () => NOW });
  return { code, stdout: output.stdout(), stderr: output.stderr(), requests: fake.requests };
};
const window = {
  windowId: 'mw_1',
  hostId: 'host_1',
  startsAt: '2026-12-06T12:00:00.000Z',
  endsAt: '2026-12-06T14:00:00.000Z',
  durationSeconds: 7200,
  category: 'power',
  note: 'new PSU',
  state: 'scheduled',
  announcedAt: NOW.toISOString(),
  excusesDowntime: true,
};

describe('gpuhive maintenance', () => {
  it('schedules a window from a relative start and a duration with a unit, with an Idempotency-Key', async () => {
    const result = await run(['maintenance', 'schedule', 'host_1', '--start', '+2d', '--duration', '2h', '--category', 'power', '--note', 'new PSU'], {
      'POST /v1/hosts/host_1/maintenance': [{ status: 201, body: window }],
    });

    expect(result.code).toBe(0);
    expect(result.requests[0]?.body).toEqual({ startsAt: '2026-12-06T12:00:00.000Z', durationSeconds: 7200, category: 'power', note: 'new PSU' });
    expect(result.requests[0]?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.stdout).toContain('mw_1');
    expect(result.stdout).toContain('2h 0m');
  });

  it('lists the windows of a host', async () => {
    const result = await run(['maintenance', 'host_1'], { 'GET /v1/hosts/host_1/maintenance': [{ body: { items: [window] } }] });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/mw_1 +2026-12-06 12:00:00Z +2026-12-06 14:00:00Z +2h 0m +power +scheduled +yes +new PSU/);
  });

  it('refuses a bad category or a missing flag before calling the API', async () => {
    const category = await run(['maintenance', 'schedule', 'host_1', '--start', 'now', '--duration', '1h', '--category', 'cooling'], {});
    const missing = await run(['maintenance', 'schedule', 'host_1', '--start', 'now'], {});

    expect([category.code, missing.code]).toEqual([2, 2]);
    expect(category.stderr).toContain('--category must be one of power, internet, disk, gpu, software, other');
    expect(missing.stderr).toContain('Give --start, --duration and --category.');
    expect([...category.requests, ...missing.requests]).toEqual([]);
  });

  it('shows the API refusal with the field it names', async () => {
    const result = await run(['maintenance', 'schedule', 'host_1', '--start', '2020-01-01T00:00:00Z', '--duration', '1h', '--category', 'disk'], {
      'POST /v1/hosts/host_1/maintenance': [
        { status: 400, body: { error: { code: 'validation_failed', message: 'The request is not valid.', details: [{ field: 'startsAt', message: 'must not be in the past' }] } } },
      ],
    });

    expect(result.code).toBe(3);
    expect(result.stderr).toContain('startsAt: must not be in the past');
  });

  it('has help for each subcommand', async () => {
    const help = await run(['maintenance', 'schedule', '--help'], {});

    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: gpuhive maintenance schedule [options] HOST');
    expect(help.stdout).toContain('--category CATEGORY');
  });
});

describe('parseStart and parseDuration', () => {
  it('reads now, +DURATION and ISO times, and durations with units', () => {
    expect(parseStart('now', NOW)).toBe(NOW.toISOString());
    expect(parseStart('+90m', NOW)).toBe('2026-12-04T13:30:00.000Z');
    expect(parseStart('2026-12-05T02:00:00+01:00', NOW)).toBe('2026-12-05T01:00:00.000Z');
    expect([parseDuration('3600', 'duration'), parseDuration('90m', 'duration'), parseDuration('24h', 'duration'), parseDuration('1d', 'duration')]).toEqual([3600, 5400, 86_400, 86_400]);
    expect(() => parseDuration('two hours', 'duration')).toThrow(/--duration must be seconds/);
    expect(() => parseStart('tomorrow', NOW)).toThrow(/--start must be an ISO time/);
  });
});
