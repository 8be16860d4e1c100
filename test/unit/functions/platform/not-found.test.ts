import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '#functions/platform/not-found.ts';

/** What API Gateway (or the local gateway) hands the $default route. */
const unmatched = (method: string, path: string) =>
  ({ rawPath: path, requestContext: { requestId: 'req-1', http: { method, path } } }) as unknown as APIGatewayProxyEventV2;

describe('the $default route', () => {
  it('answers a known path with an unknown method with 405, naming every method the path takes in Allow', async () => {
    const jobs = await handler(unmatched('DELETE', '/v1/jobs'));
    const host = await handler(unmatched('PUT', '/v1/hosts/host_1'));

    expect(jobs.statusCode).toBe(405);
    expect(jobs.headers?.allow).toBe('GET, POST');
    expect(JSON.parse(jobs.body ?? '')).toEqual({ error: { code: 'method_not_allowed', message: '/v1/jobs does not take DELETE; it takes GET, POST.' } });
    expect(host.statusCode).toBe(405);
    expect(host.headers?.allow).toBe('DELETE, GET, PATCH');
  });

  it('answers an unknown path with the API 404, and an empty path parameter is no match', async () => {
    const unknown = await handler(unmatched('GET', '/v1/no-such-thing'));
    const empty = await handler(unmatched('GET', '/v1/jobs//cancel'));

    expect(unknown.statusCode).toBe(404);
    expect(JSON.parse(unknown.body ?? '')).toEqual({ error: { code: 'not_found', message: 'No route GET /v1/no-such-thing.' } });
    expect(empty.statusCode).toBe(404);
  });
});
