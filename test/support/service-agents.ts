import type { ApiClient } from './local-runtime.ts';
import { tracked } from './live-things.ts';
import { nextMessages, reportEvent } from './marketplace.ts';

/**
 * Plays the agents of several hosts through the API, as the integration tests of services
 * need them: each host long-polls its queue, accepts and starts what it is given, reports the
 * replica's health as `healthOf(hostId)` says, answers a cancel with `stopped`, heartbeats,
 * and (with `usage`) reports usage of what runs every round. `stop()` ends the loops.
 */
export interface PlayedHost {
  readonly hostId: string;
  readonly agentToken: string;
}

export const playAgents = (
  api: ApiClient,
  hosts: readonly PlayedHost[],
  options: { healthOf?: (hostId: string) => 'healthy' | 'unhealthy'; usage?: boolean } = {},
) => {
  let stopped = false;
  const silent = new Set<string>();
  const loops = hosts.map(async (host) => {
    const running = new Map<string, { from: number; health?: string; sent: number }>();
    while (!stopped) {
      try {
        if (!silent.has(host.hostId)) {
          await api.call('POST', '/v1/agent/heartbeat', { key: host.agentToken, body: { runningAssignments: [...running.keys()] } });
          for (const message of await nextMessages(api, host.agentToken, 1)) {
            if (message.type === 'assignment') {
              const accepted = await reportEvent(api, host.agentToken, message.assignmentId, 'accepted');
              if (accepted.status !== 200) continue;
              await reportEvent(api, host.agentToken, message.assignmentId, 'started');
              running.set(message.assignmentId, { from: Date.now(), sent: 0 });
            } else if (message.type === 'cancel' && running.has(message.assignmentId)) {
              running.delete(message.assignmentId);
              await reportEvent(api, host.agentToken, message.assignmentId, 'stopped');
            }
          }
          for (const [assignmentId, state] of running) {
            const health = options.healthOf?.(host.hostId) ?? 'healthy';
            if (state.health !== health) {
              await reportEvent(api, host.agentToken, assignmentId, 'health', { health: { state: health, failures: health === 'healthy' ? 0 : 3, statusCode: health === 'healthy' ? 200 : 503 } });
              state.health = health;
            }
            if (options.usage) {
              const to = Date.now();
              const record = { eventId: `${assignmentId}-${state.sent}`, assignmentId, from: new Date(state.from).toISOString(), to: new Date(to).toISOString(), gpuSeconds: (to - state.from) / 1000 };
              await api.call('POST', '/v1/agent/usage', { key: host.agentToken, body: { records: [record] } });
              state.from = to;
              state.sent += 1;
            }
          }
        } else {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      } catch {
        // The runtime is stopping, or a request raced: the next round tries again.
      }
    }
  });
  // Tracked: a test that times out leaves its loops running, which in a shared worker would go on calling a stopped runtime.
  return tracked(`played agents of ${hosts.length} host(s)`, {
    /** The host stops heartbeating and answering, as a dead agent would. */
    silence: (hostId: string) => silent.add(hostId),
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  });
};
