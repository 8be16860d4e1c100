import { describe, expect, it } from 'vitest';
import { PRICES } from '#infra/cost/prices.ts';
import { PLACEMENT_INPUTS, costPerThousand, placementWork, type UnitWork } from '#infra/cost/unit-cost.ts';

const none: UnitWork = { apiRequests: 0, lambdaInvocations: 0, lambdaMs: 0, dynamoWriteUnits: 0, dynamoReadUnits: 0, sqsRequests: 0, eventBridgeEvents: 0 };

describe('cost per 1,000 units of work', () => {
  it('prices each request kind at its list price per million, times 1,000 units', () => {
    const cost = costPerThousand({ ...none, apiRequests: 1, dynamoWriteUnits: 4, dynamoReadUnits: 2, sqsRequests: 3, eventBridgeEvents: 0.5 }, PRICES);

    expect(cost.byService.apiGateway).toBeCloseTo((1_000 * 1 * 1.0) / 1e6, 12);
    expect(cost.byService.dynamoDb).toBeCloseTo((1_000 * (4 * 0.625 + 2 * 0.125)) / 1e6, 12);
    expect(cost.byService.sqs).toBeCloseTo((1_000 * 3 * 0.4) / 1e6, 12);
    expect(cost.byService.eventBridge).toBeCloseTo((1_000 * 0.5 * 1.0) / 1e6, 12);
    expect(cost.byService.lambda).toBe(0);
    expect(cost.total).toBeCloseTo(0.001 + 0.00275 + 0.0012 + 0.0005, 12);
  });

  it('bills Lambda per invocation and per GB-second at the function memory', () => {
    const cost = costPerThousand({ ...none, lambdaInvocations: 0.5, lambdaMs: 20 }, PRICES, 512);

    // 500 invocations; 1,000 x 20 ms = 20 s at 0.5 GB = 10 GB-s.
    expect(cost.byService.lambda).toBeCloseTo((500 * 0.2) / 1e6 + 10 * 0.0000133334, 12);
    expect(cost.total).toBeCloseTo(cost.byService.lambda, 12);
  });

  it('is linear in the work: twice the requests, twice the cost', () => {
    const work: UnitWork = { apiRequests: 0.01, lambdaInvocations: 0.05, lambdaMs: 1.5, dynamoWriteUnits: 3, dynamoReadUnits: 0.5, sqsRequests: 0.1, eventBridgeEvents: 0.03 };
    const doubled = Object.fromEntries(Object.entries(work).map(([key, value]) => [key, value * 2])) as unknown as UnitWork;

    expect(costPerThousand(doubled, PRICES).total).toBeCloseTo(2 * costPerThousand(work, PRICES).total, 12);
  });

  it('turns the placements bench figures into requests: two write units per transactional item, one event, three SQS requests per message', () => {
    const work = placementWork({ ...PLACEMENT_INPUTS, itemsWritten: 3.5, sdkCalls: 6, downstreamWrites: 5, sqsMessages: 4, placementsPerInvocation: 100 });

    expect(work.dynamoWriteUnits).toBe(2 * 3.5 + 2 + 5);
    expect(work.dynamoReadUnits).toBe(4);
    expect(work.sqsRequests).toBe(12);
    expect(work.eventBridgeEvents).toBe(1);
    expect(work.lambdaInvocations).toBeCloseTo(0.01 + 0.4, 12);
  });
});
