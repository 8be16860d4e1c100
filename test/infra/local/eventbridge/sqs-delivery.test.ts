import { describe, expect, it } from 'vitest';
import { sendBatches } from '#infra/local/eventbridge/sqs-delivery.ts';

const messages = (sizes: readonly number[]) => sizes.map((bytes, id) => ({ id, bytes }));

describe('sendBatches', () => {
  it('splits messages into runs of at most ten, in order', () => {
    const batches = sendBatches(messages(Array.from({ length: 25 }, () => 100)));

    expect(batches.map((batch) => batch.map(({ id }) => id))).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
      [20, 21, 22, 23, 24],
    ]);
  });

  it('starts a new batch before the bodies pass 256 KiB', () => {
    const batches = sendBatches(messages([100 * 1024, 100 * 1024, 100 * 1024, 10]));

    expect(batches.map((batch) => batch.map(({ id }) => id))).toEqual([[0, 1], [2, 3]]);
  });

  it('sends a message larger than the limit on its own, for SQS to refuse', () => {
    const batches = sendBatches(messages([10, 300 * 1024, 10]));

    expect(batches.map((batch) => batch.map(({ id }) => id))).toEqual([[0], [1], [2]]);
  });
});
