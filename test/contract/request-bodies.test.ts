import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { main } from '#cli/main.ts';
import { SubmitJobRequest } from '#contract/jobs.ts';
import { CreateServiceRequest, UpdateServiceRequest } from '#contract/services.ts';
import { MarkPayoutFailedRequest, MarkPayoutPaidRequest, SetPayoutMethodRequest } from '#contract/payouts.ts';
import { RequestExportRequest } from '#contract/exports.ts';
import { ScheduleMaintenanceRequest } from '#contract/hosts.ts';
import { SubmitJobInput } from '#matching/http/schemas.ts';
import { CreateServiceInput, UpdateServiceInput } from '#matching/http/services.ts';
import { MarkFailedInput, MarkPaidInput, SetPayoutMethodInput } from '#billing/http/payouts.ts';
import { RequestExportInput } from '#exports/http/schemas.ts';
import { ScheduleMaintenanceInput } from '#registry/http/schemas.ts';
import { bufferOutput, loggedIn, recordedFetch } from '../unit/cli/fakes.ts';

const NOW = new Date('2026-12-04T12:00:00.000Z');

/** The body the CLI sends for `argv`: the route answers `reply`, so the command gets no further than it needs. */
const sentBody = async (argv: string[], route: string, reply: unknown, more: Parameters<typeof recordedFetch>[0] = {}): Promise<unknown> => {
  const fake = recordedFetch({ [route]: [{ status: 201, body: reply }], ...more });
  await main(argv, { output: bufferOutput(), env: loggedIn, fetch: fake.fetch, sleep: async () => undefined, now: () => NOW });
  const request = fake.requests.find((sent) => `${sent.method} ${sent.url.pathname}` === route);
  expect(request, `the CLI sent ${route}`).toBeDefined();
  return request?.body;
};

interface Case {
  readonly argv: string[];
  readonly route: string;
  readonly reply?: unknown;
  readonly more?: Parameters<typeof recordedFetch>[0];
  readonly contract: z.ZodType;
  readonly backend: z.ZodType;
}

const cases: Record<string, Case> = {
  'jobs submit': {
    argv: ['jobs', 'submit', '--gpus', '2', '--max-price', '0.6', '--model', 'RTX 4090', '--region', 'eu-west', '--image', 'img:1', '--env', 'A=1', '--port', 'api:8000/http', '--name', 'train', '--', 'python', 'train.py'],
    route: 'POST /v1/jobs',
    reply: { jobId: 'job_1', status: 'queued' },
    contract: SubmitJobRequest,
    backend: SubmitJobInput,
  },
  'jobs submit --tier interruptible': {
    argv: ['jobs', 'submit', '--tier', 'interruptible', '--bid', '0.25', '--gpus', '1', '--restart-policy', 'on-preemption', '--', 'python', 'train.py'],
    route: 'POST /v1/jobs',
    reply: { jobId: 'job_1', status: 'queued' },
    contract: SubmitJobRequest,
    backend: SubmitJobInput,
  },
  'services create': {
    argv: ['services', 'create', '--name', 'echo', '--replicas', '2', '--max-price', '0.6', '--port', 'api:8000/http', '--health-path', '/', '--health-timeout', '5', '--gpus', '1', '--spread', 'hosts', '--', 'node', 'server.js'],
    route: 'POST /v1/services',
    reply: { serviceId: 'svc_1', status: 'active' },
    contract: CreateServiceRequest,
    backend: CreateServiceInput,
  },
  'services update': {
    argv: ['services', 'update', 'svc_1', '--image', 'img:2', '--env', 'A=2', '--replicas', '3'],
    route: 'PATCH /v1/services/svc_1',
    contract: UpdateServiceRequest,
    backend: UpdateServiceInput,
  },
  'services scale': { argv: ['services', 'scale', 'svc_1', '4'], route: 'PATCH /v1/services/svc_1', contract: UpdateServiceRequest, backend: UpdateServiceInput },
  'payouts method set --type bank_transfer': {
    argv: ['payouts', 'method', 'set', '--type', 'bank_transfer', '--name', 'Acme GmbH', '--iban', 'DE89 3704 0044 0532 0130 00', '--bic', 'COBADEFFXXX', '--threshold', '50'],
    route: 'PUT /v1/payouts/method',
    contract: SetPayoutMethodRequest,
    backend: SetPayoutMethodInput,
  },
  'payouts method set --type wise': {
    argv: ['payouts', 'method', 'set', '--type', 'wise', '--name', 'Jane Doe', '--email', 'jane@example.com', '--currency', 'EUR'],
    route: 'PUT /v1/payouts/method',
    contract: SetPayoutMethodRequest,
    backend: SetPayoutMethodInput,
  },
  'payouts method set --type paypal': {
    argv: ['payouts', 'method', 'set', '--type', 'paypal', '--email', 'ops@example.com'],
    route: 'PUT /v1/payouts/method',
    contract: SetPayoutMethodRequest,
    backend: SetPayoutMethodInput,
  },
  'payouts paid': { argv: ['payouts', 'paid', 'pay_01', '--reference', 'PP-1'], route: 'POST /v1/finance/payouts/pay_01/paid', contract: MarkPayoutPaidRequest, backend: MarkPaidInput },
  'payouts failed': {
    argv: ['payouts', 'failed', 'pay_01', '--reason', 'account closed', '--reference', 'PP-1'],
    route: 'POST /v1/finance/payouts/pay_01/failed',
    contract: MarkPayoutFailedRequest,
    backend: MarkFailedInput,
  },
  export: {
    argv: ['export', '--kind', 'usage', '--from', '2026-11-01', '--to', '2026-12-01', '--format', 'jsonl'],
    route: 'POST /v1/finance/exports',
    reply: { exportId: 'exp_1', status: 'running' },
    more: { 'GET /v1/finance/exports/exp_1': [{ body: { exportId: 'exp_1', status: 'failed', error: 'stopped by the test' } }] },
    contract: RequestExportRequest,
    backend: RequestExportInput,
  },
  'maintenance schedule': {
    argv: ['maintenance', 'schedule', 'host_1', '--start', '+2d', '--duration', '2h', '--category', 'power', '--note', 'new PSU'],
    route: 'POST /v1/hosts/host_1/maintenance',
    contract: ScheduleMaintenanceRequest,
    backend: ScheduleMaintenanceInput,
  },
};

describe('the request bodies the CLI builds with the contract types', () => {
  it.each(Object.entries(cases))('%s: the contract and the backend both take the body the CLI sends', async (_command, { argv, route, reply, more, contract, backend }) => {
    const body = await sentBody(argv, route, reply ?? {}, more);

    const read = backend.safeParse(body);
    expect(contract.safeParse(body).error?.issues).toBeUndefined();
    expect(read.error?.issues).toBeUndefined();
  });

  it.each(Object.entries(cases))('%s: a field the contract does not name is refused by the backend too', async (_command, { argv, route, reply, more, contract, backend }) => {
    const body = { ...((await sentBody(argv, route, reply ?? {}, more)) as object), surplus: 1 };

    for (const schema of [contract, backend]) {
      expect(schema.safeParse(body).error?.issues).toContainEqual(expect.objectContaining({ code: 'unrecognized_keys', keys: ['surplus'] }));
    }
  });
});
