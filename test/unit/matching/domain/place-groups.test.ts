import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupOfPool, groupsServedBy, homePoolOf, PLACE_GROUPS, placeGroupOf } from '#matching/domain/place-groups.ts';
import { poolServes } from '#matching/domain/pool-index.ts';

const spec = (models?: string[], regions?: string[]) => ({ gpu: models ? { models } : {}, ...(regions ? { regions } : {}) });

describe('placement groups', () => {
  it("groups a job under its first model and region, compared as the model filter compares, '*' where it names none", () => {
    expect(homePoolOf(spec(['RTX 4090'], ['eu-west']))).toBe('rtx 4090@eu-west');
    expect(homePoolOf(spec(['rtx-4090']))).toBe('rtx 4090@*');
    expect(homePoolOf(spec(['RTX 4090', 'A100'], ['us-east', 'eu-west']))).toBe('a100@eu-west');
    expect(homePoolOf(spec(undefined, ['eu-west']))).toBe('*@eu-west');
    expect(homePoolOf(spec([], []))).toBe('*@*');
  });

  it('spreads pools over a fixed number of groups, the same way in every process', () => {
    const groups = new Set(['rtx 4090@eu-west', 'h100@us-east', 'a100@us-west', '*@*'].map(groupOfPool));
    for (const group of groups) expect(group).toBeGreaterThanOrEqual(0);
    for (const group of groups) expect(group).toBeLessThan(PLACE_GROUPS);
    expect(groupOfPool('rtx 4090@eu-west')).toBe(groupOfPool('rtx 4090@eu-west'));
  });

  it('nudges, for a change in a pool, the group of every job with one model and one region that the pool serves', () => {
    const models = ['RTX 4090', 'H100 80GB HBM3', 'A100-SXM4-80GB', 'L4'];
    const regions = ['eu-west', 'us-east'];
    fc.assert(
      fc.property(
        fc.constantFrom(...models), fc.constantFrom(...regions),
        fc.option(fc.constantFrom('rtx', 'RTX 4090', 'h100', 'H100 80GB', 'a100', 'A100-SXM4', 'l4'), { nil: undefined }),
        fc.option(fc.constantFrom(...regions), { nil: undefined }),
        (model, region, wanted, wantedRegion) => {
          const job = spec(wanted === undefined ? undefined : [wanted], wantedRegion === undefined ? undefined : [wantedRegion]);
          const served = poolServes({ model, region }, { ...(wanted ? { models: [wanted] } : {}), ...(wantedRegion ? { regions: [wantedRegion] } : {}) });
          if (served) expect(groupsServedBy({ model, region })).toContain(placeGroupOf(job));
        },
      ),
    );
  });

  it('nudges only a few groups for a change, not every group', () => {
    expect(groupsServedBy({ model: 'H100 80GB HBM3', region: 'us-east' }).length).toBeLessThanOrEqual(8);
  });
});
