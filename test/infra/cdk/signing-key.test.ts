import { beforeAll, describe, expect, it } from 'vitest';
import { SigningEnv } from '#platform/signing-key.ts';
import { sharedSynthesis, type Synthesized } from './synth.ts';

let synthesized: Synthesized;

beforeAll(() => {
  synthesized = sharedSynthesis({ stage: 'prod' });
}, 300_000);

describe('the signing key of install.sh and the agent bundle on AWS', () => {
  it('reaches exactly the two serving functions, resolved from Secrets Manager at deploy time', () => {
    const functions = Object.values(synthesized.template.findResources('AWS::Lambda::Function')) as { Properties: { Handler: string; Environment: { Variables: Record<string, unknown> } } }[];
    const holders = functions.filter((fn) => SigningEnv.keyPem in fn.Properties.Environment.Variables);

    expect(holders).toHaveLength(2);
    for (const fn of holders) {
      expect(fn.Properties.Environment.Variables[SigningEnv.keyPem]).toBe('{{resolve:secretsmanager:gpuhive/prod/signing-key-pem:SecretString:::}}');
    }
  });

  it('never puts key material in the template', () => {
    expect(JSON.stringify(synthesized.template.toJSON())).not.toContain('PRIVATE KEY');
  });
});
