import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorBody } from '#platform/http.ts';

/** The `$default` route: any method and path the API does not have. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => ({
  statusCode: 404,
  headers: { 'content-type': 'application/json', 'x-request-id': event.requestContext.requestId },
  body: JSON.stringify(errorBody('not_found', `No route ${event.requestContext.http.method} ${event.rawPath}.`)),
});
