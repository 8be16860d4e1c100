/**
 * AWS cost of a unit of work at scale (issue 14): per 1,000 usage records charged and per
 * 1,000 placements, from request counts per unit. Usage records: counted by the call counter
 * in bench/usage-throughput.bench.ts (it prints these counts and this cost). Placements: the
 * items and calls per placement bench/placements.bench.ts prints, entered in
 * `PLACEMENT_INPUTS` (the one place to update when placement changes). On-demand list prices
 * (prices.ts); fixed costs (alarms, idle polling, the provisioned floor) are left out: they do
 * not grow with the work.
 */
import { DEFAULT_MEMORY_MB } from '#infra/constructs/sizing.ts';
import type { PriceTable } from './prices.ts';

/** Requests one unit of work makes, as AWS bills them. */
export interface UnitWork {
  readonly apiRequests: number;
  readonly lambdaInvocations: number;
  /** Function time per unit, milliseconds (billed at DEFAULT_MEMORY_MB). */
  readonly lambdaMs: number;
  /** Write and read request units, on demand (a transactional write of an item costs two). */
  readonly dynamoWriteUnits: number;
  readonly dynamoReadUnits: number;
  readonly sqsRequests: number;
  readonly eventBridgeEvents: number;
}

export interface UnitCost {
  /** US dollars per 1,000 units, by service. */
  readonly byService: { readonly apiGateway: number; readonly lambda: number; readonly dynamoDb: number; readonly sqs: number; readonly eventBridge: number };
  readonly total: number;
}

const PER_MILLION = 1_000_000;

/** Dollars per 1,000 units of work. */
export const costPerThousand = (work: UnitWork, prices: PriceTable, memoryMb = DEFAULT_MEMORY_MB): UnitCost => {
  const units = 1_000;
  const byService = {
    apiGateway: (units * work.apiRequests * prices.apiGatewayHttpRequests.usd) / PER_MILLION,
    lambda:
      (units * work.lambdaInvocations * prices.lambdaRequests.usd) / PER_MILLION +
      units * (work.lambdaMs / 1000) * (memoryMb / 1024) * prices.lambdaArmGbSecond.usd,
    dynamoDb: (units * (work.dynamoWriteUnits * prices.dynamoDbWriteRequestUnits.usd + work.dynamoReadUnits * prices.dynamoDbReadRequestUnits.usd)) / PER_MILLION,
    sqs: (units * work.sqsRequests * prices.sqsRequests.usd) / PER_MILLION,
    eventBridge: (units * work.eventBridgeEvents * prices.eventBridgeCustomEvents.usd) / PER_MILLION,
  };
  return { byService, total: Object.values(byService).reduce((sum, usd) => sum + usd, 0) };
};

export const usageRecordCosts = (work: UnitWork, prices: PriceTable): UnitCost => costPerThousand(work, prices);

/**
 * Per usage record. Counted by bench/usage-throughput.bench.ts (2026-12-07 03:37 UTC, 32,000
 * records in batches of 100, one chunk of 100 records per request since record groups): API
 * requests, DynamoDB units as the store reported them, EventBridge events (a
 * `usage.chunk_recorded` and a `usage.chunk_charged` per chunk). Queue requests and Lambda work
 * are by design, per chunk of 100 records, because the local runtime's in-process pollers do
 * not bill like Lambda's event sources: about 8 SQS requests (EventBridge's delivery, receive
 * and delete on `billing-usage`, the move to `billing-charges.fifo` with its receive and
 * delete, and `matching-costs`), 3 invocations (route, charge, cost; batched, so fewer) of
 * about 20 ms each. Update from the bench's printout.
 */
export const USAGE_RECORD_WORK: UnitWork = {
  apiRequests: 0.01,
  lambdaInvocations: 3 / 100,
  lambdaMs: (3 * 20) / 100,
  dynamoWriteUnits: 1.26,
  dynamoReadUnits: 0.03,
  sqsRequests: 8 / 100,
  eventBridgeEvents: 0.02,
};

/** What bench/placements.bench.ts prints per placement; the one place to enter it. */
export interface PlacementInputs {
  /** Items written in the placement transactions (job, timeline, outbox, share of a host). */
  readonly itemsWritten: number;
  /** SDK calls per placement in the bench, all operations. */
  readonly sdkCalls: number;
  /** Placements per matcher invocation (a batch). */
  readonly placementsPerInvocation: number;
  /** Write units of the `job.scheduled` consumers downstream, per placement (not in the bench's count). */
  readonly downstreamWrites: number;
  /** Queue messages per placement: the host's assignment, and the event's deliveries to its consumers. */
  readonly sqsMessages: number;
}

/**
 * From the placements bench of 2026-12-05 05:02 UTC (10,000 hosts, P = 4, quiet machine): 2.55
 * items per placement; SDK calls from the run of 12:38 UTC after `job.scheduled` lost its
 * metering consumer and logs' head (10,000 hosts, P = 4): the matcher's 0.69 and everything
 * downstream's 0.22. Downstream writes, in transactions at two write units an item: logs'
 * assignment and registry's host last work (at most one a host a batch; counted as one a
 * placement, as a bound from above; the bench's registry knows no hosts, so writes none).
 * Queue messages: the host's assignment and the event's two consumers.
 */
export const PLACEMENT_INPUTS: PlacementInputs = {
  itemsWritten: 2.55,
  sdkCalls: 0.91,
  placementsPerInvocation: 100,
  downstreamWrites: 4,
  sqsMessages: 3,
};

/**
 * Requests per placement: the transaction's items at two write units each (items under 1 KB),
 * one `job.scheduled` event, the outbox's mark-sent (one write and its index move), the
 * downstream consumers' writes, and each queue message sent, received and deleted (3 requests,
 * batched receives and deletes left out as a bound from above). SDK calls beyond those are
 * reads of one unit each.
 */
export const placementWork = (inputs: PlacementInputs): UnitWork => {
  const writeCalls = 1 + 1; // the transaction's share is under one call; mark-sent
  return {
    apiRequests: 0,
    lambdaInvocations: 1 / inputs.placementsPerInvocation + inputs.sqsMessages / 10,
    lambdaMs: 5,
    dynamoWriteUnits: 2 * inputs.itemsWritten + 2 + inputs.downstreamWrites,
    dynamoReadUnits: Math.max(0, inputs.sdkCalls - writeCalls),
    sqsRequests: 3 * inputs.sqsMessages,
    eventBridgeEvents: 1,
  };
};
