/**
 * Conformance suite for the local EventBridge's event patterns, built from the AWS
 * EventBridge documentation (event patterns, arrays, null values, comparison operators).
 * Every kind of case has a matching and a non-matching example.
 */
import { describe, expect, it } from 'vitest';
import {
  compileEventPattern,
  InvalidEventPatternError,
  matchesEventPattern,
  validateEventPattern,
} from '#infra/local/eventbridge/pattern.ts';

/** The documentation's EC2 example event, widened with the value kinds the cases need. */
const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-10-02T18:43:48Z',
  region: 'us-west-1',
  resources: [
    'arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0',
    'arn:aws:ec2:us-west-1:123456789012:instance/i-0fedcba0987654321',
  ],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'running',
    'c-count': 5,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'source-ipv6': '2001:db8::ff00:42:8329',
    'mapped-ip': '::ffff:10.0.0.33',
    enabled: true,
    archived: false,
    responseElements: null,
    eventVersion: '',
    FileName: 'photo.PNG',
    FilePath: '/usr/lib/node',
    service: 'EventBridge',
    glob: 'a*b',
    tags: ['Custom_Alert', 'Insider'],
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
    ],
    'c-object': { c1: 100 },
    empty: [],
  },
};

interface MatchCase {
  readonly name: string;
  readonly pattern: object;
  readonly matches: boolean;
}

const expectMatch = ({ pattern, matches }: MatchCase): void => {
  // Arrange: the shared example event above. Act:
  const result = matchesEventPattern(pattern, event);
  // Assert:
  expect(result).toBe(matches);
};

describe('matchesEventPattern', () => {
  describe('exact values and AND/OR lists', () => {
    it.each<MatchCase>([
      { name: 'matches a field equal to the only listed value', pattern: { source: ['aws.ec2'] }, matches: true },
      { name: 'does not match a field with a different value', pattern: { source: ['aws.s3'] }, matches: false },
      { name: 'compares strings case-sensitively', pattern: { source: ['AWS.EC2'] }, matches: false },
      { name: 'matches when any value of the list equals the field (OR)', pattern: { source: ['aws.s3', 'aws.ec2'] }, matches: true },
      {
        name: 'requires every field of the pattern to match (AND)',
        pattern: { source: ['aws.ec2'], 'detail-type': ['AWS API Call via CloudTrail'] },
        matches: false,
      },
      {
        name: 'matches when every field matches',
        pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['running'] } },
        matches: true,
      },
      { name: 'addresses nested fields by their JSON path', pattern: { detail: { state: ['running'] } }, matches: true },
      { name: 'does not match a pattern field the event lacks', pattern: { detail: { missing: ['running'] } }, matches: false },
      { name: 'does not descend into a scalar as if it were an object', pattern: { source: { name: ['aws.ec2'] } }, matches: false },
      { name: 'does not match a leaf pattern against an object', pattern: { detail: ['running'] }, matches: false },
    ])('$name', expectMatch);
  });

  describe('numbers and booleans', () => {
    it.each<MatchCase>([
      { name: 'matches an equal number', pattern: { detail: { 'c-count': [5] } }, matches: true },
      { name: 'does not match a different number', pattern: { detail: { 'c-count': [6] } }, matches: false },
      { name: 'does not match a number with its string form', pattern: { detail: { 'c-count': ['5'] } }, matches: false },
      { name: 'matches a decimal number exactly', pattern: { detail: { 'x-limit': [301.8] } }, matches: true },
      { name: 'matches boolean true', pattern: { detail: { enabled: [true] } }, matches: true },
      { name: 'matches boolean false', pattern: { detail: { archived: [false] } }, matches: true },
      { name: 'does not match true against false', pattern: { detail: { archived: [true] } }, matches: false },
      { name: 'does not match a boolean with the string "true"', pattern: { detail: { enabled: ['true'] } }, matches: false },
    ])('$name', expectMatch);
  });

  describe('null and empty string', () => {
    it.each<MatchCase>([
      { name: 'matches null against a null value', pattern: { detail: { responseElements: [null] } }, matches: true },
      { name: 'does not match null against a missing field', pattern: { detail: { missing: [null] } }, matches: false },
      { name: 'does not match null against an empty string', pattern: { detail: { eventVersion: [null] } }, matches: false },
      { name: 'matches an empty string against an empty string', pattern: { detail: { eventVersion: [''] } }, matches: true },
      { name: 'does not match an empty string against null', pattern: { detail: { responseElements: [''] } }, matches: false },
    ])('$name', expectMatch);
  });

  describe('arrays in the event', () => {
    it.each<MatchCase>([
      { name: 'matches when any element equals a listed value', pattern: { detail: { tags: ['Insider'] } }, matches: true },
      { name: 'does not match when no element equals a listed value', pattern: { detail: { tags: ['Outsider'] } }, matches: false },
      {
        name: 'matches resources when the pattern and event arrays intersect',
        pattern: {
          resources: [
            'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
            'arn:aws:ec2:us-west-1:123456789012:instance/i-0fedcba0987654321',
          ],
        },
        matches: true,
      },
      {
        name: 'does not match resources when the arrays do not intersect',
        pattern: { resources: ['arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f'] },
        matches: false,
      },
      { name: 'matches a field inside any object of an array', pattern: { detail: { employees: { firstName: ['Anna'] } } }, matches: true },
      { name: 'does not match a field no object of the array has', pattern: { detail: { employees: { firstName: ['Peter'] } } }, matches: false },
      {
        name: 'matches fields that come from the same array element',
        pattern: { detail: { employees: { firstName: ['Anna'], lastName: ['Smith'] } } },
        matches: true,
      },
      {
        name: 'does not combine fields from different array elements',
        pattern: { detail: { employees: { firstName: ['Anna'], lastName: ['Doe'] } } },
        matches: false,
      },
    ])('$name', expectMatch);
  });

  describe('prefix', () => {
    it.each<MatchCase>([
      { name: 'matches a string that starts with the prefix', pattern: { time: [{ prefix: '2017-10-02' }] }, matches: true },
      { name: 'does not match a string with another start', pattern: { time: [{ prefix: '2018-' }] }, matches: false },
      { name: 'compares the prefix case-sensitively', pattern: { source: [{ prefix: 'AWS.' }] }, matches: false },
      { name: 'does not match numbers', pattern: { detail: { 'c-count': [{ prefix: '5' }] } }, matches: false },
      {
        name: 'with equals-ignore-case matches a prefix in any case',
        pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'eventB' } }] } },
        matches: true,
      },
      {
        name: 'with equals-ignore-case does not match another prefix',
        pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'lambda' } }] } },
        matches: false,
      },
    ])('$name', expectMatch);
  });

  describe('suffix', () => {
    it.each<MatchCase>([
      { name: 'matches a string that ends with the suffix', pattern: { source: [{ suffix: 'ec2' }] }, matches: true },
      { name: 'compares the suffix case-sensitively', pattern: { detail: { FileName: [{ suffix: '.png' }] } }, matches: false },
      {
        name: 'with equals-ignore-case matches a suffix in any case',
        pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
        matches: true,
      },
      {
        name: 'with equals-ignore-case does not match another suffix',
        pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.jpg' } }] } },
        matches: false,
      },
    ])('$name', expectMatch);
  });

  describe('anything-but', () => {
    it.each<MatchCase>([
      { name: 'with a string matches any other string', pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } }, matches: true },
      { name: 'with a string does not match that string', pattern: { detail: { state: [{ 'anything-but': 'running' }] } }, matches: false },
      { name: 'with a number matches any other number', pattern: { detail: { 'c-count': [{ 'anything-but': 123 }] } }, matches: true },
      { name: 'with a number does not match that number', pattern: { detail: { 'c-count': [{ 'anything-but': 5 }] } }, matches: false },
      {
        name: 'with a list of strings matches a string outside the list',
        pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
        matches: true,
      },
      {
        name: 'with a list of strings does not match a listed string',
        pattern: { detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } },
        matches: false,
      },
      {
        name: 'with a list of numbers matches a number outside the list',
        pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
        matches: true,
      },
      {
        name: 'with a list of numbers does not match a listed number',
        pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 301.8] }] } },
        matches: false,
      },
      {
        name: 'with a prefix matches a string without that prefix',
        pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
        matches: true,
      },
      {
        name: 'with a prefix does not match a string with that prefix',
        pattern: { detail: { state: [{ 'anything-but': { prefix: 'run' } }] } },
        matches: false,
      },
      {
        name: 'with a suffix matches a string without that suffix (case-sensitive)',
        pattern: { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } },
        matches: true,
      },
      {
        name: 'with a suffix does not match a string with that suffix',
        pattern: { detail: { FileName: [{ 'anything-but': { suffix: '.PNG' } }] } },
        matches: false,
      },
      {
        name: 'with equals-ignore-case does not match the value in another case',
        pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'RUNNING' } }] } },
        matches: false,
      },
      {
        name: 'with an equals-ignore-case list matches a value outside the list',
        pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['STOPPED', 'Pending'] } }] } },
        matches: true,
      },
      {
        name: 'with a wildcard does not match a value the wildcard matches',
        pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
        matches: false,
      },
      {
        name: 'with a wildcard matches a value the wildcard does not match',
        pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: '*/bin/*' } }] } },
        matches: true,
      },
      {
        name: 'does not match a missing field',
        pattern: { detail: { missing: [{ 'anything-but': 'initializing' }] } },
        matches: false,
      },
      {
        name: 'matches an array when one element is not excluded',
        pattern: { detail: { tags: [{ 'anything-but': 'Insider' }] } },
        matches: true,
      },
      {
        name: 'does not match an array whose elements are all excluded',
        pattern: { detail: { tags: [{ 'anything-but': ['Insider', 'Custom_Alert'] }] } },
        matches: false,
      },
      // Beyond the examples above: behaviours of AWS's own matcher (Event Ruler) the docs imply.
      {
        name: 'with a list of prefixes matches a string that has none of them',
        pattern: { region: [{ 'anything-but': { prefix: ['eu-', 'ap-'] } }] },
        matches: true,
      },
      {
        name: 'with a list of prefixes does not match a string with one of them',
        pattern: { detail: { state: [{ 'anything-but': { prefix: ['stop', 'run'] } }] } },
        matches: false,
      },
      {
        name: 'with a list of suffixes matches a string that has none of them',
        pattern: { detail: { FileName: [{ 'anything-but': { suffix: ['.jpg', '.png'] } }] } },
        matches: true,
      },
      {
        name: 'with a list of suffixes does not match a string with one of them',
        pattern: { detail: { FileName: [{ 'anything-but': { suffix: ['.jpg', '.PNG'] } }] } },
        matches: false,
      },
      {
        name: 'with a prefix matches a number (a number has no string prefix)',
        pattern: { detail: { 'c-count': [{ 'anything-but': { prefix: '5' } }] } },
        matches: true,
      },
      {
        name: 'with a prefix is case-sensitive',
        pattern: { detail: { service: [{ 'anything-but': { prefix: 'eventb' } }] } },
        matches: true,
      },
      {
        name: 'with a string matches a boolean (not the excluded string)',
        pattern: { detail: { enabled: [{ 'anything-but': 'true' }] } },
        matches: true,
      },
      {
        name: 'with a list of prefixes does not match an array whose elements all have one',
        pattern: { detail: { tags: [{ 'anything-but': { prefix: ['Cus', 'Ins'] } }] } },
        matches: false,
      },
    ])('$name', expectMatch);
  });

  describe('numeric', () => {
    it.each<MatchCase>([
      { name: 'matches a number inside a range', pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, matches: true },
      { name: 'excludes an open lower bound', pattern: { detail: { 'c-count': [{ numeric: ['>', 5, '<=', 10] }] } }, matches: false },
      { name: 'includes a closed lower bound', pattern: { detail: { 'c-count': [{ numeric: ['>=', 5, '<', 10] }] } }, matches: true },
      { name: 'excludes an open upper bound', pattern: { detail: { 'c-count': [{ numeric: ['>=', 0, '<', 5] }] } }, matches: false },
      { name: 'matches a single upper bound', pattern: { detail: { 'c-count': [{ numeric: ['<', 10] }] } }, matches: true },
      { name: 'does not match above a single upper bound', pattern: { detail: { 'c-count': [{ numeric: ['<=', 4.99] }] } }, matches: false },
      { name: 'matches "=" against an equal number in another notation', pattern: { detail: { 'x-limit': [{ numeric: ['=', 3.018e2] }] } }, matches: true },
      { name: 'does not match "=" against a different number', pattern: { detail: { 'x-limit': [{ numeric: ['=', 301] }] } }, matches: false },
      { name: 'does not match strings', pattern: { detail: { state: [{ numeric: ['>', 0] }] } }, matches: false },
      { name: 'does not match a missing field', pattern: { detail: { missing: [{ numeric: ['>', 0] }] } }, matches: false },
    ])('$name', expectMatch);
  });

  describe('exists', () => {
    it.each<MatchCase>([
      { name: 'true matches a present field', pattern: { detail: { state: [{ exists: true }] } }, matches: true },
      { name: 'true does not match a missing field', pattern: { detail: { 'd-count': [{ exists: true }] } }, matches: false },
      { name: 'false matches a missing field', pattern: { detail: { 'd-count': [{ exists: false }] } }, matches: true },
      { name: 'false does not match a present field', pattern: { detail: { state: [{ exists: false }] } }, matches: false },
      { name: 'true matches a field whose value is null', pattern: { detail: { responseElements: [{ exists: true }] } }, matches: true },
      { name: 'true does not match an object, which is not a leaf', pattern: { detail: { 'c-object': [{ exists: true }] } }, matches: false },
      { name: 'false matches an object, which is not a leaf', pattern: { detail: { 'c-object': [{ exists: false }] } }, matches: true },
      { name: 'true does not match an empty array', pattern: { detail: { empty: [{ exists: true }] } }, matches: false },
      { name: 'false matches below a missing parent', pattern: { detail: { missing: { child: [{ exists: false }] } } }, matches: true },
    ])('$name', expectMatch);
  });

  describe('equals-ignore-case', () => {
    it.each<MatchCase>([
      {
        name: 'matches the value in another case',
        pattern: { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance STATE-CHANGE notification' }] },
        matches: true,
      },
      { name: 'does not match another value', pattern: { source: [{ 'equals-ignore-case': 'AWS.S3' }] }, matches: false },
      { name: 'does not match numbers', pattern: { detail: { 'c-count': [{ 'equals-ignore-case': '5' }] } }, matches: false },
    ])('$name', expectMatch);
  });

  describe('wildcard', () => {
    it.each<MatchCase>([
      { name: 'matches any run of characters at a star', pattern: { detail: { service: [{ wildcard: 'Event*' }] } }, matches: true },
      { name: 'matches stars at both ends', pattern: { detail: { FilePath: [{ wildcard: '*/lib/*' }] } }, matches: true },
      { name: 'matches several stars inside the value', pattern: { resources: [{ wildcard: 'arn:aws:ec2:*:instance/i-0*' }] }, matches: true },
      { name: 'does not match when the literal parts differ', pattern: { detail: { service: [{ wildcard: 'Simple*Service' }] } }, matches: false },
      { name: 'compares the literal parts case-sensitively', pattern: { detail: { service: [{ wildcard: '*bridge' }] } }, matches: false },
      { name: 'matches a literal star escaped with a backslash', pattern: { detail: { glob: [{ wildcard: 'a\\*b' }] } }, matches: true },
      { name: 'does not let an escaped star match other characters', pattern: { detail: { service: [{ wildcard: 'Event\\*' }] } }, matches: false },
      { name: 'does not match numbers', pattern: { detail: { 'c-count': [{ wildcard: '*' }] } }, matches: false },
    ])('$name', expectMatch);
  });

  describe('cidr', () => {
    it.each<MatchCase>([
      { name: 'matches an IPv4 address inside the block', pattern: { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, matches: true },
      { name: 'does not match an IPv4 address outside the block', pattern: { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, matches: false },
      { name: 'matches an IPv6 address inside the block', pattern: { detail: { 'source-ipv6': [{ cidr: '2001:db8::/32' }] } }, matches: true },
      { name: 'does not match an IPv6 address outside the block', pattern: { detail: { 'source-ipv6': [{ cidr: '2001:db9::/32' }] } }, matches: false },
      { name: 'matches an IPv4-mapped IPv6 address', pattern: { detail: { 'mapped-ip': [{ cidr: '::ffff:10.0.0.0/120' }] } }, matches: true },
      { name: 'does not match an IPv6 address against an IPv4 block', pattern: { detail: { 'source-ipv6': [{ cidr: '0.0.0.0/0' }] } }, matches: false },
      { name: 'does not match a string that is not an address', pattern: { detail: { state: [{ cidr: '0.0.0.0/0' }] } }, matches: false },
    ])('$name', expectMatch);
  });

  describe('$or', () => {
    it.each<MatchCase>([
      {
        name: 'beside other keys matches when those keys and one alternative match',
        pattern: { source: ['aws.ec2'], $or: [{ 'detail-type': ['Other'] }, { detail: { state: ['running'] } }] },
        matches: true,
      },
      {
        name: 'beside other keys does not match when no alternative matches',
        pattern: { source: ['aws.ec2'], $or: [{ 'detail-type': ['Other'] }, { detail: { state: ['stopped'] } }] },
        matches: false,
      },
      {
        name: 'beside other keys does not match when another key fails',
        pattern: { source: ['aws.s3'], $or: [{ 'detail-type': ['Other'] }, { detail: { state: ['running'] } }] },
        matches: false,
      },
      {
        name: 'inside a nested object matches when one alternative matches there',
        pattern: { detail: { $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { 'x-limit': [{ numeric: ['>', 300] }] }] } },
        matches: true,
      },
      {
        name: 'inside a nested object does not match when no alternative matches there',
        pattern: { detail: { $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { 'x-limit': [{ numeric: ['<', 300] }] }] } },
        matches: false,
      },
      {
        name: 'nested in an alternative matches through both levels',
        pattern: {
          $or: [
            { source: ['aws.s3'] },
            { region: ['us-west-1'], $or: [{ detail: { state: ['stopped'] } }, { detail: { 'c-count': [5] } }] },
          ],
        },
        matches: true,
      },
      {
        name: 'nested in an alternative does not match when the inner $or fails',
        pattern: {
          $or: [
            { source: ['aws.s3'] },
            { region: ['us-west-1'], $or: [{ detail: { state: ['stopped'] } }, { detail: { 'c-count': [6] } }] },
          ],
        },
        matches: false,
      },
    ])('$name', expectMatch);
  });

  it('combines operators as in the documented complex example', () => {
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ exists: false }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    };

    const result = matchesEventPattern(pattern, event);

    expect(result).toBe(true);
  });

  it('rejects an invalid pattern instead of answering false', () => {
    const pattern = { source: 'aws.ec2' };

    const match = () => matchesEventPattern(pattern, event);

    expect(match).toThrow(InvalidEventPatternError);
  });
});

describe('compileEventPattern', () => {
  it('returns a predicate that can be reused for many events', () => {
    const matches = compileEventPattern({ detail: { state: ['running'] } });

    const results = [matches(event), matches({ ...event, detail: { state: 'stopped' } })];

    expect(results).toEqual([true, false]);
  });
});

describe('validateEventPattern', () => {
  it('accepts a pattern using every operator', () => {
    const pattern = {
      source: ['aws.ec2', null, 5, true],
      $or: [{ region: [{ prefix: 'us-' }] }, { region: [{ suffix: { 'equals-ignore-case': '-1' } }] }],
      detail: {
        a: [{ 'anything-but': { wildcard: ['*x*', 'y*'] } }],
        b: [{ numeric: ['>=', -5e9, '<', 5e9] }],
        c: [{ exists: true }],
        d: [{ cidr: 'fe80::/10' }],
        e: [{ wildcard: 'a\\\\b\\*c*' }],
        f: [{ 'equals-ignore-case': 'x' }],
      },
    };

    const validate = () => validateEventPattern(pattern);

    expect(validate).not.toThrow();
  });

  it('explains the rejection in the way AWS words it', () => {
    const pattern = { source: [{ 'begins-with': 'aws.' }] };

    const validate = () => validateEventPattern(pattern);

    expect(validate).toThrow('Event pattern is not valid. Reason: Unrecognized match type begins-with at source');
  });

  it.each<{ name: string; pattern: unknown }>([
    { name: 'an empty prefix', pattern: { detail: { s: [{ 'anything-but': { prefix: '' } }] } } },
    { name: 'an empty suffix', pattern: { detail: { s: [{ 'anything-but': { suffix: '' } }] } } },
    { name: 'an empty prefix in a list', pattern: { detail: { s: [{ 'anything-but': { prefix: ['a', ''] } }] } } },
    { name: 'an empty suffix in a list', pattern: { detail: { s: [{ 'anything-but': { suffix: [''] } }] } } },
  ])('rejects anything-but with $name as AWS does: "Null prefix/suffix not allowed"', ({ pattern }) => {
    const validate = () => validateEventPattern(pattern);

    expect(validate).toThrow('Event pattern is not valid. Reason: Null prefix/suffix not allowed at detail.s');
  });

  it.each<{ name: string; pattern: unknown }>([
    { name: 'a pattern that is not an object', pattern: ['aws.ec2'] },
    { name: 'a pattern that is null', pattern: null },
    { name: 'an empty pattern object', pattern: {} },
    { name: 'an empty nested object', pattern: { detail: {} } },
    { name: 'a leaf that is a string, not an array', pattern: { source: 'aws.ec2' } },
    { name: 'a leaf that is a number, not an array', pattern: { detail: { 'c-count': 5 } } },
    { name: 'an empty leaf array', pattern: { source: [] } },
    { name: 'an array inside a leaf array', pattern: { source: [['aws.ec2']] } },
    { name: 'an unknown operator', pattern: { source: [{ 'begins-with': 'aws.' }] } },
    { name: 'an operator object with two keys', pattern: { source: [{ prefix: 'aws.', suffix: 'ec2' }] } },
    { name: 'an empty operator object', pattern: { source: [{}] } },
    { name: 'a prefix that is not a string', pattern: { source: [{ prefix: 5 }] } },
    { name: 'a prefix object other than equals-ignore-case', pattern: { source: [{ prefix: { suffix: 'x' } }] } },
    { name: 'a suffix with a non-string equals-ignore-case', pattern: { source: [{ suffix: { 'equals-ignore-case': 1 } }] } },
    { name: 'equals-ignore-case with a number', pattern: { source: [{ 'equals-ignore-case': 5 }] } },
    { name: 'exists with a string', pattern: { detail: { state: [{ exists: 'true' }] } } },
    { name: 'numeric that is not an array', pattern: { detail: { n: [{ numeric: 5 }] } } },
    { name: 'numeric with an odd number of items', pattern: { detail: { n: [{ numeric: ['>', 0, '<'] }] } } },
    { name: 'numeric with an unknown operator', pattern: { detail: { n: [{ numeric: ['!=', 0] }] } } },
    { name: 'numeric with a string bound', pattern: { detail: { n: [{ numeric: ['>', '0'] }] } } },
    { name: 'numeric "=" used in a range', pattern: { detail: { n: [{ numeric: ['=', 0, '<', 5] }] } } },
    { name: 'numeric range starting with an upper bound', pattern: { detail: { n: [{ numeric: ['<', 5, '>', 0] }] } } },
    { name: 'numeric range with bottom above top', pattern: { detail: { n: [{ numeric: ['>', 10, '<', 5] }] } } },
    { name: 'numeric range with equal bounds', pattern: { detail: { n: [{ numeric: ['>=', 5, '<=', 5] }] } } },
    { name: 'numeric bound beyond 5.0e9', pattern: { detail: { n: [{ numeric: ['<', 6e9] }] } } },
    { name: 'anything-but mixing strings and numbers', pattern: { detail: { s: [{ 'anything-but': ['a', 1] }] } } },
    { name: 'anything-but with an empty list', pattern: { detail: { s: [{ 'anything-but': [] }] } } },
    { name: 'anything-but with a boolean', pattern: { detail: { s: [{ 'anything-but': true }] } } },
    { name: 'anything-but with null', pattern: { detail: { s: [{ 'anything-but': null }] } } },
    { name: 'anything-but with an unsupported operator', pattern: { detail: { s: [{ 'anything-but': { numeric: ['>', 1] } }] } } },
    { name: 'anything-but with a prefix that is a number', pattern: { detail: { s: [{ 'anything-but': { prefix: 5 } }] } } },
    { name: 'anything-but with a prefix list holding a number', pattern: { detail: { s: [{ 'anything-but': { prefix: ['a', 5] } }] } } },
    { name: 'anything-but with an empty prefix list', pattern: { detail: { s: [{ 'anything-but': { prefix: [] } }] } } },
    { name: 'anything-but with a case-insensitive prefix', pattern: { detail: { s: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'a' } } }] } } },
    { name: 'anything-but with two operators', pattern: { detail: { s: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] } } },
    { name: 'anything-but with a wildcard list holding a number', pattern: { detail: { s: [{ 'anything-but': { wildcard: ['*a', 1] } }] } } },
    { name: 'anything-but with equals-ignore-case of a number', pattern: { detail: { s: [{ 'anything-but': { 'equals-ignore-case': 1 } }] } } },
    { name: 'anything-but nesting anything-but', pattern: { detail: { s: [{ 'anything-but': { 'anything-but': 'a' } }] } } },
    { name: 'exists with null', pattern: { detail: { s: [{ exists: null }] } } },
    { name: 'a wildcard that is not a string', pattern: { source: [{ wildcard: 5 }] } },
    { name: 'a cidr that is not a string', pattern: { detail: { ip: [{ cidr: 10 }] } } },
    { name: 'numeric with a bound that is not finite', pattern: { detail: { n: [{ numeric: ['>', null] }] } } },
    { name: 'a wildcard with consecutive stars', pattern: { source: [{ wildcard: 'aws.**' }] } },
    { name: 'a wildcard escaping a plain character', pattern: { source: [{ wildcard: 'aws\\.ec2' }] } },
    { name: 'a wildcard ending in a lone backslash', pattern: { source: [{ wildcard: 'aws\\' }] } },
    { name: 'a cidr without a prefix length', pattern: { detail: { ip: [{ cidr: '10.0.0.0' }] } } },
    { name: 'a cidr with a prefix length too long', pattern: { detail: { ip: [{ cidr: '10.0.0.0/33' }] } } },
    { name: 'a cidr with an octet above 255', pattern: { detail: { ip: [{ cidr: '300.0.0.0/8' }] } } },
    { name: 'a cidr with a malformed IPv6 address', pattern: { detail: { ip: [{ cidr: '2001:db8:::1/64' }] } } },
    { name: '$or with a single alternative', pattern: { $or: [{ source: ['aws.ec2'] }] } },
    { name: '$or that is not an array', pattern: { $or: { source: ['aws.ec2'] } } },
    { name: '$or with a non-object alternative', pattern: { $or: [{ source: ['aws.ec2'] }, 'aws.s3'] } },
    { name: '$or with an empty alternative', pattern: { $or: [{ source: ['aws.ec2'] }, {}] } },
  ])('rejects $name', ({ pattern }) => {
    const validate = () => validateEventPattern(pattern);

    expect(validate).toThrow(InvalidEventPatternError);
  });
});
