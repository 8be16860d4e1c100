import { z } from 'zod';

/** What the logs routes answer to agents; the renter's log page is the wire contract's (shared/contract/logs.ts). */
export const LogReceiptResponse = z.object({
  accepted: z.int().min(0).meta({ description: 'New chunks, now durable.' }),
  duplicates: z.int().min(0).meta({ description: 'Chunks whose (assignment, seq) was already stored, or repeated in the batch.' }),
  dropped: z.int().min(0).meta({ description: "Chunks past the job's size cap; the job's logs are then truncated." }),
});
