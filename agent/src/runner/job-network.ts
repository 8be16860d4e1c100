import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { runCommand, type RunCommand } from '#agent/config/hardware.ts';

/**
 * The network job containers run on, and the firewall around it. Egress to the internet stays
 * open (jobs download models and data); the provider's private networks, link-local addresses
 * (the cloud metadata service included), multicast and the host itself are out of reach.
 * iptables rules: a chain of the agent's own for forwarded traffic, jumped to from Docker's
 * DOCKER-USER chain (Docker keeps that jump first in FORWARD), and one for traffic addressed
 * to the host (INPUT), both only for packets entering from the job network's bridge.
 */
export interface JobNetworkNames {
  /** The Docker network job containers run on. */
  readonly network: string;
  /** Its Linux bridge, which the firewall matches (`-i`): at most 15 characters. */
  readonly bridge: string;
  /** The chain for forwarded traffic from the bridge: at most 28 characters, as every chain name. */
  readonly egressChain: string;
  /** The chain for traffic from the bridge to the host itself. */
  readonly hostChain: string;
}

/**
 * Each agent's own names, from a short id of its state directory (one agent per directory: its
 * pid file says so): two agents on one machine never share a network or a chain, so one's
 * release cannot unfilter the other's jobs. The same directory gives the same names at every
 * start, so a restarted agent finds its network, its rules and its running containers again.
 */
export const jobNetworkNames = (stateDir: string): JobNetworkNames => {
  let dir = resolve(stateDir);
  try {
    dir = realpathSync(dir); // the directory itself, however it is spelled (a symlink, a trailing slash)
  } catch {
    // not there (yet): its absolute path
  }
  const id = createHash('sha256').update(dir).digest('hex').slice(0, 7);
  return { network: `gpuhive-jobs-${id}`, bridge: `gpuhive-${id}`, egressChain: `GPUHIVE-EGRESS-${id.toUpperCase()}`, hostChain: `GPUHIVE-HOST-${id.toUpperCase()}` };
};

/**
 * What agents before per-agent names used, shared by every agent on the machine: removed by a
 * current agent once no older agent and none of its containers use them (`removeLegacyJobNetwork`).
 */
export const LEGACY_NAMES: JobNetworkNames = { network: 'gpuhive-jobs', bridge: 'gpuhive0', egressChain: 'GPUHIVE-EGRESS', hostChain: 'GPUHIVE-HOST' };

export const BLOCKED_IPV4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '224.0.0.0/4'] as const;
export const BLOCKED_IPV6 = ['fc00::/7', 'fe80::/10', 'ff00::/8'] as const;

/** Public resolvers for job containers: the provider's own usually sit on a private address the firewall drops. */
export const DEFAULT_JOB_DNS = ['1.1.1.1', '9.9.9.9'] as const;

export type Family = 'ipv4' | 'ipv6';

/** The rules of both chains, in order, as `iptables -A` arguments (without the chain). */
export const chainRules = (family: Family): { egress: string[][]; host: string[][] } => {
  const established = ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN'];
  const blocked = family === 'ipv4' ? BLOCKED_IPV4 : BLOCKED_IPV6;
  return {
    // Replies (to a published port's client, say) pass; new traffic to a private range is dropped.
    egress: [established, ...blocked.map((range) => ['-d', range, '-j', 'DROP'])],
    // Nothing from a job may open a connection to the host itself (its services, the agent).
    host: [established, ['-j', 'DROP']],
  };
};

const toolOf = (family: Family) => (family === 'ipv4' ? 'iptables' : 'ip6tables');

/** `iptables -S CHAIN` lines that `chainRules` produces, for comparing with what is installed. */
export const expectedListing = (chain: string, rules: string[][]): string[] => [
  `-N ${chain}`,
  ...rules.map((rule) => `-A ${chain} ${rule.join(' ').replace('--ctstate ESTABLISHED,RELATED', '--ctstate RELATED,ESTABLISHED')}`),
];

export interface FirewallOptions {
  readonly names: JobNetworkNames;
  readonly run?: RunCommand;
}

/** Where forwarded traffic is hooked: DOCKER-USER when Docker made it for this family, else FORWARD. */
const forwardHook = async (run: RunCommand, family: Family): Promise<string> =>
  (await run(toolOf(family), ['-w', '-S', 'DOCKER-USER'])).ok ? 'DOCKER-USER' : 'FORWARD';

const ensureJump = async (run: RunCommand, tool: string, hook: string, bridge: string, chain: string): Promise<void> => {
  const jump = ['-i', bridge, '-j', chain];
  if ((await run(tool, ['-w', '-C', hook, ...jump])).ok) return;
  const inserted = await run(tool, ['-w', '-I', hook, '1', ...jump]);
  if (!inserted.ok) throw new Error(inserted.error ?? `${tool} -I ${hook} failed`);
};

/** Whether the chain holds exactly these rules already. */
const chainIs = async (run: RunCommand, tool: string, chain: string, rules: string[][]): Promise<boolean> => {
  const listing = await run(tool, ['-w', '-S', chain]);
  return listing.ok && listing.stdout.trim().split('\n').map((line) => line.trim()).join('\n') === expectedListing(chain, rules).join('\n');
};

/**
 * A chain already right is left alone: flushing it to fill it again would leave jobs unfiltered
 * for a moment (the preflight before every job installs, and so may another agent's).
 */
const fillChain = async (run: RunCommand, tool: string, chain: string, rules: string[][]): Promise<void> => {
  if (await chainIs(run, tool, chain, rules)) return;
  await run(tool, ['-w', '-N', chain]); // exists already after a crash: flushed below
  const flushed = await run(tool, ['-w', '-F', chain]);
  if (!flushed.ok) throw new Error(flushed.error ?? `${tool} -F ${chain} failed`);
  for (const rule of rules) {
    const added = await run(tool, ['-w', '-A', chain, ...rule]);
    if (!added.ok) throw new Error(added.error ?? `${tool} -A ${chain} failed`);
  }
};

/**
 * Installs (or repairs) the rules of one family. IPv6 is best effort: a host without ip6tables
 * support has no IPv6 to leak through; the returned problem says so.
 */
export const installEgressRules = async (options: FirewallOptions): Promise<{ ipv6?: string }> => {
  const run = options.run ?? runCommand;
  const { bridge, egressChain, hostChain } = options.names;
  const install = async (family: Family) => {
    const tool = toolOf(family);
    const rules = chainRules(family);
    await fillChain(run, tool, egressChain, rules.egress);
    await fillChain(run, tool, hostChain, rules.host);
    await ensureJump(run, tool, await forwardHook(run, family), bridge, egressChain);
    await ensureJump(run, tool, 'INPUT', bridge, hostChain);
  };
  await install('ipv4');
  try {
    await install('ipv6');
    return {};
  } catch (error) {
    return { ipv6: (error as Error).message };
  }
};

/** How many rules jump to the chain (`Chain NAME (N references)`); undefined when it cannot be listed. */
const references = async (run: RunCommand, tool: string, chain: string): Promise<number | undefined> => {
  const listing = await run(tool, ['-w', '-L', chain, '-n']);
  const count = listing.ok ? /\((\d+) references?\)/.exec(listing.stdout)?.[1] : undefined;
  return count === undefined ? undefined : Number(count);
};

/**
 * Removes the bridge's jumps, then both chains once nothing jumps to them any more (what
 * `installEgressRules` added, nothing else). Each agent's chains are its own; the legacy shared
 * ones may still be jumped to from an older agent's bridge, whose jobs they filter.
 */
export const removeEgressRules = async (options: FirewallOptions): Promise<void> => {
  const run = options.run ?? runCommand;
  const { bridge, egressChain, hostChain } = options.names;
  for (const family of ['ipv4', 'ipv6'] as const) {
    const tool = toolOf(family);
    for (const [hook, chain] of [['DOCKER-USER', egressChain], ['FORWARD', egressChain], ['INPUT', hostChain]] as const) {
      // -D removes one copy at a time; a bounded loop in case a crash left several.
      for (let i = 0; i < 10 && (await run(tool, ['-w', '-D', hook, '-i', bridge, '-j', chain])).ok; i += 1);
    }
    for (const chain of [egressChain, hostChain]) {
      if ((await references(run, tool, chain)) !== 0) continue;
      await run(tool, ['-w', '-F', chain]);
      await run(tool, ['-w', '-X', chain]);
    }
  }
};

/** What is wrong with the installed IPv4 rules; empty when they are all in place. */
export const checkEgressRules = async (options: FirewallOptions): Promise<string[]> => {
  const run = options.run ?? runCommand;
  const { bridge, egressChain, hostChain } = options.names;
  const problems: string[] = [];
  const rules = chainRules('ipv4');
  for (const [chain, expected] of [[egressChain, rules.egress], [hostChain, rules.host]] as const) {
    const listing = await run('iptables', ['-w', '-S', chain]);
    if (!listing.ok) {
      problems.push(`iptables chain ${chain} is missing${listing.error && /permission|denied|root/i.test(listing.error) ? ' (or not readable: run as root)' : ''}`);
      continue;
    }
    const lines = listing.stdout.trim().split('\n').map((line) => line.trim());
    const want = expectedListing(chain, expected);
    if (lines.join('\n') !== want.join('\n')) problems.push(`iptables chain ${chain} differs from what the agent installs`);
  }
  const hook = await forwardHook(run, 'ipv4');
  if (!(await run('iptables', ['-w', '-C', hook, '-i', bridge, '-j', egressChain])).ok) problems.push(`no jump from ${hook} to ${egressChain} for ${bridge}`);
  if (!(await run('iptables', ['-w', '-C', 'INPUT', '-i', bridge, '-j', hostChain])).ok) problems.push(`no jump from INPUT to ${hostChain} for ${bridge}`);
  return problems;
};

/**
 * The job network: a bridge of its own (named, so the firewall can match it), no traffic
 * between containers on it (inter-container communication off), labelled as the agent's.
 */
export const ensureJobNetwork = async (options: { names: JobNetworkNames; run?: RunCommand; docker?: string }): Promise<void> => {
  const run = options.run ?? runCommand;
  const docker = options.docker ?? 'docker';
  const { network, bridge } = options.names;
  if ((await run(docker, ['network', 'inspect', network], 10_000)).ok) return;
  const created = await run(docker, [
    'network', 'create', '--driver', 'bridge',
    '--opt', `com.docker.network.bridge.name=${bridge}`,
    '--opt', 'com.docker.network.bridge.enable_icc=false',
    '--label', 'gpuhive.network=jobs', network,
  ], 30_000);
  if (!created.ok && !(await run(docker, ['network', 'inspect', network], 10_000)).ok) throw new Error(created.error ?? `cannot create the Docker network ${network}`);
};

/** Whether the daemon remaps container users to an unprivileged range (`userns-remap`). */
export const dockerRemapsUsers = async (options: { run?: RunCommand; docker?: string } = {}): Promise<boolean> => {
  const info = await (options.run ?? runCommand)(options.docker ?? 'docker', ['info', '--format', '{{json .SecurityOptions}}'], 10_000);
  return info.ok && info.stdout.includes('name=userns');
};

/** Names of the containers still running on the job network (every container there is this agent's). */
export const runningJobContainers = async (options: { names: JobNetworkNames; run?: RunCommand; docker?: string }): Promise<string[]> => {
  const listing = await (options.run ?? runCommand)(options.docker ?? 'docker', ['ps', '--filter', `network=${options.names.network}`, '--format', '{{.Names}}'], 10_000);
  return listing.ok ? listing.stdout.split('\n').map((name) => name.trim()).filter(Boolean) : [];
};

/**
 * At the agent's stop: its rules and its network go, unless its containers still run (Docker
 * jobs outlive the agent; the next agent re-attaches them, and they stay filtered meanwhile).
 * Only this agent's names: no other agent depends on them. Returns the containers left running.
 */
export const releaseJobNetwork = async (options: { names: JobNetworkNames; run?: RunCommand; docker?: string }): Promise<string[]> => {
  const run = options.run ?? runCommand;
  const left = await runningJobContainers(options);
  if (left.length > 0) return left;
  await removeEgressRules({ names: options.names, run });
  await run(options.docker ?? 'docker', ['network', 'rm', options.names.network], 30_000); // best effort: gone already, or Docker is down
  return [];
};

/**
 * Removes what agents before per-agent names left, shared by every agent on the machine: the
 * `gpuhive-jobs` network and the `GPUHIVE-EGRESS`/`GPUHIVE-HOST` chains. An older agent still
 * running keeps its jumps from the `gpuhive0` bridge in place (it installs them at start and
 * repairs them before every job), and one stopped while its Docker jobs run on leaves them
 * and its containers: either way everything is left as it is. With neither, the network goes
 * first (no container can come onto the bridge any more), then the chains nothing jumps to.
 * Jumps whose network is gone are stale (an older agent creates the network before its
 * rules) and go too. Says what it did or why it left them; undefined when there was nothing.
 */
export const removeLegacyJobNetwork = async (options: { run?: RunCommand; docker?: string } = {}): Promise<string | undefined> => {
  const run = options.run ?? runCommand;
  const docker = options.docker ?? 'docker';
  const { network, bridge, egressChain, hostChain } = LEGACY_NAMES;
  const attached = await run(docker, ['ps', '--all', '--filter', `network=${network}`, '--format', '{{.Names}}'], 10_000);
  if (!attached.ok) return undefined; // Docker cannot answer: nothing is known, nothing is touched
  const containers = attached.stdout.split('\n').map((name) => name.trim()).filter(Boolean);
  const kept = `kept the shared network ${network} and firewall of an older agent`;
  if (containers.length > 0) return `${kept}: containers ${containers.join(',')} are on it`;
  const networkExists = (await run(docker, ['network', 'inspect', network], 10_000)).ok;
  const jumped = (await run('iptables', ['-w', '-C', 'INPUT', '-i', bridge, '-j', hostChain])).ok;
  if (networkExists && jumped) return `${kept}: its firewall is installed, so an older agent may be running (once none runs: docker network rm ${network})`;
  if (networkExists) {
    const removed = await run(docker, ['network', 'rm', network], 30_000);
    if (!removed.ok && (await run(docker, ['network', 'inspect', network], 10_000)).ok) return `${kept}: ${removed.error ?? 'docker network rm failed'}`;
  }
  const chains = (await run('iptables', ['-w', '-S', egressChain])).ok || (await run('iptables', ['-w', '-S', hostChain])).ok;
  if (chains || jumped) await removeEgressRules({ names: LEGACY_NAMES, run });
  return networkExists || chains || jumped ? `removed the shared network ${network} and firewall an older agent left` : undefined;
};
