import { ApiError, NetworkError } from '#agent/core/errors.ts';
import { nodeTransport, type HttpAnswer, type Transport } from './http.ts';
import type {
  AgentEvent, AssignmentView, HeartbeatRequest, HeartbeatResponse, LogChunk, QueueCredentials, RegisterRequest, RegisterResponse, UsageRecord, VerificationStep, VerificationStepResult,
} from './types.ts';

export interface ApiClientOptions {
  readonly baseUrl: string;
  readonly agentToken?: string;
  /** Per request; the API answers within seconds or not at all. */
  readonly timeoutMs?: number;
  /** Default: node:http(s) (see http.ts); tests pass a fake, or fetch. */
  readonly fetch?: Transport;
  readonly userAgent?: string;
}

/** Typed calls to the Agent routes of API.md. No retries here: `core` decides. */
export class ApiClient {
  private readonly fetch: Transport;

  constructor(private readonly options: ApiClientOptions) {
    this.fetch = options.fetch ?? nodeTransport;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  withToken(agentToken: string): ApiClient {
    return new ApiClient({ ...this.options, agentToken });
  }

  private async call<T>(method: string, path: string, body?: unknown, timeoutMs = this.options.timeoutMs ?? 15_000): Promise<T> {
    let response: HttpAnswer;
    try {
      response = await this.fetch(`${this.options.baseUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers: {
          'user-agent': this.options.userAgent ?? 'gpuhive-agent',
          ...(this.options.agentToken ? { authorization: `Bearer ${this.options.agentToken}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new NetworkError(`cannot reach ${this.options.baseUrl}: ${(error as Error).cause ? String((error as { cause: { message?: string } }).cause.message ?? (error as Error).cause) : (error as Error).message}`, { cause: error });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new NetworkError(`the connection to ${this.options.baseUrl} broke while reading the answer`, { cause: error });
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      const gatewayMessage = (parsed as { message?: string } | undefined)?.message;
      throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? gatewayMessage ?? (typeof parsed === 'string' ? parsed.slice(0, 200) : response.statusText), parsed);
    }
    return parsed as T;
  }

  register(request: RegisterRequest): Promise<RegisterResponse> {
    return this.call('POST', '/v1/agent/register', request);
  }

  heartbeat(request: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.call('POST', '/v1/agent/heartbeat', request);
  }

  signOff(): Promise<{ status: string; statusReason: string | null }> {
    return this.call('POST', '/v1/agent/sign-off', {});
  }

  queueCredentials(): Promise<QueueCredentials> {
    return this.call('POST', '/v1/agent/queue-credentials', {});
  }

  getAssignment(assignmentId: string): Promise<AssignmentView> {
    return this.call('GET', `/v1/agent/assignments/${encodeURIComponent(assignmentId)}`);
  }

  async sendEvent(assignmentId: string, event: AgentEvent): Promise<void> {
    await this.call('POST', `/v1/agent/assignments/${encodeURIComponent(assignmentId)}/events`, event);
  }

  async sendUsage(records: readonly UsageRecord[]): Promise<void> {
    await this.call('POST', '/v1/agent/usage', { records });
  }

  /** A verification run's commitment or answer (docs/verification.md); an answer may be large, so it gets longer. */
  verificationStep(runId: string, step: VerificationStep): Promise<VerificationStepResult> {
    return this.call('POST', `/v1/agent/verifications/${encodeURIComponent(runId)}`, step, Math.max(this.options.timeoutMs ?? 15_000, 60_000));
  }

  async sendLogs(assignmentId: string, chunks: readonly LogChunk[]): Promise<void> {
    await this.call('POST', `/v1/agent/assignments/${encodeURIComponent(assignmentId)}/logs`, { chunks });
  }
}
