/**
 * Reconciling with the heartbeat's list of live assignments (API.md): ignoring anything
 * younger than the grace (default 2 minutes, as the contract says), an assignment this host
 * runs that the platform no longer lists is stopped, and one the platform lists that this host
 * does not know is fetched (and accepted if still live). Pure: the worker acts on the result.
 */
export interface KnownAssignment {
  readonly assignmentId: string;
  readonly active: boolean;
  readonly receivedAt: string;
}

export interface ReconcilePlan {
  readonly stop: string[];
  readonly fetch: string[];
}

export const reconcile = (input: {
  readonly listed: readonly string[];
  readonly known: readonly KnownAssignment[];
  /** When each unknown id was first seen listed; the caller keeps it between heartbeats. */
  readonly firstListedAt: Map<string, number>;
  readonly now: number;
  readonly graceMs: number;
}): ReconcilePlan => {
  const listed = new Set(input.listed);
  const known = new Map(input.known.map((entry) => [entry.assignmentId, entry]));
  const stop = input.known
    .filter((entry) => entry.active && !listed.has(entry.assignmentId) && input.now - Date.parse(entry.receivedAt) >= input.graceMs)
    .map((entry) => entry.assignmentId);
  for (const id of [...input.firstListedAt.keys()]) if (!listed.has(id) || known.has(id)) input.firstListedAt.delete(id);
  const fetch: string[] = [];
  for (const id of listed) {
    if (known.has(id)) continue;
    const first = input.firstListedAt.get(id) ?? input.now;
    input.firstListedAt.set(id, first);
    if (input.now - first >= input.graceMs) fetch.push(id);
  }
  return { stop, fetch };
};
