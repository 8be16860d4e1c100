import { z } from 'zod';
import type { MicroUsd } from '#platform/money.ts';
import { BankTransferDetailsRequest, emailText, PAYOUT_RAILS, PaypalDetailsRequest, WiseDetailsRequest, type PayoutRail } from '#contract/payouts.ts';

/**
 * Where a provider's earnings are sent: one of the rails finance pays through, with the
 * details that rail's mass-payout file needs. Each rail's details are checked here, at the
 * edge, so that a batch never carries a payout finance cannot send (a mistyped IBAN fails its
 * checksum now, not in the bank's rejection file a week later).
 */
export { PAYOUT_RAILS, type PayoutRail };

/**
 * ISO 13616: move the first four characters to the end, replace letters by 10..35, and the
 * number must leave 1 when divided by 97. Computed digit by digit so no big integers are needed.
 */
export const isValidIban = (iban: string): boolean => {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = `${iban.slice(4)}${iban.slice(0, 4)}`;
  let remainder = 0;
  for (const char of rearranged) {
    const digits = /\d/.test(char) ? char : String(char.charCodeAt(0) - 55);
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
};

/** IBANs are written in groups of four and in any case; the payout file wants them plain. */
const ibanField = z
  .string()
  .transform((text) => text.replaceAll(/\s+/g, '').toUpperCase())
  .refine(isValidIban, { message: 'must be a valid IBAN (country code, check digits and account, passing the mod-97 check)' });

/** ISO 9362: bank (4 letters), country (2 letters), location (2), optional branch (3). */
const bicField = z
  .string()
  .transform((text) => text.trim().toUpperCase())
  .refine((bic) => /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(bic), { message: 'must be a BIC / SWIFT code of 8 or 11 characters' });

const emailField = emailText.transform((email) => email.toLowerCase());

/** The wire contract's details (shared/contract/payouts.ts), read by each rail's rules. */
export const BankTransferDetails = BankTransferDetailsRequest.extend({ iban: ibanField, bic: bicField.optional() });
export const PaypalDetails = PaypalDetailsRequest.extend({ email: emailField });
export const WiseDetails = WiseDetailsRequest.extend({ email: emailField });

/** The method as a provider sends it: `type` picks the rail, `details` are checked by that rail's rules. */
export const PayoutMethodInput = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('bank_transfer'), details: BankTransferDetails }),
    z.strictObject({ type: z.literal('paypal'), details: PaypalDetails }),
    z.strictObject({ type: z.literal('wise'), details: WiseDetails }),
  ],
  { error: `must be one of ${PAYOUT_RAILS.join(', ')}` },
);
export type PayoutMethodDetails = z.infer<typeof PayoutMethodInput>;

export interface PayoutMethod {
  readonly providerId: string;
  readonly method: PayoutMethodDetails;
  /** Pay only once at least this much is payable; null pays any amount above zero. Integer µUSD. */
  readonly threshold: MicroUsd | null;
  readonly updatedAt: string;
}

/** `jane.doe@example.com` -> `j***@example.com`: enough for its owner to recognise it. */
export const maskEmail = (email: string): string => {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, 1)}***${email.slice(at)}`;
};

/** `DE89370400440532013000` -> `DE89 **** **** **** **30 00` style: country, check digits and the last four. */
export const maskIban = (iban: string): string => `${iban.slice(0, 4)}${'*'.repeat(Math.max(0, iban.length - 8))}${iban.slice(-4)}`;

/**
 * The details as they are shown after saving, to the provider and to finance in lists: never
 * the whole account number or address, so a leaked API key or screenshot does not give away
 * where the money goes. Only the batch's payout file carries them whole.
 */
export const maskedDetails = (method: PayoutMethodDetails): Record<string, string> => {
  switch (method.type) {
    case 'bank_transfer':
      return { accountHolderName: method.details.accountHolderName, iban: maskIban(method.details.iban), ...(method.details.bic ? { bic: method.details.bic } : {}) };
    case 'paypal':
      return { email: maskEmail(method.details.email) };
    case 'wise':
      return { accountHolderName: method.details.accountHolderName, email: maskEmail(method.details.email), currency: method.details.currency };
  }
};
