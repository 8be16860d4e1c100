import { z } from 'zod';
import type { AccountRole } from '#infra/topology.ts';
import { UnauthorizedError } from './errors.ts';

/**
 * Who is calling, as the authorizer resolved the bearer secret. The authorizer only
 * identifies; each handler's middleware decides, from the topology, whether this
 * principal may use the route.
 */
export type Principal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'account'; readonly role: AccountRole; readonly accountId: string; readonly keyId: string }
  | { readonly kind: 'agent'; readonly role: 'agent'; readonly hostId: string; readonly providerId: string };

export type AccountPrincipal = Extract<Principal, { kind: 'account' }>;
export type AgentPrincipal = Extract<Principal, { kind: 'agent' }>;

export const ANONYMOUS: Principal = { kind: 'anonymous' };
export const ADMIN_ACCOUNT_ID = 'admin';

/** Secret prefixes: a leaked secret says at a glance what it opens. */
export const SecretPrefix = {
  renter: 'gpuhive_renter_',
  provider: 'gpuhive_provider_',
  finance: 'gpuhive_finance_',
  admin: 'gpuhive_admin_',
  agent: 'gpuhive_agent_',
  registration: 'gpuhive_reg_',
} as const;

/**
 * The authorizer's context travels as flat string fields (API Gateway's simple response
 * format); this schema turns it back into a Principal, and anything else into anonymous.
 */
const authorizerContext = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('anonymous') }),
  z.object({
    kind: z.literal('account'),
    role: z.enum(['renter', 'provider', 'finance', 'admin']),
    accountId: z.string().min(1),
    keyId: z.string().min(1),
  }),
  z.object({ kind: z.literal('agent'), role: z.literal('agent'), hostId: z.string().min(1), providerId: z.string().min(1) }),
]);

export const principalFromAuthorizerContext = (context: unknown): Principal => {
  const parsed = authorizerContext.safeParse(context);
  return parsed.success ? parsed.data : ANONYMOUS;
};

export const principalToAuthorizerContext = (principal: Principal): Record<string, string> => ({ ...principal });

/** Narrows a route's principal; the topology already admitted only these roles. */
export const accountOf = (principal: Principal): AccountPrincipal => {
  if (principal.kind !== 'account') throw new UnauthorizedError('This route needs an account key.');
  return principal;
};

export const agentOf = (principal: Principal): AgentPrincipal => {
  if (principal.kind !== 'agent') throw new UnauthorizedError('This route needs an agent token.');
  return principal;
};
