import type { RunCommand } from '#agent/config/hardware.ts';
import type { Logger } from '#agent/core/logger.ts';
import { DEFAULT_CONTAINER_USER, DEFAULT_PIDS_LIMIT, type ContainerIsolation } from './docker-runner.ts';
import {
  checkEgressRules, DEFAULT_JOB_DNS, dockerRemapsUsers, ensureJobNetwork, installEgressRules, JOB_NETWORK, removeEgressRules, runningJobContainers,
} from './job-network.ts';

export interface DockerHost {
  readonly isolation: ContainerIsolation;
  /** Why no job may start now (the firewall or the network is missing); undefined when all is in place. */
  readonly preflight: () => Promise<string | undefined>;
  /** At the agent's stop: removes the egress rules, unless job containers keep running (they stay protected). */
  readonly release: () => Promise<void>;
}

export interface DockerHostOptions {
  readonly logger: Logger;
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
  const { logger } = options;
  const tools = { ...(options.run ? { run: options.run } : {}), ...(options.docker ? { docker: options.docker } : {}) };
  let networkProblem: string | undefined;
  try {
    await ensureJobNetwork(tools);
  } catch (error) {
    networkProblem = `the job network ${JOB_NETWORK} is missing: ${(error as Error).message}`;
    logger.error('cannot create the job network: image jobs will be refused', { error: networkProblem });
  }
  try {
    const installed = await installEgressRules(options.run ? { run: options.run } : {});
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
      network: JOB_NETWORK,
      simulatedGpus: options.simulatedGpus,
      pidsLimit: options.pidsLimit ?? DEFAULT_PIDS_LIMIT,
      dns: options.dns ?? DEFAULT_JOB_DNS,
    },
    preflight: async () => {
      if (networkProblem) return networkProblem;
      // Repaired before every job: another agent on this machine, or an operator, may have removed the rules
      // (another agent's release can land between the install and the check, so a few tries).
      let problems: string[] = [];
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await installEgressRules(options.run ? { run: options.run } : {}).catch(() => undefined);
        problems = await checkEgressRules(options.run ? { run: options.run } : {});
        if (problems.length === 0) return undefined;
      }
      return `the egress firewall is not in place (${problems.join('; ')}); run the agent as root, see gpuhive-agent doctor`;
    },
    release: async () => {
      const left = await runningJobContainers(tools);
      if (left.length > 0) {
        logger.info('keeping the egress firewall: job containers keep running for the next agent', { containers: left.join(',') });
        return;
      }
      await removeEgressRules(options.run ? { run: options.run } : {});
      logger.info('egress firewall removed');
    },
  };
};

/** Doctor's view of the firewall: in place while the agent runs; installed by `run` otherwise. */
export const firewallCheck = async (agentRunning: boolean, run?: RunCommand): Promise<{ name: string; ok: boolean | 'warn'; detail: string; fix?: string }> => {
  const problems = await checkEgressRules(run ? { run } : {});
  if (problems.length === 0) return { name: 'egress firewall', ok: true, detail: 'job containers cannot reach private, link-local or metadata addresses' };
  if (!agentRunning) return { name: 'egress firewall', ok: true, detail: 'not installed now; gpuhive-agent run installs it before taking image jobs' };
  return {
    name: 'egress firewall', ok: false, detail: problems.join('; '),
    fix: 'run the agent as root (the systemd service does) so it can install its iptables rules; restart it to reinstall them',
  };
};
