import { useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { Section, Table } from '../components.tsx';
import { usd, percent } from '../format.ts';
import { useLoad } from '../hooks.ts';
import type { Offer } from '../types.ts';

type Sort = 'price' | 'reliability';

/** Free capacity on offer, filtered by the API (model, VRAM, region, price) and sorted here. */
export const OffersPage = ({ api }: { api: Api }) => {
  const [filters, setFilters] = useState({ gpuModel: '', minVramMb: '', region: '', maxPricePerGpuHour: '' });
  const [applied, setApplied] = useState(filters);
  const [sort, setSort] = useState<Sort>('price');
  const query = new URLSearchParams(Object.entries(applied).filter(([, value]) => value.trim() !== '')).toString();
  const offers = useLoad(() => api.get<{ items: Offer[] }>(`/v1/offers${query ? `?${query}` : ''}`), [query], 10_000);
  const sorted = [...(offers.data?.items ?? [])].sort((a, b) =>
    sort === 'price' ? Number(a.pricePerGpuHour) - Number(b.pricePerGpuHour) : b.reliability - a.reliability,
  );
  const field = (name: keyof typeof filters, label: string, numeric = false) => (
    <label>
      {label}
      <input type="text" inputMode={numeric ? 'numeric' : undefined} name={name} value={filters[name]} onInput={(event) => setFilters({ ...filters, [name]: (event.currentTarget as HTMLInputElement).value })} />
    </label>
  );
  return (
    <>
      <h1>Offers</h1>
      <form class="filters" onSubmit={(event) => { event.preventDefault(); setApplied(filters); }}>
        {field('gpuModel', 'GPU model')}
        {field('minVramMb', 'Min VRAM (MB)', true)}
        {field('region', 'Region')}
        {field('maxPricePerGpuHour', 'Max $/GPU-hour')}
        <label>
          Sort by
          <select value={sort} onChange={(event) => setSort((event.currentTarget as HTMLSelectElement).value as Sort)}>
            <option value="price">price, lowest first</option>
            <option value="reliability">reliability, highest first</option>
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <Section title="Available now" state={offers}>
        {() => (
          <Table caption="Offers" rows={sorted} empty="No host offers this right now."
            columns={[
              { label: 'GPU', value: (offer) => offer.gpuModel },
              { label: 'VRAM', value: (offer) => `${Math.round(offer.vramMb / 1024)} GB`, numeric: true },
              { label: 'Free GPUs', value: (offer) => offer.availableGpus, numeric: true },
              { label: '$/GPU-hour', value: (offer) => usd(offer.pricePerGpuHour), numeric: true },
              { label: 'Region', value: (offer) => offer.region },
              { label: 'Runtimes', value: (offer) => offer.runtimes.join(', ') },
              { label: 'Reliability', value: (offer) => percent(offer.reliability), numeric: true },
              { label: 'Multi-host', value: (offer) => (offer.multiHost ? 'yes' : 'no') },
            ]} />
        )}
      </Section>
    </>
  );
};
