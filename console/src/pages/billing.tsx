import { useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { Chart, Section, Table } from '../components.tsx';
import { duration, perDay, time, usd } from '../format.ts';
import { useLoad } from '../hooks.ts';
import type { Balance, LedgerEntry, Role, Statement } from '../types.ts';

const thisMonth = () => new Date().toISOString().slice(0, 7);

/**
 * Balance (with runway for renters), a per-day chart of usage charges (a renter's spend, a
 * provider's earnings), the ledger and a month's statement.
 */
export const BillingPage = ({ api, role }: { api: Api; role: Role }) => {
  const balance = useLoad(() => api.get<Balance>('/v1/billing/balance'), [], 10_000);
  const ledger = useLoad(() => api.all<LedgerEntry>('/v1/billing/ledger', 10), [], 30_000);
  const [month, setMonth] = useState(thisMonth());
  const statement = useLoad(() => api.get<Statement>(`/v1/billing/statements/${month}`), [month]);
  const usage = (ledger.data ?? []).filter((entry) => entry.kind === 'usage_charge');
  // Renters' charges are negative entries; the chart shows what they spent as positive dollars.
  const chart = perDay(usage.map((entry) => ({ at: entry.postedAt, value: Math.abs(Number(entry.amount)) })));
  return (
    <>
      <h1>{role === 'renter' ? 'Balance and spending' : 'Earnings'}</h1>
      <Section title="Balance" state={balance}>
        {(data) => (
          <dl class="facts">
            <dt>Balance</dt><dd>{usd(data.balance)}</dd>
            {data.held !== undefined && <><dt>Held for jobs</dt><dd>{usd(data.held)}</dd></>}
            {data.available !== undefined && <><dt>Available</dt><dd>{usd(data.available)}</dd></>}
            {role === 'renter' && <><dt>Runway</dt><dd>{data.runwaySeconds === null || data.runwaySeconds === undefined ? 'no job running' : duration(data.runwaySeconds)}</dd></>}
          </dl>
        )}
      </Section>
      <Chart title={role === 'renter' ? 'Spend per day (USD)' : 'Earnings per day (USD)'} labels={chart.days} values={chart.values} unit="USD" />
      <Section title="Ledger" state={ledger}>
        {(items) => (
          <Table caption="Ledger" rows={items} empty="No ledger entries yet."
            columns={[
              { label: 'Posted', value: (entry) => time(entry.postedAt) },
              { label: 'Kind', value: (entry) => entry.kind.replace('_', ' ') },
              { label: 'Amount', value: (entry) => usd(entry.amount), numeric: true },
              { label: 'Reference', value: (entry) => entry.reference ?? '' },
            ]} />
        )}
      </Section>
      <section aria-label="Monthly statement">
        <h2>Monthly statement</h2>
        <label>
          Month
          <input type="month" value={month} onChange={(event) => setMonth((event.currentTarget as HTMLInputElement).value || thisMonth())} />
        </label>
        <Section title={`Statement ${month}`} state={statement}>
          {(data) => (
            <>
              <dl class="facts">
                <dt>Opening balance</dt><dd>{usd(data.openingBalance)}</dd>
                <dt>Credits</dt><dd>{usd(data.totals.credits)}</dd>
                {data.kind === 'renter' ? <><dt>Charges</dt><dd>{usd(data.totals.charges)}</dd></> : <><dt>Earnings</dt><dd>{usd(data.totals.earnings)}</dd></>}
                <dt>Closing balance</dt><dd>{usd(data.closingBalance)}</dd>
              </dl>
              {data.kind === 'renter' ? (
                <Table caption="Charges per job" rows={data.charges} empty="No charges this month."
                  columns={[
                    { label: 'Job', value: (line) => line.jobId },
                    { label: 'GPU-hours', value: (line) => (line.gpuSeconds / 3600).toFixed(3), numeric: true },
                    { label: 'Amount', value: (line) => usd(line.amount), numeric: true },
                  ]} />
              ) : (
                <Table caption="Earnings per host" rows={data.earnings} empty="No earnings this month."
                  columns={[
                    { label: 'Host', value: (line) => line.hostId },
                    { label: 'GPU-hours', value: (line) => (line.gpuSeconds / 3600).toFixed(3), numeric: true },
                    { label: 'Amount', value: (line) => usd(line.amount), numeric: true },
                  ]} />
              )}
            </>
          )}
        </Section>
      </section>
    </>
  );
};
