import { describe, expect, it } from 'vitest';
import { isValidIban, maskEmail, maskIban, maskedDetails, PayoutMethodInput } from '#billing/domain/payout-method.ts';
import { SetPayoutMethodInput } from '#billing/http/payouts.ts';
import { issuesOf } from '#platform/http.ts';

const fieldsOf = (input: unknown): string[] => {
  const result = SetPayoutMethodInput.safeParse(input);
  return result.success ? [] : issuesOf(result.error).map((issue) => issue.field);
};

describe('isValidIban', () => {
  it('accepts IBANs whose mod-97 check passes', () => {
    expect(isValidIban('DE89370400440532013000')).toBe(true);
    expect(isValidIban('GB82WEST12345698765432')).toBe(true);
    expect(isValidIban('NL91ABNA0417164300')).toBe(true);
  });

  it('refuses a changed digit, a bad shape and lower case', () => {
    expect(isValidIban('DE89370400440532013001')).toBe(false);
    expect(isValidIban('DE8937040044')).toBe(false);
    expect(isValidIban('de89370400440532013000')).toBe(false);
  });
});

describe('SetPayoutMethodInput', () => {
  it('takes each rail with its details, an IBAN in groups and any case made plain', () => {
    const bank = SetPayoutMethodInput.parse({ type: 'bank_transfer', details: { accountHolderName: 'Ada GmbH', iban: 'de89 3704 0044 0532 0130 00', bic: 'cobadeffxxx' } });
    expect(bank).toMatchObject({ type: 'bank_transfer', details: { iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' } });
    expect(SetPayoutMethodInput.parse({ type: 'paypal', details: { email: 'Ada@Example.com' }, threshold: '25.00' })).toEqual({ type: 'paypal', details: { email: 'ada@example.com' }, threshold: 25_000_000 });
    expect(SetPayoutMethodInput.parse({ type: 'wise', details: { email: 'ada@example.com', accountHolderName: 'Ada' } })).toMatchObject({ details: { currency: 'USD' } });
  });

  it('names type for an unknown rail', () => {
    expect(fieldsOf({ type: 'crypto', details: { address: '0xabc' } })).toEqual(['type']);
  });

  it("names the detail that fails the rail's format", () => {
    expect(fieldsOf({ type: 'bank_transfer', details: { accountHolderName: 'Ada', iban: 'DE89370400440532013001' } })).toEqual(['details.iban']);
    expect(fieldsOf({ type: 'paypal', details: { email: 'not-an-email' } })).toEqual(['details.email']);
    expect(fieldsOf({ type: 'wise', details: { email: 'a@b.co', accountHolderName: 'Ada', currency: 'dollars' } })).toEqual(['details.currency']);
    expect(fieldsOf({ type: 'paypal', details: { email: 'a@b.co', iban: 'x' } })).toEqual(['details.iban']);
  });

  it('names threshold when it is zero, negative or not an amount', () => {
    for (const threshold of ['0', 0, '-5', 'lots']) expect(fieldsOf({ type: 'paypal', details: { email: 'a@b.co' }, threshold })).toEqual(['threshold']);
  });

  it('is the domain union with a threshold', () => {
    expect(PayoutMethodInput.safeParse({ type: 'paypal', details: { email: 'a@b.co' } }).success).toBe(true);
  });
});

describe('masking', () => {
  it('keeps the first letter and the domain of an email, the first and last four of an IBAN', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j***@example.com');
    expect(maskIban('DE89370400440532013000')).toBe('DE89**************3000');
  });

  it('never shows the whole account number or address', () => {
    const bank = maskedDetails({ type: 'bank_transfer', details: { accountHolderName: 'Ada', iban: 'DE89370400440532013000' } });
    const wise = maskedDetails({ type: 'wise', details: { email: 'ada@example.com', accountHolderName: 'Ada', currency: 'EUR' } });
    expect(JSON.stringify(bank)).not.toContain('0532013000');
    expect(JSON.stringify(wise)).not.toContain('ada@');
    expect(wise).toEqual({ accountHolderName: 'Ada', email: 'a***@example.com', currency: 'EUR' });
  });
});
