import { addSeconds } from '#platform/clock.ts';
import { ConflictError, UnauthorizedError } from '#platform/errors.ts';
import { newId } from '#platform/ids.ts';
import { SecretPrefix } from '#platform/principal.ts';
import { hashSecret, newSecret, sameHash } from '#platform/secrets.ts';
import { handedHeartbeatIntervalSeconds } from '../domain/heartbeat-interval.ts';
import type { HostFacts } from '../domain/host.ts';
import { newHost } from '../domain/lifecycle.ts';
import { hostEvents } from './host-events.ts';
import type { RegistryDeps } from './deps.ts';
import { withFirstRun } from './verify-host.ts';

/** A one-use token a provider hands to the agent of one new host. */
export const createRegistrationToken = async (providerId: string, deps: Pick<RegistryDeps, 'store' | 'clock' | 'settings'>) => {
  const now = deps.clock.now();
  const token = newSecret(SecretPrefix.registration);
  const expiresAt = addSeconds(now, deps.settings.registrationTokenTtlSeconds).toISOString();
  await deps.store.putRegistrationToken({ tokenHash: hashSecret(token), providerId, createdAt: now.toISOString(), expiresAt });
  return { token, expiresAt };
};

const unusable = () => new UnauthorizedError('The registration token is unknown, used or expired: make a new one.');

export interface RegistrationCredentials {
  readonly registrationToken: string;
  /** The agent token the agent made itself (contract: agentTokenField); absent: the platform makes one. */
  readonly agentToken?: string;
}

/**
 * The host a used registration token made, when the caller proves it made that registration:
 * the same agent token. So a registration whose answer was lost (a timeout after the commit)
 * can be sent again; anyone else still gets the 401 of a used token.
 */
const registrationReplay = async (tokenHash: string, agentToken: string | undefined, deps: RegistryDeps): Promise<string | undefined> => {
  if (!agentToken) return undefined;
  const token = await deps.store.getRegistrationToken(tokenHash);
  if (!token?.usedAt || !token.hostId) return undefined;
  const host = await deps.store.get(token.hostId);
  return host && sameHash(host.agentTokenHash, hashSecret(agentToken)) ? host.hostId : undefined;
};

/**
 * Registers a host. Steps: check the token; create the host's queue (idempotent, so a retry
 * after a crash reuses it); then in one transaction consume the token, write the host and
 * its agent token (hashed) and `host.registered`. The agent token is shown only here, unless
 * the agent made it (then a resend with it answers the same host: `replayed`).
 */
export const registerHost = async (credentials: RegistrationCredentials, facts: HostFacts, deps: RegistryDeps) => {
  const tokenHash = hashSecret(credentials.registrationToken);
  const token = await deps.store.getRegistrationToken(tokenHash);
  const now = deps.clock.now();
  const answer = (hostId: string, agentToken: string, replayed: boolean) =>
    ({ hostId, agentToken, heartbeatIntervalSeconds: handedHeartbeatIntervalSeconds(deps.settings), replayed });
  const replayOrRefuse = async () => {
    const hostId = await registrationReplay(tokenHash, credentials.agentToken, deps);
    if (!hostId) throw unusable();
    return answer(hostId, credentials.agentToken as string, true);
  };
  if (token?.usedAt) return replayOrRefuse();
  if (!token || new Date(token.expiresAt) <= now) throw unusable();

  const agentToken = credentials.agentToken ?? newSecret(SecretPrefix.agent);
  const host = withFirstRun(newHost(facts, { hostId: newId('host', now), providerId: token.providerId, agentTokenHash: hashSecret(agentToken) }, now), now, deps);
  await deps.queues.create(host);
  const outcome = await deps.store.registerHost(tokenHash, host, hostEvents(host, ['registered'], now), now);
  if (outcome !== 'registered') await deps.queues.remove(host.hostId);
  // Another copy of this very registration (a resend racing the first) may have used the token.
  if (outcome === 'token_unusable') return replayOrRefuse();
  if (outcome === 'agent_token_taken') throw new ConflictError('agent_token_taken', 'agentToken is already in use by another host: make a new one');
  return answer(host.hostId, agentToken, false);
};
