/**
 * Ports a job exposes and the host ports placement hands them. A host that forwards a public
 * port range (with a public address) can take port jobs; each assignment holds its host ports
 * in the host's capacity item, beside its GPUs, so one conditional write reserves both.
 */
export type PortProtocol = 'http' | 'tcp';

/** A port the renter declared: what the job listens on inside its container (or binds itself). */
export interface PortSpec {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: PortProtocol;
}

/** A declared port with the host port placement gave it. */
export interface AssignedPort extends PortSpec {
  readonly hostPort: number;
}

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

export { MAX_JOB_PORTS } from '#contract/agent.ts';

/** Host ports of the range not held by any live assignment, lowest first, at most `count`. */
export const freeHostPorts = (range: PortRange | undefined, held: Iterable<number>, count: number): number[] => {
  if (!range || count <= 0) return [];
  const taken = new Set(held);
  const free: number[] = [];
  for (let port = range.from; port <= range.to && free.length < count; port += 1) if (!taken.has(port)) free.push(port);
  return free;
};

/** Pairs each declared port with a host port, in declaration order. */
export const assignPorts = (declared: readonly PortSpec[], hostPorts: readonly number[]): AssignedPort[] =>
  declared.map((port, at) => {
    const hostPort = hostPorts[at];
    if (hostPort === undefined) throw new Error(`no host port for container port ${port.containerPort}`);
    return { ...port, hostPort };
  });

/** The env name suffix of a port: its name upper-cased (letters, digits, _), else its container port. */
export const portEnvSuffix = (port: PortSpec): string => (port.name ? port.name.toUpperCase().replace(/[^A-Z0-9_]/g, '_') : String(port.containerPort));

/** What a renter reads for one port: the public address, and a URL for http ports. */
export const endpointOf = (publicAddress: string, port: AssignedPort) => {
  const host = publicAddress.includes(':') && !publicAddress.startsWith('[') ? `[${publicAddress}]` : publicAddress;
  const address = `${host}:${port.hostPort}`;
  return { address, url: port.protocol === 'http' ? `http://${address}` : null };
};
