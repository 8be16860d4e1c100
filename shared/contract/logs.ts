import { z } from 'zod';
import type { Wire } from './agent.ts';

/**
 * The wire contract of a job's logs as a renter reads them (API.md, "Logs"). Imports nothing
 * but zod and its siblings; the CLI takes the types with `import type` only (see ./jobs.ts).
 */

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

export type LogPageResponse = Wire<z.output<typeof LogPageResponse>>;
