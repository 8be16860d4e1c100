import type { ChunkCharge } from '../domain/chunk-charge.ts';
import { chunkLinesValue } from './chunk-lines.ts';
import { chunkKey, settlementAttributes } from './items.ts';

/** A chunk's item: the charge with a line per record, as JSON text (chunk-lines.ts; exports expand them into rows). */
export const chunkItem = (charge: ChunkCharge): Record<string, unknown> => ({
  ...chunkKey(charge.chunkId),
  chunkId: charge.chunkId,
  jobId: charge.jobId,
  assignmentId: charge.assignmentId,
  renterId: charge.renterId,
  providerId: charge.providerId,
  hostId: charge.hostId,
  ...(charge.gpuModel === undefined ? {} : { gpuModel: charge.gpuModel }),
  pricePerGpuHour: charge.pricePerGpuHour,
  lines: chunkLinesValue(charge.lines.map((line) => ({
    usageRecordId: line.usageRecordId,
    gpuSeconds: line.gpuSeconds,
    from: line.from,
    to: line.to,
    amount: line.amounts.renter,
    providerAmount: line.amounts.provider,
    fee: line.amounts.platform,
    ...(line.cut ? { cut: line.cut } : {}),
  }))),
  ...settlementAttributes(charge, charge.chunkId),
});
