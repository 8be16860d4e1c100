import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

export const isStage = (value: unknown): value is Stage => STAGES.includes(value as Stage);

/** What differs between a developer's account and production; everything else is the topology. */
export interface StageConfig {
  readonly stage: Stage;
  /** HTTP API default-route throttling (requests per second, and the bucket size). */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: RetentionDays;
  readonly logLevel: 'DEBUG' | 'INFO';
  /** Tables, buckets and log groups outlive the stack in prod; dev stacks clean up after themselves. */
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly eventArchiveRetention: Duration;
  /** A shared queue whose oldest message is older than this has a stuck or failing consumer. */
  readonly oldestMessageAlarmAge: Duration;
  readonly exportsNoncurrentVersionExpiration: Duration;
}

const configs: Record<Stage, StageConfig> = {
  dev: {
    stage: 'dev',
    throttle: { rateLimit: 50, burstLimit: 100 },
    logRetention: RetentionDays.ONE_WEEK,
    logLevel: 'DEBUG',
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    eventArchiveRetention: Duration.days(7),
    oldestMessageAlarmAge: Duration.minutes(15),
    exportsNoncurrentVersionExpiration: Duration.days(7),
  },
  prod: {
    stage: 'prod',
    throttle: { rateLimit: 500, burstLimit: 1000 },
    logRetention: RetentionDays.THREE_MONTHS,
    logLevel: 'INFO',
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    eventArchiveRetention: Duration.days(90),
    oldestMessageAlarmAge: Duration.minutes(5),
    exportsNoncurrentVersionExpiration: Duration.days(90),
  },
};

export const stageConfig = (stage: Stage): StageConfig => configs[stage];
