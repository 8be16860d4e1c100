/**
 * AWS list prices the cost model multiplies by, in one table: US East (N. Virginia), on-demand,
 * no free tier (a fleet large enough to care about its cost is far past every free tier, and the
 * 12-month ones end), no Savings Plans. Looked up on 2026-11-25 from the pages cited with each
 * price; re-check them there before quoting a figure, and update `asOf` with any change.
 */
export interface Price {
  /** US dollars per `unit`. */
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
  readonly note?: string;
}

export const PRICES = {
  asOf: '2026-11-25',
  region: 'us-east-1',

  apiGatewayHttpRequests: {
    usd: 1.0,
    unit: 'million requests (first 300 million a month)',
    source: 'https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html (Table 4, HTTP APIs, us-east-1)',
    note: 'Metered in 512 KB increments; every agent request here is far below that.',
  },
  apiGatewayHttpRequestsOver300M: {
    usd: 0.9,
    unit: 'million requests (beyond 300 million a month)',
    source: 'https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html',
  },
  lambdaRequests: {
    usd: 0.2,
    unit: 'million invocations',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'GB-second on arm64 (first 7.5 billion GB-s a month)',
    source: 'https://aws.amazon.com/lambda/pricing/ (arm64 tier 1; the same rate as the base arm64 rate in artillery\'s lib/platform/aws-lambda/prices.js)',
    note: 'Duration is billed per 1 ms, rounded up, times the configured memory.',
  },
  dynamoDbWriteRequestUnits: {
    usd: 0.625,
    unit: 'million write request units (on-demand)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the November 2024 on-demand price cut)',
    note: 'One unit per 1 KB written per item; transactional writes cost two; every index an item is projected into costs its own writes.',
  },
  dynamoDbProvisionedWriteCapacityUnitHour: {
    usd: 0.00065,
    unit: 'write capacity unit-hour (provisioned)',
    source: 'https://aws.amazon.com/dynamodb/pricing/provisioned/',
    note: 'One unit is one write of up to 1 KB a second; a fully used unit is 3,600 writes an hour ($0.18 per million).',
  },
  dynamoDbProvisionedReadCapacityUnitHour: {
    usd: 0.00013,
    unit: 'read capacity unit-hour (provisioned)',
    source: 'https://aws.amazon.com/dynamodb/pricing/provisioned/',
    note: 'One unit is one strongly consistent read of up to 4 KB a second, or two eventually consistent ones.',
  },
  dynamoDbReadRequestUnits: {
    usd: 0.125,
    unit: 'million read request units (on-demand)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: 'One unit per strongly consistent read of up to 4 KB; half for eventually consistent; two for transactional.',
  },
  sqsRequests: {
    usd: 0.4,
    unit: 'million requests (standard queues, first 100 billion a month)',
    source: 'https://aws.amazon.com/sqs/pricing/ (as summarised, March 2026, by https://cloudburn.io/blog/amazon-sqs-pricing)',
    note: 'Every 64 KB chunk of a payload is a request; an empty long poll is a request too.',
  },
  eventBridgeCustomEvents: {
    usd: 1.0,
    unit: 'million custom events published',
    source: 'https://aws.amazon.com/eventbridge/pricing/ (as summarised, March 2026, by https://cloudburn.io/blog/amazon-eventbridge-pricing)',
    note: 'Every 64 KB chunk of an event is an event. Rule matching and delivery to a same-account target are included.',
  },
  stsRequests: {
    usd: 0,
    unit: 'million requests',
    source: 'https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html (AWS STS is offered at no additional charge)',
  },
  cloudWatchLogsIngestionGb: {
    usd: 0.5,
    unit: 'GB ingested (standard log class)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (as summarised, June 2026, by https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/)',
    note: 'Storage after ingestion ($0.03 per GB-month, compressed) is left out.',
  },
  cloudWatchLogsInfrequentAccessIngestionGb: {
    usd: 0.25,
    unit: 'GB ingested (Infrequent Access log class)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (Logs, Infrequent Access, us-east-1)',
    note: 'Half the standard class; Logs Insights works, metric and subscription filters and Live Tail do not.',
  },
  xRayTracesRecorded: {
    usd: 5.0,
    unit: 'million traces recorded',
    source: 'https://aws.amazon.com/xray/pricing/',
    note: 'Active tracing samples the first request each second and 5% of the rest (https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html).',
  },
  cloudWatchAlarm: {
    usd: 0.1,
    unit: 'standard-resolution alarm metric a month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (as quoted by https://c3x.dev/resources/aws/aws_cloudwatch_metric_alarm)',
    note: 'The Metrics Insights host-queue alarm is priced like one standard alarm here; its own rate was not found in the pages consulted.',
  },
  cloudWatchDashboard: {
    usd: 3.0,
    unit: 'dashboard a month (beyond the three free ones)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (as summarised by https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/)',
  },
} as const satisfies { asOf: string; region: string } & Record<string, Price | string>;

export type PriceTable = typeof PRICES;
