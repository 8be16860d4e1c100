import { z } from 'zod';

/** Env names shared by every function; the CDK stack and the local runtime import them. */
export const PlatformEnv = {
  eventBusName: 'EVENT_BUS_NAME',
  adminKeySha256: 'GPUHIVE_ADMIN_KEY_SHA256',
  stage: 'GPUHIVE_STAGE',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  /** How long the authorizer function remembers an identity per Authorization header (AWS; locally the gateway does). */
  authorizerCacheSeconds: 'AUTHORIZER_CACHE_SECONDS',
} as const;

/**
 * Parses the environment once with zod and fails fast with every bad or missing name,
 * so a misconfigured function dies at cold start rather than on its hundredth request.
 */
export const parseEnv = <S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> => {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return result.data;
};

export const platformConfigSchema = z.object({
  [PlatformEnv.eventBusName]: z.string().min(1),
  [PlatformEnv.stage]: z.string().min(1).default('local'),
});

export const seconds = (fallback: number) => z.coerce.number().positive().default(fallback);
