import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { transactionView } from '#billing/http/mappers.ts';
import { AccountPath, AddCreditsInput } from '#billing/http/schemas.ts';
import { addCredits } from '#billing/use-cases/credits.ts';
import { httpRoute, json } from '#platform/http.ts';

const deps = makeBillingDeps();

/** Admin: credits an account; the same reference credits once and answers the first credit. */
export const handler = httpRoute(logger, { body: AddCreditsInput, path: AccountPath }, async ({ body, path }) => {
  const transaction = await addCredits({ accountId: path.accountId, amount: body.amount, ...(body.reference ? { reference: body.reference } : {}) }, deps);
  return json(201, transactionView(transaction));
});
