import { useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { ErrorBox, Section, Status, Table } from '../components.tsx';
import { time, usd } from '../format.ts';
import { useLoad } from '../hooks.ts';
import type { RequestExportRequest } from '#contract/exports.ts';
import type { Export } from '../types.ts';

const firstOfMonth = (offset: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1)).toISOString().slice(0, 10);
};

const totalsOf = (item: Export): string => {
  if (!item.totals) return '—';
  if ('paid' in item.totals) {
    return `${usd(item.totals.amount)} paid out: ${usd(item.totals.paid)} paid, ${usd(item.totals.inTransit)} in transit, ${usd(item.totals.failed)} failed`;
  }
  return 'amount' in item.totals
    ? `${usd(item.totals.amount)} charged, ${usd(item.totals.providerAmount)} to providers, ${usd(item.totals.fee)} fees`
    : `sum ${usd(item.totals.sum)} (debits ${usd(item.totals.debits)}, credits ${usd(item.totals.credits)})`;
};

/** Finance: request a usage or ledger export for a period, watch it run, download it, see if it reconciled. */
export const ExportsPage = ({ api }: { api: Api }) => {
  const exports = useLoad(() => api.get<{ items: Export[] }>('/v1/finance/exports?limit=50'), [], 2000);
  const [form, setForm] = useState<Required<RequestExportRequest>>({ kind: 'usage', format: 'csv', from: firstOfMonth(0), to: firstOfMonth(1) });
  const [error, setError] = useState<Error>();
  const request = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      await api.post('/v1/finance/exports', form);
      exports.reload();
    } catch (requestError) {
      setError(requestError as Error);
    }
  };
  const set = (name: keyof typeof form) => (event: Event) => setForm({ ...form, [name]: (event.currentTarget as HTMLInputElement).value });
  return (
    <>
      <h1>Exports</h1>
      <form class="filters" onSubmit={request}>
        <label>
          Kind
          <select value={form.kind} onChange={set('kind')}>
            <option value="usage">usage</option>
            <option value="ledger">ledger</option>
          </select>
        </label>
        <label>
          Format
          <select value={form.format} onChange={set('format')}>
            <option value="csv">CSV</option>
            <option value="jsonl">JSON Lines</option>
          </select>
        </label>
        <label>
          From (UTC, inclusive)
          <input type="date" value={form.from} onChange={set('from')} />
        </label>
        <label>
          To (UTC, exclusive)
          <input type="date" value={form.to} onChange={set('to')} />
        </label>
        <button type="submit">Request export</button>
      </form>
      <ErrorBox error={error} />
      <Section title="Exports" state={exports}>
        {(page) => (
          <Table caption="Exports" rows={page.items} empty="No exports yet."
            columns={[
              { label: 'Requested', value: (item) => time(item.requestedAt) },
              { label: 'What', value: (item) => `${item.kind} (${item.format})${item.daily ? ', daily' : ''}` },
              { label: 'Period', value: (item) => `${item.from.slice(0, 10)} – ${item.to.slice(0, 10)}` },
              { label: 'Status', value: (item) => <Status value={item.status} /> },
              { label: 'Rows', value: (item) => item.rows ?? '—', numeric: true },
              { label: 'Totals', value: totalsOf },
              { label: 'Reconciled', value: (item) => (item.reconciled === undefined ? '—' : item.reconciled ? 'yes' : `no: ${(item.differences ?? []).join('; ')}`) },
              { label: 'File', value: (item) => (item.url ? <a href={item.url} download>Download</a> : item.error ?? '—') },
            ]} />
        )}
      </Section>
    </>
  );
};
