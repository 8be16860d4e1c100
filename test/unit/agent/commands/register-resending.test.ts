import { describe, expect, it } from 'vitest';
import { ApiClient } from '#agent/api/client.ts';
import type { HttpAnswer, HttpInit } from '#agent/api/http.ts';
import type { RegisterRequest } from '#agent/api/types.ts';
import { registerResending } from '#agent/commands/register.ts';

const request: RegisterRequest = {
  registrationToken: 'gpuhive_reg_x',
  agentToken: `gpuhive_agent_${'a'.repeat(43)}`,
  hostname: 'rig-1',
  region: 'eu-west',
  pricePerGpuHour: '0.450000',
  gpus: [{ index: 0, uuid: 'GPU-1', name: 'NVIDIA GeForce RTX 4090', vramMb: 24564 }],
  cpuCores: 16,
  memoryMb: 65536,
  diskGb: 500,
  runtimes: ['docker'],
};

const answer = (status: number, body: unknown): HttpAnswer => ({
  status, ok: status < 300, statusText: String(status), headers: { get: () => null }, text: async () => JSON.stringify(body),
});
const registered = { hostId: 'host_1', agentToken: request.agentToken, heartbeatIntervalSeconds: 60 };

/** An API answering `answers` in turn, keeping every body it was sent. */
const scriptedApi = (answers: readonly (HttpAnswer | Error)[]) => {
  const bodies: string[] = [];
  const fetch = async (_url: string | URL, init: HttpInit) => {
    bodies.push(init.body ?? '');
    const next = answers[bodies.length - 1];
    if (!next || next instanceof Error) throw next ?? new Error('no more answers');
    return next;
  };
  return { client: new ApiClient({ baseUrl: 'http://api.test', fetch }), bodies };
};

const noWait = async () => undefined;

describe('registering a host', () => {
  it('sends the very same registration again after a 503 or a lost connection, and keeps the answer', async () => {
    const { client, bodies } = scriptedApi([answer(503, { error: { code: 'service_busy', message: 'busy' } }), new Error('socket hang up'), answer(201, registered)]);
    const lines: string[] = [];

    const result = await registerResending(client, request, (line) => lines.push(line), noWait);

    expect(result).toEqual(registered);
    expect(bodies).toHaveLength(3);
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0] as string)).toMatchObject({ registrationToken: request.registrationToken, agentToken: request.agentToken });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^registration not answered \(503 service_busy: busy\); sending it again in \d+\.\d s \(1 of 4 resends\)$/);
  });

  it('does not send again a registration the API refused', async () => {
    const { client, bodies } = scriptedApi([answer(401, { error: { code: 'unauthorized', message: 'used' } }), answer(201, registered)]);

    await expect(registerResending(client, request, () => undefined, noWait)).rejects.toMatchObject({ status: 401 });
    expect(bodies).toHaveLength(1);
  });

  it('gives up after five sends', async () => {
    const busy = answer(503, { error: { code: 'service_busy', message: 'busy' } });
    const { client, bodies } = scriptedApi([busy, busy, busy, busy, busy, answer(201, registered)]);

    await expect(registerResending(client, request, () => undefined, noWait)).rejects.toMatchObject({ status: 503 });
    expect(bodies).toHaveLength(5);
  });
});
