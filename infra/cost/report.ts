import type { PriceTable } from './prices.ts';
import { SERVICES, totalOf, type CostReport, type Usage } from './model.ts';

/** The figure to watch (ARCHITECTURE.md, The long poll costs nothing while idle). */
export const IDLE_HOST_MONTH_TARGET_USD = 0.15;

const usd = (value: number, digits = 2): string => {
  const sign = value < 0 ? '-' : '';
  return `${sign}$${Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
};
const count = (value: number): string => Math.round(value).toLocaleString('en-US');

const table = (header: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  const line = (row: readonly string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
};

const quantities = (usage: Usage): (readonly [string, string])[] => [
  ['API requests', count(usage.apiRequests)],
  ['Lambda invocations', count(usage.lambdaInvocations)],
  ['Lambda GB-seconds', usage.lambdaGbSeconds.toFixed(1)],
  ['DynamoDB read units (on demand)', count(usage.dynamoReadUnits)],
  ['DynamoDB write units (on demand)', count(usage.dynamoWriteUnits)],
  ['DynamoDB read units (provisioned)', count(usage.dynamoProvisionedReadUnits)],
  ['DynamoDB write units (provisioned)', count(usage.dynamoProvisionedWriteUnits)],
  ['SQS requests', count(usage.sqsRequests)],
  ['EventBridge events', count(usage.eventBridgeEvents)],
  ['STS calls', count(usage.stsRequests)],
  ['Log bytes (functions)', count(usage.logBytes)],
  ['Log bytes (access log)', count(usage.accessLogBytes)],
];

export interface ReportContext {
  readonly prices: PriceTable;
  readonly measuredAt: string;
  readonly measuredPath: string;
}

/** The printed form of `npm run cost`. */
export const renderReport = (report: CostReport, context: ReportContext): string => {
  const { inputs } = report;
  const jobs = `${count(inputs.jobsPerDay)} jobs/day`;
  const hosts = `${count(inputs.hosts)} idle hosts`;
  const rows = SERVICES.map((service) => [
    service,
    usd(report.idleHostMonth[service], 4),
    usd(report.fleetMonth[service]),
    usd(report.jobsMonth[service]),
    usd(report.fixedMonth[service]),
    usd(report.totalMonth[service]),
  ]);
  rows.push([
    'Total',
    usd(report.idleHostMonthTotal, 4),
    usd(totalOf(report.fleetMonth)),
    usd(totalOf(report.jobsMonth)),
    usd(totalOf(report.fixedMonth)),
    usd(report.total),
  ]);
  const within = report.idleHostMonthTotal <= IDLE_HOST_MONTH_TARGET_USD;
  return [
    `gpuhive control plane: monthly AWS cost at ${context.prices.region} list prices of ${context.prices.asOf} (infra/cost/prices.ts)`,
    `Idle-host requests measured ${context.measuredAt} on the local runtime (${context.measuredPath}).`,
    `${count(inputs.hosts)} hosts: heartbeat every ${inputs.heartbeatSeconds} s, long poll ${inputs.pollSeconds} s, queue credentials every ${inputs.credentialRefreshMinutes} min, identity cache ${inputs.authorizerCacheSeconds} s.`,
    `${jobs} of ${inputs.jobMinutes} min each: per-job requests ${report.jobSource === 'estimated' ? 'ESTIMATED (infra/cost/job-estimate.ts), not measured' : 'measured'}.`,
    '',
    table(['Service', 'Per idle host-month', hosts, jobs, 'Fixed', 'Total a month'], rows),
    '',
    'One idle host a month:',
    ...quantities(report.usage.idleHostMonth).map(([what, value]) => `  ${what.padEnd(34)} ${value.padStart(12)}`),
    '',
    `Fixed: ${report.alarms} alarms and one dashboard, the schedules, the consumers' idle queue polling, the X-Ray reservoir (1 trace/s per busy traced function), the provisioned tables' capacity floor, and the API Gateway volume tier above 300 million requests.`,
    '',
    `Dollars per idle host-month: ${usd(report.idleHostMonthTotal, 4)} (target at most ${usd(IDLE_HOST_MONTH_TARGET_USD)}): ${within ? 'within target' : 'OVER TARGET'}.`,
  ].join('\n');
};
