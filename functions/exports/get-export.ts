import { logger, makeExportsDeps } from '#exports/adapters/deps.ts';
import { exportView } from '#exports/http/mappers.ts';
import { ExportPath } from '#exports/http/schemas.ts';
import { getExport } from '#exports/use-cases/read-exports.ts';
import { httpRoute, json } from '#platform/http.ts';

const deps = makeExportsDeps();

/** Finance: one export's status, rows, totals, reconciliation and a fresh download URL. */
export const handler = httpRoute(logger, { path: ExportPath }, async ({ path }) => json(200, exportView(await getExport(path.exportId, deps))));
