import { z } from 'zod';
import { logger, makeExportsDeps } from '#exports/adapters/deps.ts';
import { scheduleDailyExports } from '#exports/use-cases/daily-exports.ts';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

const deps = makeExportsDeps();

/** An operator may invoke the function with `{ "days": ["2025-03-10"] }` to write those days again. */
const RerunDays = z.object({ days: z.array(z.iso.date()).min(1).max(31) });

/**
 * The daily exports: yesterday's usage and ledger CSV under `exports/daily/yyyy/mm/dd/`, and
 * any of the catch-up days before it whose files are missing or whose run failed.
 */
export const handler = middy<unknown, { started: number }, Error, Context>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(async (event) => {
    const rerun = RerunDays.safeParse(event);
    const started = await scheduleDailyExports(deps, rerun.success ? { days: rerun.data.days } : {});
    if (started.length > 0) logger.info('daily exports started', { runs: started });
    return { started: started.length };
  });
