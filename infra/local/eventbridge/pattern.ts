// Over 300 lines on purpose: every pattern operator's validation and matching side by side,
// one operator at a time, as the EventBridge documentation lists them.
/**
 * EventBridge event patterns for the local stand-in: validation and matching, following
 * the AWS EventBridge event-pattern documentation. Pure: no I/O.
 *
 * A pattern is compiled once into a predicate; compiling is also how it is validated, so
 * the rules for what is valid and what matches live side by side, one operator at a time.
 */
import { ipInRange, parseCidr } from './ip-range.ts';

export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError';

  constructor(readonly reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
  }
}

export type EventPatternMatcher = (event: unknown) => boolean;

/** Throws InvalidEventPatternError when AWS would reject the pattern. */
export const validateEventPattern = (pattern: unknown): void => {
  compileEventPattern(pattern);
};

/** Validates the pattern (throwing InvalidEventPatternError) and tests one event against it. */
export const matchesEventPattern = (pattern: unknown, event: unknown): boolean => compileEventPattern(pattern)(event);

/** Validates the pattern once and returns a predicate for events; rules keep it. */
export const compileEventPattern = (pattern: unknown): EventPatternMatcher => {
  if (!isPlainObject(pattern)) fail('Filter is not an object');
  return compileObject(pattern, '');
};

type Scalar = string | number | boolean | null;
/** Tests the event node found at one object level of the pattern. */
type NodeMatcher = (node: unknown) => boolean;
/** Tests the leaf values found at one field (arrays in the event are flattened into them). */
type LeafMatcher = (leaves: readonly Scalar[]) => boolean;
type ValueTest = (value: Scalar) => boolean;

// Numeric matching is documented for values between -5.0e9 and +5.0e9 inclusive.
const NUMERIC_LIMIT = 5e9;

// A declaration, not an arrow, so TypeScript narrows after `if (...) fail(...)`.
function fail(reason: string): never {
  throw new InvalidEventPatternError(reason);
}

const at = (path: string): string => (path === '' ? '' : ` at ${path}`);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isScalar = (value: unknown): value is Scalar =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

// ---- object levels: fields are ANDed, `$or` alternatives are ORed ----

const compileObject = (pattern: Record<string, unknown>, path: string): NodeMatcher => {
  const keys = Object.keys(pattern);
  if (keys.length === 0) fail(`Empty objects are not allowed${at(path)}`);
  const fields = keys.map((key) => compileField(key, pattern[key], path));
  return (node) => someCandidate(node, (candidate) => fields.every((field) => field(candidate)));
};

/**
 * An object pattern applied to an array in the event matches when one element matches
 * the whole sub-pattern, so fields from different elements never combine (AWS does the same).
 */
const someCandidate = (node: unknown, test: (candidate: unknown) => boolean): boolean => {
  if (!Array.isArray(node)) return test(node);
  if (node.length === 0) return test(undefined);
  return node.some((element) => someCandidate(element, test));
};

const compileField = (key: string, value: unknown, path: string): NodeMatcher => {
  if (key === '$or') return compileOr(value, path);
  const fieldPath = path === '' ? key : `${path}.${key}`;
  if (Array.isArray(value)) {
    const leaf = compileLeaf(value, fieldPath);
    return (node) => leaf(leavesOf(childOf(node, key)));
  }
  if (isPlainObject(value)) {
    const nested = compileObject(value, fieldPath);
    return (node) => nested(childOf(node, key));
  }
  return fail(`"${fieldPath}" must be an object or an array`);
};

const compileOr = (value: unknown, path: string): NodeMatcher => {
  if (!Array.isArray(value) || value.length < 2 || !value.every(isPlainObject)) {
    return fail(`"$or" must be an array of at least two objects${at(path)}`);
  }
  const alternatives = value.map((alternative) => compileObject(alternative, path));
  return (node) => alternatives.some((alternative) => alternative(node));
};

const childOf = (node: unknown, key: string): unknown =>
  isPlainObject(node) && Object.hasOwn(node, key) ? node[key] : undefined;

/** Scalars at a field; objects are intermediate nodes, not leaves, and an empty array has none. */
const leavesOf = (node: unknown): Scalar[] => {
  if (Array.isArray(node)) return node.flatMap((element) => leavesOf(element));
  return isScalar(node) ? [node] : [];
};

// ---- leaves: a pattern leaf is a non-empty array of alternatives ----

const compileLeaf = (alternatives: unknown[], path: string): LeafMatcher => {
  if (alternatives.length === 0) fail(`Empty arrays are not allowed${at(path)}`);
  const matchers = alternatives.map((alternative) => compileAlternative(alternative, path));
  return (leaves) => matchers.some((matcher) => matcher(leaves));
};

const anyLeaf =
  (test: ValueTest): LeafMatcher =>
  (leaves) =>
    leaves.some(test);

const compileAlternative = (alternative: unknown, path: string): LeafMatcher => {
  if (isScalar(alternative)) return anyLeaf((value) => value === alternative);
  if (!isPlainObject(alternative)) return fail(`Match value must be String, number, true, false, or null${at(path)}`);
  const entries = Object.entries(alternative);
  const [operator, operand] = entries[0] ?? [];
  if (entries.length !== 1 || operator === undefined) {
    return fail(`Only one key allowed in match expression${at(path)}`);
  }
  if (operator === 'exists') return compileExists(operand, path);
  return anyLeaf(compileOperator(operator, operand, path));
};

const compileExists = (operand: unknown, path: string): LeafMatcher => {
  if (typeof operand !== 'boolean') fail(`exists match pattern must be either true or false${at(path)}`);
  // Exists looks at leaves only: a field holding an object or an empty array does not exist.
  return (leaves) => (leaves.length > 0) === operand;
};

const compileOperator = (operator: string, operand: unknown, path: string): ValueTest => {
  switch (operator) {
    case 'prefix':
      return compileAffix(operator, operand, path, (value, affix) => value.startsWith(affix));
    case 'suffix':
      return compileAffix(operator, operand, path, (value, affix) => value.endsWith(affix));
    case 'equals-ignore-case':
      return equalsIgnoreCase(requireString(operator, operand, path));
    case 'wildcard':
      return wildcardTest(compileWildcard(requireString(operator, operand, path), path));
    case 'anything-but':
      return compileAnythingBut(operand, path);
    case 'numeric':
      return compileNumeric(operand, path);
    case 'cidr':
      return compileCidr(operand, path);
    default:
      return fail(`Unrecognized match type ${operator}${at(path)}`);
  }
};

const requireString = (operator: string, operand: unknown, path: string): string =>
  typeof operand === 'string' ? operand : fail(`${operator} match pattern must be a string${at(path)}`);

const lower = (text: string): string => text.toLowerCase();

const equalsIgnoreCase =
  (expected: string): ValueTest =>
  (value) =>
    typeof value === 'string' && lower(value) === lower(expected);

const wildcardTest =
  (regex: RegExp): ValueTest =>
  (value) =>
    typeof value === 'string' && regex.test(value);

/** Tests a string value against one prefix or suffix. */
type AffixCheck = (value: string, affix: string) => boolean;

/** Reads `"x"` or `{ "equals-ignore-case": "x" }`, the two forms prefix and suffix take. */
const readAffix = (operator: string, operand: unknown, path: string): { affix: string; ignoreCase: boolean } => {
  if (typeof operand === 'string') return { affix: operand, ignoreCase: false };
  const entries = isPlainObject(operand) ? Object.entries(operand) : [];
  const [option, affix] = entries[0] ?? [];
  if (entries.length !== 1 || option !== 'equals-ignore-case' || typeof affix !== 'string') {
    return fail(`${operator} match pattern must be a string or an equals-ignore-case object${at(path)}`);
  }
  return { affix, ignoreCase: true };
};

const compileAffix = (operator: string, operand: unknown, path: string, check: AffixCheck): ValueTest => {
  const { affix, ignoreCase } = readAffix(operator, operand, path);
  return (value) =>
    typeof value === 'string' && (ignoreCase ? check(lower(value), lower(affix)) : check(value, affix));
};

// ---- anything-but: a missing field never matches, since there is no leaf to test ----

const compileAnythingBut = (operand: unknown, path: string): ValueTest => {
  if (typeof operand === 'string' || typeof operand === 'number') return (value) => value !== operand;
  if (Array.isArray(operand)) {
    const allStrings = operand.every((item) => typeof item === 'string');
    const allNumbers = operand.every((item) => typeof item === 'number');
    if (operand.length === 0 || !(allStrings || allNumbers)) {
      fail(`Inside anything-but list, only strings or only numbers are supported${at(path)}`);
    }
    const excluded = new Set<unknown>(operand);
    return (value) => !excluded.has(value);
  }
  if (!isPlainObject(operand)) {
    return fail(`Value of anything-but must be an array, object, string or number${at(path)}`);
  }
  const entries = Object.entries(operand);
  const [operator, inner] = entries[0] ?? [];
  if (entries.length !== 1 || operator === undefined) return fail(`Only one key allowed in anything-but${at(path)}`);
  const excludes = compileAnythingButOperator(operator, inner, path);
  return (value) => !excludes(value);
};

/** The test for what anything-but excludes. */
const compileAnythingButOperator = (operator: string, operand: unknown, path: string): ValueTest => {
  switch (operator) {
    case 'prefix': {
      const prefixes = anythingButAffixes(operand, path);
      return (value) => typeof value === 'string' && prefixes.some((prefix) => value.startsWith(prefix));
    }
    case 'suffix': {
      const suffixes = anythingButAffixes(operand, path);
      return (value) => typeof value === 'string' && suffixes.some((suffix) => value.endsWith(suffix));
    }
    case 'equals-ignore-case': {
      const tests = stringOrStrings(operator, operand, path).map(equalsIgnoreCase);
      return (value) => tests.some((test) => test(value));
    }
    case 'wildcard': {
      const tests = stringOrStrings(operator, operand, path).map((text) => wildcardTest(compileWildcard(text, path)));
      return (value) => tests.some((test) => test(value));
    }
    default:
      return fail(`Unsupported anything-but pattern: ${operator}${at(path)}`);
  }
};

/**
 * anything-but's prefix or suffix: one string or a list of them, never empty (an empty one
 * would exclude every string), and case-sensitive only: AWS's wording for each refusal.
 */
const anythingButAffixes = (operand: unknown, path: string): string[] => {
  const affixes = Array.isArray(operand) ? operand : [operand];
  if (affixes.length === 0) fail(`Empty arrays are not allowed${at(path)}`);
  for (const affix of affixes) {
    if (typeof affix !== 'string') fail(`prefix/suffix match pattern must be a string${at(path)}`);
    if (affix === '') fail(`Null prefix/suffix not allowed${at(path)}`);
  }
  return affixes as string[];
};

const stringOrStrings = (operator: string, operand: unknown, path: string): string[] => {
  if (typeof operand === 'string') return [operand];
  if (Array.isArray(operand) && operand.length > 0 && operand.every((item) => typeof item === 'string')) {
    return operand as string[];
  }
  return fail(`anything-but ${operator} must be a string or a non-empty list of strings${at(path)}`);
};

// ---- numeric ----

type Comparison = '<' | '<=' | '=' | '>' | '>=';

const COMPARE: Record<Comparison, (value: number, bound: number) => boolean> = {
  '<': (value, bound) => value < bound,
  '<=': (value, bound) => value <= bound,
  '=': (value, bound) => value === bound,
  '>': (value, bound) => value > bound,
  '>=': (value, bound) => value >= bound,
};

const isComparison = (value: unknown): value is Comparison =>
  typeof value === 'string' && Object.hasOwn(COMPARE, value);

const readBound = (value: unknown, path: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return fail(`Value of numeric match must be a number${at(path)}`);
  }
  if (Math.abs(value) > NUMERIC_LIMIT) {
    return fail(`Value of numeric match must be between -5.0e9 and 5.0e9${at(path)}`);
  }
  return value;
};

/** `[op, n]`, or a range `[">" | ">=", low, "<" | "<=", high]` with low below high. */
const compileNumeric = (operand: unknown, path: string): ValueTest => {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    return fail(`Value of numeric must be an array of one comparison or a range${at(path)}`);
  }
  const [firstOp, firstValue, secondOp, secondValue] = operand as unknown[];
  if (!isComparison(firstOp)) return fail(`Unrecognized numeric range operator: ${String(firstOp)}${at(path)}`);
  const first = readBound(firstValue, path);
  if (operand.length === 2) return (value) => typeof value === 'number' && COMPARE[firstOp](value, first);

  if (firstOp !== '>' && firstOp !== '>=') return fail(`Bad value in numeric range: ${firstOp}${at(path)}`);
  if (secondOp !== '<' && secondOp !== '<=') return fail(`Bad value in numeric range: ${String(secondOp)}${at(path)}`);
  const second = readBound(secondValue, path);
  if (first >= second) return fail(`Bottom must be less than top${at(path)}`);
  return (value) => typeof value === 'number' && COMPARE[firstOp](value, first) && COMPARE[secondOp](value, second);
};

// ---- cidr and wildcard ----

const compileCidr = (operand: unknown, path: string): ValueTest => {
  const range = typeof operand === 'string' ? parseCidr(operand) : undefined;
  if (range === undefined) return fail(`Malformed CIDR ${JSON.stringify(operand)}${at(path)}`);
  return (value) => typeof value === 'string' && ipInRange(range, value);
};

/**
 * `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash.
 * AWS rejects consecutive stars and any other escape, and so does this.
 */
const compileWildcard = (text: string, path: string): RegExp => {
  let source = '';
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] ?? '';
    if (char === '*') {
      if (text[index + 1] === '*') fail(`Consecutive wildcard characters in "${text}"${at(path)}`);
      source += '[\\s\\S]*';
    } else if (char === '\\') {
      const escaped = text[index + 1];
      if (escaped !== '*' && escaped !== '\\') fail(`Invalid escape character in "${text}"${at(path)}`);
      source += `\\${escaped}`;
      index += 1;
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
};
