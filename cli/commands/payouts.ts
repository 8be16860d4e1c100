import type {
  MarkPayoutFailedRequest,
  MarkPayoutPaidRequest,
  PayoutBatchWithPayoutsResponse,
  PayoutFileFormat,
  PayoutFileResponse,
  PayoutMethodResponse,
  PayoutRail,
  PayoutResponse,
  SetPayoutMethodRequest,
} from '../../shared/contract/payouts.ts';
import { writeFile } from 'node:fs/promises';
import { allPages } from '../api.ts';
import { enumFlag, intFlag, noPositionals, onePositional, stringFlag, usdFlag, type Command, type ParsedInput } from '../command.ts';
import { UsageError } from '../errors.ts';
import { table, time, usd } from '../format.ts';
import { line, printJson } from '../output.ts';

/** The payout routes' answers: the wire contract's types (shared/contract/payouts.ts). */
export type Payout = PayoutResponse;
type PayoutMethod = PayoutMethodResponse;
type PayoutBatch = PayoutBatchWithPayoutsResponse;
type PayoutFile = PayoutFileResponse;

/** The contract's lists, copied (the CLI takes only types from it); the compiler checks each copy is exact. */
const RAILS = ['bank_transfer', 'paypal', 'wise'] as const satisfies readonly PayoutRail[];
const FORMATS = ['generic', 'paypal', 'wise', 'bank_transfer'] as const satisfies readonly PayoutFileFormat[];
const STATUSES = ['in_transit', 'paid', 'failed'] as const satisfies readonly Payout['status'][];
type None<T extends never> = T;
export type MissingLists = None<
  Exclude<PayoutRail, (typeof RAILS)[number]> | Exclude<PayoutFileFormat, (typeof FORMATS)[number]> | Exclude<Payout['status'], (typeof STATUSES)[number]>
>;

const recipientOf = (payout: Payout): string => payout.method.details.email ?? payout.method.details.iban ?? '-';

export const payoutsTable = (payouts: readonly Payout[]): string =>
  table(
    ['PAYOUT', 'PROVIDER', 'RAIL', 'TO', 'AMOUNT', 'STATUS', 'REFERENCE', 'MADE'],
    payouts.map((payout) => [
      payout.payoutId, payout.providerId, payout.method.type, recipientOf(payout), usd(payout.amount), payout.status,
      payout.reference ?? payout.failureReason ?? '-', time(payout.createdAt),
    ]),
  );

export const payouts: Command = {
  name: 'payouts',
  summary: 'Payouts: providers see their own; finance sees everyone\'s (filter with --provider, --batch, --status). Newest first.',
  options: {
    status: { type: 'string', value: 'STATUS', description: `only payouts in this status (${STATUSES.join(', ')})` },
    provider: { type: 'string', value: 'ACCOUNT', description: 'finance: only this provider\'s payouts' },
    batch: { type: 'string', value: 'BATCH', description: 'finance: only this batch\'s payouts' },
    limit: { type: 'string', value: 'N', description: 'at most N payouts (1-10000, default 20)' },
  },
  details: 'See also: gpuhive payouts method, payouts batch, payouts paid, payouts failed, payouts file.',
  async run(context, input) {
    noPositionals(input);
    const limit = intFlag(input, 'limit', 1, 10_000) ?? 20;
    const query = { status: enumFlag(input, 'status', STATUSES), providerId: stringFlag(input, 'provider'), batchId: stringFlag(input, 'batch') };
    const api = await context.api();
    const items = await allPages<Payout>(api, '/v1/payouts', query, limit);
    if (context.json) printJson(context.output, items);
    else if (items.length === 0) line(context.output, 'No payouts.');
    else context.output.out(payoutsTable(items));
    return 0;
  },
};

/** The method's details from the flags each rail needs; a missing one is named. */
/** The body of PUT /v1/payouts/method for the rail: the wire contract's type, so a detail renamed there fails `tsc` here. */
const methodOf = (input: ParsedInput, type: (typeof RAILS)[number], threshold: string | undefined): SetPayoutMethodRequest => {
  const need = (flag: string): string => {
    const value = stringFlag(input, flag);
    if (value === undefined) throw new UsageError(`--${flag} is required for --type ${type}.`, 'payouts method');
    return value;
  };
  const bic = stringFlag(input, 'bic');
  const currency = stringFlag(input, 'currency');
  const limit = threshold ? { threshold } : {};
  if (type === 'paypal') return { type, details: { email: need('email') }, ...limit };
  if (type === 'wise') return { type, details: { email: need('email'), accountHolderName: need('name'), ...(currency === undefined ? {} : { currency }) }, ...limit };
  return { type, details: { accountHolderName: need('name'), iban: need('iban'), ...(bic === undefined ? {} : { bic }) }, ...limit };
};

const methodText = (method: PayoutMethod): string =>
  [
    `Rail:       ${method.type}`,
    ...Object.entries(method.details).map(([name, value]) => `${`${name}:`.padEnd(12)}${value}`),
    `Threshold:  ${method.threshold === null ? 'none (any amount from $0.01)' : usd(method.threshold)}`,
    `Updated:    ${time(method.updatedAt)}`,
  ].join('\n') + '\n';

export const payoutsMethod: Command = {
  name: 'payouts method',
  summary: 'Providers: show where your earnings are paid, or `set` it (bank_transfer, paypal or wise).',
  args: '[set]',
  options: {
    type: { type: 'string', value: 'RAIL', description: `set: the rail (${RAILS.join(', ')})` },
    email: { type: 'string', value: 'EMAIL', description: 'set: paypal and wise: the account\'s email' },
    name: { type: 'string', value: 'NAME', description: 'set: bank_transfer and wise: the account holder\'s name' },
    iban: { type: 'string', value: 'IBAN', description: 'set: bank_transfer: the IBAN (checked by its checksum)' },
    bic: { type: 'string', value: 'BIC', description: 'set: bank_transfer: the BIC / SWIFT code (optional)' },
    currency: { type: 'string', value: 'CODE', description: 'set: wise: the currency to receive (default USD)' },
    threshold: { type: 'string', value: 'USD', description: 'set: pay only once at least this much is payable' },
  },
  details: [
    'Examples:',
    '  gpuhive payouts method',
    '  gpuhive payouts method set --type paypal --email ops@example.com --threshold 50',
    '  gpuhive payouts method set --type bank_transfer --name "Acme GmbH" --iban DE89370400440532013000',
    'The details are shown masked once saved.',
  ].join('\n'),
  async run(context, input) {
    const [action, extra] = input.positionals;
    if (extra !== undefined || (action !== undefined && action !== 'set')) throw new UsageError(`Unexpected argument "${extra ?? action}": the only action is "set".`, 'payouts method');
    const api = await context.api();
    let method: PayoutMethod;
    if (action === 'set') {
      const type = enumFlag(input, 'type', RAILS);
      if (!type) throw new UsageError('--type is required: bank_transfer, paypal or wise.', 'payouts method');
      const threshold = usdFlag(input, 'threshold');
      method = await api.put<PayoutMethod>('/v1/payouts/method', methodOf(input, type, threshold));
    } else {
      method = await api.get<PayoutMethod>('/v1/payouts/method');
    }
    if (context.json) printJson(context.output, method);
    else context.output.out(methodText(method));
    return 0;
  },
};

export const payoutsBatch: Command = {
  name: 'payouts batch',
  summary: 'Finance: make a payout batch now: every provider whose settled earnings reach its threshold is paid (moved to in transit).',
  options: {},
  async run(context, input) {
    noPositionals(input);
    const api = await context.api();
    const batch = await api.post<PayoutBatch>('/v1/finance/payout-batches');
    if (context.json) printJson(context.output, batch);
    else {
      line(context.output, `Batch ${batch.batchId}: ${batch.payouts ?? batch.items.length} payouts, ${usd(batch.total)} (earnings posted before ${time(batch.settledBefore)}).`);
      if (batch.items.length > 0) context.output.out(payoutsTable(batch.items));
    }
    return 0;
  },
};

export const payoutsPaid: Command = {
  name: 'payouts paid',
  summary: 'Finance: mark a payout paid with the rail\'s reference (again with the same reference: no change).',
  args: 'PAYOUT',
  options: { reference: { type: 'string', value: 'REF', description: 'the rail\'s reference for the transfer (required)' } },
  async run(context, input) {
    const payoutId = onePositional(input, 'PAYOUT');
    const reference = stringFlag(input, 'reference');
    if (!reference) throw new UsageError('--reference is required.', 'payouts paid');
    const api = await context.api();
    const payout = await api.post<Payout>(`/v1/finance/payouts/${encodeURIComponent(payoutId)}/paid`, { reference } satisfies MarkPayoutPaidRequest);
    if (context.json) printJson(context.output, payout);
    else line(context.output, `Payout ${payout.payoutId}: ${payout.status}, ${usd(payout.amount)}, reference ${payout.reference ?? '-'}.`);
    return 0;
  },
};

export const payoutsFailed: Command = {
  name: 'payouts failed',
  summary: 'Finance: mark a payout failed; its amount goes back to the provider\'s balance and the next batch pays it again.',
  args: 'PAYOUT',
  options: {
    reason: { type: 'string', value: 'TEXT', description: 'why the rail refused it (required)' },
    reference: { type: 'string', value: 'REF', description: 'the rail\'s reference for the failure, if any' },
  },
  async run(context, input) {
    const payoutId = onePositional(input, 'PAYOUT');
    const reason = stringFlag(input, 'reason');
    if (!reason) throw new UsageError('--reason is required.', 'payouts failed');
    const reference = stringFlag(input, 'reference');
    const api = await context.api();
    const payout = await api.post<Payout>(`/v1/finance/payouts/${encodeURIComponent(payoutId)}/failed`, { reason, ...(reference ? { reference } : {}) } satisfies MarkPayoutFailedRequest);
    if (context.json) printJson(context.output, payout);
    else line(context.output, `Payout ${payout.payoutId}: ${payout.status} (${payout.failureReason ?? reason}); ${usd(payout.amount)} is back in the provider's balance.`);
    return 0;
  },
};

export const payoutsFile: Command = {
  name: 'payouts file',
  summary: 'Finance: save a batch as a mass-payout CSV: generic, or the upload of one rail (paypal, wise, bank_transfer).',
  args: 'BATCH',
  options: {
    format: { type: 'string', value: 'FORMAT', description: `${FORMATS.join(', ')} (default generic)` },
    output: { type: 'string', short: 'o', value: 'FILE', description: 'where to save it (default: the file\'s own name, in this directory)' },
  },
  async run(context, input) {
    const batchId = onePositional(input, 'BATCH');
    const format = enumFlag(input, 'format', FORMATS) ?? 'generic';
    const api = await context.api();
    const file = await api.get<PayoutFile>(`/v1/finance/payout-batches/${encodeURIComponent(batchId)}/file`, { format });
    const path = stringFlag(input, 'output') ?? file.fileName;
    await writeFile(path, file.content, { mode: 0o600 });
    if (context.json) printJson(context.output, { path, fileName: file.fileName, rows: file.rows, total: file.total });
    else line(context.output, `Saved ${file.rows} payouts (${usd(file.total)}) to ${path}.`);
    return 0;
  },
};
