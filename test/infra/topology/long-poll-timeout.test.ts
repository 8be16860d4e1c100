import { describe, expect, it } from 'vitest';
import { sizingOf } from '#infra/constructs/sizing.ts';
import { findRoute } from '#infra/topology.ts';

/** API.md: `GET /v1/agent/assignments?waitSeconds=0..20` holds the poll open up to 20 s. */
const LONGEST_WAIT_SECONDS = 20;

describe('the long-poll route', () => {
  it('has a function timeout above the longest wait the API allows, so a quiet 20 s poll answers 200, not a timeout', () => {
    const route = findRoute('GET /v1/agent/assignments');

    expect(route).toBeDefined();
    expect(sizingOf(route!, 'route').timeoutSeconds).toBeGreaterThan(LONGEST_WAIT_SECONDS + 2);
  });
});
