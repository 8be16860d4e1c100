/**
 * PutEvents: builds each entry's envelope, matches it against the enabled rules of its
 * bus and answers only once SQS accepted every delivery, so a caller that got an
 * EventId knows the event is queued.
 */
import { z } from 'zod';
import { busNameOf, DEFAULT_BUS, type EventBusRegistry } from './bus-registry.ts';
import { validationError } from './errors.ts';
import {
  buildEventEnvelope,
  MAX_PUT_EVENTS_BYTES,
  putEventsEntrySize,
  type EventEnvelope,
  type PutEventsEntry,
} from './envelope.ts';
import type { SqsTarget } from './sqs-delivery.ts';
import { parseInput } from './validation.ts';

export interface PutEventsDeps {
  readonly registry: EventBusRegistry;
  readonly deliver: (target: SqsTarget, eventId: string, body: string) => Promise<void>;
  readonly accountId: string;
  readonly region: string;
  readonly log: (msg: string, data?: object) => void;
  readonly newId: () => string;
  readonly now: () => Date;
}

type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

const PutEventsInput = z.object({
  Entries: z
    .array(
      z.object({
        Source: z.string().optional(),
        DetailType: z.string().optional(),
        Detail: z.string().optional(),
        Resources: z.array(z.string()).optional(),
        Time: z.union([z.number(), z.string()]).optional(),
        EventBusName: z.string().min(1).max(1600).optional(),
      }),
    )
    .min(1, 'Member must have length greater than or equal to 1')
    .max(10, 'Member must have length less than or equal to 10'),
});

export const putEvents = async (deps: PutEventsDeps, input: unknown): Promise<object> => {
  const { Entries: entries } = parseInput(PutEventsInput, input);
  const size = entries.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0);
  if (size > MAX_PUT_EVENTS_BYTES) throw validationError('Total size of the entries in the request is over the limit.');

  const results = await Promise.all(entries.map((entry) => publishEntry(deps, entry)));
  return {
    FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
    Entries: results,
  };
};

const publishEntry = async (deps: PutEventsDeps, entry: PutEventsEntry): Promise<PutEventsResultEntry> => {
  const outcome = buildEventEnvelope(entry, {
    id: deps.newId(),
    account: deps.accountId,
    region: deps.region,
    now: deps.now(),
  });
  if (!outcome.ok) return { ErrorCode: outcome.errorCode, ErrorMessage: outcome.errorMessage };

  const busName = busNameOf(entry.EventBusName ?? DEFAULT_BUS);
  if (!deps.registry.hasBus(busName)) {
    return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
  }
  try {
    await deliverToMatchingRules(deps, busName, outcome.envelope);
  } catch (error) {
    deps.log('eventbridge.delivery-failed', { eventId: outcome.envelope.id, busName, error: String(error) });
    return { ErrorCode: 'InternalFailure', ErrorMessage: 'The event could not be delivered to every target.' };
  }
  return { EventId: outcome.envelope.id };
};

const deliverToMatchingRules = async (deps: PutEventsDeps, busName: string, envelope: EventEnvelope): Promise<void> => {
  const rules = deps.registry.matchingRules(busName, envelope);
  const targets = rules.flatMap((rule) => [...rule.targets.values()]);
  const body = JSON.stringify(envelope);
  await Promise.all(targets.map((target) => deps.deliver(target, envelope.id, body)));
  deps.log('eventbridge.event-published', {
    eventId: envelope.id,
    busName,
    source: envelope.source,
    detailType: envelope['detail-type'],
    rules: rules.map((rule) => rule.name),
    deliveries: targets.length,
  });
};
