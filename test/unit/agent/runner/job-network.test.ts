import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandResult, RunCommand } from '#agent/config/hardware.ts';
import { publishedPorts } from '#agent/runner/docker-runner.ts';
import { silentLogger } from '#agent/core/logger.ts';
import { prepareDockerHost } from '#agent/runner/docker-host.ts';
import {
  chainRules, checkEgressRules, expectedListing, installEgressRules, jobNetworkNames, LEGACY_NAMES, removeEgressRules, removeLegacyJobNetwork,
} from '#agent/runner/job-network.ts';
import { processLimitArgs } from '#agent/runner/process-runner.ts';

const names = jobNetworkNames('/var/lib/gpuhive-agent');
const { bridge, egressChain: EGRESS_CHAIN, hostChain: HOST_CHAIN } = names;

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

    expect(await installEgressRules({ run, names })).toEqual({});
    await installEgressRules({ run, names }); // again (a restart): no duplicate jump
    expect(tables.iptables!.get('DOCKER-USER')).toEqual([`-i ${bridge} -j ${EGRESS_CHAIN}`]);
    expect(tables.iptables!.get('INPUT')).toEqual([`-i ${bridge} -j ${HOST_CHAIN}`]);
    expect(tables.ip6tables!.get('FORWARD')).toEqual([`-i ${bridge} -j ${EGRESS_CHAIN}`]);
    expect(await checkEgressRules({ run, names })).toEqual([]);

    tables.iptables!.get(EGRESS_CHAIN)!.pop();
    expect(await checkEgressRules({ run, names })).toEqual([`iptables chain ${EGRESS_CHAIN} differs from what the agent installs`]);

    await removeEgressRules({ run, names });
    expect([...tables.iptables!.keys()].sort()).toEqual(['DOCKER-USER', 'FORWARD', 'INPUT']);
    expect([...tables.iptables!.values()].flat()).toEqual([]);
    expect([...tables.ip6tables!.values()].flat()).toEqual([]);
    expect(await checkEgressRules({ run, names })).toContain(`iptables chain ${EGRESS_CHAIN} is missing`);
  });

  it('gives two agents on one machine their own chains: one\'s release leaves the other\'s rules whole', async () => {
    const { run, tables } = fakeIptables();
    const other = jobNetworkNames('/srv/second-agent');
    await installEgressRules({ run, names });
    await installEgressRules({ run, names: other });

    await removeEgressRules({ run, names });
    expect(tables.iptables!.get('DOCKER-USER')).toEqual([`-i ${other.bridge} -j ${other.egressChain}`]);
    expect(tables.iptables!.get('INPUT')).toEqual([`-i ${other.bridge} -j ${other.hostChain}`]);
    expect(await checkEgressRules({ run, names: other })).toEqual([]);
    expect(tables.iptables!.has(EGRESS_CHAIN)).toBe(false);
    expect(tables.iptables!.has(HOST_CHAIN)).toBe(false);
  });

  it('keeps a chain something else still jumps to (the legacy shared chains, jumped to from two bridges)', async () => {
    const { run, tables } = fakeIptables();
    await installEgressRules({ run, names: LEGACY_NAMES });
    await installEgressRules({ run, names: { ...LEGACY_NAMES, bridge: 'gpuhive1' } });

    await removeEgressRules({ run, names: LEGACY_NAMES });
    expect(tables.iptables!.get('DOCKER-USER')).toEqual(['-i gpuhive1 -j GPUHIVE-EGRESS']);
    expect(await checkEgressRules({ run, names: { ...LEGACY_NAMES, bridge: 'gpuhive1' } })).toEqual([]);
  });

  it('leaves chains that are already right alone, so a reinstall never opens a moment without filtering', async () => {
    const { run, tables } = fakeIptables();
    await installEgressRules({ run, names });
    const writes: string[] = [];
    const recording: RunCommand = (file, args, timeoutMs) => {
      if (['-N', '-F', '-A', '-X'].includes(args[1] ?? '')) writes.push(`${file} ${args.slice(1).join(' ')}`);
      return run(file, args, timeoutMs);
    };

    await installEgressRules({ run: recording, names });
    expect(writes).toEqual([]);

    tables.iptables!.get(EGRESS_CHAIN)!.pop();
    await installEgressRules({ run: recording, names });
    expect(writes.filter((write) => write.startsWith(`iptables -F`))).toEqual([`iptables -F ${EGRESS_CHAIN}`]);
    expect(await checkEgressRules({ run, names })).toEqual([]);
  });

  it('hooks FORWARD where Docker made no DOCKER-USER chain, and reports (not fails on) missing IPv6 support', async () => {
    const { run, tables } = fakeIptables({ dockerUser: false, ipv6: false });

    const installed = await installEgressRules({ run, names });

    expect(installed.ipv6).toMatch(/no kernel support/);
    expect(tables.iptables!.get('FORWARD')).toEqual([`-i ${bridge} -j ${EGRESS_CHAIN}`]);
  });

  it('lists the rules as iptables -S prints them', () => {
    expect(expectedListing('X', [['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN']])).toEqual(['-N X', '-A X -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN']);
  });
});

describe('each agent\'s own job network and chains', () => {
  it('derives them from the state directory: stable, within Linux\'s and iptables\' name limits, different per directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuhive-names-'));
    const link = `${dir}-link`;
    symlinkSync(dir, link);
    const own = jobNetworkNames(dir);

    expect(own.bridge).toMatch(/^gpuhive-[0-9a-f]{7}$/);
    expect(own.bridge.length).toBeLessThanOrEqual(15);
    expect(own.network).toBe(`gpuhive-jobs-${own.bridge.slice('gpuhive-'.length)}`);
    expect(own.egressChain).toMatch(/^GPUHIVE-EGRESS-[0-9A-F]{7}$/);
    expect(own.hostChain).toMatch(/^GPUHIVE-HOST-[0-9A-F]{7}$/);
    expect(Math.max(own.egressChain.length, own.hostChain.length)).toBeLessThanOrEqual(28);
    expect(jobNetworkNames(`${dir}/`)).toEqual(own);
    expect(jobNetworkNames(link)).toEqual(own);
    const other = jobNetworkNames(`${dir}-other`);
    for (const key of ['network', 'bridge', 'egressChain', 'hostChain'] as const) {
      expect(other[key]).not.toBe(own[key]);
      expect(own[key]).not.toBe(LEGACY_NAMES[key]);
    }
  });
});

/** A tiny Docker: networks and the containers on them, for the job network's life cycle. */
const fakeDocker = (options: { networks?: string[]; containers?: Record<string, string>; down?: boolean } = {}) => {
  const networks = new Set(options.networks ?? []);
  const containers = new Map(Object.entries(options.containers ?? {})); // name -> network
  const running = new Set(containers.keys());
  const calls: string[] = [];
  const ok = (stdout = ''): CommandResult => ({ ok: true, stdout, stderr: '' });
  const fail = (error: string): CommandResult => ({ ok: false, stdout: '', stderr: error, error });
  const run: RunCommand = async (_file, args) => {
    calls.push(args.join(' '));
    if (options.down) return fail('Cannot connect to the Docker daemon');
    const network = args.at(-1)!;
    if (args[0] === 'network' && args[1] === 'inspect') return networks.has(network) ? ok('[{}]') : fail('no such network');
    if (args[0] === 'network' && args[1] === 'create') return networks.add(network), ok();
    if (args[0] === 'network' && args[1] === 'rm') {
      if ([...containers.values()].includes(network)) return fail('error while removing network: network has active endpoints');
      return networks.delete(network) ? ok() : fail('no such network');
    }
    if (args[0] === 'ps') {
      const on = /network=(\S+)/.exec(args.join(' '))![1];
      return ok([...containers].filter(([name, net]) => net === on && (args.includes('--all') || running.has(name))).map(([name]) => `${name}\n`).join(''));
    }
    if (args[0] === 'info') return ok('["name=seccomp"]');
    return fail(`unexpected docker ${args.join(' ')}`);
  };
  return { run, networks, containers, running, calls };
};

/** Both fakes behind one RunCommand, as the agent runs docker and iptables. */
const fakeHost = (docker: ReturnType<typeof fakeDocker>, iptables = fakeIptables()) => {
  const run: RunCommand = (file, args, timeoutMs) => (file === 'docker' ? docker.run(file, args, timeoutMs) : iptables.run(file, args, timeoutMs));
  return { run, tables: iptables.tables };
};

describe('what agents before per-agent names left', () => {
  it('removes the shared network, then the chains, once no older agent\'s firewall or container is there', async () => {
    const docker = fakeDocker({ networks: [LEGACY_NAMES.network] });
    const { run, tables } = fakeHost(docker);
    await installEgressRules({ run, names: LEGACY_NAMES });
    for (const table of Object.values(tables)) for (const hook of ['INPUT', 'FORWARD', 'DOCKER-USER']) table.get(hook)?.splice(0); // its agent released them

    expect(await removeLegacyJobNetwork({ run })).toMatch(/removed the shared network gpuhive-jobs/);
    expect(docker.networks.has(LEGACY_NAMES.network)).toBe(false);
    expect(tables.iptables!.has('GPUHIVE-EGRESS')).toBe(false);
    expect(tables.ip6tables!.has('GPUHIVE-HOST')).toBe(false);
    expect(await removeLegacyJobNetwork({ run })).toBeUndefined(); // nothing left: nothing said
  });

  it('leaves all of it while an older agent\'s containers are on the network, running or stopped', async () => {
    for (const stopped of [false, true]) {
      const docker = fakeDocker({ networks: [LEGACY_NAMES.network], containers: { 'gpuhive-a1': LEGACY_NAMES.network } });
      if (stopped) docker.running.clear();
      const { run, tables } = fakeHost(docker);
      await installEgressRules({ run, names: LEGACY_NAMES });

      expect(await removeLegacyJobNetwork({ run })).toMatch(/kept the shared network gpuhive-jobs .*containers gpuhive-a1 are on it/);
      expect(docker.networks.has(LEGACY_NAMES.network)).toBe(true);
      expect(await checkEgressRules({ run, names: LEGACY_NAMES })).toEqual([]);
      expect(tables.iptables!.get('INPUT')).toEqual(['-i gpuhive0 -j GPUHIVE-HOST']);
    }
  });

  it('leaves all of it while an older agent may run (its jumps are in place and its network exists)', async () => {
    const docker = fakeDocker({ networks: [LEGACY_NAMES.network] });
    const { run } = fakeHost(docker);
    await installEgressRules({ run, names: LEGACY_NAMES });

    expect(await removeLegacyJobNetwork({ run })).toMatch(/an older agent may be running/);
    expect(docker.networks.has(LEGACY_NAMES.network)).toBe(true);
    expect(await checkEgressRules({ run, names: LEGACY_NAMES })).toEqual([]);
  });

  it('removes jumps left without their network (an older agent creates the network before its rules), and touches nothing when Docker does not answer', async () => {
    const { run, tables } = fakeHost(fakeDocker());
    await installEgressRules({ run, names: LEGACY_NAMES });
    expect(await removeLegacyJobNetwork({ run })).toMatch(/removed/);
    expect([...tables.iptables!.values()].flat()).toEqual([]);
    expect(tables.iptables!.has('GPUHIVE-EGRESS')).toBe(false);

    const down = fakeHost(fakeDocker({ down: true }));
    await installEgressRules({ run: down.run, names: LEGACY_NAMES });
    expect(await removeLegacyJobNetwork({ run: down.run })).toBeUndefined();
    expect(await checkEgressRules({ run: down.run, names: LEGACY_NAMES })).toEqual([]);
  });
});

describe('the Docker host of one agent beside another', () => {
  it('creates its own network and rules, and its release removes only those, keeping them while its containers run', async () => {
    const docker = fakeDocker();
    const { run, tables } = fakeHost(docker);
    const other = jobNetworkNames('/srv/second-agent');
    const first = await prepareDockerHost({ logger: silentLogger, names, simulatedGpus: true, run });
    await prepareDockerHost({ logger: silentLogger, names: other, simulatedGpus: true, run });

    expect(first.isolation.network).toBe(names.network);
    expect([...docker.networks].sort()).toEqual([names.network, other.network].sort());
    expect(docker.calls).toContain(`network create --driver bridge --opt com.docker.network.bridge.name=${names.bridge} --opt com.docker.network.bridge.enable_icc=false --label gpuhive.network=jobs ${names.network}`);
    expect(await first.preflight()).toBeUndefined();

    docker.containers.set('gpuhive-job1', names.network);
    docker.running.add('gpuhive-job1');
    await first.release();
    expect(await checkEgressRules({ run, names })).toEqual([]); // its running job stays filtered

    expect(docker.networks.has(names.network)).toBe(true);

    docker.containers.delete('gpuhive-job1');
    await first.release();
    expect(await checkEgressRules({ run, names })).toContain(`iptables chain ${names.egressChain} is missing`);
    expect([...docker.networks]).toEqual([other.network]);
    expect(await checkEgressRules({ run, names: other })).toEqual([]);
    expect(tables.iptables!.get('INPUT')).toEqual([`-i ${other.bridge} -j ${other.hostChain}`]);
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
