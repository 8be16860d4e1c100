import { describe, expect, it } from 'vitest';
import type { CommandResult, RunCommand } from '#agent/config/hardware.ts';
import { publishedPorts } from '#agent/runner/docker-runner.ts';
import { chainRules, checkEgressRules, EGRESS_CHAIN, expectedListing, HOST_CHAIN, installEgressRules, removeEgressRules } from '#agent/runner/job-network.ts';
import { processLimitArgs } from '#agent/runner/process-runner.ts';

/** A tiny iptables: chains of rule strings per family, enough to install, check and remove. */
const fakeIptables = (options: { dockerUser?: boolean; ipv6?: boolean } = {}) => {
  const tables: Record<string, Map<string, string[]>> = {
    iptables: new Map([['INPUT', []], ['FORWARD', []], ...(options.dockerUser === false ? [] : [['DOCKER-USER', []] as [string, string[]]])]),
    ip6tables: new Map([['INPUT', []], ['FORWARD', []]]),
  };
  const ok = (stdout = ''): CommandResult => ({ ok: true, stdout, stderr: '' });
  const fail = (error: string): CommandResult => ({ ok: false, stdout: '', stderr: error, error });
  const run: RunCommand = async (file, all) => {
    if (file === 'ip6tables' && options.ipv6 === false) return fail('ip6tables: no kernel support');
    const table = tables[file]!;
    const [op, chain, ...rest] = all.filter((arg) => arg !== '-w');
    const rules = table.get(chain!);
    const rule = rest.join(' ');
    switch (op) {
      case '-N': if (rules) return fail('exists'); table.set(chain!, []); return ok();
      case '-F': if (!rules) return fail('no chain'); rules.length = 0; return ok();
      case '-X': if (!rules) return fail('no chain'); table.delete(chain!); return ok();
      case '-A': if (!rules) return fail('no chain'); rules.push(rule); return ok();
      case '-I': if (!rules) return fail('no chain'); rules.unshift(rest.slice(1).join(' ')); return ok();
      case '-C': return rules?.includes(rule) ? ok() : fail('no rule');
      case '-D': { const at = rules?.indexOf(rule) ?? -1; if (at < 0) return fail('no rule'); rules!.splice(at, 1); return ok(); }
      case '-L': {
        if (!rules) return fail('no chain');
        const jumps = [...table.values()].flat().filter((r) => r.endsWith(`-j ${chain}`)).length;
        return ok(`Chain ${chain} (${jumps} references)\n`);
      }
      case '-S': if (!rules) return fail('no chain'); return ok(`-N ${chain}\n${rules.map((r) => `-A ${chain} ${r.replace('ESTABLISHED,RELATED', 'RELATED,ESTABLISHED')}`).join('\n')}\n`);
      default: return fail(`unexpected ${op}`);
    }
  };
  return { run, tables };
};

describe('egress firewall rules', () => {
  it('drops new traffic to every private, CGNAT, link-local (metadata) and multicast range, after letting replies through', () => {
    const { egress, host } = chainRules('ipv4');

    expect(egress[0]).toEqual(['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN']);
    expect(egress.slice(1).map((rule) => rule[1])).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '224.0.0.0/4']);
    expect(egress.slice(1).every((rule) => rule.join(' ').endsWith('-j DROP'))).toBe(true);
    expect(chainRules('ipv6').egress.slice(1).map((rule) => rule[1])).toEqual(['fc00::/7', 'fe80::/10', 'ff00::/8']);
    expect(host.at(-1)).toEqual(['-j', 'DROP']);
  });

  it('installs both chains and their jumps for the job bridge only, checks them, and removes every trace', async () => {
    const { run, tables } = fakeIptables();

    expect(await installEgressRules({ run })).toEqual({});
    await installEgressRules({ run }); // again (a restart): no duplicate jump
    expect(tables.iptables!.get('DOCKER-USER')).toEqual([`-i gpuhive0 -j ${EGRESS_CHAIN}`]);
    expect(tables.iptables!.get('INPUT')).toEqual([`-i gpuhive0 -j ${HOST_CHAIN}`]);
    expect(tables.ip6tables!.get('FORWARD')).toEqual([`-i gpuhive0 -j ${EGRESS_CHAIN}`]);
    expect(await checkEgressRules({ run })).toEqual([]);

    tables.iptables!.get(EGRESS_CHAIN)!.pop();
    expect(await checkEgressRules({ run })).toEqual([`iptables chain ${EGRESS_CHAIN} differs from what the agent installs`]);

    await removeEgressRules({ run });
    expect([...tables.iptables!.keys()].sort()).toEqual(['DOCKER-USER', 'FORWARD', 'INPUT']);
    expect([...tables.iptables!.values()].flat()).toEqual([]);
    expect([...tables.ip6tables!.values()].flat()).toEqual([]);
    expect(await checkEgressRules({ run })).toContain(`iptables chain ${EGRESS_CHAIN} is missing`);
  });

  it('keeps the shared chains filled while another agent\'s bridge on the same machine still jumps to them', async () => {
    const { run, tables } = fakeIptables();
    await installEgressRules({ run, bridge: 'gpuhive0' });
    await installEgressRules({ run, bridge: 'gpuhive1' });

    await removeEgressRules({ run, bridge: 'gpuhive0' });
    expect(tables.iptables!.get('DOCKER-USER')).toEqual([`-i gpuhive1 -j ${EGRESS_CHAIN}`]);
    expect(await checkEgressRules({ run, bridge: 'gpuhive1' })).toEqual([]);

    await removeEgressRules({ run, bridge: 'gpuhive1' });
    expect(tables.iptables!.has(EGRESS_CHAIN)).toBe(false);
    expect(tables.iptables!.has(HOST_CHAIN)).toBe(false);
  });

  it('leaves chains that are already right alone, so a reinstall never opens a moment without filtering', async () => {
    const { run, tables } = fakeIptables();
    await installEgressRules({ run });
    const writes: string[] = [];
    const recording: RunCommand = (file, args, timeoutMs) => {
      if (['-N', '-F', '-A', '-X'].includes(args[1] ?? '')) writes.push(`${file} ${args.slice(1).join(' ')}`);
      return run(file, args, timeoutMs);
    };

    await installEgressRules({ run: recording });
    expect(writes).toEqual([]);

    tables.iptables!.get(EGRESS_CHAIN)!.pop();
    await installEgressRules({ run: recording });
    expect(writes.filter((write) => write.startsWith(`iptables -F`))).toEqual([`iptables -F ${EGRESS_CHAIN}`]);
    expect(await checkEgressRules({ run })).toEqual([]);
  });

  it('hooks FORWARD where Docker made no DOCKER-USER chain, and reports (not fails on) missing IPv6 support', async () => {
    const { run, tables } = fakeIptables({ dockerUser: false, ipv6: false });

    const installed = await installEgressRules({ run });

    expect(installed.ipv6).toMatch(/no kernel support/);
    expect(tables.iptables!.get('FORWARD')).toEqual([`-i gpuhive0 -j ${EGRESS_CHAIN}`]);
  });

  it('lists the rules as iptables -S prints them', () => {
    expect(expectedListing('X', [['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN']])).toEqual(['-N X', '-A X -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN']);
  });
});

describe('published ports', () => {
  const port = (containerPort: number, hostPort: number) => ({ containerPort, hostPort, protocol: 'tcp' as const });

  it('publishes nothing when the job declares nothing', () => {
    expect(publishedPorts([], undefined)).toEqual([]);
  });

  it('publishes exactly the host ports the platform reserved, in the provider\'s range', () => {
    expect(publishedPorts([port(8080, 41001), port(22, 41003)], { from: 41000, to: 41003 })).toEqual([
      { containerPort: 8080, hostPort: 41001 }, { containerPort: 22, hostPort: 41003 },
    ]);
  });

  it('refuses a declared port without a range, or a host port outside it', () => {
    expect(() => publishedPorts([port(8080, 41000)], undefined)).toThrow(/no port range/);
    expect(() => publishedPorts([port(8080, 41001)], { from: 41000, to: 41000 })).toThrow(/outside this host's range 41000-41000/);
  });
});

describe('process job limits', () => {
  it('limits processes, open files, core dumps and memory to the job\'s share of the host', () => {
    expect(processLimitArgs(1, { host: { hostCpuCores: 8, hostMemoryMb: 10_000, hostGpuCount: 2 }, maxProcesses: 256 })).toEqual([
      '--nproc=256', '--core=0', `--data=${4500 * 1024 * 1024}`,
    ]);
  });
});
