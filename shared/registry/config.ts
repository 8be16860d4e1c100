import { z } from 'zod';
import { parseEnv, platformConfigSchema, seconds } from '#platform/config.ts';
import { tables } from '#infra/topology.ts';
import { DEFAULT_MAINTENANCE_NOTICE_SECONDS } from './domain/maintenance.ts';
import { DEFAULT_VERIFICATION_SETTINGS, type VerificationSettings } from './domain/verification/settings.ts';

/** Env names of the registry context; the CDK stack and the local runtime import them. */
export const RegistryEnv = {
  hostQueuePrefix: 'HOST_QUEUE_PREFIX',
  agentQueueRoleArn: 'AGENT_QUEUE_ROLE_ARN',
  heartbeatIntervalSeconds: 'HEARTBEAT_INTERVAL_SECONDS',
  unreachableAfterSeconds: 'UNREACHABLE_AFTER_SECONDS',
  offlineAfterSeconds: 'OFFLINE_AFTER_SECONDS',
  registrationTokenTtlSeconds: 'REGISTRATION_TOKEN_TTL_SECONDS',
  /** How far ahead a maintenance window must be announced to excuse its downtime (default 24 h). */
  maintenanceNoticeSeconds: 'MAINTENANCE_NOTICE_SECONDS',
  /** Local mode only: the SQS endpoint handed to agents, when they reach it by another address than the backend does. */
  agentSqsEndpoint: 'AGENT_SQS_ENDPOINT',
  /** Verification (docs/verification.md): mean time between idle re-verifications. */
  verificationMeanIntervalSeconds: 'VERIFICATION_MEAN_INTERVAL_SECONDS',
  verificationValidForSeconds: 'VERIFICATION_VALID_FOR_SECONDS',
  verificationRetryAfterSeconds: 'VERIFICATION_RETRY_AFTER_SECONDS',
  /** The fixed allowance in each commitment deadline (container start, generation, hashing). */
  verificationOverheadSeconds: 'VERIFICATION_OVERHEAD_SECONDS',
  verificationAnswerWithinSeconds: 'VERIFICATION_ANSWER_WITHIN_SECONDS',
  verificationMissedAfterSeconds: 'VERIFICATION_MISSED_AFTER_SECONDS',
  /** The nominal work a simulated host's run stands for, in FLOPs. */
  verificationSimulatedWorkFlops: 'VERIFICATION_SIMULATED_WORK_FLOPS',
} as const;

const verificationDefaults = DEFAULT_VERIFICATION_SETTINGS;

export const DEFAULT_HOST_QUEUE_PREFIX = 'gpuhive-host-';

export const registryConfig = () =>
  parseEnv(
    platformConfigSchema.extend({
      [tables.registry.envVar]: z.string().min(1),
      /** Matching's table, read only: which assignments are live on a host (only where granted). */
      [tables.matching.envVar]: z.string().min(1).optional(),
      [RegistryEnv.hostQueuePrefix]: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).default(DEFAULT_HOST_QUEUE_PREFIX),
      /** Set on AWS: the role agents' queue credentials are vended from. Unset locally. */
      [RegistryEnv.agentQueueRoleArn]: z.string().startsWith('arn:').optional(),
      [RegistryEnv.heartbeatIntervalSeconds]: seconds(60),
      [RegistryEnv.unreachableAfterSeconds]: seconds(90),
      [RegistryEnv.offlineAfterSeconds]: seconds(600),
      [RegistryEnv.registrationTokenTtlSeconds]: seconds(3600),
      [RegistryEnv.maintenanceNoticeSeconds]: seconds(DEFAULT_MAINTENANCE_NOTICE_SECONDS),
      [RegistryEnv.agentSqsEndpoint]: z.url().optional(),
      [RegistryEnv.verificationMeanIntervalSeconds]: seconds(verificationDefaults.meanIntervalSeconds),
      [RegistryEnv.verificationValidForSeconds]: seconds(verificationDefaults.validForSeconds),
      [RegistryEnv.verificationRetryAfterSeconds]: seconds(verificationDefaults.retryAfterSeconds),
      [RegistryEnv.verificationOverheadSeconds]: seconds(verificationDefaults.overheadSeconds),
      [RegistryEnv.verificationAnswerWithinSeconds]: seconds(verificationDefaults.answerWithinSeconds),
      [RegistryEnv.verificationMissedAfterSeconds]: seconds(verificationDefaults.missedAfterSeconds),
      [RegistryEnv.verificationSimulatedWorkFlops]: z.coerce.number().positive().default(verificationDefaults.simulatedWorkFlops),
    }),
  );

/** The verification settings from the parsed config. */
export const verificationSettingsOf = (config: ReturnType<typeof registryConfig>): VerificationSettings => ({
  ...DEFAULT_VERIFICATION_SETTINGS,
  meanIntervalSeconds: config[RegistryEnv.verificationMeanIntervalSeconds],
  validForSeconds: config[RegistryEnv.verificationValidForSeconds],
  retryAfterSeconds: config[RegistryEnv.verificationRetryAfterSeconds],
  overheadSeconds: config[RegistryEnv.verificationOverheadSeconds],
  answerWithinSeconds: config[RegistryEnv.verificationAnswerWithinSeconds],
  missedAfterSeconds: config[RegistryEnv.verificationMissedAfterSeconds],
  simulatedWorkFlops: config[RegistryEnv.verificationSimulatedWorkFlops],
});
