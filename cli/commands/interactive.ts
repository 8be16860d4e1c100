import type { SshKeyResponse } from '../../shared/contract/accounts.ts';
import type { TemplatesResponse } from '../../shared/contract/offers.ts';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { intFlag, noPositionals, onePositional, stringFlag, type Command, type Context } from '../command.ts';
import { CliFailure, ExitCode, UsageError } from '../errors.ts';
import { duration, table, time } from '../format.ts';
import { line, printJson } from '../output.ts';
import type { Endpoint, Job } from './jobs.ts';

/** Container ports sshd listens on in the images people run (22; LinuxServer's 2222). */
const SSH_PORTS = [22, 2222];

/** The endpoint `gpuhive ssh` connects to: a tcp port named ssh, else one on an sshd port. */
export const sshEndpointOf = (endpoints: readonly Endpoint[], rank: number): Endpoint | undefined => {
  const ofRank = endpoints.filter((endpoint) => endpoint.rank === rank && endpoint.protocol === 'tcp');
  return ofRank.find((endpoint) => endpoint.name === 'ssh') ?? ofRank.find((endpoint) => SSH_PORTS.includes(endpoint.containerPort));
};

/** `host:port` -> host and port; an IPv6 host comes bracketed. */
const splitAddress = (address: string): { host: string; port: string } => {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: address.slice(at + 1) };
};

/**
 * The ssh command line for one endpoint. Each job has its own known-hosts file: a host port
 * serves another job's sshd after this one ends, and its new host key must not trip (or
 * pass as) the old one. The first connection trusts the key (`accept-new`), later ones check it.
 */
export const sshArgv = (endpoint: Endpoint, options: { user: string; knownHostsFile: string; identity?: string; extra?: readonly string[] }): string[] => {
  const { host, port } = splitAddress(endpoint.address);
  return [
    'ssh',
    '-p', port,
    '-o', 'StrictHostKeyChecking=accept-new',
    '-o', `UserKnownHostsFile=${options.knownHostsFile}`,
    ...(options.identity ? ['-i', options.identity, '-o', 'IdentitiesOnly=yes'] : []),
    ...(options.extra ?? []),
    `${options.user}@${host}`,
  ];
};

const getJob = async (context: Context, jobId: string): Promise<Job> => (await context.api()).get<Job>(`/v1/jobs/${encodeURIComponent(jobId)}`);

const noEndpoints = (job: Job, what: string): CliFailure =>
  new CliFailure(
    job.status === 'running' || job.status === 'scheduled'
      ? `${job.jobId} shows no ${what} yet: its ports are published once its host has started it (gpuhive jobs get ${job.jobId}).`
      : `${job.jobId} is ${job.status}: only a running job has endpoints.`,
    ExitCode.apiRefused,
  );

export const ssh: Command = {
  name: 'ssh',
  summary: "Log in to a running job with your own ssh: the right user, host, port and options.",
  args: 'JOB [-- SSH-OPTIONS...]',
  takesCommand: true,
  options: {
    rank: { type: 'string', value: 'N', description: 'the host of a multi-host job (default 0)' },
    user: { type: 'string', value: 'USER', description: 'the user to log in as (default: root; renter for the ssh-base template)' },
    identity: { type: 'string', short: 'i', value: 'FILE', description: 'your private key, when ssh does not find it on its own' },
    'dry-run': { type: 'boolean', description: 'print the ssh command instead of running it' },
  },
  details: [
    'The job needs a tcp port named "ssh" (or on container port 22 or 2222) and your key: saved with',
    '`gpuhive ssh-keys add`, or given on the job as sshKeys. Everything after -- goes to ssh.',
    '',
    'Examples:',
    '  gpuhive ssh job_01jz... ',
    '  gpuhive ssh job_01jz... --rank 1 -- -L 8888:localhost:8888',
  ].join('\n'),
  async run(context, input) {
    const jobId = onePositional(input, 'job id');
    const rank = intFlag(input, 'rank', 0, 31) ?? 0;
    const job = await getJob(context, jobId);
    const endpoint = sshEndpointOf(job.endpoints ?? [], rank);
    if (!endpoint) {
      if ((job.endpoints ?? []).some((e) => e.rank === rank)) throw new CliFailure(`${job.jobId} rank ${rank} has no ssh port: declare a tcp port named "ssh" (or the ssh-base template).`, ExitCode.apiRefused);
      throw noEndpoints(job, `ssh endpoint for rank ${rank}`);
    }
    const knownHostsFile = join(dirname(context.configFile), 'known_hosts', `${job.jobId}-r${rank}`);
    const user = stringFlag(input, 'user') ?? (job.template?.name === 'ssh-base' ? 'renter' : 'root');
    const identity = stringFlag(input, 'identity');
    const argv = sshArgv(endpoint, { user, knownHostsFile, ...(identity ? { identity } : {}), extra: input.rest });
    if (input.values['dry-run']) {
      if (context.json) printJson(context.output, { argv });
      else line(context.output, argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`)).join(' '));
      return ExitCode.ok;
    }
    if (!endpoint.ready) context.output.err(`gpuhive ssh: the agent has not seen ${endpoint.address} answer yet; trying anyway.\n`);
    await mkdir(dirname(knownHostsFile), { recursive: true, mode: 0o700 });
    return context.exec(argv);
  },
};

/** The URL of an http port; Jupyter's with its login token, which only the job's owner sees. */
export const urlOf = (job: Job, endpoint: Endpoint): string | undefined => {
  if (!endpoint.url) return undefined;
  const token = job.secrets?.JUPYTER_TOKEN;
  return token && endpoint.name === 'jupyter' ? `${endpoint.url}/lab?token=${encodeURIComponent(token)}` : endpoint.url;
};

export const open: Command = {
  name: 'open',
  summary: "Print (or open in a browser) the URL of a running job's http port.",
  args: 'JOB PORT',
  options: {
    rank: { type: 'string', value: 'N', description: 'the host of a multi-host job (default 0)' },
    browser: { type: 'boolean', description: 'also open it with xdg-open (open on macOS)' },
  },
  details: 'PORT is the port\'s name (jupyter) or its container port (8888).',
  async run(context, input) {
    const [jobId, port, ...extra] = input.positionals;
    if (!jobId || !port) throw new UsageError('Give the job id and the port, e.g. gpuhive open job_01jz... jupyter');
    if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
    const rank = intFlag(input, 'rank', 0, 31) ?? 0;
    const job = await getJob(context, jobId);
    const endpoint = (job.endpoints ?? []).find((e) => e.rank === rank && (e.name === port || String(e.containerPort) === port));
    if (!endpoint) throw noEndpoints(job, `endpoint ${port} for rank ${rank}`);
    const url = urlOf(job, endpoint);
    if (!url) throw new CliFailure(`Port ${port} is a tcp port: connect to ${endpoint.address}.`, ExitCode.apiRefused);
    if (context.json) printJson(context.output, { url, ready: endpoint.ready });
    else line(context.output, url);
    if (input.values.browser) return context.exec([process.platform === 'darwin' ? 'open' : 'xdg-open', url]);
    return ExitCode.ok;
  },
};

type Template = TemplatesResponse['items'][number];

export const templates: Command = {
  name: 'templates',
  summary: 'The job templates (Jupyter, SSH, vLLM, Ollama, CUDA) for jobs submit --template.',
  args: '[NAME]',
  options: {},
  async run(context, input) {
    const [name, ...extra] = input.positionals;
    if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
    const { items } = await (await context.api()).get<TemplatesResponse>('/v1/templates');
    const chosen = name ? items.filter((template) => template.name === name) : items;
    if (name && chosen.length === 0) throw new CliFailure(`No template named ${name}: one of ${items.map((t) => t.name).join(', ')}.`, ExitCode.usage);
    if (context.json) printJson(context.output, name ? chosen[0] : items);
    else if (!name) {
      context.output.out(table(
        ['NAME', 'VERSION', 'PORTS', 'MIN VRAM', 'YOU GIVE', 'DESCRIPTION'],
        items.map((t) => [t.name, String(t.version), t.ports.map((p) => `${p.name}:${p.containerPort}/${p.protocol}`).join(' ') || '-', `${t.gpu.minVramMb} MB`, t.env.filter((e) => e.required).map((e) => e.name).join(' ') || '-', t.title]),
      ));
    } else {
      const t = chosen[0] as Template;
      line(context.output, `${t.name} (version ${t.version}): ${t.title}\n${t.description}\nImage:        ${t.image}\nGPU:          ${t.gpu.count}, >= ${t.gpu.minVramMb} MB\nMax duration: ${duration(t.maxDurationSeconds)}`);
      context.output.out(table(['ENV', 'GIVE', 'DEFAULT', 'WHAT'], t.env.map((e) => [e.name, e.required ? 'required' : e.generated ? 'generated' : 'optional', e.default ?? '-', e.description])));
    }
    return ExitCode.ok;
  },
};

type SshKey = SshKeyResponse;

export const sshKeysAdd: Command = {
  name: 'ssh-keys add',
  summary: 'Save an SSH public key: jobs with ports let it in (ed25519, or RSA of at least 3072 bits).',
  args: 'PUBLIC-KEY-FILE',
  options: { name: { type: 'string', value: 'NAME', description: 'what to call it (default: the file name)' } },
  details: 'Example:\n  gpuhive ssh-keys add ~/.ssh/id_ed25519.pub --name laptop',
  async run(context, input) {
    const file = onePositional(input, 'public key file (e.g. ~/.ssh/id_ed25519.pub)');
    let publicKey: string;
    try {
      publicKey = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
    }
    if (/PRIVATE KEY/.test(publicKey)) throw new UsageError(`${file} is a private key: give the .pub file next to it.`);
    const saved = await (await context.api()).post<SshKey>('/v1/ssh-keys', { name: stringFlag(input, 'name') ?? file.split('/').pop() ?? file, publicKey });
    if (context.json) printJson(context.output, saved);
    else line(context.output, `Saved ${saved.keyId} (${saved.name}, ${saved.type} ${saved.bits}, ${saved.fingerprint}).`);
    return ExitCode.ok;
  },
};

export const sshKeysList: Command = {
  name: 'ssh-keys list',
  summary: 'Your saved SSH public keys.',
  options: {},
  async run(context, input) {
    noPositionals(input);
    const { items } = await (await context.api()).get<{ items: SshKey[] }>('/v1/ssh-keys');
    if (context.json) printJson(context.output, items);
    else if (items.length === 0) line(context.output, 'No SSH keys: add one with gpuhive ssh-keys add ~/.ssh/id_ed25519.pub');
    else context.output.out(table(['KEY', 'NAME', 'TYPE', 'FINGERPRINT', 'ADDED'], items.map((k) => [k.keyId, k.name, `${k.type} ${k.bits}`, k.fingerprint, time(k.createdAt)])));
    return ExitCode.ok;
  },
};

export const sshKeysRm: Command = {
  name: 'ssh-keys rm',
  summary: 'Delete a saved SSH key (jobs already submitted keep theirs).',
  args: 'KEY',
  options: {},
  async run(context, input) {
    const keyId = onePositional(input, 'key id (gpuhive ssh-keys list)');
    await (await context.api()).request('DELETE', `/v1/ssh-keys/${encodeURIComponent(keyId)}`);
    if (context.json) printJson(context.output, { keyId, deleted: true });
    else line(context.output, `Deleted ${keyId}.`);
    return ExitCode.ok;
  },
};
