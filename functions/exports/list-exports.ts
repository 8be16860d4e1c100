import { logger, makeExportsDeps } from '#exports/adapters/deps.ts';
import { exportView } from '#exports/http/mappers.ts';
import { ListExportsQuery } from '#exports/http/schemas.ts';
import { listExports } from '#exports/use-cases/read-exports.ts';
import { httpRoute, json } from '#platform/http.ts';

const deps = makeExportsDeps();

/** Finance: every export, newest first, daily ones included. */
export const handler = httpRoute(logger, { query: ListExportsQuery }, async ({ query }) => {
  const page = await listExports(query.limit, query.cursor, deps);
  return json(200, { items: page.items.map(exportView), nextCursor: page.nextCursor });
});
