/**
 * Request validation for the local EventBridge: zod at the protocol edge, failures
 * answered as AWS does (ValidationException, "N validation errors detected: ...").
 */
import type { z } from 'zod';
import { validationError } from './errors.ts';

export const parseInput = <S extends z.ZodType>(schema: S, input: unknown): z.output<S> => {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const { issues } = result.error;
  const details = issues.map(
    (issue) => `Value at '${awsMemberPath(issue.path)}' failed to satisfy constraint: ${issue.message}`,
  );
  const count = `${issues.length} validation error${issues.length === 1 ? '' : 's'}`;
  throw validationError(`${count} detected: ${details.join('; ')}`);
};

/** AWS names members in lower camel case and counts list members from 1: `entries.1.source`. */
const awsMemberPath = (path: readonly PropertyKey[]): string =>
  path
    .map((key) => (typeof key === 'number' ? String(key + 1) : lowerCamel(String(key))))
    .join('.');

const lowerCamel = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

/** Offset-based NextToken paging for the List* operations. */
export const paginate = <T>(
  items: readonly T[],
  limit?: number,
  nextToken?: string,
): { page: T[]; nextToken?: string } => {
  const start = nextToken === undefined ? 0 : Number(nextToken);
  if (!Number.isInteger(start) || start < 0 || start > items.length) {
    throw validationError('The NextToken provided is invalid.');
  }
  const end = limit === undefined ? items.length : Math.min(items.length, start + limit);
  return { page: items.slice(start, end), nextToken: end < items.length ? String(end) : undefined };
};
