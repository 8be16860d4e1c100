import type { CreatedServiceResponse, CreateServiceRequest, ServiceEndpointsResponse, ServiceResponse, ServiceSummaryResponse, UpdateServiceRequest } from '../../shared/contract/services.ts';
import { allPages, idempotencyKey } from '../api.ts';
import { enumFlag, intFlag, listFlag, noPositionals, onePositional, stringFlag, usdFlag, type Command, type ParsedInput } from '../command.ts';
import { UsageError } from '../errors.ts';
import { table, time, usd } from '../format.ts';
import { parseEnvFlags, parsePortFlag } from '../job-spec.ts';
import { line, printJson } from '../output.ts';

/** GET /v1/services/{id}: the wire contract's type (shared/contract/services.ts); a list shows each without its replicas. */
export type Service = ServiceSummaryResponse & Partial<Pick<ServiceResponse, 'replicaJobs' | 'cost' | 'costPerHour'>>;

type Endpoints = ServiceEndpointsResponse;

const servicesTable = (services: readonly Service[]): string =>
  table(
    ['SERVICE', 'NAME', 'STATUS', 'READY', 'IMAGE', 'CREATED', 'REASON'],
    services.map((s) => [s.serviceId, s.name, s.status, `${s.readyReplicas}/${s.replicas}`, s.template ? `template ${s.template.name}` : s.image ?? 'process', time(s.createdAt), s.statusReason ?? '']),
  );

export const serviceDetails = (s: Service): string => {
  const fields: [string, string][] = [
    ['Service', s.serviceId],
    ['Name', s.name],
    ['Status', `${s.status}${s.statusReason ? ` (${s.statusReason})` : ''}`],
    ['Replicas', `${s.readyReplicas} ready of ${s.replicas}${s.spread ? `, spread over ${s.spread}` : ''}`],
    ...(s.template ? [['Template', `${s.template.name} (version ${s.template.version})`] as [string, string]] : []),
    ['Image', s.image ?? '-'],
    ['Command', s.command ? s.command.join(' ') : '-'],
    ['Health check', `GET ${s.healthCheck.path} on port ${s.healthCheck.port} every ${s.healthCheck.intervalSeconds} s, unhealthy after ${s.healthCheck.failureThreshold} failures (grace ${s.healthCheck.startupGraceSeconds} s)`],
    ['Max price', `${usd(s.maxPricePerGpuHour)}/GPU-hour`],
    ['Revision', String(s.revision)],
    ['Cost so far', s.cost ? usd(s.cost) : '-'],
    ['Cost per hour', s.costPerHour ? usd(s.costPerHour) : '-'],
    ['Created', time(s.createdAt)],
  ];
  const text = `${fields.map(([name, value]) => `${`${name}:`.padEnd(15)}${value}`).join('\n')}\n`;
  const replicas = s.replicaJobs ?? [];
  if (replicas.length === 0) return text;
  return `${text}\n${table(
    ['REPLICA', 'JOB', 'STATE', 'REV', 'HOST', 'HEALTH', 'ENDPOINT', 'REASON'],
    replicas.map((r) => [String(r.replica), r.jobId, r.state, String(r.revision), r.hostId ?? '-', r.health ? `${r.health.state}${r.health.failures > 0 ? ` (${r.health.failures})` : ''}` : '-', r.endpoint?.url ?? '-', r.statusReason ?? '']),
  )}`;
};

/** `services get SERVICE REPLICAS`-style positionals: exactly `count`. */
const positionals = (input: ParsedInput, names: readonly string[]): string[] => {
  if (input.positionals.length !== names.length) throw new UsageError(`Give ${names.join(' and ')}.`);
  return [...input.positionals];
};

const printService = (context: Parameters<Command['run']>[0], service: Service) => {
  if (context.json) printJson(context.output, service);
  else context.output.out(serviceDetails(service));
};

export const servicesCreate: Command = {
  name: 'services create',
  summary: 'Create an inference service: N replicas kept ready across hosts, health-checked, with an endpoint list.',
  args: '[-- COMMAND...]',
  takesCommand: true,
  options: {
    name: { type: 'string', value: 'NAME', description: 'the service name (required)' },
    replicas: { type: 'string', value: 'N', description: 'replicas to keep ready (1-64, required)' },
    'max-price': { type: 'string', value: 'USD', description: 'the most each replica pays per GPU-hour (required, unless --tier interruptible)' },
    tier: { type: 'string', value: 'TIER', description: 'on-demand (default) or interruptible: replicas on idle GPUs at --bid, preempted by on-demand work and replaced' },
    bid: { type: 'string', value: 'USD', description: 'interruptible replicas: the price paid per GPU-hour' },
    'health-path': { type: 'string', value: 'PATH', description: 'the HTTP path checked on each replica, e.g. /health (required)' },
    'health-port': { type: 'string', value: 'PORT', description: 'the container port checked (default: the first http port)' },
    'health-interval': { type: 'string', value: 'SECONDS', description: 'seconds between checks (1-300, default 10)' },
    'health-timeout': { type: 'string', value: 'SECONDS', description: 'seconds each check may take (1-60, default 5)' },
    'health-failures': { type: 'string', value: 'N', description: 'failures in a row that make a replica unhealthy (1-20, default 3)' },
    'startup-grace': { type: 'string', value: 'SECONDS', description: 'failures this long after a start do not count (0-3600, default 300)' },
    spread: { type: 'string', value: 'hosts|providers', description: 'never two replicas on one host (hosts) or on one provider\'s hosts (providers)' },
    template: { type: 'string', value: 'NAME', description: 'start from a template (gpuhive templates), e.g. vllm; fill its env with --env' },
    image: { type: 'string', value: 'IMAGE', description: 'container image; without it the command runs as a process' },
    port: { type: 'string', multiple: true, value: '[NAME:]PORT[/http]', description: 'a port each replica listens on (at least one /http); not with --template' },
    env: { type: 'string', multiple: true, value: 'K=V', description: 'environment variable (a bare K copies it from this shell)' },
    gpus: { type: 'string', value: 'N', description: 'GPUs per replica (1-8; default 1)' },
    model: { type: 'string', multiple: true, value: 'MODEL', description: 'acceptable GPU model' },
    'min-vram': { type: 'string', value: 'MB', description: 'at least this much VRAM per GPU' },
    region: { type: 'string', multiple: true, value: 'REGION', description: 'acceptable region' },
    'idempotency-key': { type: 'string', value: 'KEY', description: 'creating again with the same key and body returns the same service (default: a new key each run)' },
  },
  details: [
    'Examples:',
    '  gpuhive services create --name chat --template vllm --env MODEL=Qwen/Qwen2.5-7B-Instruct \\',
    '    --replicas 3 --max-price 0.90 --health-path /health --spread providers',
    '  gpuhive services create --name echo --replicas 2 --max-price 0.60 --port api:8000/http --health-path /health -- node server.js',
  ].join('\n'),
  async run(context, input) {
    if (input.positionals.length > 0) throw new UsageError(`Put the command after --, e.g. gpuhive services create ... -- ${input.positionals.join(' ')}`, 'services create');
    const required = (name: string) => {
      const value = stringFlag(input, name);
      if (value === undefined) throw new UsageError(`--${name} is required.`, 'services create');
      return value;
    };
    const name = required('name');
    const replicas = intFlag(input, 'replicas', 1, 64) ?? Number(required('replicas'));
    const tier = enumFlag(input, 'tier', ['on-demand', 'interruptible'] as const);
    const bid = usdFlag(input, 'bid');
    if (tier === 'interruptible' && bid === undefined) throw new UsageError('Interruptible replicas need a bid: give --bid USD (per GPU-hour).', 'services create');
    if (tier !== 'interruptible' && bid !== undefined) throw new UsageError('--bid is for --tier interruptible; on-demand replicas give --max-price.', 'services create');
    if (tier === 'interruptible' && stringFlag(input, 'max-price') !== undefined) throw new UsageError('Interruptible replicas pay their bid: leave out --max-price.', 'services create');
    const maxPrice = tier === 'interruptible' ? undefined : usdFlag(input, 'max-price') ?? required('max-price');
    const path = required('health-path');
    const template = stringFlag(input, 'template');
    const models = listFlag(input, 'model');
    const regions = listFlag(input, 'region');
    const gpus = intFlag(input, 'gpus', 1, 8);
    const minVramMb = intFlag(input, 'min-vram', 1, 1_048_576);
    const healthPort = intFlag(input, 'health-port', 1, 65535);
    const interval = intFlag(input, 'health-interval', 1, 300);
    const timeout = intFlag(input, 'health-timeout', 1, 60);
    const failures = intFlag(input, 'health-failures', 1, 20);
    const grace = intFlag(input, 'startup-grace', 0, 3600);
    const spread = enumFlag(input, 'spread', ['hosts', 'providers'] as const);
    const image = stringFlag(input, 'image');
    const gpu = template && gpus === undefined && models.length === 0 && minVramMb === undefined
      ? undefined
      : { count: gpus ?? 1, ...(models.length > 0 ? { models } : {}), ...(minVramMb !== undefined ? { minVramMb } : {}) };
    const body = {
      name,
      ...(template ? { template } : {}),
      ...(image ? { image } : {}),
      ...(input.rest.length > 0 ? { command: [...input.rest] } : {}),
      env: parseEnvFlags(listFlag(input, 'env'), context.env),
      ...(listFlag(input, 'port').length > 0 ? { ports: listFlag(input, 'port').map(parsePortFlag) } : {}),
      ...(gpu ? { gpu } : {}),
      ...(regions.length > 0 ? { regions } : {}),
      replicas,
      ...(maxPrice !== undefined ? { maxPricePerGpuHour: maxPrice } : {}),
      ...(tier === 'interruptible' ? { tier, bidPerGpuHour: bid } : {}),
      healthCheck: {
        path,
        ...(healthPort !== undefined ? { port: healthPort } : {}),
        ...(interval !== undefined ? { intervalSeconds: interval } : {}),
        ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
        ...(failures !== undefined ? { failureThreshold: failures } : {}),
        ...(grace !== undefined ? { startupGraceSeconds: grace } : {}),
      },
      ...(spread ? { spread } : {}),
    } satisfies CreateServiceRequest;
    const api = await context.api();
    const created = await api.post<CreatedServiceResponse>('/v1/services', body, idempotencyKey(stringFlag(input, 'idempotency-key')));
    if (context.json) printJson(context.output, created);
    else line(context.output, `Created ${created.serviceId} (${created.status}). Watch it with: gpuhive services get ${created.serviceId}`);
    return 0;
  },
};

export const servicesList: Command = {
  name: 'services list',
  summary: 'Your services, newest first.',
  options: { limit: { type: 'string', value: 'N', description: 'at most N services (1-1000, default 20)' } },
  async run(context, input) {
    noPositionals(input);
    const limit = intFlag(input, 'limit', 1, 1000) ?? 20;
    const services = await allPages<Service>(await context.api(), '/v1/services', {}, limit);
    if (context.json) printJson(context.output, services);
    else if (services.length === 0) line(context.output, 'No services.');
    else context.output.out(servicesTable(services));
    return 0;
  },
};

export const servicesGet: Command = {
  name: 'services get',
  summary: "One service: each replica's job, host, state, health and endpoint; cost so far and per hour.",
  args: 'SERVICE',
  options: {},
  async run(context, input) {
    const serviceId = onePositional(input, 'service id');
    printService(context, await (await context.api()).get<Service>(`/v1/services/${encodeURIComponent(serviceId)}`));
    return 0;
  },
};

export const servicesScale: Command = {
  name: 'services scale',
  summary: 'Change how many replicas a service keeps ready.',
  args: 'SERVICE REPLICAS',
  options: {},
  async run(context, input) {
    const [serviceId, count] = positionals(input, ['the service id', 'the replica count']) as [string, string];
    if (!/^\d+$/.test(count) || Number(count) < 1 || Number(count) > 64) throw new UsageError(`REPLICAS must be a whole number from 1 to 64, not "${count}".`, 'services scale');
    const api = await context.api();
    printService(context, await api.request<Service>('PATCH', `/v1/services/${encodeURIComponent(serviceId)}`, { body: { replicas: Number(count) } satisfies UpdateServiceRequest, repeatable: true }));
    return 0;
  },
};

export const servicesUpdate: Command = {
  name: 'services update',
  summary: 'Roll out a new image, command or env, one replica at a time (at least replicas - 1 stay ready).',
  args: 'SERVICE [-- COMMAND...]',
  takesCommand: true,
  options: {
    image: { type: 'string', value: 'IMAGE', description: 'the new image' },
    env: { type: 'string', multiple: true, value: 'K=V', description: 'set an environment variable (others keep their values)' },
    replicas: { type: 'string', value: 'N', description: 'also change the replica count (1-64)' },
  },
  async run(context, input) {
    const serviceId = onePositional(input, 'service id');
    const image = stringFlag(input, 'image');
    const env = listFlag(input, 'env');
    const replicas = intFlag(input, 'replicas', 1, 64);
    const body = {
      ...(image ? { image } : {}),
      ...(env.length > 0 ? { env: parseEnvFlags(env, context.env) } : {}),
      ...(input.rest.length > 0 ? { command: [...input.rest] } : {}),
      ...(replicas !== undefined ? { replicas } : {}),
    } satisfies UpdateServiceRequest;
    if (Object.keys(body).length === 0) throw new UsageError('Give --image, --env, --replicas or a command after --.', 'services update');
    const api = await context.api();
    printService(context, await api.request<Service>('PATCH', `/v1/services/${encodeURIComponent(serviceId)}`, { body, repeatable: true }));
    return 0;
  },
};

export const servicesStop: Command = {
  name: 'services stop',
  summary: 'Stop every replica of a service.',
  args: 'SERVICE',
  options: {},
  async run(context, input) {
    const serviceId = onePositional(input, 'service id');
    // Stopping a stopping or stopped service changes nothing: safe to try again when the API is busy.
    const service = await (await context.api()).request<Service>('POST', `/v1/services/${encodeURIComponent(serviceId)}/stop`, { body: {}, repeatable: true });
    if (context.json) printJson(context.output, service);
    else line(context.output, `${service.serviceId} ${service.status}${service.statusReason ? ` (${service.statusReason})` : ''}.`);
    return 0;
  },
};

export const servicesEndpoints: Command = {
  name: 'services endpoints',
  summary: "A service's ready endpoints, for load balancing (--urls: one URL a line).",
  args: 'SERVICE',
  options: { urls: { type: 'boolean', description: 'print only the URLs, one a line' } },
  async run(context, input) {
    const serviceId = onePositional(input, 'service id');
    const endpoints = await (await context.api()).get<Endpoints>(`/v1/services/${encodeURIComponent(serviceId)}/endpoints`);
    if (context.json) printJson(context.output, endpoints);
    else if (input.values.urls) context.output.out(endpoints.endpoints.map((endpoint) => `${endpoint.url}\n`).join(''));
    else if (endpoints.endpoints.length === 0) line(context.output, 'No ready endpoints yet.');
    else context.output.out(table(['REPLICA', 'URL', 'HOST', 'REGION', 'JOB'], endpoints.endpoints.map((e) => [String(e.replica), e.url, e.hostId, e.region, e.jobId])));
    return 0;
  },
};

export const SERVICE_COMMANDS: readonly Command[] = [servicesCreate, servicesList, servicesGet, servicesScale, servicesUpdate, servicesStop, servicesEndpoints];
