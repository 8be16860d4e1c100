import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { buildConsole, CONSOLE_CSP, type ConsoleSite } from '../../console/build.ts';

/** Headers every console file carries, locally as from CloudFront's response headers policy. */
export const CONSOLE_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
} as const;

/**
 * The web console as the local gateway serves it at `/`: built on the first request (esbuild,
 * well under a second), so runtimes that never serve it never pay for the build.
 */
export const consoleSite = () => {
  let site: Promise<ConsoleSite> | undefined;
  return async (path: string): Promise<APIGatewayProxyStructuredResultV2 | undefined> => {
    if (path !== '/' && !path.startsWith('/console/')) return undefined;
    site ??= buildConsole();
    const file = (await site).get(path);
    if (!file) return undefined;
    return { statusCode: 200, headers: { 'content-type': file.contentType, ...CONSOLE_HEADERS }, body: file.body.toString('base64'), isBase64Encoded: true };
  };
};
