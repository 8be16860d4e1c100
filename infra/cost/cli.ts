/**
 * `npm run cost -- [options]` (`--help` lists them): the monthly AWS cost of the control plane
 * by service, from the request counts that infra/cost/measure.ts measured
 * (infra/cost/measured.json) and the list prices in prices.ts.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scriptArgs, usageError } from '#infra/script-args.ts';
import { topology } from '#infra/topology.ts';
import { ESTIMATED_JOB } from './job-estimate.ts';
import { MEASURED_PATH, measuredJobUsage, readMeasured } from './measured.ts';
import { monthlyCost, type CostInputs } from './model.ts';
import { PRICES } from './prices.ts';
import { renderReport } from './report.ts';
import { PLACEMENT_INPUTS, USAGE_RECORD_WORK, costPerThousand, placementWork, type UnitCost } from './unit-cost.ts';

const measured = readMeasured();
const HELP_COMMAND = 'npm run cost -- --help';
const { values } = scriptArgs({
  options: {
    hosts: { type: 'string', default: '10000' },
    'jobs-per-day': { type: 'string', default: '0' },
    'heartbeat-seconds': { type: 'string', default: String(measured.settings.heartbeatSeconds) },
    'poll-seconds': { type: 'string', default: String(measured.settings.pollSeconds) },
    'credential-refresh-minutes': { type: 'string', default: String(measured.settings.credentialRefreshMinutes) },
    'authorizer-cache-seconds': { type: 'string', default: String(topology.authorizer.cacheSeconds) },
    'job-minutes': { type: 'string', default: '30' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
}, HELP_COMMAND);

if (values.help) {
  process.stdout.write(
    [
      'Usage: npm run cost -- [options]',
      '',
      `The control plane's monthly AWS cost by service, at list prices, from the requests each action made on the local runtime (${relative(process.cwd(), fileURLToPath(MEASURED_PATH))}, measured ${measured.measuredAt}).`,
      '',
      '  --hosts N                       idle hosts in the fleet (default 10000)',
      '  --jobs-per-day N                jobs submitted a day (default 0)',
      `  --heartbeat-seconds S           each agent's heartbeat interval (default ${measured.settings.heartbeatSeconds})`,
      `  --poll-seconds S                each long poll's wait, 1 to 20 (default ${measured.settings.pollSeconds})`,
      `  --credential-refresh-minutes M  how often agents refresh their queue credentials, 1 to 60 (default ${measured.settings.credentialRefreshMinutes})`,
      `  --authorizer-cache-seconds S    the authorizer's cache (default ${topology.authorizer.cacheSeconds})`,
      '  --job-minutes M                 how long a job runs (default 30)',
      '  --json                          print the report as JSON',
      '  -h, --help                      this help',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const number = (name: keyof typeof values, { min, max }: { min: number; max: number }): number => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < min || value > max) usageError(`--${name} must be a number from ${min} to ${max}, got '${String(values[name])}'`, HELP_COMMAND);
  return value;
};

const inputs: CostInputs = {
  hosts: number('hosts', { min: 0, max: 10_000_000 }),
  jobsPerDay: number('jobs-per-day', { min: 0, max: 100_000_000 }),
  heartbeatSeconds: number('heartbeat-seconds', { min: 1, max: 86_400 }),
  // SQS long polls wait at most 20 s.
  pollSeconds: number('poll-seconds', { min: 1, max: 20 }),
  // Role chaining caps vended sessions at one hour.
  credentialRefreshMinutes: number('credential-refresh-minutes', { min: 1, max: 60 }),
  authorizerCacheSeconds: number('authorizer-cache-seconds', { min: 0, max: 3600 }),
  jobMinutes: number('job-minutes', { min: 0, max: 100_000 }),
};

const report = monthlyCost({
  inputs,
  idle: measured.idle,
  job: measuredJobUsage(measured) ?? ESTIMATED_JOB,
  schedulesPerRun: measured.schedulesPerRun,
  topology,
  prices: PRICES,
});

const perThousand = {
  usageRecords: costPerThousand(USAGE_RECORD_WORK, PRICES),
  placements: costPerThousand(placementWork(PLACEMENT_INPUTS), PRICES),
};
const unitLine = (what: string, cost: UnitCost) =>
  `  ${what.padEnd(22)} $${cost.total.toFixed(4)} (${Object.entries(cost.byService).map(([service, usd]) => `${service} $${usd.toFixed(4)}`).join(', ')})`;

if (values.json) {
  process.stdout.write(`${JSON.stringify({ ...report, perThousand }, null, 2)}\n`);
} else {
  const measuredPath = relative(process.cwd(), fileURLToPath(MEASURED_PATH));
  process.stdout.write(`${renderReport(report, { prices: PRICES, measuredAt: measured.measuredAt, measuredPath })}\n`);
  process.stdout.write(
    [
      '',
      'Per 1,000 units of work (infra/cost/unit-cost.ts; requests per unit from bench/usage-throughput.bench.ts and bench/placements.bench.ts):',
      unitLine('1,000 usage records', perThousand.usageRecords),
      unitLine('1,000 placements', perThousand.placements),
      '',
    ].join('\n'),
  );
}
