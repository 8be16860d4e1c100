import { logger, makeExportsDeps } from '#exports/adapters/deps.ts';
import { RequestExportInput } from '#exports/http/schemas.ts';
import { requestExport } from '#exports/use-cases/request-export.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeExportsDeps();

/** Finance: starts an export; its own function writes the file (`export.requested`). */
export const handler = httpRoute(logger, { body: RequestExportInput, idempotencyKey: true }, async ({ principal, body, idempotency }) => {
  const started = await requestExport(body, accountOf(principal).accountId, idempotency, deps);
  logger.info('export requested', { exportId: started.exportId, kind: body.kind, format: body.format, ...body.period });
  return json(202, started);
});
