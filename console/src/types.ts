// Response and request shapes come from the schemas the handlers validate with (type-only
// imports: nothing of the backend reaches the bundle).
import type { z } from 'zod';
import type { AccountResponse, CreatedAccountResponse } from '#contract/accounts.ts';
import type { BalanceResponse, LedgerEntryResponse, StatementResponse } from '#contract/billing.ts';
import type { ExportResponse } from '#contract/exports.ts';
import type { LogPageResponse } from '#contract/logs.ts';
import type { JobResponse, SubmitJobRequest, TimelineResponse } from '#contract/jobs.ts';
import type { OfferResponse } from '#contract/offers.ts';
import type { HostUsagePageResponse } from '#metering/http/responses.ts';
import type { DeliveryResponse, WebhookResponse, CreatedWebhookResponse } from '#notifications/http/responses.ts';
import type { HostResponse } from '#contract/hosts.ts';
import type { RegistrationTokenResponse } from '#registry/http/responses.ts';

export type Account = z.infer<typeof AccountResponse>;
export type CreatedAccount = z.infer<typeof CreatedAccountResponse>;
export type Balance = z.infer<typeof BalanceResponse>;
export type LedgerEntry = z.infer<typeof LedgerEntryResponse>;
export type Statement = z.infer<typeof StatementResponse>;
export type Export = z.infer<typeof ExportResponse>;
export type LogPage = z.infer<typeof LogPageResponse>;
export type Job = z.infer<typeof JobResponse>;
export type Offer = z.infer<typeof OfferResponse>;
export type Timeline = z.infer<typeof TimelineResponse>;
export type JobSpec = SubmitJobRequest;
export type HostUsagePage = z.infer<typeof HostUsagePageResponse>;
export type Webhook = z.infer<typeof WebhookResponse>;
export type CreatedWebhook = z.infer<typeof CreatedWebhookResponse>;
export type Delivery = z.infer<typeof DeliveryResponse>;
export type Host = z.infer<typeof HostResponse>;
export type RegistrationToken = z.infer<typeof RegistrationTokenResponse>;

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export type Role = 'renter' | 'provider' | 'finance' | 'admin';
