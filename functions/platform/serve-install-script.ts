import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { installScript } from '#agent/install-script.ts';
import { publicKeyOf, signArtifact, SIGNATURE_HEADER } from '#agent/core/signature.ts';
import { signingKeyPem } from '#platform/signing-key.ts';

/** The API's own base URL as the caller reached it: https on AWS, http on the local loopback. */
export const publicBaseUrl = (event: APIGatewayProxyEventV2): string => {
  const domain = event.requestContext.domainName;
  const local = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(domain);
  return `${local ? 'http' : 'https'}://${domain}`;
};

/**
 * Public route `GET /install.sh`: the installer, with this API's URL and the platform's public
 * signing key filled in, signed (Ed25519) in the `x-gpuhive-signature` header.
 */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const key = signingKeyPem();
  const body = installScript(publicBaseUrl(event), key ? publicKeyOf(key) : undefined);
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/x-shellscript; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': event.requestContext.requestId,
      ...(key ? { [SIGNATURE_HEADER]: signArtifact(key, body) } : {}),
    },
    body,
  };
};
