import { describe, expect, it } from 'vitest';
import { SubmitJobInput, submitJobInput } from '#matching/http/schemas.ts';

const job = (maxDurationSeconds: number) => ({ image: 'img', gpu: { count: 1 }, maxPricePerGpuHour: '1.000000', maxDurationSeconds });

const issuesOf = (schema: typeof SubmitJobInput, input: unknown) => {
  const result = schema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
};

describe("a job's maxDurationSeconds", () => {
  it('is at least 60 seconds by default, and the refusal names the field and the bound', () => {
    expect(issuesOf(SubmitJobInput, job(60))).toEqual([]);
    expect(issuesOf(SubmitJobInput, job(59))).toEqual([{ field: 'maxDurationSeconds', message: 'at least 60 seconds' }]);
  });

  it('is checked by the very schema the API description shows where the minimum is the default', () => {
    expect(submitJobInput(60)).toBe(SubmitJobInput);
  });

  it("is at least the operator's minimum where one is set", () => {
    const schema = submitJobInput(10);

    expect(issuesOf(schema, job(10))).toEqual([]);
    expect(issuesOf(schema, job(9))).toEqual([{ field: 'maxDurationSeconds', message: 'at least 10 seconds' }]);
    expect(issuesOf(schema, job(30 * 24 * 3600 + 1))).toEqual([{ field: 'maxDurationSeconds', message: 'at most 2592000 seconds (30 days)' }]);
  });
});
