import { createHash } from 'node:crypto';
import { logger, makeExportsDeps } from '#exports/adapters/deps.ts';
import { RequestExportInput } from '#exports/http-schemas.ts';
import { requestExport } from '#exports/use-cases/request-export.ts';
import { ValidationError } from '#platform/errors.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeExportsDeps();

const idempotencyOf = (headers: Readonly<Record<string, string | undefined>>, body: unknown) => {
  const key = headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
  return { key, bodyHash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
};

/** Finance: starts an export; its own function writes the file (`export.requested`). */
export const handler = httpRoute(logger, { body: RequestExportInput }, async ({ principal, body, headers }) => {
  const started = await requestExport(body, accountOf(principal).accountId, idempotencyOf(headers, body), deps);
  logger.info('export requested', { exportId: started.exportId, kind: body.kind, format: body.format, ...body.period });
  return json(202, started);
});
