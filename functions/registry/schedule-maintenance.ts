import { createHash } from 'node:crypto';
import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { maintenanceWindowView } from '#registry/http/mappers.ts';
import { HostPath, ScheduleMaintenanceInput } from '#registry/http/schemas.ts';
import { scheduleMaintenance, type IdempotencyClaim } from '#registry/use-cases/maintenance.ts';
import { ValidationError } from '#platform/errors.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

const claimOf = (headers: Readonly<Record<string, string | undefined>>, body: unknown): IdempotencyClaim | undefined => {
  const key = headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
  return { key, bodyHash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
};

/** Provider: 201 with the window; a retry with the same Idempotency-Key and body answers 200 with the same window. */
export const handler = httpRoute(logger, { path: HostPath, body: ScheduleMaintenanceInput }, async ({ principal, path, body, headers }) => {
  const { window, created } = await scheduleMaintenance(accountOf(principal).accountId, path.hostId, body, claimOf(headers, body), deps);
  if (created) logger.info('maintenance window scheduled', { hostId: path.hostId, windowId: window.windowId, startsAt: window.startsAt, endsAt: window.endsAt });
  return json(created ? 201 : 200, maintenanceWindowView(path.hostId, window, deps.clock.now()));
});
