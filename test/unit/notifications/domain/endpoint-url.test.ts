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
