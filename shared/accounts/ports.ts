import type { DomainEvent } from '#events/define.ts';
import type { Page } from '#platform/pagination.ts';
import type { Account, ApiKey, SavedSshKey } from './domain/account.ts';

export interface AccountStore {
  /** Creates the account with its first key and emits its events, atomically. */
  create(account: Account, key: ApiKey, events: readonly DomainEvent[]): Promise<void>;
  get(accountId: string): Promise<Account | undefined>;
  addKey(key: ApiKey): Promise<void>;
  getKey(accountId: string, keyId: string): Promise<ApiKey | undefined>;
  listKeys(accountId: string, limit: number, cursor?: string): Promise<Page<ApiKey>>;
  /** Revokes the key unless it is the account's last active one; false when it was. */
  revokeKey(key: ApiKey, at: Date): Promise<'revoked' | 'last_active_key'>;
  /** Saves the key unless the account holds one with its fingerprint, or `max` keys already. */
  addSshKey(key: SavedSshKey, max: number): Promise<'added' | 'duplicate' | 'too_many'>;
  listSshKeys(accountId: string): Promise<SavedSshKey[]>;
  /** False when the account has no such key. */
  deleteSshKey(accountId: string, keyId: string): Promise<boolean>;
}
