import { createHash } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { sendMessageBatches } from '#platform/sqs-batches.ts';

/** A usage event on its way to the charges FIFO queue: grouped by renter, deduplicated by event id. */
export interface ChargeMessage {
  /** The SQS record it came from, to report it failed. */
  readonly id: string;
  readonly renterId: string;
  readonly eventId: string;
  /** The EventBridge envelope as it arrived, unchanged. */
  readonly body: string;
}

/** Events of one renter packed into one message at most: what one charge transaction takes (charge-chunks.ts). */
export const MAX_EVENTS_PER_MESSAGE = 10;
/** SQS takes 256 KiB a message: a packed body stays under it (a call's bodies, sqs-batches.ts). */
const MAX_PACKED_BYTES = 192 * 1024;

/** One FIFO message: one event's envelope unchanged, or several of one renter's as `{"events":[...]}`. */
interface Packed {
  /** The events in the body, in order. */
  readonly sources: readonly ChargeMessage[];
  /** Every message the body delivers: its events and their copies (what fails if it is not taken). */
  readonly ids: readonly string[];
  readonly body: string;
  readonly deduplicationId: string;
}

/**
 * A renter's events, in order, packed into messages of up to `MAX_EVENTS_PER_MESSAGE` (and
 * `MAX_PACKED_BYTES`): the charger gets a renter's chunks together and charges them in one
 * transaction. SQS FIFO hands a receiver several messages of one group too, but not every
 * implementation does (the local fauxqs 1.9.2 hands one per group per receive), and a packed
 * message needs no second receive. The deduplication id of a packed message is a hash of its
 * events' ids.
 */
const pack = (messages: readonly ChargeMessage[]): Packed[] => {
  const byRenter = new Map<string, ChargeMessage[]>();
  for (const message of messages) byRenter.set(message.renterId, [...(byRenter.get(message.renterId) ?? []), message]);
  const packed: Omit<Packed, 'ids'>[] = [];
  const copies = new Map<string, ChargeMessage[]>();
  const idsOf = (sources: readonly ChargeMessage[]) => sources.flatMap((source) => (copies.get(source.eventId) ?? [source]).map((message) => message.id));
  const close = (sources: ChargeMessage[]) => {
    if (sources.length === 1) packed.push({ sources, body: (sources[0] as ChargeMessage).body, deduplicationId: (sources[0] as ChargeMessage).eventId });
    else if (sources.length > 1) {
      packed.push({
        sources,
        body: `{"events":[${sources.map((source) => source.body).join(',')}]}`,
        deduplicationId: createHash('sha256').update(sources.map((source) => source.eventId).join(',')).digest('hex'),
      });
    }
  };
  for (const ofRenter of byRenter.values()) {
    let sources: ChargeMessage[] = [];
    let bytes = 0;
    // An event twice in one batch (a redelivery beside its first copy) goes once: SQS would drop the copy (same deduplication id), a packed message would not.
    const seen = new Map<string, ChargeMessage[]>();
    for (const message of ofRenter) {
      const twin = seen.get(message.eventId);
      if (twin) {
        twin.push(message);
        continue;
      }
      seen.set(message.eventId, [message]);
      copies.set(message.eventId, seen.get(message.eventId) as ChargeMessage[]);
      const size = Buffer.byteLength(message.body) + 1;
      if (sources.length >= MAX_EVENTS_PER_MESSAGE || (sources.length > 0 && bytes + size > MAX_PACKED_BYTES)) {
        close(sources);
        sources = [];
        bytes = 0;
      }
      sources.push(message);
      bytes += size;
    }
    close(sources);
  }
  // Copies found after their message closed still ride on it: ids are read once every copy is known.
  return packed.map((message) => ({ ...message, ids: idsOf(message.sources) }));
};

/**
 * Billing's FIFO queue of usage to charge (`billing-charges.fifo`). EventBridge can only give
 * an SQS FIFO target one fixed message group, so usage arrives on a standard queue and is
 * moved here with the renter as its group, a renter's events packed together: one renter's
 * charges run one batch at a time across every container, different renters in parallel (issue 14).
 */
export class SqsChargeQueue {
  constructor(
    private readonly queueUrl: string,
    private readonly sqs: SQSClient,
  ) {}

  /** Sends every message, a renter's packed together (`pack`); returns the ids of those SQS did not take. */
  async send(messages: readonly ChargeMessage[]): Promise<string[]> {
    // What is not taken (a call that failed whole included) is retried by its source queue.
    const unsent = await sendMessageBatches(this.sqs, this.queueUrl, pack(messages), (message) => ({
      MessageBody: message.body,
      MessageGroupId: (message.sources[0] as ChargeMessage).renterId,
      MessageDeduplicationId: message.deduplicationId,
    }));
    return unsent.flatMap(({ item }) => item.ids);
  }
}
