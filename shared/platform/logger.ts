import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger per context; the request id is added per invocation. */
export const createLogger = (serviceName: string): Logger => new Logger({ serviceName });
