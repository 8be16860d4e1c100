// Over 300 lines on purpose: one entry per route mapping it to its zod schemas, so the OpenAPI
// document is read from a single list that a test checks against the topology's routes.
import { z } from 'zod';
import { AccountResponse, CreatedAccountResponse, IssuedKeyResponse, KeyPageResponse, SshKeyPageResponse, SshKeyResponse } from '#contract/accounts.ts';
import { AddSshKeyInput, CreateAccountInput, KeyPath, KeysQuery, SshKeyPath } from '#accounts/http/schemas.ts';
import { BalanceResponse, LedgerPageResponse, StatementResponse, TransactionResponse } from '#contract/billing.ts';
import { AccountPath, AddCreditsInput, LedgerQuery, StatementPath } from '#billing/http/schemas.ts';
import { MarkFailedInput, MarkPaidInput, PayoutBatchPath, PayoutFileQuery, PayoutPath, PayoutsQuery, SetPayoutMethodInput } from '#billing/http/payouts.ts';
import { PayoutBatchWithPayoutsResponse, PayoutFileResponse, PayoutMethodResponse, PayoutPageResponse, PayoutResponse } from '#contract/payouts.ts';
import { LogReceiptResponse } from '#logs/http/responses.ts';
import { LogPageResponse } from '#contract/logs.ts';
import * as logsSchemas from '#logs/http/schemas.ts';
import { AgentAssignmentResponse, AgentEventResponse } from '#matching/http/responses.ts';
import { JobPageResponse, JobResponse, SubmittedJobResponse, TimelineResponse } from '#contract/jobs.ts';
import { GpuModelsResponse, OfferPageResponse, TemplatesResponse } from '#contract/offers.ts';
import { CreateServiceInput, ListServicesQuery, ServicePath, UpdateServiceInput } from '#matching/http/services.ts';
import { CreatedServiceResponse, ServiceEndpointsResponse, ServicePageResponse, ServiceResponse } from '#contract/services.ts';
import { AgentEventInput, AssignmentPath, JobPath, ListJobsQuery, OffersQuery, SubmitJobInput, TimelineQuery } from '#matching/http/schemas.ts';
import { HostUsagePageResponse, JobUsageResponse, UsageReceiptResponse } from '#metering/http/responses.ts';
import * as meteringSchemas from '#metering/http/schemas.ts';
import { ExportPageResponse, ExportResponse, StartedExportResponse } from '#contract/exports.ts';
import { ExportPath, ListExportsQuery, RequestExportInput } from '#exports/http/schemas.ts';
import { CreatedWebhookResponse, DeliveryPageResponse, WebhookPageResponse } from '#notifications/http/responses.ts';
import { CreateWebhookInput, PageQuery as WebhookPageQuery, WebhookPath } from '#notifications/http/schemas.ts';
import { ErrorResponse, type ApiDescription } from '#platform/openapi.ts';
import {
  AckAssignmentsResponse,
  HeartbeatResponse,
  VerificationStepResponse,
  QueueCredentialsResponse,
  ReceivedAssignmentsResponse,
  RegisteredHostResponse,
  RegistrationTokenResponse,
  SignOffResponse,
} from '#registry/http/responses.ts';
import { HostPageResponse, HostResponse, MaintenanceWindowListResponse, MaintenanceWindowResponse } from '#contract/hosts.ts';
import {
  AckAssignmentsInput,
  HeartbeatInput,
  HostPath,
  HostsQuery,
  MaintenancePath,
  ReceiveAssignmentsQuery,
  RegisterAgentInput,
  ScheduleMaintenanceInput,
  UpdateHostInput,
  VerificationPath,
  VerificationStepInput,
} from '#registry/http/schemas.ts';

/**
 * The OpenAPI description of every route in `topology.routes`, keyed by route key. Request
 * schemas are the same objects the handlers pass to `httpRoute` (imported from each
 * context's `http/schemas.ts`; test/integration/platform/openapi.test.ts checks identity);
 * response schemas are the wire contract's (`shared/contract/`: what the CLI and the agent read)
 * or, for the rest, beside the requests in `http/responses.ts`. A route added to the topology
 * without an entry here fails that test. Add entries below the section comment of your work.
 */
export const apiDescription: ApiDescription = {
  // accounts
  'POST /v1/accounts': { summary: 'Create an account (admin); its first API key is shown only here', body: CreateAccountInput, responses: { 201: { description: 'Created', schema: CreatedAccountResponse } } },
  'GET /v1/accounts/me': { summary: "The caller's account", responses: { 200: { description: 'The account', schema: AccountResponse } } },
  'GET /v1/accounts/me/keys': { summary: "The caller's API keys (never the secrets)", query: KeysQuery, responses: { 200: { description: 'A page of keys', schema: KeyPageResponse } } },
  'POST /v1/accounts/me/keys': { summary: 'Issue another API key; the secret is shown only here', responses: { 201: { description: 'Issued', schema: IssuedKeyResponse } } },
  'DELETE /v1/accounts/me/keys/{keyId}': {
    summary: 'Revoke a key (not the last active one)',
    path: KeyPath,
    responses: { 204: { description: 'Revoked' }, 409: { description: 'The last active key', schema: ErrorResponse } },
  },

  // accounts: SSH keys for interactive jobs
  'POST /v1/ssh-keys': {
    summary: 'Save an SSH public key (OpenSSH format; ed25519, or RSA of at least 3072 bits)',
    body: AddSshKeyInput,
    responses: { 201: { description: 'Saved', schema: SshKeyResponse }, 409: { description: 'Already saved, or 20 keys already', schema: ErrorResponse } },
  },
  'GET /v1/ssh-keys': { summary: "The renter's saved SSH public keys", responses: { 200: { description: 'Every saved key', schema: SshKeyPageResponse } } },
  'DELETE /v1/ssh-keys/{keyId}': { summary: 'Delete a saved SSH key (jobs already submitted keep theirs)', path: SshKeyPath, responses: { 204: { description: 'Deleted' } } },

  // registry: providers
  'POST /v1/hosts/registration-tokens': { summary: 'A one-use token to register a host', responses: { 201: { description: 'Created', schema: RegistrationTokenResponse } } },
  'GET /v1/hosts': { summary: "The provider's hosts", query: HostsQuery, responses: { 200: { description: 'A page of hosts', schema: HostPageResponse } } },
  'GET /v1/hosts/{hostId}': { summary: 'One host', path: HostPath, responses: { 200: { description: 'The host', schema: HostResponse } } },
  'PATCH /v1/hosts/{hostId}': { summary: 'Change price, listing or draining', path: HostPath, body: UpdateHostInput, responses: { 200: { description: 'The host', schema: HostResponse } } },
  'DELETE /v1/hosts/{hostId}': { summary: 'Drain, then deregister', path: HostPath, responses: { 202: { description: 'Draining', schema: HostResponse } } },
  'POST /v1/hosts/{hostId}/maintenance': {
    summary: 'Schedule a maintenance window (at most 24 h); announced 24 h ahead, its downtime does not lower reliability',
    path: HostPath,
    body: ScheduleMaintenanceInput,
    responses: {
      201: { description: 'Scheduled', schema: MaintenanceWindowResponse },
      200: { description: 'The window an earlier request with this Idempotency-Key made', schema: MaintenanceWindowResponse },
      409: { description: 'Overlaps another window of the host, too many ahead, or an Idempotency-Key reused with another body', schema: ErrorResponse },
    },
  },
  'GET /v1/hosts/{hostId}/maintenance': {
    summary: "The host's maintenance windows, ended ones for a week",
    path: HostPath,
    responses: { 200: { description: 'The windows, soonest first', schema: MaintenanceWindowListResponse } },
  },
  'DELETE /v1/hosts/{hostId}/maintenance/{windowId}': {
    summary: 'Cancel a window not started, or end one in progress now',
    path: MaintenancePath,
    responses: { 204: { description: 'Cancelled' }, 409: { description: 'The window already ended', schema: ErrorResponse } },
  },

  // registry: agents
  'POST /v1/agent/register': {
    summary: 'Register a host with a registration token (public: the token in the body is the credential)',
    body: RegisterAgentInput,
    responses: {
      201: { description: 'Registered (or, sent again with the same agentToken, the same host); the agent token is shown only here', schema: RegisteredHostResponse },
      409: { description: 'The agentToken is already in use by another host', schema: ErrorResponse },
    },
  },
  'POST /v1/agent/heartbeat': { summary: "The agent's heartbeat", body: HeartbeatInput, responses: { 200: { description: 'The host as the platform sees it', schema: HeartbeatResponse } } },
  'POST /v1/agent/sign-off': { summary: 'A drained agent signs off', responses: { 200: { description: 'Signed off', schema: SignOffResponse }, 409: { description: 'Assignments are still live', schema: ErrorResponse } } },
  'POST /v1/agent/queue-credentials': { summary: "Short-lived credentials to long-poll the host's own queue", responses: { 200: { description: 'Credentials', schema: QueueCredentialsResponse } } },
  'GET /v1/agent/assignments': { summary: "Receive from the host's queue through the API", query: ReceiveAssignmentsQuery, responses: { 200: { description: 'Messages', schema: ReceivedAssignmentsResponse } } },
  'POST /v1/agent/verifications/{runId}': {
    summary: 'A verification run of the agent’s own host: the commitment (step "commit": Merkle roots, identity, timings), answered with the reveal; then the answer (step "answer": revealed tiles and chunks with their proofs), answered with the verdict',
    path: VerificationPath,
    body: VerificationStepInput,
    responses: {
      200: { description: 'The reveal, or the verdict (passed with the score, or failed with the reason)', schema: VerificationStepResponse },
      404: { description: 'No such run in flight on this host', schema: ErrorResponse },
      409: { description: 'The step was already taken, or taken out of order', schema: ErrorResponse },
    },
  },
  'POST /v1/agent/assignments/ack': { summary: 'Delete received messages', body: AckAssignmentsInput, responses: { 200: { description: 'Acknowledged', schema: AckAssignmentsResponse } } },

  // billing
  'POST /v1/accounts/{accountId}/credits': {
    summary: 'Credit an account (admin); the same reference credits once',
    path: AccountPath,
    body: AddCreditsInput,
    responses: { 201: { description: 'The ledger transaction', schema: TransactionResponse } },
  },
  'GET /v1/billing/balance': { summary: "The caller's balance (renters: held, available and runway too)", responses: { 200: { description: 'The balance', schema: BalanceResponse } } },
  'GET /v1/billing/ledger': { summary: "The caller's ledger entries, newest first", query: LedgerQuery, responses: { 200: { description: 'A page of entries', schema: LedgerPageResponse } } },
  // billing: holds and statements
  'GET /v1/billing/statements/{month}': {
    summary: "The caller's statement of a month (yyyy-mm, UTC): opening, credits, charges per job or earnings per host, closing",
    path: StatementPath,
    responses: { 200: { description: 'The statement', schema: StatementResponse }, 400: { description: 'A malformed month, or one that has not begun', schema: ErrorResponse } },
  },
  // billing: payouts (docs/payouts.md)
  'PUT /v1/payouts/method': {
    summary: "Provider: set where earnings are paid (bank_transfer, paypal or wise, details checked per rail) and an optional threshold",
    body: SetPayoutMethodInput,
    responses: { 200: { description: 'The method, masked', schema: PayoutMethodResponse }, 400: { description: 'An unknown rail, details that fail the rail, or a threshold not above 0 (each named)', schema: ErrorResponse } },
  },
  'GET /v1/payouts/method': {
    summary: "Provider: its payout method, masked",
    responses: { 200: { description: 'The method, masked', schema: PayoutMethodResponse }, 404: { description: 'No method set yet (`payout_method_not_set`)', schema: ErrorResponse } },
  },
  'GET /v1/payouts': {
    summary: 'Providers: their own payouts; finance: every payout, filtered by provider, batch or status. Newest first',
    query: PayoutsQuery,
    responses: { 200: { description: 'A page of payouts', schema: PayoutPageResponse } },
  },
  'POST /v1/finance/payout-batches': {
    summary: 'Finance: pay every provider whose settled earnings reach its threshold now (the weekly schedule does the same)',
    responses: { 201: { description: 'The batch and its payouts', schema: PayoutBatchWithPayoutsResponse } },
  },
  'GET /v1/finance/payout-batches/{batchId}': {
    summary: 'Finance: a batch and its payouts as they stand',
    path: PayoutBatchPath,
    responses: { 200: { description: 'The batch', schema: PayoutBatchWithPayoutsResponse }, 404: { description: 'No such batch', schema: ErrorResponse } },
  },
  'GET /v1/finance/payout-batches/{batchId}/file': {
    summary: "Finance: the batch as a mass-payout CSV: generic, or one rail's upload (paypal, wise, bank_transfer) with its payouts still in transit",
    path: PayoutBatchPath,
    query: PayoutFileQuery,
    responses: { 200: { description: 'The file, inside JSON', schema: PayoutFileResponse }, 404: { description: 'No such batch', schema: ErrorResponse } },
  },
  'POST /v1/finance/payouts/{payoutId}/paid': {
    summary: "Finance: the rail sent the payout (emits payout.paid); the same reference again is a no-op",
    path: PayoutPath,
    body: MarkPaidInput,
    responses: {
      200: { description: 'The payout', schema: PayoutResponse },
      404: { description: 'No such payout', schema: ErrorResponse },
      409: { description: 'Already paid with another reference (`payout_already_paid`), or failed (`payout_already_failed`)', schema: ErrorResponse },
    },
  },
  'POST /v1/finance/payouts/{payoutId}/failed': {
    summary: "Finance: the rail refused the payout; its amount returns to the provider's balance",
    path: PayoutPath,
    body: MarkFailedInput,
    responses: {
      200: { description: 'The payout', schema: PayoutResponse },
      404: { description: 'No such payout', schema: ErrorResponse },
      409: { description: 'Already paid (`payout_already_paid`), or failed with another reference (`payout_already_failed`)', schema: ErrorResponse },
    },
  },

  // matching
  'POST /v1/jobs': {
    summary: 'Submit a job',
    body: SubmitJobInput,
    headers: [{ name: 'Idempotency-Key', description: 'The same key and body return the same job; the same key with another body is a 409.' }],
    responses: {
      202: { description: 'Queued', schema: SubmittedJobResponse },
      400: { description: 'A bad field (each named in details), a GPU model no catalogue entry or host has (`gpu.models.N`, with the nearest known names; see GET /v1/gpu-models), an unknown `template`, or a template env left unfilled (`env.NAME`)', schema: ErrorResponse },
      402: { description: "The available balance cannot cover the job's hold", schema: ErrorResponse },
      409: { description: 'The Idempotency-Key was used with another body', schema: ErrorResponse },
    },
  },
  'GET /v1/templates': { summary: 'Job templates (image pinned by digest, ports, env, GPU floor) for `template` on POST /v1/jobs', responses: { 200: { description: 'Every template', schema: TemplatesResponse } } },
  'GET /v1/jobs': { summary: "The renter's jobs, newest first", query: ListJobsQuery, responses: { 200: { description: 'A page of jobs', schema: JobPageResponse } } },
  'GET /v1/jobs/{jobId}': { summary: 'One job with its assignments and cost so far', path: JobPath, responses: { 200: { description: 'The job', schema: JobResponse } } },
  'POST /v1/jobs/{jobId}/cancel': { summary: 'Cancel a job', path: JobPath, responses: { 202: { description: 'Cancelling (or cancelled)', schema: SubmittedJobResponse } } },
  'GET /v1/jobs/{jobId}/events': { summary: "The job's timeline", path: JobPath, query: TimelineQuery, responses: { 200: { description: 'A page of timeline entries', schema: TimelineResponse } } },
  'GET /v1/offers': { summary: 'Capacity a job could get now, cheapest first', query: OffersQuery, responses: { 200: { description: 'Offers', schema: OfferPageResponse } } },
  'GET /v1/gpu-models': {
    summary: 'The GPU models a job may ask for: the catalogue and every model a host registered, with what is on offer now',
    description: 'A job whose `gpu.models` names none of these is a 400 naming the field, with the nearest known names.',
    responses: { 200: { description: 'Models by name', schema: GpuModelsResponse } },
  },
  // matching: inference services
  'POST /v1/services': {
    summary: 'Create an inference service: replicas (each a job) kept ready across hosts, health-checked, with an endpoint list',
    body: CreateServiceInput,
    headers: [{ name: 'Idempotency-Key', description: 'The same key and body return the same service; the same key with another body is a 409.' }],
    responses: {
      202: { description: 'Created; its replica jobs are being placed', schema: CreatedServiceResponse },
      400: { description: 'A bad field, each named: `replicas` out of 1-64, `ports` without an http port, `healthCheck.path` not a path, `healthCheck.intervalSeconds` (and the other bounds) out of range, `healthCheck.port` not an http port of the service', schema: ErrorResponse },
      402: { description: "The available balance cannot cover every replica's first hold", schema: ErrorResponse },
      409: { description: 'The Idempotency-Key was used with another body', schema: ErrorResponse },
    },
  },
  'GET /v1/services': { summary: "The renter's services, newest first", query: ListServicesQuery, responses: { 200: { description: 'A page of services', schema: ServicePageResponse } } },
  'GET /v1/services/{serviceId}': {
    summary: "One service: desired and ready replicas, each replica's job, host, endpoint, state and last health result, its cost so far and per hour",
    path: ServicePath,
    responses: { 200: { description: 'The service', schema: ServiceResponse }, 404: { description: 'No such service of this renter', schema: ErrorResponse } },
  },
  'PATCH /v1/services/{serviceId}': {
    summary: 'Scale (replicas), or roll out a new image, command or env one replica at a time (at least replicas - 1 stay ready)',
    path: ServicePath,
    body: UpdateServiceInput,
    responses: {
      202: { description: 'Accepted; the replicas converge', schema: ServiceResponse },
      404: { description: 'No such service of this renter', schema: ErrorResponse },
      409: { description: 'The service is stopping, stopped or failed (`service_not_active`)', schema: ErrorResponse },
    },
  },
  'POST /v1/services/{serviceId}/stop': {
    summary: 'Stop every replica; the service ends stopped',
    path: ServicePath,
    responses: { 202: { description: 'Stopping (or already stopped)', schema: ServiceResponse }, 404: { description: 'No such service of this renter', schema: ErrorResponse } },
  },
  'GET /v1/services/{serviceId}/endpoints': {
    summary: 'The ready endpoints, for client-side load balancing; poll with If-None-Match',
    path: ServicePath,
    headers: [{ name: 'If-None-Match', description: 'The ETag of an earlier answer: 304 while the set is unchanged.' }],
    responses: {
      200: { description: 'The ready endpoints, with an ETag', schema: ServiceEndpointsResponse },
      304: { description: 'Unchanged since the ETag given' },
      404: { description: 'No such service of this renter', schema: ErrorResponse },
    },
  },
  'GET /v1/agent/assignments/{assignmentId}': { summary: 'An assignment of this host, with its message while live', path: AssignmentPath, responses: { 200: { description: 'The assignment', schema: AgentAssignmentResponse } } },
  'POST /v1/agent/assignments/{assignmentId}/events': {
    summary: "Report accepted, started, exited, failed or stopped; or a service replica's health check changing state (health)",
    path: AssignmentPath,
    body: AgentEventInput,
    responses: { 200: { description: 'The assignment state', schema: AgentEventResponse }, 409: { description: 'The assignment was withdrawn: drop it', schema: ErrorResponse } },
  },

  // metering
  'POST /v1/agent/usage': { summary: 'Report usage records', body: meteringSchemas.RecordUsageInput, responses: { 202: { description: 'Every record is stored', schema: UsageReceiptResponse } } },
  'GET /v1/jobs/{jobId}/usage': { summary: "A job's usage per assignment and hour", path: meteringSchemas.JobPath, responses: { 200: { description: 'Usage', schema: JobUsageResponse } } },
  'GET /v1/hosts/{hostId}/usage': {
    summary: "A host's assignments with their usage",
    path: meteringSchemas.HostPath,
    query: meteringSchemas.HostUsageQuery,
    responses: { 200: { description: 'A page of assignments', schema: HostUsagePageResponse } },
  },

  // exports
  'POST /v1/finance/exports': {
    summary: 'Finance: export usage or ledger rows of a period as CSV or JSON Lines; the file is written by its own function',
    body: RequestExportInput,
    headers: [{ name: 'Idempotency-Key', description: 'The same key and body return the same export; the same key with another body is a 409.' }],
    responses: { 202: { description: 'Started', schema: StartedExportResponse }, 409: { description: 'The Idempotency-Key was used with another body', schema: ErrorResponse } },
  },
  'GET /v1/finance/exports': { summary: 'Finance: every export, newest first, daily ones included', query: ListExportsQuery, responses: { 200: { description: 'A page of exports', schema: ExportPageResponse } } },
  'GET /v1/finance/exports/{exportId}': {
    summary: 'Finance: one export: status, rows, totals, whether they reconcile with the ledger, and a download URL',
    path: ExportPath,
    responses: { 200: { description: 'The export', schema: ExportResponse } },
  },
  // agent distribution
  'GET /install.sh': {
    summary: "The provider agent's installer, with this API's URL filled in (public)",
    responses: { 200: { description: 'A POSIX shell script', contentType: 'text/x-shellscript', schema: z.string() } },
  },
  'GET /agent/gpuhive-agent.mjs': {
    summary: 'The provider agent as one file for Node.js 20+ (public)',
    responses: { 200: { description: 'An ES module', contentType: 'text/javascript', schema: z.string() } },
  },
  // renter CLI distribution
  'GET /cli/gpuhive.mjs': {
    summary: 'The renter command line (`gpuhive`) as one file for Node.js 20+ (public)',
    responses: { 200: { description: 'An ES module', contentType: 'text/javascript', schema: z.string() } },
  },
  // logs
  'POST /v1/agent/assignments/{assignmentId}/logs': {
    summary: "Store log chunks of this host's assignment; idempotent per (assignment, seq)",
    path: logsSchemas.AssignmentPath,
    body: logsSchemas.RecordLogsInput,
    responses: {
      202: { description: 'The new chunks are durable', schema: LogReceiptResponse },
      404: { description: "Not this host's assignment, or unknown: drop the chunks", schema: ErrorResponse },
      409: { description: 'The assignment is too new to be known yet: send the chunks again shortly', schema: ErrorResponse },
    },
  },
  'GET /v1/jobs/{jobId}/logs': {
    summary: "A page of the job's logs from `since`; follow with `since=nextSince` until `complete`",
    path: logsSchemas.JobPath,
    query: logsSchemas.JobLogsQuery,
    responses: { 200: { description: 'A page of log chunks', schema: LogPageResponse } },
  },
  // notifications
  'POST /v1/webhooks': {
    summary: 'Register a webhook endpoint; its signing secret is shown only here',
    body: CreateWebhookInput,
    headers: [{ name: 'Idempotency-Key', description: 'The same key and body return the same endpoint; the same key with another body is a 409.' }],
    responses: {
      201: { description: 'Created', schema: CreatedWebhookResponse },
      409: { description: 'Too many endpoints, or the Idempotency-Key was used with another body', schema: ErrorResponse },
    },
  },
  'GET /v1/webhooks': { summary: "The caller's webhook endpoints (never their secrets)", query: WebhookPageQuery, responses: { 200: { description: 'A page of endpoints', schema: WebhookPageResponse } } },
  'DELETE /v1/webhooks/{webhookId}': { summary: 'Delete a webhook endpoint', path: WebhookPath, responses: { 204: { description: 'Deleted' } } },
  'GET /v1/webhooks/{webhookId}/deliveries': {
    summary: "An endpoint's deliveries, newest first, with their attempts and outcome",
    path: WebhookPath,
    query: WebhookPageQuery,
    responses: { 200: { description: 'A page of deliveries', schema: DeliveryPageResponse } },
  },
  // API description
  'GET /v1/openapi.json': {
    summary: 'This OpenAPI 3.1 document (public)',
    responses: { 200: { description: 'The document', schema: z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) }) } },
  },
};
