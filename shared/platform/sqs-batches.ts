import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';

/** SendMessageBatch takes ten entries a call. */
const SQS_BATCH_ENTRIES = 10;
/** SQS takes 256 KiB a call, attributes included: the bodies of one call stay under this. */
const MAX_CALL_BODY_BYTES = 240 * 1024;

/** Consecutive runs of at most ten items and 240 KiB of bodies, in order (a FIFO group keeps its order). */
export const sendBatches = <T extends { readonly bytes: number }>(items: readonly T[]): T[][] => {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (batch.length > 0 && (batch.length === SQS_BATCH_ENTRIES || bytes + item.bytes > MAX_CALL_BODY_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += item.bytes;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
};

/** An entry of a SendMessageBatch call, less its id (its place in the call). */
export type BatchEntry = Omit<SendMessageBatchRequestEntry, 'Id'> & { readonly MessageBody: string };

/** An item SQS did not take: refused by name, or in a call that failed whole. */
export interface Unsent<T> {
  readonly item: T;
  readonly error: Error;
}

/**
 * Sends one entry per item to one queue in as few SendMessageBatch calls as `sendBatches`
 * allows, the calls at once, or one after another with `inOrder` (a FIFO group's messages then
 * arrive in the order given). Returns what SQS did not take, for the caller to retry or leave
 * to its sweep; never throws for a failed call.
 */
export const sendMessageBatches = async <T>(
  sqs: SQSClient,
  queueUrl: string,
  items: readonly T[],
  entryOf: (item: T) => BatchEntry,
  options: { readonly inOrder?: boolean } = {},
): Promise<Unsent<T>[]> => {
  const entries = items.map((item) => {
    const entry = entryOf(item);
    return { item, entry, bytes: Buffer.byteLength(entry.MessageBody) };
  });
  const send = async (batch: typeof entries): Promise<Unsent<T>[]> => {
    try {
      const { Failed = [] } = await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map(({ entry }, index) => ({ ...entry, Id: String(index) })) }),
      );
      return Failed.map((failure) => ({
        item: batch[Number(failure.Id)]!.item,
        error: new Error(`SQS refused the message: ${failure.Code ?? 'unknown'} ${failure.Message ?? ''}`.trim()),
      }));
    } catch (error) {
      return batch.map(({ item }) => ({ item, error: error as Error }));
    }
  };
  const batches = sendBatches(entries);
  if (!options.inOrder) return (await Promise.all(batches.map(send))).flat();
  const unsent: Unsent<T>[] = [];
  for (const batch of batches) unsent.push(...(await send(batch)));
  return unsent;
};
