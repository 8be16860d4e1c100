import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Docker daemon for the isolation tests. No registry is reachable from test machines,
 * so the test image is built here: a root file system holding Debian's static busybox,
 * imported with `docker import` under a fixed tag (built once, then reused).
 */
export const TEST_IMAGE = 'gpuhive-test-busybox:1';

const docker = (args: readonly string[], input?: Buffer) =>
  spawnSync('docker', [...args], { encoding: 'buffer', ...(input ? { input } : {}), maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });

/** Why Docker cannot be used here; undefined when the daemon answers. */
export const dockerProblem = (): string | undefined => {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 20_000 });
  if (info.error) return `docker is not installed (${info.error.message})`;
  return info.status === 0 ? undefined : `the Docker daemon does not answer: ${info.stderr.trim()}`;
};

/**
 * Whether to run the Docker tests: always in CI (a missing daemon then fails the run loudly);
 * on a developer machine without Docker they are skipped with the reason on stderr.
 */
export const dockerTestsEnabled = (suite: string): boolean => {
  const problem = dockerProblem();
  if (!problem) return true;
  if (process.env.CI) return true; // beforeAll then throws with the reason
  process.stderr.write(`SKIPPED ${suite}: ${problem} (install docker.io and start dockerd to run them; CI never skips)\n`);
  return false;
};

/** Throws (failing the suite) when the daemon is not there: for CI, where skipping is not allowed. */
export const requireDocker = (): void => {
  const problem = dockerProblem();
  if (problem) throw new Error(`the Docker tests need a running daemon (CI=${process.env.CI ?? ''}): ${problem}`);
};

const isStatic = (file: string): boolean => {
  if (!existsSync(file)) return false;
  const ldd = spawnSync('ldd', [file], { encoding: 'utf8' });
  return /not a dynamic executable|statically linked/.test(`${ldd.stdout}${ldd.stderr}`);
};

/** A static busybox: the installed one (Debian's busybox-static), else the package's, unpacked without installing. */
const staticBusybox = (): string => {
  for (const candidate of ['/bin/busybox', '/usr/bin/busybox']) if (isStatic(candidate)) return candidate;
  const dir = mkdtempSync(join(tmpdir(), 'busybox-static-'));
  execFileSync('apt-get', ['download', 'busybox-static'], { cwd: dir, stdio: 'ignore' });
  const deb = readdirSync(dir).find((name) => name.endsWith('.deb'));
  if (!deb) throw new Error('cannot find busybox-static: install it (apt-get install busybox-static)');
  execFileSync('dpkg', ['-x', join(dir, deb), join(dir, 'root')]);
  return join(dir, 'root', 'bin', 'busybox');
};

/** Builds the test image once (cached by its tag). */
export const ensureTestImage = (): string => {
  if (docker(['image', 'inspect', TEST_IMAGE]).status === 0) return TEST_IMAGE;
  const root = mkdtempSync(join(tmpdir(), 'gpuhive-test-rootfs-'));
  try {
    for (const dir of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'scratch']) mkdirSync(join(root, dir));
    chmodSync(join(root, 'tmp'), 0o1777);
    const busybox = join(root, 'bin', 'busybox');
    copyFileSync(staticBusybox(), busybox);
    chmodSync(busybox, 0o755);
    const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter((name) => name && name !== 'busybox');
    for (const applet of applets) symlinkSync('busybox', join(root, 'bin', applet));
    writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n');
    writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    const tar = execFileSync('tar', ['-C', root, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
    const imported = docker(['import', '--change', 'ENV PATH=/bin', '-', TEST_IMAGE], tar);
    if (imported.status !== 0) throw new Error(`docker import failed: ${imported.stderr.toString()}`);
    return TEST_IMAGE;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
};

/** `docker inspect` of a container as JSON; undefined when it is gone. */
export const inspectContainer = (name: string): Record<string, any> | undefined => {
  const result = spawnSync('docker', ['inspect', name], { encoding: 'utf8' });
  return result.status === 0 ? (JSON.parse(result.stdout) as Record<string, any>[])[0] : undefined;
};

export const removeContainer = (name: string): void => {
  spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
};
