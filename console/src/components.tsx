import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { ApiError } from './api.ts';
import type { Loaded } from './hooks.ts';
import { visible } from './format.ts';

/** An error as the API worded it, each bad field on its own line. */
export const ErrorBox = ({ error }: { error: Error | undefined }) => {
  if (!error) return null;
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div class="error" role="alert">
      <p>{error.message}</p>
      {details.length > 0 && (
        <ul>
          {details.map((detail) => (
            <li>{[detail.field, detail.message].filter(Boolean).join(': ')}</li>
          ))}
        </ul>
      )}
    </div>
  );
};

/** Data, or a loading line, or the error: every page section reads the same way. */
export const Section = <T,>({ title, state, children }: { title: string; state: Loaded<T>; children: (data: T) => ComponentChildren }) => (
  <section aria-label={title}>
    <h2>{title}</h2>
    <ErrorBox error={state.error} />
    {state.data === undefined ? state.loading && <p class="muted">Loading…</p> : children(state.data)}
  </section>
);

export interface Column<T> {
  readonly label: string;
  readonly value: (row: T) => ComponentChildren;
  readonly numeric?: boolean;
}

const cell = (value: ComponentChildren): ComponentChildren => (typeof value === 'string' ? visible(value) : value);

export const Table = <T,>({ caption, columns, rows, empty }: { caption: string; columns: Column<T>[]; rows: readonly T[]; empty: string }) =>
  rows.length === 0 ? (
    <p class="muted">{empty}</p>
  ) : (
    // A wide table scrolls on its own; focusable so keyboard users can scroll it too.
    <div class="table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" class={column.numeric ? 'num' : undefined}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr>
              {columns.map((column) => (
                <td class={column.numeric ? 'num' : undefined}>{cell(column.value(row))}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );

export const Status = ({ value }: { value: string }) => <span class={`status status-${value}`}>{value}</span>;

/** A value with a button that copies it (registration tokens, install commands). */
export const Copyable = ({ label, value }: { label: string; value: string }) => {
  const [copied, setCopied] = useState(false);
  return (
    <div class="copyable">
      <label>
        {label}
        <input type="text" readOnly value={value} onFocus={(event) => (event.currentTarget as HTMLInputElement).select()} />
      </label>
      <button
        type="button"
        onClick={() => navigator.clipboard?.writeText(value).then(() => setCopied(true), () => setCopied(false))}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
};

/**
 * A small chart (uPlot): days or labels on x, one series. `kind: 'bars'` for per-host totals.
 * A table of the same numbers sits beside it for screen readers.
 */
export const Chart = ({ title, labels, values, unit, kind = 'line' }: { title: string; labels: string[]; values: number[]; unit: string; kind?: 'line' | 'bars' }) => {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element || labels.length === 0) return;
    const width = Math.max(280, Math.min(720, element.clientWidth || 600));
    const xs = labels.map((_, i) => i);
    const plot = new uPlot(
      {
        width,
        height: 220,
        legend: { show: false },
        scales: { x: { time: false } },
        axes: [{ values: (_u: uPlot, ticks: number[]) => ticks.map((tick) => labels[tick] ?? '') }, { label: unit }],
        series: [
          {},
          {
            label: title,
            stroke: '#2563eb',
            fill: 'rgba(37, 99, 235, 0.15)',
            ...(kind === 'bars' ? { paths: uPlot.paths.bars!({ size: [0.6, 64] }), points: { show: false } } : { points: { show: true, size: 6 } }),
          },
        ],
      },
      [xs, values],
      element,
    );
    return () => plot.destroy();
  }, [labels.join('|'), values.join('|'), kind]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      {labels.length === 0 ? <p class="muted">Nothing to draw yet.</p> : <div ref={box} aria-hidden="true" />}
      <details>
        <summary>The numbers</summary>
        <Table caption={title} rows={labels.map((label, i) => ({ label, value: values[i] ?? 0 }))} empty="None."
          columns={[{ label: 'When', value: (row) => row.label }, { label: unit, value: (row) => row.value.toFixed(2), numeric: true }]} />
      </details>
    </figure>
  );
};
