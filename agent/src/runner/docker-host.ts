import type { RunCommand } from '#agent/config/hardware.ts';
import type { Logger } from '#agent/core/logger.ts';
import { DEFAULT_CONTAINER_USER, DEFAULT_PIDS_LIMIT, type ContainerIsolation } from './docker-runner.ts';
import {
  checkEgressRules, DEFAULT_JOB_DNS, dockerRemapsUsers, ensureJobNetwork, installEgressRules, releaseJobNetwork, removeLegacyJobNetwork,
  type JobNetworkNames,
} from './job-network.ts';

export interface DockerHost {
  readonly isolation: ContainerIsolation;
  /** Why no job may start now (the firewall or the network is missing); undefined when all is in place. */
  readonly preflight: () => Promise<string | undefined>;
  /** At the agent's stop: removes its egress rules and job network, unless job containers keep running (they stay protected). */
  readonly release: () => Promise<void>;
}

export interface DockerHostOptions {
  readonly logger: Logger;
  /** This agent's network, bridge and chains (`jobNetworkNames` of its state directory). */
  readonly names: JobNetworkNames;
  readonly simulatedGpus: boolean;
  readonly pidsLimit?: number;
  readonly dns?: readonly string[];
  readonly run?: RunCommand;
  readonly docker?: string;
}

/**
 * Gets the host ready for image jobs when the agent starts: the job network, the egress
 * firewall, and the user containers run as (an unprivileged uid, or the image's own where
 * Docker remaps users). Never throws: what could not be done refuses each job with the reason.
 */
export const prepareDockerHost = async (options: DockerHostOptions): Promise<DockerHost> => {
  const { logger, names } = options;
  const tools = { ...(options.run ? { run: options.run } : {}), ...(options.docker ? { docker: options.docker } : {}) };
  const firewall = { names, ...(options.run ? { run: options.run } : {}) };
  const cleanLegacy = async () => {
    const done = await removeLegacyJobNetwork(tools).catch((error: unknown) => `could not remove what an older agent left: ${(error as Error).message}`);
    if (done) logger.info(done);
  };
  await cleanLegacy();
  let networkProblem: string | undefined;
  try {
    await ensureJobNetwork({ names, ...tools });
  } catch (error) {
    networkProblem = `the job network ${names.network} is missing: ${(error as Error).message}`;
    logger.error('cannot create the job network: image jobs will be refused', { error: networkProblem });
  }
  try {
    const installed = await installEgressRules(firewall);
    if (installed.ipv6) logger.warn('IPv6 egress rules not installed (no ip6tables support?)', { error: installed.ipv6 });
    logger.info('egress firewall installed: job containers cannot reach private, link-local or metadata addresses');
  } catch (error) {
    logger.error('cannot install the egress firewall (the agent must run as root): image jobs will be refused', { error: (error as Error).message });
  }
  const remapped = await dockerRemapsUsers(tools);
  return {
    isolation: {
      // Root inside a remapped user namespace is an unprivileged uid outside: the image's own user may stay.
      user: remapped ? undefined : DEFAULT_CONTAINER_USER,
      network: names.network,
      simulatedGpus: options.simulatedGpus,
      pidsLimit: options.pidsLimit ?? DEFAULT_PIDS_LIMIT,
      dns: options.dns ?? DEFAULT_JOB_DNS,
    },
    preflight: async () => {
      if (networkProblem) return networkProblem;
      // Repaired before every job: an operator (or a firewall tool reloading its rules) may have removed them.
      let problems: string[] = [];
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await installEgressRules(firewall).catch(() => undefined);
        problems = await checkEgressRules(firewall);
        if (problems.length === 0) return undefined;
      }
      return `the egress firewall is not in place (${problems.join('; ')}); run the agent as root, see gpuhive-agent doctor`;
    },
    release: async () => {
      const left = await releaseJobNetwork({ names, ...tools });
      if (left.length > 0) logger.info('keeping the egress firewall: job containers keep running for the next agent', { containers: left.join(',') });
      else logger.info('egress firewall and job network removed');
      await cleanLegacy(); // an older agent's containers this one took over may have ended since its start
    },
  };
};

/** Doctor's view of the firewall: in place while the agent runs; installed by `run` otherwise. */
export const firewallCheck = async (names: JobNetworkNames, agentRunning: boolean, run?: RunCommand): Promise<{ name: string; ok: boolean | 'warn'; detail: string; fix?: string }> => {
  const problems = await checkEgressRules({ names, ...(run ? { run } : {}) });
  if (problems.length === 0) return { name: 'egress firewall', ok: true, detail: 'job containers cannot reach private, link-local or metadata addresses' };
  if (!agentRunning) return { name: 'egress firewall', ok: true, detail: 'not installed now; gpuhive-agent run installs it before taking image jobs' };
  return {
    name: 'egress firewall', ok: false, detail: problems.join('; '),
    fix: 'run the agent as root (the systemd service does) so it can install its iptables rules; restart it to reinstall them',
  };
};
