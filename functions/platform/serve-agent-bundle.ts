import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { signArtifact, SIGNATURE_HEADER } from '#agent/core/signature.ts';
import { signingKeyPem } from '#platform/signing-key.ts';

/** On AWS the CDK bundling step writes the bundle beside this handler (GpuhiveFunction `bundlesAgent`). */
const SHIPPED = fileURLToPath(new URL('./gpuhive-agent.mjs', import.meta.url));
/** From a checkout (the local runtime) it is built from agent/ on first request. */
const BUILDER = new URL('../../agent/bundle.ts', import.meta.url).href;

let bundle: Promise<string> | undefined;

const load = (): Promise<string> => {
  bundle ??= existsSync(SHIPPED)
    ? Promise.resolve(readFileSync(SHIPPED, 'utf8'))
    : // A runtime specifier: the Lambda bundler must not pull esbuild into the function.
      (import(BUILDER) as Promise<{ bundleAgent: () => Promise<string> }>).then((module) => module.bundleAgent());
  bundle.catch(() => { bundle = undefined; });
  return bundle;
};

let signed: { key: string; signature: Promise<string> } | undefined;

/** The bundle's signature line, computed once per bundle and key. */
const signatureOf = (key: string): Promise<string> => {
  if (signed?.key !== key) signed = { key, signature: load().then((body) => signArtifact(key, body)) };
  return signed.signature;
};

/** Public route `GET /agent/gpuhive-agent.mjs`: the agent as one file for Node.js 20+, signed in `x-gpuhive-signature`. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const key = signingKeyPem();
  const body = await load();
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': event.requestContext.requestId,
      ...(key ? { [SIGNATURE_HEADER]: await signatureOf(key) } : {}),
    },
    body,
  };
};
