import type { DomainEvent } from '#events/define.ts';
import type { Page } from '#platform/pagination.ts';
import type { Host } from './domain/host.ts';

export interface RegistrationToken {
  readonly tokenHash: string;
  readonly providerId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly usedAt?: string;
  /** The host the token registered, once used. */
  readonly hostId?: string;
}

export interface HostStore {
  putRegistrationToken(token: RegistrationToken): Promise<void>;
  getRegistrationToken(tokenHash: string): Promise<RegistrationToken | undefined>;
  /**
   * Consumes the token and creates the host and its agent token with the events, in one
   * transaction; 'token_unusable' when the token was used or expired meanwhile,
   * 'agent_token_taken' when another host has that agent token.
   */
  registerHost(tokenHash: string, host: Host, events: readonly DomainEvent[], now: Date): Promise<'registered' | 'token_unusable' | 'agent_token_taken'>;
  /** Consistent unless asked otherwise: an eventually consistent read costs half. */
  get(hostId: string, options?: { consistent?: boolean }): Promise<Host | undefined>;
  listByProvider(providerId: string, limit: number, cursor?: string): Promise<Page<Host>>;
  /**
   * What the liveness sweep looks at, in one read of the pulses: the ids of the hosts not
   * offline whose last heartbeat is older than `silentBefore`, and of those waiting for their
   * deregistration to complete.
   */
  listWatched(silentBefore: Date): Promise<{ readonly silent: readonly string[]; readonly deregistering: readonly string[] }>;
  /**
   * Writes `next` with its events if nobody wrote the host since `previous` was read: the
   * saved host (revision bumped unless only its pulse moved), or undefined on a lost race.
   */
  save(previous: Host, next: Host, events: readonly DomainEvent[]): Promise<Host | undefined>;
  /** Consistent reads of many hosts in as few calls as the store allows, in the order asked (undefined where none). */
  getMany(hostIds: readonly string[]): Promise<(Host | undefined)[]>;
  /**
   * Writes every change without events, each checked as `save` checks it, 50 hosts at a time
   * all or none: false when a host was written since its `previous` was read (what an earlier
   * group wrote stays; the caller retries the rest, and the writes are idempotent).
   */
  saveAll(changes: readonly { readonly previous: Host; readonly next: Host }[]): Promise<boolean>;
  /** Stops the host's agent token from opening anything, for good. */
  revokeAgentToken(host: Host, at: Date): Promise<void>;
  /** Hosts not deregistered: those that have a queue. */
  listHostsWithQueues(): Promise<readonly Host[]>;
}

export interface ReceivedMessage {
  readonly receipt: string;
  readonly message: unknown;
}

/** Each host's own assignment queue. */
export interface HostQueues {
  create(host: Pick<Host, 'hostId' | 'providerId'>): Promise<void>;
  remove(hostId: string): Promise<void>;
  urlOf(hostId: string): Promise<string>;
  receive(hostId: string, waitSeconds: number): Promise<readonly ReceivedMessage[]>;
  ack(hostId: string, receipts: readonly string[]): Promise<void>;
}

export interface QueueCredentials {
  readonly queueUrl: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string };
  readonly expiresAt: string;
}

export interface QueueCredentialsVendor {
  vend(hostId: string, queueUrl: string): Promise<QueueCredentials>;
}

/** Matching's read-only port: which assignments it holds live on a host. */
export interface LiveAssignments {
  liveOn(hostId: string): Promise<readonly string[]>;
}
