/**
 * The platform's Ed25519 signing key for what it ships to providers (install.sh and the agent
 * bundle; agent/src/core/signature.ts). A deploy-time secret: locally generated and kept in the
 * data dir like the admin key (infra/local/runtime.ts), handed to the serving functions as PEM
 * in `GPUHIVE_SIGNING_KEY_PEM`. Without it the routes serve unsigned files, which the
 * installer refuses.
 */
export const SigningEnv = {
  keyPem: 'GPUHIVE_SIGNING_KEY_PEM',
} as const;

export const signingKeyPem = (env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const pem = env[SigningEnv.keyPem]?.replace(/\\n/g, '\n').trim();
  return pem ? `${pem}\n` : undefined;
};
