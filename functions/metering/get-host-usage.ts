import { logger, makeMeteringDeps } from '#metering/adapters/deps.ts';
import { assignmentUsageView } from '#metering/http/mappers.ts';
import { HostPath, HostUsageQuery } from '#metering/http/schemas.ts';
import { getHostUsage } from '#metering/use-cases/read-usage.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeMeteringDeps();

/** Provider: the host's assignments, newest job first, each with its totals. */
export const handler = httpRoute(logger, { path: HostPath, query: HostUsageQuery }, async ({ principal, path, query }) => {
  const page = await getHostUsage(accountOf(principal).accountId, path.hostId, query, deps);
  return json(200, { hostId: path.hostId, items: page.items.map((usage) => assignmentUsageView(usage, false)), nextCursor: page.nextCursor });
});
