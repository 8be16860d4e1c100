import type { Assignment, JobSpec } from './job.ts';
import type { ReplicaHealthCheck } from './messages.ts';

/** The health check a replica's agent runs: the service's, sent to the host port placement gave its container port. */
export const replicaHealthCheckOf = (spec: Pick<JobSpec, 'service'>, assignment: Pick<Assignment, 'ports'>): { healthCheck?: ReplicaHealthCheck } => {
  const check = spec.service?.healthCheck;
  const port = check ? assignment.ports?.find((candidate) => candidate.containerPort === check.port) : undefined;
  if (!check || !port) return {};
  const { port: _containerPort, ...rest } = check;
  return { healthCheck: { ...rest, hostPort: port.hostPort } };
};
