// Over 300 lines on purpose: one operator script, its fleet simulation and its report together.
/**
 * Measures what an idle host costs, on the local runtime: `npx tsx infra/cost/measure.ts`
 * (options: --hosts 5 --heartbeat-seconds 60 --poll-seconds 20 --credential-refresh-minutes 50
 * --authorizer-cache-seconds 60 --speedup 20 --simulated-minutes 60 --out infra/cost/measured.json).
 *
 * It starts the whole backend in this process (in memory, quiet), registers a fleet of hosts
 * through the API, then lets each behave as an idle agent does: heartbeat through the API at the
 * interval, refresh its queue credentials, and long-poll its own queue directly with them. The
 * clock is compressed `speedup` times (every interval, the long poll and the authorizer's cache
 * are divided by it), so an hour takes three minutes at the default of 20. The call counter
 * (shared/platform/call-counter.ts) counts every API request, invocation, SDK call and log byte;
 * the result is written per action (one heartbeat, one long poll, ...) and per host-hour, with
 * the date and these settings, for `npm run cost` to price.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { callCounter, countSdkCalls, type CallCounts, type SdkUsage } from '#platform/call-counter.ts';
import { RegistryEnv } from '#registry/config.ts';
import { invokeHandler, loadHandler } from '#infra/local/handlers.ts';
import { lambdaContext } from '#infra/local/lambda-context.ts';
import { positiveOption, scriptArgs, usageError } from '#infra/script-args.ts';
import { LOCAL_STAGE, startLocalRuntime } from '#infra/local/runtime.ts';
import { resourceName, routeKey, topology, type RouteDef } from '#infra/topology.ts';
import type { ActionUsage } from './model.ts';
import type { MeasuredFile } from './measured.ts';

const AGENT_SCOPE = 'agent: direct long poll';
const route = (capability: (def: RouteDef) => boolean, what: string): RouteDef => {
  const found = topology.routes.find(capability);
  if (!found) throw new Error(`The topology has no ${what} route`);
  return found;
};
const HEARTBEAT = route((def) => def.entry.endsWith('/heartbeat.ts'), 'heartbeat');
const VEND = route((def) => def.capabilities?.includes('vendAgentQueueCredentials') ?? false, 'queue-credentials');

const HELP_COMMAND = 'npx tsx infra/cost/measure.ts --help';
const { values: options } = scriptArgs({
  options: {
    hosts: { type: 'string', default: '5' },
    'heartbeat-seconds': { type: 'string', default: '60' },
    'poll-seconds': { type: 'string', default: '20' },
    'credential-refresh-minutes': { type: 'string', default: '50' },
    'authorizer-cache-seconds': { type: 'string', default: String(topology.authorizer.cacheSeconds) },
    speedup: { type: 'string', default: '20' },
    'simulated-minutes': { type: 'string', default: '60' },
    out: { type: 'string', default: 'infra/cost/measured.json' },
    help: { type: 'boolean', short: 'h' },
  },
}, HELP_COMMAND);

if (options.help) {
  process.stdout.write(
    [
      'Usage: npx tsx infra/cost/measure.ts [options]',
      '',
      'Measures what an idle host costs on the local runtime (in memory, no AWS account) and writes it for `npm run cost`.',
      '',
      '  --hosts N                       hosts in the simulated fleet (default 5)',
      '  --heartbeat-seconds S           each agent\'s heartbeat interval (default 60)',
      '  --poll-seconds S                each long poll\'s wait (default 20)',
      '  --credential-refresh-minutes M  how often agents refresh their queue credentials (default 50)',
      `  --authorizer-cache-seconds S    the authorizer's cache (default ${topology.authorizer.cacheSeconds})`,
      '  --speedup X                     clock compression: every interval divided by X (default 20)',
      '  --simulated-minutes M           how long the fleet idles, in simulated minutes (default 60)',
      '  --out FILE                      where to write the measurement (default infra/cost/measured.json)',
      '  -h, --help                      this help',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const positive = (name: keyof typeof options, orZero = false) => positiveOption(name, options[name], HELP_COMMAND, { orZero });
const settings = {
  hosts: positive('hosts'),
  heartbeatSeconds: positive('heartbeat-seconds'),
  pollSeconds: positive('poll-seconds'),
  credentialRefreshMinutes: positive('credential-refresh-minutes'),
  authorizerCacheSeconds: positive('authorizer-cache-seconds', true),
  speedup: positive('speedup'),
  simulatedMinutes: positive('simulated-minutes'),
  logLevel: 'INFO',
};
const pollWait = settings.pollSeconds / settings.speedup;
if (!Number.isInteger(pollWait) || pollWait < 1 || pollWait > 20) {
  usageError(`--poll-seconds / --speedup must be a whole number of seconds from 1 to 20 (SQS's WaitTimeSeconds), got ${pollWait}`, HELP_COMMAND);
}

const say = process.stderr.write.bind(process.stderr);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** The functions' JSON logs are counted (by scope) and swallowed; this script's own lines go to stderr directly. */
const captureLogs = () => {
  const writes = [process.stdout.write, process.stderr.write] as const;
  const counting = (chunk: string | Uint8Array, ...rest: unknown[]) => {
    callCounter.recordLogBytes(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength);
    const done = rest.find((arg): arg is () => void => typeof arg === 'function');
    done?.();
    return true;
  };
  process.stdout.write = counting as typeof process.stdout.write;
  process.stderr.write = counting as typeof process.stderr.write;
  return () => {
    [process.stdout.write, process.stderr.write] = writes;
  };
};

const api = (baseUrl: string) => async <T>(method: string, path: string, key?: string, body?: unknown): Promise<T> => {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/json', 'user-agent': 'gpuhive-agent/0.1.0 (cost measurement)' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
};

interface QueueCredentials {
  readonly queueUrl: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string };
}

const hostFacts = (index: number) => ({
  hostname: `rig-${index}`,
  region: 'eu-west',
  pricePerGpuHour: '0.450000',
  gpus: [{ name: 'NVIDIA GeForce RTX 4090', vramMb: 24564, uuid: `GPU-cost-${index}`, index: 0 }],
  cpuCores: 16,
  memoryMb: 65536,
  diskGb: 500,
  runtimes: ['docker'],
});

/** `gpuhive-local-registry` -> `registry`: the cost model prices a table by its topology name. */
const topologyTableName = (physical: string): string =>
  Object.keys(topology.tables).find((name) => resourceName(LOCAL_STAGE, name) === physical) ?? physical;

/** Sums SDK usage maps, units by table included (renamed to the topology's table names). */
const mergeSdk = (into: Record<string, SdkUsage>, from: Readonly<Record<string, SdkUsage>>) => {
  for (const [key, usage] of Object.entries(from)) {
    const seen = (into[key] ??= { calls: 0, billableRequests: 0, readUnits: 0, writeUnits: 0 });
    seen.calls += usage.calls;
    seen.billableRequests += usage.billableRequests;
    seen.readUnits += usage.readUnits;
    seen.writeUnits += usage.writeUnits;
    for (const [table, units] of Object.entries(usage.tables ?? {})) {
      const name = topologyTableName(table);
      const tableSeen = ((seen.tables ??= {})[name] ??= { readUnits: 0, writeUnits: 0 });
      tableSeen.readUnits += units.readUnits;
      tableSeen.writeUnits += units.writeUnits;
    }
  }
  return into;
};

const scaleSdk = (sdk: Readonly<Record<string, SdkUsage>>, factor: number): Record<string, SdkUsage> =>
  Object.fromEntries(
    Object.entries(sdk).map(([key, usage]) => [
      key,
      {
        calls: usage.calls * factor,
        billableRequests: usage.billableRequests * factor,
        readUnits: usage.readUnits * factor,
        writeUnits: usage.writeUnits * factor,
        ...(usage.tables
          ? {
              tables: Object.fromEntries(
                Object.entries(usage.tables).map(([table, units]) => [table, { readUnits: units.readUnits * factor, writeUnits: units.writeUnits * factor }]),
              ),
            }
          : {}),
      },
    ]),
  );

/** The counted scopes (and API requests) divided by `per`: one action's, or one host-hour's, worth. */
const actionOf = (counts: CallCounts, scopes: readonly string[], apiRequests: number, per: number): ActionUsage => {
  const invocations: Record<string, { count: number; durationMs: number; logBytes: number }> = {};
  const sdk: Record<string, SdkUsage> = {};
  for (const scope of scopes) {
    const counted = counts.scopes[scope];
    if (!counted) continue;
    if (counted.invocations > 0) {
      invocations[scope] = {
        count: counted.invocations / per,
        durationMs: counted.durationMs / counted.invocations,
        logBytes: counted.logBytes / counted.invocations,
      };
    }
    mergeSdk(sdk, counted.sdk);
  }
  return { apiRequests: apiRequests / per, invocations, sdk: scaleSdk(sdk, 1 / per) };
};

/** Waits until the counter has seen no new SDK call for two seconds (at most 20 s). */
const quiet = async (): Promise<void> => {
  const callsSoFar = () =>
    Object.values(callCounter.snapshot().scopes).reduce((sum, scope) => sum + Object.values(scope.sdk).reduce((n, usage) => n + usage.calls, 0), 0);
  const giveUp = Date.now() + 20_000;
  let last = -1;
  while (Date.now() < giveUp) {
    const now = callsSoFar();
    if (now === last) return;
    last = now;
    await sleep(2000);
  }
};

const round = (value: unknown): unknown => {
  if (typeof value === 'number') return Number(value.toPrecision(6));
  if (Array.isArray(value)) return value.map(round);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, round(inner)]));
  return value;
};

const main = async (): Promise<void> => {
  const started = Date.now();
  const compressed = (seconds: number) => seconds / settings.speedup;
  say(`Starting the local runtime (in memory); ${settings.hosts} hosts, clock x${settings.speedup}, ${settings.simulatedMinutes} simulated minutes...\n`);
  const restoreLogs = captureLogs();
  const runtime = await startLocalRuntime({
    inMemory: true,
    port: 0,
    log: () => undefined,
    // The sweeps are measured on their own below: per run, not per host.
    topology: { ...topology, schedules: [] },
    authorizerCacheSeconds: compressed(settings.authorizerCacheSeconds),
    env: {
      POWERTOOLS_LOG_LEVEL: settings.logLevel,
      [RegistryEnv.heartbeatIntervalSeconds]: String(compressed(settings.heartbeatSeconds)),
      // No host may go unreachable while it idles: the sweeps are not running anyway.
      [RegistryEnv.unreachableAfterSeconds]: '86400',
      [RegistryEnv.offlineAfterSeconds]: '172800',
    },
  });
  const call = api(runtime.apiUrl);
  try {
    const provider = await call<{ apiKey: string }>('POST', '/v1/accounts', runtime.adminKey, { kind: 'provider', name: 'Cost measurement GPUs' });

    // One host's onboarding: a registration token and the registration itself.
    callCounter.start();
    const hosts: { agentToken: string }[] = [];
    for (let index = 0; index < settings.hosts; index += 1) {
      const token = await call<{ token: string }>('POST', '/v1/hosts/registration-tokens', provider.apiKey);
      hosts.push(await call<{ agentToken: string }>('POST', '/v1/agent/register', undefined, { registrationToken: token.token, ...hostFacts(index) }));
    }
    // Registration publishes events; their consumers run on the pollers a moment later, and belong to it.
    await quiet();
    const onboarding = callCounter.stop();
    const perRegistration = actionOf(
      onboarding,
      Object.keys(onboarding.scopes),
      Object.values(onboarding.apiRequests).reduce((sum, count) => sum + count, 0),
      settings.hosts,
    );

    // The idle fleet.
    const realMs = (settings.simulatedMinutes * 60 * 1000) / settings.speedup;
    const deadline = Date.now() + realMs;
    say(`Registered ${settings.hosts} hosts; idling for ${(realMs / 1000).toFixed(0)} s...\n`);
    callCounter.start();
    const agent = async (agentToken: string) => {
      let sqs: SQSClient | undefined;
      let queueUrl = '';
      let nextRefresh = 0;
      const refresh = async () => {
        const vended = await call<QueueCredentials>('POST', '/v1/agent/queue-credentials', agentToken);
        sqs?.destroy();
        sqs = countSdkCalls(new SQSClient({ region: vended.region, credentials: vended.credentials, useQueueUrlAsEndpoint: false, ...(vended.endpoint ? { endpoint: vended.endpoint } : {}) }));
        queueUrl = vended.queueUrl;
        nextRefresh = Date.now() + compressed(settings.credentialRefreshMinutes * 60) * 1000;
      };
      // As an agent does: heartbeat, then wait the interval the server gave before the next one.
      const heartbeats = (async () => {
        while (Date.now() < deadline) {
          await call('POST', '/v1/agent/heartbeat', agentToken, { runningAssignments: [] });
          await sleep(Math.max(0, Math.min(compressed(settings.heartbeatSeconds) * 1000, deadline - Date.now())));
        }
      })();
      const polls = (async () => {
        while (Date.now() < deadline) {
          if (Date.now() >= nextRefresh) await refresh();
          const client = sqs!;
          await callCounter.within(AGENT_SCOPE, () => client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: pollWait, MaxNumberOfMessages: 10 })));
        }
      })();
      await Promise.all([heartbeats, polls]);
      sqs?.destroy();
    };
    await Promise.all(hosts.map((host) => agent(host.agentToken)));
    const idle = callCounter.stop();
    const hostHours = (settings.hosts * settings.simulatedMinutes) / 60;

    const heartbeatRequests = idle.apiRequests[routeKey(HEARTBEAT)] ?? 0;
    const vendRequests = idle.apiRequests[routeKey(VEND)] ?? 0;
    const authorizerRuns = idle.scopes[topology.authorizer.entry]?.invocations ?? 0;
    const polls = idle.scopes[AGENT_SCOPE]?.sdk['SQS.ReceiveMessage']?.calls ?? 0;
    const known = [HEARTBEAT.entry, VEND.entry, topology.authorizer.entry, AGENT_SCOPE];
    const otherScopes = Object.keys(idle.scopes).filter((scope) => !known.includes(scope));
    const otherRequests = Object.entries(idle.apiRequests)
      .filter(([key]) => key !== routeKey(HEARTBEAT) && key !== routeKey(VEND))
      .reduce((sum, [, count]) => sum + count, 0);
    const totalRequests = Object.values(idle.apiRequests).reduce((sum, count) => sum + count, 0);

    // Each sweep once with the fleet registered (three runs, averaged).
    const schedulesPerRun: Record<string, ActionUsage> = {};
    const notMeasured: string[] = [];
    for (const schedule of topology.schedules) {
      try {
        // Loaded before counting: its module's start is not one of its runs.
        await loadHandler(resolve('.'), schedule);
        callCounter.start();
        for (let run = 0; run < 3; run += 1) await invokeHandler(resolve('.'), schedule, {}, () => lambdaContext(schedule.name, 60));
        schedulesPerRun[schedule.name] = actionOf(callCounter.stop(), [schedule.entry], 0, 3);
      } catch (error) {
        callCounter.stop();
        notMeasured.push(`schedule ${schedule.name}: ${(error as Error).message.split('\n')[0]}`);
      }
    }

    const measured: MeasuredFile = {
      measuredAt: new Date().toISOString().slice(0, 10),
      how: `infra/cost/measure.ts: ${settings.hosts} idle hosts on the local runtime (in memory, log level ${settings.logLevel}), clock compressed ${settings.speedup} times, ${settings.simulatedMinutes} simulated minutes`,
      settings,
      idle: {
        heartbeat: actionOf(idle, [HEARTBEAT.entry], heartbeatRequests, heartbeatRequests),
        credentialRefresh: actionOf(idle, [VEND.entry], vendRequests, vendRequests),
        authorizerInvocation: actionOf(idle, [topology.authorizer.entry], 0, authorizerRuns),
        longPoll: actionOf(idle, [AGENT_SCOPE], 0, polls),
        otherPerHostHour: actionOf(idle, otherScopes, otherRequests, hostHours),
      },
      perHostHour: actionOf(idle, Object.keys(idle.scopes), totalRequests, hostHours),
      perRegistration,
      schedulesPerRun,
      notMeasured,
      perJob: null,
    };
    const out = resolve(options.out);
    writeFileSync(out, `${JSON.stringify(round(measured), null, 2)}\n`);
    say(
      `Measured ${heartbeatRequests} heartbeats, ${polls} long polls, ${vendRequests} credential refreshes, ${authorizerRuns} authorizer runs ` +
        `in ${((Date.now() - started) / 1000).toFixed(0)} s; wrote ${out}\n`,
    );
    if (notMeasured.length > 0) say(`Not measured: ${notMeasured.join('; ')}\n`);
  } finally {
    await runtime.stop();
    restoreLogs();
  }
};

await main();
