import { describe, expect, it } from 'vitest';
import { cliBundleInputs } from '../../../cli/bundle.ts';

describe('what the CLI bundle is made of', () => {
  it('holds no zod and no backend code: the wire contract reaches it as types only', async () => {
    const inputs = (await cliBundleInputs()).filter((input) => !input.startsWith('builtin:'));

    expect(inputs.filter((input) => input.includes('node_modules/zod/'))).toEqual([]);
    // Its own sources, its one dependency (yaml, for job files) and plain code from the contract
    // (a schema module would have brought zod, refused above); nothing of the backend.
    expect(inputs.filter((input) => !input.startsWith('cli/') && !input.startsWith('node_modules/yaml/') && !input.startsWith('shared/contract/'))).toEqual([]);
    // The commands that read the contract's types are in it, so the check above means something.
    expect(inputs).toEqual(expect.arrayContaining(['cli/commands/jobs.ts', 'cli/commands/services.ts', 'cli/commands/billing.ts']));
  });
});
