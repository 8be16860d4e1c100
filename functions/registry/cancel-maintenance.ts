import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { MaintenancePath } from '#registry/http/schemas.ts';
import { cancelMaintenance } from '#registry/use-cases/maintenance.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

/** Provider: 204; a window not started is removed, one in progress ends now; an ended one is 409, an unknown one 404. */
export const handler = httpRoute(logger, { path: MaintenancePath }, async ({ principal, path }) => {
  await cancelMaintenance(accountOf(principal).accountId, path.hostId, path.windowId, deps);
  logger.info('maintenance window cancelled', { hostId: path.hostId, windowId: path.windowId });
  return json(204);
});
