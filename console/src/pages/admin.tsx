import { useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { Copyable, ErrorBox } from '../components.tsx';
import type { CreateAccountRequest } from '#contract/accounts.ts';
import type { AddCreditsRequest } from '#contract/billing.ts';
import type { CreatedAccount } from '../types.ts';

/** Admin: create accounts (the key is shown once) and credit them (a reference makes it idempotent). */
export const AdminPage = ({ api }: { api: Api }) => {
  const [account, setAccount] = useState<CreateAccountRequest>({ kind: 'renter', name: '' });
  const [created, setCreated] = useState<CreatedAccount>();
  const [credit, setCredit] = useState({ accountId: '', amount: '', reference: '' });
  const [credited, setCredited] = useState<string>();
  const [error, setError] = useState<Error>();
  const create = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      setCreated(await api.post<CreatedAccount>('/v1/accounts', account));
    } catch (createError) {
      setError(createError as Error);
    }
  };
  const addCredit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setCredited(undefined);
    try {
      await api.post(`/v1/accounts/${encodeURIComponent(credit.accountId.trim())}/credits`, {
        amount: credit.amount.trim(),
        ...(credit.reference.trim() ? { reference: credit.reference.trim() } : {}),
      } satisfies AddCreditsRequest);
      setCredited(`Credited ${credit.amount} to ${credit.accountId}.`);
    } catch (creditError) {
      setError(creditError as Error);
    }
  };
  return (
    <>
      <h1>Accounts and credits</h1>
      <ErrorBox error={error} />
      <section aria-label="Create an account">
        <h2>Create an account</h2>
        <form class="filters" onSubmit={create}>
          <label>
            Kind
            <select value={account.kind} onChange={(event) => setAccount({ ...account, kind: (event.currentTarget as HTMLSelectElement).value as CreateAccountRequest['kind'] })}>
              <option value="renter">renter</option>
              <option value="provider">provider</option>
              <option value="finance">finance</option>
            </select>
          </label>
          <label>
            Name
            <input value={account.name} onInput={(event) => setAccount({ ...account, name: (event.currentTarget as HTMLInputElement).value })} />
          </label>
          <button type="submit">Create</button>
        </form>
        {created && (
          <>
            <p>Created {created.kind} account <strong>{created.name}</strong> ({created.accountId}). Give its owner the key: it is not shown again.</p>
            <Copyable label="Account id" value={created.accountId} />
            <Copyable label="API key" value={created.apiKey} />
          </>
        )}
      </section>
      <section aria-label="Credit an account">
        <h2>Credit an account</h2>
        <form class="filters" onSubmit={addCredit}>
          <label>
            Account id
            <input value={credit.accountId} onInput={(event) => setCredit({ ...credit, accountId: (event.currentTarget as HTMLInputElement).value })} />
          </label>
          <label>
            Amount (USD)
            <input value={credit.amount} placeholder="25.000000" onInput={(event) => setCredit({ ...credit, amount: (event.currentTarget as HTMLInputElement).value })} />
          </label>
          <label>
            Reference (makes it idempotent)
            <input value={credit.reference} onInput={(event) => setCredit({ ...credit, reference: (event.currentTarget as HTMLInputElement).value })} />
          </label>
          <button type="submit">Credit</button>
        </form>
        {credited && <p role="status">{credited}</p>}
      </section>
    </>
  );
};
