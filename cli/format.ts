/** Plain-text rendering for people; `--json` bypasses all of it. */

/** Columns padded to their widest cell; the last column is not padded. */
export const table = (headers: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [render(headers), ...rows.map(render)].join('\n') + '\n';
};

/** "0.450000" -> "$0.45"; keeps up to 6 decimals when they matter ("$0.000450"). */
export const usd = (amount: string | null | undefined): string => {
  if (amount === null || amount === undefined) return '-';
  const negative = amount.startsWith('-');
  const [whole = '0', fraction = ''] = amount.replace(/^-/, '').split('.');
  const trimmed = fraction.replace(/0+$/, '').padEnd(2, '0');
  return `${negative ? '-' : ''}$${whole}.${trimmed}`;
};

/** 3725 -> "1h 2m 5s". */
export const duration = (seconds: number | null | undefined): string => {
  if (seconds === null || seconds === undefined) return '-';
  const total = Math.max(0, Math.round(seconds));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${rest}s`;
  return `${rest}s`;
};

/** ISO time -> "2026-11-25 22:41:07Z" (UTC, second precision). */
export const time = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

export const percent = (share: number | null | undefined): string => (share === null || share === undefined ? '-' : `${(share * 100).toFixed(1)}%`);

export const bytes = (count: number): string => {
  if (count < 1024) return `${count} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = count / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
};

/** A progress bar that fits `width` columns: "[#####.....]  52%  5.2 MiB / 10.0 MiB". */
export const progressBar = (done: number, total: number | undefined, width: number): string => {
  if (!total) return `${bytes(done)}`;
  const share = Math.min(1, done / total);
  const label = ` ${String(Math.floor(share * 100)).padStart(3)}%  ${bytes(done)} / ${bytes(total)}`;
  const barWidth = Math.max(10, Math.min(40, width - label.length - 3));
  const filled = Math.round(share * barWidth);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${label}`;
};
