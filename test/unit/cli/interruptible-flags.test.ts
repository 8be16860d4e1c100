import { describe, expect, it } from 'vitest';
import { buildJobSpec, type SubmitFlags } from '#cli/job-spec.ts';
import { UsageError } from '#cli/errors.ts';

const flags = (overrides: Partial<SubmitFlags> = {}): SubmitFlags => ({ models: [], regions: [], env: [], command: ['python', 'train.py'], gpus: 1, ...overrides });

describe('gpuhive jobs submit --tier interruptible --bid', () => {
  it('sends the tier and the bid, and no max price', () => {
    const spec = buildJobSpec(undefined, flags({ tier: 'interruptible', bid: '0.25' }), {});

    expect(spec).toMatchObject({ tier: 'interruptible', bidPerGpuHour: '0.25' });
    expect(spec.maxPricePerGpuHour).toBeUndefined();
  });

  it('takes the bid from a job file too', () => {
    expect(buildJobSpec({ tier: 'interruptible', bidPerGpuHour: '0.3' }, flags(), {})).toMatchObject({ tier: 'interruptible', bidPerGpuHour: '0.3' });
  });

  it.each([
    ['interruptible work without a bid', { tier: 'interruptible' }, /needs a bid: give --bid/],
    ['interruptible work with a max price', { tier: 'interruptible', bid: '0.2', maxPrice: '1' }, /leave out --max-price/],
    ['a bid on on-demand work', { bid: '0.2', maxPrice: '1' }, /--bid is for --tier interruptible/],
  ])('refuses %s before calling the API', (_case, given, message) => {
    expect(() => buildJobSpec(undefined, flags(given), {})).toThrow(UsageError);
    expect(() => buildJobSpec(undefined, flags(given), {})).toThrow(message);
  });
});
