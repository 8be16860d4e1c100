import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** On AWS the CDK bundling step writes the bundle beside this handler (GpuhiveFunction `bundlesCli`). */
const SHIPPED = fileURLToPath(new URL('./gpuhive.mjs', import.meta.url));
/** From a checkout (the local runtime) it is built from cli/ on first request. */
const BUILDER = new URL('../../cli/bundle.ts', import.meta.url).href;

let bundle: Promise<string> | undefined;

const load = (): Promise<string> => {
  bundle ??= existsSync(SHIPPED)
    ? Promise.resolve(readFileSync(SHIPPED, 'utf8'))
    : // A runtime specifier: the Lambda bundler must not pull esbuild into the function.
      (import(BUILDER) as Promise<{ bundleCli: () => Promise<string> }>).then((module) => module.bundleCli());
  bundle.catch(() => { bundle = undefined; });
  return bundle;
};

/** Public route `GET /cli/gpuhive.mjs`: the renter CLI as one file for Node.js 20+. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => ({
  statusCode: 200,
  headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': event.requestContext.requestId },
  body: await load(),
});
