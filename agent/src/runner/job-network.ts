import { runCommand, type RunCommand } from '#agent/config/hardware.ts';

/**
 * The network job containers run on, and the firewall around it. Egress to the internet stays
 * open (jobs download models and data); the provider's private networks, link-local addresses
 * (the cloud metadata service included), multicast and the host itself are out of reach.
 * iptables rules: a chain of the agent's own for forwarded traffic, jumped to from Docker's
 * DOCKER-USER chain (Docker keeps that jump first in FORWARD), and one for traffic addressed
 * to the host (INPUT), both only for packets entering from the job network's bridge.
 */
export const JOB_NETWORK = 'gpuhive-jobs';
export const JOB_BRIDGE = 'gpuhive0';
export const EGRESS_CHAIN = 'GPUHIVE-EGRESS';
export const HOST_CHAIN = 'GPUHIVE-HOST';

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
  readonly run?: RunCommand;
  readonly bridge?: string;
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
export const installEgressRules = async (options: FirewallOptions = {}): Promise<{ ipv6?: string }> => {
  const run = options.run ?? runCommand;
  const bridge = options.bridge ?? JOB_BRIDGE;
  const install = async (family: Family) => {
    const tool = toolOf(family);
    const rules = chainRules(family);
    await fillChain(run, tool, EGRESS_CHAIN, rules.egress);
    await fillChain(run, tool, HOST_CHAIN, rules.host);
    await ensureJump(run, tool, await forwardHook(run, family), bridge, EGRESS_CHAIN);
    await ensureJump(run, tool, 'INPUT', bridge, HOST_CHAIN);
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

/** Removes this bridge's jumps, and both chains once no other bridge jumps to them (what `installEgressRules` added, nothing else). */
export const removeEgressRules = async (options: FirewallOptions = {}): Promise<void> => {
  const run = options.run ?? runCommand;
  const bridge = options.bridge ?? JOB_BRIDGE;
  for (const family of ['ipv4', 'ipv6'] as const) {
    const tool = toolOf(family);
    for (const [hook, chain] of [['DOCKER-USER', EGRESS_CHAIN], ['FORWARD', EGRESS_CHAIN], ['INPUT', HOST_CHAIN]] as const) {
      // -D removes one copy at a time; a bounded loop in case a crash left several.
      for (let i = 0; i < 10 && (await run(tool, ['-w', '-D', hook, '-i', bridge, '-j', chain])).ok; i += 1);
    }
    for (const chain of [EGRESS_CHAIN, HOST_CHAIN]) {
      // The chains are machine-wide: flushing one that another agent's bridge still jumps to would unfilter its jobs.
      if ((await references(run, tool, chain)) !== 0) continue;
      await run(tool, ['-w', '-F', chain]);
      await run(tool, ['-w', '-X', chain]);
    }
  }
};

/** What is wrong with the installed IPv4 rules; empty when they are all in place. */
export const checkEgressRules = async (options: FirewallOptions = {}): Promise<string[]> => {
  const run = options.run ?? runCommand;
  const bridge = options.bridge ?? JOB_BRIDGE;
  const problems: string[] = [];
  const rules = chainRules('ipv4');
  for (const [chain, expected] of [[EGRESS_CHAIN, rules.egress], [HOST_CHAIN, rules.host]] as const) {
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
  if (!(await run('iptables', ['-w', '-C', hook, '-i', bridge, '-j', EGRESS_CHAIN])).ok) problems.push(`no jump from ${hook} to ${EGRESS_CHAIN} for ${bridge}`);
  if (!(await run('iptables', ['-w', '-C', 'INPUT', '-i', bridge, '-j', HOST_CHAIN])).ok) problems.push(`no jump from INPUT to ${HOST_CHAIN} for ${bridge}`);
  return problems;
};

/**
 * The job network: a bridge of its own (named, so the firewall can match it), no traffic
 * between containers on it (inter-container communication off), labelled as the agent's.
 */
export const ensureJobNetwork = async (options: { run?: RunCommand; docker?: string; network?: string; bridge?: string } = {}): Promise<void> => {
  const run = options.run ?? runCommand;
  const docker = options.docker ?? 'docker';
  const network = options.network ?? JOB_NETWORK;
  if ((await run(docker, ['network', 'inspect', network], 10_000)).ok) return;
  const created = await run(docker, [
    'network', 'create', '--driver', 'bridge',
    '--opt', `com.docker.network.bridge.name=${options.bridge ?? JOB_BRIDGE}`,
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

/** Names of this agent's containers still running on the job network. */
export const runningJobContainers = async (options: { run?: RunCommand; docker?: string; network?: string } = {}): Promise<string[]> => {
  const listing = await (options.run ?? runCommand)(options.docker ?? 'docker', ['ps', '--filter', `network=${options.network ?? JOB_NETWORK}`, '--format', '{{.Names}}'], 10_000);
  return listing.ok ? listing.stdout.split('\n').map((name) => name.trim()).filter(Boolean) : [];
};
