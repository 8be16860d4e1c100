import { describe, expect, it } from 'vitest';
import { chunkItem } from '#billing/adapters/chunk-item.ts';
import { chunkLinesOf, chunkLinesValue } from '#billing/adapters/chunk-lines.ts';
import { toChunkCharge } from '#billing/adapters/codecs.ts';
import type { ChunkCharge } from '#billing/domain/chunk-charge.ts';
import { microUsd } from '#platform/money.ts';
import { toUsageRows } from '#exports/adapters/codecs.ts';

const amounts = (renter: number, provider: number, platform: number) => ({ renter: microUsd(renter), provider: microUsd(provider), platform: microUsd(platform) });

const charge: ChunkCharge = {
  chunkId: 'uch_1', jobId: 'job_1', assignmentId: 'job_1.a1.r0', renterId: 'acct_r', providerId: 'acct_p', hostId: 'host_1', gpuModel: 'H100',
  pricePerGpuHour: microUsd(3_600_000),
  lines: [
    { usageRecordId: 'use_1', gpuSeconds: 1.5, from: '2026-12-05T10:00:00.000Z', to: '2026-12-05T10:00:01.500Z', amounts: amounts(1_500, 1_350, 150) },
    { usageRecordId: 'use_2', gpuSeconds: 0.01, from: '2026-12-05T10:00:01.500Z', to: '2026-12-05T10:00:01.510Z', amounts: amounts(4, 4, 0), cut: microUsd(6) },
  ],
  amounts: amounts(1_504, 1_354, 150), fromHold: microUsd(1_504), cut: microUsd(6), transactionId: 'txn_1', chargedAt: '2026-12-05T10:00:02.000Z', jobCost: microUsd(1_504),
};

/** The item as chunks were written before their lines became text: a list of maps. */
const withLinesAsMaps = (item: Record<string, unknown>) => ({ ...item, lines: JSON.parse(item.lines as string) as unknown });

describe('chunk lines', () => {
  it('are written as one JSON text attribute', () => {
    const item = chunkItem(charge);

    expect(typeof item.lines).toBe('string');
    expect(chunkLinesOf(item.lines)).toEqual([
      { usageRecordId: 'use_1', gpuSeconds: 1.5, from: '2026-12-05T10:00:00.000Z', to: '2026-12-05T10:00:01.500Z', amount: 1_500, providerAmount: 1_350, fee: 150 },
      { usageRecordId: 'use_2', gpuSeconds: 0.01, from: '2026-12-05T10:00:01.500Z', to: '2026-12-05T10:00:01.510Z', amount: 4, providerAmount: 4, fee: 0, cut: 6 },
    ]);
  });

  it('read back as the charge that was written, as text and as the list of maps written before', () => {
    const item = chunkItem(charge);

    expect(toChunkCharge(item)).toEqual(charge);
    expect(toChunkCharge(withLinesAsMaps(item))).toEqual(charge);
  });

  it('give the same export rows as text and as a list of maps', () => {
    const item = chunkItem(charge);

    const rows = toUsageRows(item);

    expect(rows).toEqual(toUsageRows(withLinesAsMaps(item)));
    expect(rows.map((row) => [row.usageRecordId, row.amount, row.providerAmount, row.fee, row.transactionId, row.hostId])).toEqual([
      ['use_1', 1_500, 1_350, 150, 'txn_1', 'host_1'],
      ['use_2', 4, 4, 0, 'txn_1', 'host_1'],
    ]);
  });

  it('hand anything but text on unchanged, so the reader\'s schema refuses a malformed value by name', () => {
    const list = [{ usageRecordId: 'use_1' }];

    expect(chunkLinesOf(list)).toBe(list);
    expect(chunkLinesOf(undefined)).toBeUndefined();
    expect(chunkLinesOf(chunkLinesValue([]))).toEqual([]);
    expect(() => toChunkCharge({ ...chunkItem(charge), lines: 'not json' })).toThrow(/stored chunk charge item .*lines/s);
    expect(() => toUsageRows({ ...chunkItem(charge), lines: '[{"gpuSeconds":1}]' })).toThrow(/stored charge chunk item .*usageRecordId/s);
  });
});
