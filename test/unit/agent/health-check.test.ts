import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe, nextHealth, watchHealth, type HealthReport, type ProbeResult } from '#agent/runner/health-check.ts';

const check = { path: '/health', hostPort: 1, intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 3, startupGraceSeconds: 10 };

describe('nextHealth', () => {
  it('ignores failures inside the startup grace, then counts them to the threshold; a pass resets', () => {
    const fail: ProbeResult = { ok: false };
    expect(nextHealth(check, { failures: 0 }, fail, 5_000)).toEqual({ failures: 0 });
    expect(nextHealth(check, { failures: 0 }, fail, 10_000)).toEqual({ state: 'failing', failures: 1 });
    expect(nextHealth(check, { state: 'failing', failures: 2 }, fail, 20_000)).toEqual({ state: 'unhealthy', failures: 3 });
    expect(nextHealth(check, { state: 'unhealthy', failures: 7 }, { ok: true }, 20_000)).toEqual({ state: 'healthy', failures: 0 });
    expect(nextHealth(check, { failures: 0 }, { ok: true }, 1_000)).toEqual({ state: 'healthy', failures: 0 });
  });
});

describe('watchHealth', () => {
  it('reports each change of state once, until the replica ends', async () => {
    const answers = [false, true, true, false, false, false, false, true];
    const reports: HealthReport[] = [];
    let clock = 0;
    let rounds = 0;
    await watchHealth({ ...check, startupGraceSeconds: 1 }, (report) => reports.push(report), {
      startedAt: 0,
      now: () => clock,
      probe: async () => ({ ok: answers[rounds] ?? true, statusCode: answers[rounds] ? 200 : 503 }),
      sleep: async () => {
        rounds += 1;
        clock += 1000;
        return rounds < answers.length;
      },
    });
    expect(reports.map((report) => [report.state, report.failures])).toEqual([
      ['healthy', 0],
      ['failing', 1],
      ['unhealthy', 3],
      ['healthy', 0],
    ]);
  });
});

describe('httpProbe', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/health') response.end('ok');
      else if (request.url === '/moved') response.writeHead(302, { location: '/elsewhere' }).end();
      else if (request.url === '/slow') setTimeout(() => response.end('late'), 3000).unref();
      else response.writeHead(503).end('down');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('counts 2xx and 3xx as healthy, anything else, a timeout or a refused connection as not', async () => {
    expect(await httpProbe(`${base}/health`, 1000)).toEqual({ ok: true, statusCode: 200 });
    expect((await httpProbe(`${base}/moved`, 1000)).ok).toBe(true);
    expect(await httpProbe(`${base}/down`, 1000)).toEqual({ ok: false, statusCode: 503, message: 'answered 503' });
    expect(await httpProbe(`${base}/slow`, 200)).toEqual({ ok: false, message: 'no answer within 200 ms' });
    expect((await httpProbe('http://127.0.0.1:1/health', 1000)).message).toMatch(/^could not connect/);
  });
});
