import type { ActionUsage, JobUsage } from './model.ts';

/**
 * ESTIMATED requests of one job, until the job flow can be measured end to end on the local
 * runtime (measured.json `perJob` is null until then). Each step follows ARCHITECTURE.md's flow
 * 3 to 5 for a one-host job: what it calls, how many DynamoDB capacity units it writes and
 * reads, and what it publishes. The unit counts follow DynamoDB's rules (1 write unit per 1 KB
 * item, 2 in a transaction, and the writes of every index an item is projected into, 2 more when
 * an index key changes), for items under 1 KB. Lambda durations are guesses in line with the
 * measured agent routes. Every consumer invocation is counted as one message (no batching), an
 * upper bound at low traffic. Entries not yet in the topology are marked so.
 */
export interface Step {
  readonly what: string;
  readonly apiRequests?: number;
  /** Invocations: handler entry, how many, milliseconds each. */
  readonly lambda?: readonly (readonly [entry: string, count: number, ms: number])[];
  readonly dynamoReads?: number;
  readonly dynamoWrites?: number;
  readonly sqsRequests?: number;
  readonly events?: number;
}

const AUTHORIZER = 'functions/platform/authorizer.ts';
/** An outbox publish: PutEvents, then the outbox item moves from `pending` to `sent#<hour>` (its index key changes). */
const publish = (events: number): Pick<Step, 'events' | 'dynamoWrites'> => ({ events, dynamoWrites: 3 * events });
/** EventBridge delivers an event to a consumer's queue (one SendMessage), Lambda's poller receives and deletes it. */
const DELIVERY_AND_CONSUME_SQS = 3;

export const PER_JOB_STEPS: readonly Step[] = [
  {
    what: 'POST /v1/jobs: identify the renter (a cache miss), read the balance port, write job + idempotency record + outbox in one transaction',
    apiRequests: 1,
    lambda: [[AUTHORIZER, 1, 15], ['functions/matching/submit-job.ts', 1, 60]],
    dynamoReads: 2,
    dynamoWrites: 14,
  },
  { what: 'publish job.submitted', ...publish(1) },
  {
    what: 'billing places the hold: conditional write on the balance, hold item, outbox; publishes funds.held',
    lambda: [['functions/billing/hold-and-release-funds-on-job-events.ts', 1, 60]],
    sqsRequests: DELIVERY_AND_CONSUME_SQS,
    dynamoReads: 1,
    dynamoWrites: 12 + publish(1).dynamoWrites!,
    events: 1,
  },
  {
    what: 'matching places the job: query capacity, reserve host + assignment + job + outbox, send to the host queue; publishes job.scheduled',
    lambda: [['functions/matching/place-stop-or-nudge-on-funds-and-freed-gpus.ts', 1, 120]],
    sqsRequests: DELIVERY_AND_CONSUME_SQS + 1,
    dynamoReads: 5,
    dynamoWrites: 16 + publish(1).dynamoWrites!,
    events: 1,
  },
  {
    what: 'registry records the assignment on the host',
    lambda: [['functions/registry/record-last-work-on-job-scheduled.ts', 1, 40]],
    sqsRequests: DELIVERY_AND_CONSUME_SQS,
    dynamoWrites: 4,
  },
  { what: 'the agent deletes the assignment from its queue (its long poll is already counted)', sqsRequests: 1 },
  {
    what: 'the agent reports accepted, started and exited (identity cached by its heartbeats); each a transaction and an event',
    apiRequests: 3,
    lambda: [['functions/matching/record-assignment-event.ts', 3, 60]],
    dynamoReads: 3,
    dynamoWrites: 3 * 10 + publish(3).dynamoWrites!,
    events: 3,
  },
  {
    what: "assignment.started and assignment.ended reach metering (the lease): two consumer runs",
    lambda: [['functions/metering/track-leases.ts', 2, 50]],
    sqsRequests: 2 * DELIVERY_AND_CONSUME_SQS,
    dynamoReads: 2,
    dynamoWrites: 2 * 4,
  },
  {
    what: 'matching ends the job (job.ended); billing releases the hold',
    lambda: [['functions/billing/hold-and-release-funds-on-job-events.ts', 1, 60]],
    sqsRequests: DELIVERY_AND_CONSUME_SQS,
    dynamoWrites: 10 + publish(1).dynamoWrites!,
    events: 1,
  },
  {
    what: 'the renter follows the job: five GET /v1/jobs/{jobId}, one identity cache miss',
    apiRequests: 5,
    lambda: [[AUTHORIZER, 1, 15], ['functions/matching/get-job.ts', 5, 30]],
    dynamoReads: 6,
  },
];

export const PER_RUNNING_MINUTE_STEPS: readonly Step[] = [
  {
    what: 'the agent reports a minute of usage (metering, not yet in the topology): dedupe + record + outbox; publishes usage.chunk_recorded. Half the time its identity is cached by the heartbeat',
    apiRequests: 1,
    lambda: [[AUTHORIZER, 0.5, 15], ['functions/metering/record-usage.ts', 1, 50]],
    dynamoReads: 1.5,
    dynamoWrites: 12 + publish(1).dynamoWrites!,
    events: 1,
  },
  {
    what: 'billing charges the usage record: renter debit, provider credit, platform fee, charged marker, outbox; publishes usage.charged',
    lambda: [['functions/billing/charge-usage.ts', 1, 80]],
    sqsRequests: DELIVERY_AND_CONSUME_SQS,
    dynamoReads: 1,
    dynamoWrites: 20 + publish(1).dynamoWrites!,
    events: 1,
  },
  {
    what: 'matching records the cost so far on the job',
    lambda: [['functions/matching/show-cost-on-usage-charged.ts', 1, 40]],
    sqsRequests: DELIVERY_AND_CONSUME_SQS,
    dynamoWrites: 2,
  },
];

/** Sums steps into one ActionUsage (SDK calls are grouped per service: only their units matter to the price). */
export const actionOfSteps = (steps: readonly Step[]): ActionUsage => {
  const invocations: Record<string, { count: number; durationMs: number; logBytes: number }> = {};
  for (const step of steps) {
    for (const [entry, count, ms] of step.lambda ?? []) {
      const seen = invocations[entry] ?? { count: 0, durationMs: 0, logBytes: 0 };
      const total = seen.count + count;
      invocations[entry] = { count: total, durationMs: (seen.durationMs * seen.count + ms * count) / total, logBytes: 0 };
    }
  }
  const sum = (pick: (step: Step) => number | undefined) => steps.reduce((total, step) => total + (pick(step) ?? 0), 0);
  const reads = sum((step) => step.dynamoReads);
  const writes = sum((step) => step.dynamoWrites);
  const sqs = sum((step) => step.sqsRequests);
  const events = sum((step) => step.events);
  return {
    apiRequests: sum((step) => step.apiRequests),
    invocations,
    sdk: {
      'DynamoDB.Estimated': { calls: 0, billableRequests: 0, readUnits: reads, writeUnits: writes },
      'SQS.Estimated': { calls: sqs, billableRequests: sqs, readUnits: 0, writeUnits: 0 },
      'EventBridge.PutEvents': { calls: events, billableRequests: events, readUnits: 0, writeUnits: 0 },
    },
  };
};

export const ESTIMATED_JOB: JobUsage = {
  source: 'estimated',
  perJob: actionOfSteps(PER_JOB_STEPS),
  perRunningMinute: actionOfSteps(PER_RUNNING_MINUTE_STEPS),
};
