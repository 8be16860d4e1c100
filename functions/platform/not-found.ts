import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { methodsAt } from '#infra/topology.ts';
import { errorBody } from '#platform/http.ts';

/**
 * The `$default` route: any method and path no route matched. A path the API serves with
 * other methods is a 405 naming them in `Allow` (RFC 9110); any other path is a 404.
 */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const { method } = event.requestContext.http;
  const allowed = methodsAt(event.rawPath);
  const headers = { 'content-type': 'application/json', 'x-request-id': event.requestContext.requestId };
  if (allowed.length > 0) {
    return {
      statusCode: 405,
      headers: { ...headers, allow: allowed.join(', ') },
      body: JSON.stringify(errorBody('method_not_allowed', `${event.rawPath} does not take ${method}; it takes ${allowed.join(', ')}.`)),
    };
  }
  return { statusCode: 404, headers, body: JSON.stringify(errorBody('not_found', `No route ${method} ${event.rawPath}.`)) };
};
