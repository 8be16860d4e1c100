import type { AccountRole } from '#infra/topology.ts';
import { SecretPrefix } from '#platform/principal.ts';
import { ACCOUNT_KINDS as WIRE_ACCOUNT_KINDS } from '#contract/accounts.ts';

export type AccountKind = Exclude<AccountRole, 'admin'>;
export const ACCOUNT_KINDS = WIRE_ACCOUNT_KINDS satisfies readonly AccountKind[];

export interface Account {
  readonly accountId: string;
  readonly kind: AccountKind;
  readonly name: string;
  readonly createdAt: string;
}

/** An API key as stored: the secret itself is never kept, only its hash. */
export interface ApiKey {
  readonly keyId: string;
  readonly accountId: string;
  readonly role: AccountKind;
  readonly prefix: string;
  readonly secretHash: string;
  readonly createdAt: string;
  readonly lastUsedAt?: string;
  readonly revokedAt?: string;
}

export const keyPrefixFor = (kind: AccountKind): string => SecretPrefix[kind];

export const isActive = (key: ApiKey): boolean => key.revokedAt === undefined;

/** A public key the renter saved: jobs with ports get the account's keys unless they give their own. */
export interface SavedSshKey {
  readonly keyId: string;
  readonly accountId: string;
  readonly name: string;
  readonly type: string;
  readonly bits: number;
  readonly fingerprint: string;
  readonly publicKey: string;
  readonly createdAt: string;
}

/** Keys an account may save: enough for every laptop of a team, few enough to list at once. */
export const MAX_SSH_KEYS = 20;
