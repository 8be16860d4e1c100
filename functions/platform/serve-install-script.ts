import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { installScript } from '#agent/install-script.ts';

/** The API's own base URL as the caller reached it: https on AWS, http on the local loopback. */
export const publicBaseUrl = (event: APIGatewayProxyEventV2): string => {
  const domain = event.requestContext.domainName;
  const local = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(domain);
  return `${local ? 'http' : 'https'}://${domain}`;
};

/** Public route `GET /install.sh`: the installer, with this API's URL filled in. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => ({
  statusCode: 200,
  headers: { 'content-type': 'text/x-shellscript; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': event.requestContext.requestId },
  body: installScript(publicBaseUrl(event)),
});
