import { z } from 'zod';

/** What the logs routes answer, as `mappers.ts` and the use cases build it; the OpenAPI spec is generated from these. */
export const LogReceiptResponse = z.object({
  accepted: z.int().min(0).meta({ description: 'New chunks, now durable.' }),
  duplicates: z.int().min(0).meta({ description: 'Chunks whose (assignment, seq) was already stored, or repeated in the batch.' }),
  dropped: z.int().min(0).meta({ description: "Chunks past the job's size cap; the job's logs are then truncated." }),
});

export const LogPageResponse = z.object({
  items: z.array(
    z.object({
      assignmentId: z.string(),
      rank: z.int().min(0),
      seq: z.int().min(0),
      stream: z.enum(['stdout', 'stderr']),
      at: z.iso.datetime().meta({ description: "The agent's clock when the chunk was read." }),
      data: z.string(),
    }),
  ),
  nextSince: z.string().meta({ description: 'Opaque: pass as `since` to read on.' }),
  truncated: z.boolean().meta({ description: "Chunks past the job's size cap were dropped." }),
  complete: z.boolean().meta({ description: 'The job has ended and every chunk was returned: a follower stops.' }),
});
