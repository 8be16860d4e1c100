import { describe, expect, it } from 'vitest';
import { isPublicAddress } from '#notifications/domain/addresses.ts';
import { endpointUrlProblem, mayConnectTo } from '#notifications/domain/endpoint-url.ts';

const aws = { allowLoopbackHttp: false };
const local = { allowLoopbackHttp: true };

describe('endpointUrlProblem', () => {
  it.each(['https://hooks.example.com/gpuhive', 'https://hooks.example.com:8443/a?b=c', 'https://8.8.8.8/hook', 'https://[2606:4700::1111]/hook'])('accepts %s on AWS', (url) => {
    expect(endpointUrlProblem(url, aws)).toBeUndefined();
  });

  it.each([
    ['http://hooks.example.com/x', 'must use https'],
    ['ftp://hooks.example.com/x', 'must use https'],
    ['hooks.example.com/x', 'must be an absolute URL'],
    ['https://user:pw@hooks.example.com/x', 'must not carry a user name or password'],
    ['https://127.0.0.1/x', 'must not point at a private, loopback or reserved address'],
    ['https://10.1.2.3/x', 'must not point at a private, loopback or reserved address'],
    ['https://172.20.0.1/x', 'must not point at a private, loopback or reserved address'],
    ['https://192.168.1.1/x', 'must not point at a private, loopback or reserved address'],
    ['https://169.254.169.254/latest/meta-data', 'must not point at a private, loopback or reserved address'],
    ['https://100.64.0.1/x', 'must not point at a private, loopback or reserved address'],
    ['https://0.0.0.0/x', 'must not point at a private, loopback or reserved address'],
    ['https://2130706433/x', 'must not point at a private, loopback or reserved address'],
    ['https://0x7f.1/x', 'must not point at a private, loopback or reserved address'],
    ['https://[::1]/x', 'must not point at a private, loopback or reserved address'],
    ['https://[::ffff:10.0.0.1]/x', 'must not point at a private, loopback or reserved address'],
    ['https://[fd00::1]/x', 'must not point at a private, loopback or reserved address'],
    ['https://[fe80::1]/x', 'must not point at a private, loopback or reserved address'],
    ['https://localhost/x', 'must name a public host'],
    ['https://api.localhost/x', 'must name a public host'],
    ['https://metadata.google.internal/x', 'must name a public host'],
    ['https://intranet/x', 'must name a public host'],
    ['http://127.0.0.1:8080/x', 'must use https'],
  ])('refuses %s on AWS: %s', (url, problem) => {
    expect(endpointUrlProblem(url, aws)).toBe(problem);
  });

  it('accepts http to loopback only in local mode', () => {
    expect([
      endpointUrlProblem('http://127.0.0.1:8080/hook', local),
      endpointUrlProblem('http://localhost:8080/hook', local),
      endpointUrlProblem('http://10.0.0.1:8080/hook', local),
      endpointUrlProblem('http://hooks.example.com/hook', local),
    ]).toEqual([undefined, undefined, 'must use https', 'must use https']);
  });
});

describe('addresses a delivery may connect to', () => {
  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001:82a::200e'])('allows the public address %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each(['127.0.0.1', '10.0.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.127.0.1', '224.0.0.1', '255.255.255.255', '::', '::1', 'fd12::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a9fe:a9fe', '2001:db8::1', 'not-an-ip'])(
    'refuses %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(false);
    },
  );

  it('lets local mode connect to loopback, and nothing else private', () => {
    expect([mayConnectTo('127.0.0.1', local), mayConnectTo('::1', local), mayConnectTo('10.0.0.1', local), mayConnectTo('127.0.0.1', aws)]).toEqual([true, true, false, false]);
  });
});

describe('names and IPv6 forms that hide a private target (issue 13)', () => {
  it.each([
    ['https://localhost./x', 'must name a public host'],
    ['https://metadata.google.internal./computeMetadata/v1/', 'must name a public host'],
    ['https://api.localhost../x', 'must name a public host'],
    ['https://intranet./x', 'must name a public host'],
    ['https://[::ffff:0:a9fe:a9fe]/x', 'must not point at a private, loopback or reserved address'],
    ['https://[::ffff:0:10.0.0.1]/x', 'must not point at a private, loopback or reserved address'],
    ['https://[64:ff9b:1::a9fe:a9fe]/x', 'must not point at a private, loopback or reserved address'],
    ['https://[2002:a9fe:a9fe::1]/x', 'must not point at a private, loopback or reserved address'],
    ['https://[2002:7f00:1::]/x', 'must not point at a private, loopback or reserved address'],
    ['https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/x', 'must not point at a private, loopback or reserved address'],
  ])('refuses %s on AWS: %s', (url, problem) => {
    expect(endpointUrlProblem(url, aws)).toBe(problem);
  });

  it.each([
    // SIIT (RFC 7915) and 6to4 (RFC 3056) carry the IPv4 address at a fixed place: judged by it.
    ['::ffff:0:8.8.8.8', true],
    ['::ffff:0:192.168.1.1', false],
    ['2002:0808:0808::1', true],
    ['2002:0a00:0001::1', false],
    ['2002:c0a8:0101::1', false],
    // RFC 8215 local-use NAT64 and Teredo: refused whole, whatever they embed.
    ['64:ff9b:1::808:808', false],
    ['64:ff9b:1:ffff::1', false],
    ['2001::1', false],
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', false],
    // Neighbours of those prefixes stay public.
    ['2001:4860:4860::8888', true],
    ['64:ff9b:2::1', true],
  ])('judges %s as public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});
