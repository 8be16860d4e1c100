import { z } from 'zod';
import { AddSshKeyRequest, CreateAccountRequest } from '#contract/accounts.ts';
import { pageQuery } from '#platform/pagination.ts';

/** The bodies are the wire contract's as they are: nothing in them needs a backend parser (the SSH key is parsed by the use case). */
export const CreateAccountInput = CreateAccountRequest;

export const KeysQuery = z.object(pageQuery);

export const KeyPath = z.object({ keyId: z.string().min(1).max(64) });

export const AddSshKeyInput = AddSshKeyRequest;

export const SshKeyPath = z.object({ keyId: z.string().min(1).max(64) });
