import { ConflictError, NotFoundError, ValidationError } from '#platform/errors.ts';
import { newId } from '#platform/ids.ts';
import { MAX_SSH_KEYS, type SavedSshKey } from '../domain/account.ts';
import { parseSshPublicKey, SshKeyError } from '../domain/ssh-key.ts';
import type { AccountsDeps } from './manage-accounts.ts';

/**
 * Saves a public key on the caller's account. Steps: parse and check it (ed25519, or RSA of
 * at least 3072 bits; 400 naming `publicKey` otherwise); write it with its fingerprint item
 * and the account's key count in one transaction: the same key twice is a 409, and so is a
 * 21st key.
 */
export const addSshKey = async (accountId: string, input: { name: string; publicKey: string }, deps: AccountsDeps): Promise<SavedSshKey> => {
  let parsed;
  try {
    parsed = parseSshPublicKey(input.publicKey);
  } catch (error) {
    if (error instanceof SshKeyError) throw new ValidationError([{ field: 'publicKey', message: error.message }]);
    throw error;
  }
  const now = deps.clock.now();
  const key: SavedSshKey = {
    keyId: newId('sshkey', now),
    accountId,
    name: input.name,
    type: parsed.type,
    bits: parsed.bits,
    fingerprint: parsed.fingerprint,
    publicKey: parsed.publicKey,
    createdAt: now.toISOString(),
  };
  const outcome = await deps.store.addSshKey(key, MAX_SSH_KEYS);
  if (outcome === 'duplicate') throw new ConflictError('ssh_key_exists', `This key (${parsed.fingerprint}) is already saved on the account.`);
  if (outcome === 'too_many') throw new ConflictError('too_many_ssh_keys', `An account holds at most ${MAX_SSH_KEYS} SSH keys: delete one first.`);
  return key;
};

export const listSshKeys = (accountId: string, deps: AccountsDeps): Promise<SavedSshKey[]> => deps.store.listSshKeys(accountId);

export const deleteSshKey = async (accountId: string, keyId: string, deps: AccountsDeps): Promise<void> => {
  if (!(await deps.store.deleteSshKey(accountId, keyId))) throw new NotFoundError('No such SSH key on this account.');
};
