import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { maintenanceWindowView } from '#registry/http/mappers.ts';
import { HostPath } from '#registry/http/schemas.ts';
import { listMaintenance } from '#registry/use-cases/maintenance.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

/** Provider: the host's windows, ended ones included for a week, soonest first (a host holds at most 20 ahead: no paging). */
export const handler = httpRoute(logger, { path: HostPath }, async ({ principal, path }) => {
  const windows = await listMaintenance(accountOf(principal).accountId, path.hostId, deps);
  const now = deps.clock.now();
  return json(200, { items: windows.map((window) => maintenanceWindowView(path.hostId, window, now)) });
});
