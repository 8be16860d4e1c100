import { describe, expect, it } from 'vitest';
import { SubmitJobInput } from '#matching/http/schemas.ts';
import { plainText } from '#platform/text.ts';

const job = (env: string) =>
  JSON.parse(`{"image":"img","gpu":{"count":1},"maxPricePerGpuHour":"1.000000","maxDurationSeconds":600,"env":${env}}`) as unknown;

const fieldsOf = (input: unknown) => {
  const result = SubmitJobInput.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
};

describe("a job's env", () => {
  it('keeps every POSIX name, those of Object.prototype included, as own keys', () => {
    const parsed = SubmitJobInput.parse(job('{"constructor":"c","__proto__":"p","toString":"t","hasOwnProperty":"h","_A1":"x"}'));

    expect(Object.entries(parsed.env)).toEqual([['constructor', 'c'], ['__proto__', 'p'], ['toString', 't'], ['hasOwnProperty', 'h'], ['_A1', 'x']]);
    expect(Object.getPrototypeOf(parsed.env)).toBe(Object.prototype);
  });

  it('names each illegal name or value', () => {
    expect(fieldsOf(job('{"1X":"a","BAD-NAME":"b","OK":3,"":"c"}'))).toEqual(['env.1X', 'env.BAD-NAME', 'env.OK', 'env.']);
  });

  it('bounds the count, the value size and the total size', () => {
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`V${i}`, 'x']));
    expect(fieldsOf(job(JSON.stringify(many)))).toEqual(['env']);
    expect(fieldsOf(job(JSON.stringify({ BIG: 'x'.repeat(16 * 1024 + 1) })))).toEqual(['env.BIG']);
    expect(fieldsOf(job(JSON.stringify({ A: 'x'.repeat(16_000), B: 'x'.repeat(16_000), C: 'x'.repeat(1_000) })))).toEqual(['env']);
  });

  it('is an object', () => {
    expect(fieldsOf(job('["A=1"]'))).toEqual(['env']);
    expect(SubmitJobInput.parse(JSON.parse('{"image":"img","gpu":{"count":1},"maxPricePerGpuHour":"1","maxDurationSeconds":600}')).env).toEqual({});
  });
});

describe('plainText', () => {
  it.each([['\u0000'], ['\t'], ['\n'], ['\r'], ['\u001b'], ['\u007f'], ['\u0080'], ['\u009b'], ['\u009f']])('refuses %j', (char) => {
    expect(plainText().safeParse(`a${char}b`).success).toBe(false);
  });

  it.each([['RTX 4090'], ['Ünïcødé ✓'], ['\u00a0nbsp'], ['🔥']])('accepts %j', (text) => {
    expect(plainText().safeParse(text).success).toBe(true);
  });
});
