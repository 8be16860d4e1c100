import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import { documentClient, eventBridgeClient } from '#platform/aws-clients.ts';
import { parseEnv, platformConfigSchema } from '#platform/config.ts';
import { createLogger } from '#platform/logger.ts';
import { Outbox } from '#platform/outbox.ts';
import { tables, topology } from '#infra/topology.ts';

const { outboxTables } = topology;

const logger = createLogger('outbox');
const platform = parseEnv(platformConfigSchema);
const tableNames = parseEnv(z.object(Object.fromEntries(outboxTables.map((name) => [tables[name].envVar, z.string().min(1)]))));
const outboxes = outboxTables.map(
  (name) =>
    new Outbox({
      tableName: String(tableNames[tables[name].envVar]),
      busName: platform.EVENT_BUS_NAME,
      documents: documentClient(),
      eventBridge: eventBridgeClient(),
      logger,
      now: () => new Date(),
    }),
);

/** Events pending longer than this were missed by their producer's own publish. */
const PENDING_GRACE_SECONDS = 30;

const Input = z
  .object({ republishSentSince: z.iso.datetime().optional(), pendingGraceSeconds: z.number().int().nonnegative().optional() })
  .catch({});

/**
 * Scheduled: republishes events that stayed pending. The local runtime also calls it once
 * at start with `republishSentSince`, because its in-memory queues lost what was in flight,
 * and `pendingGraceSeconds: 0`: before its API, pollers and schedules run, no producer of its
 * own is between commit and publish, so what is pending was left by a runtime that died there
 * and goes at once instead of after the grace.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(async (event: unknown) => {
    const { republishSentSince, pendingGraceSeconds = PENDING_GRACE_SECONDS } = Input.parse(event);
    let pending = 0;
    let resent = 0;
    for (const outbox of outboxes) {
      pending += await outbox.sweepPending(pendingGraceSeconds);
      if (republishSentSince) resent += await outbox.republishSentSince(new Date(republishSentSince));
    }
    if (pending + resent > 0) logger.info('outbox sweep republished events', { pending, resent });
    return { pending, resent };
  });
