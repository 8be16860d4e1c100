import { addSeconds } from '#platform/clock.ts';
import { UnauthorizedError } from '#platform/errors.ts';
import { newId } from '#platform/ids.ts';
import { SecretPrefix } from '#platform/principal.ts';
import { hashSecret, newSecret } from '#platform/secrets.ts';
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

/**
 * Registers a host. Steps: check the token; create the host's queue (idempotent, so a retry
 * after a crash reuses it); then in one transaction consume the token, write the host and
 * its agent token (hashed) and `host.registered`. The agent token is shown only here.
 */
export const registerHost = async (registrationToken: string, facts: HostFacts, deps: RegistryDeps) => {
  const tokenHash = hashSecret(registrationToken);
  const token = await deps.store.getRegistrationToken(tokenHash);
  const now = deps.clock.now();
  if (!token || token.usedAt || new Date(token.expiresAt) <= now) throw unusable();

  const agentToken = newSecret(SecretPrefix.agent);
  const host = withFirstRun(newHost(facts, { hostId: newId('host', now), providerId: token.providerId, agentTokenHash: hashSecret(agentToken) }, now), now, deps);
  await deps.queues.create(host);
  const outcome = await deps.store.registerHost(tokenHash, host, hostEvents(host, ['registered'], now), now);
  if (outcome === 'token_unusable') {
    await deps.queues.remove(host.hostId);
    throw unusable();
  }
  return { hostId: host.hostId, agentToken, heartbeatIntervalSeconds: handedHeartbeatIntervalSeconds(deps.settings) };
};
