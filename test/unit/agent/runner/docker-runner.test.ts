import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AssignmentMessage } from '#agent/api/types.ts';
import { DockerRunner } from '#agent/runner/docker-runner.ts';
import { JobLogs } from '#agent/runner/job-logs.ts';
import { StartError } from '#agent/runner/types.ts';

/**
 * A stand-in `docker` (no Docker on test machines): `run` plays a container by image name
 * ("exit-N" exits N, "forever" runs until `docker stop`, "missing" fails like a bad pull with
 * 125), and `inspect`, `wait`, `logs -f` and `stop` see the same state files.
 */
const FAKE_DOCKER = `#!/bin/sh
D="$FAKE_DOCKER_DIR"
cmd="$1"; shift
last() { for a in "$@"; do l="$a"; done; echo "$l"; }
case "$cmd" in
  run)
    echo "$@" > "$D/run-args"
    name=""; image=""; prev=""
    for a in "$@"; do
      [ "$prev" = "--name" ] && name="$a"
      case "$a" in exit-*|forever|missing) image="$a" ;; esac
      prev="$a"
    done
    if [ "$image" = "missing" ]; then echo "Unable to find image 'missing:latest' locally" >&2; echo "pull access denied for missing" >&2; exit 125; fi
    touch "$D/$name.running"; echo "hello from $image"
    if [ "$image" = "forever" ]; then
      while [ ! -f "$D/$name.stop" ]; do sleep 0.05; done; code=143
    else sleep 0.3; code="\${image#exit-}"; fi
    echo "$code" > "$D/$name.exit"; rm -f "$D/$name.running"; exit "$code" ;;
  inspect)
    name="$(last "$@")"
    if [ ! -f "$D/$name.running" ]; then echo "Error: No such object: $name" >&2; exit 1; fi
    case "$2" in *Running*) echo true ;; *) echo 2026-11-25T10:00:00.000000000Z ;; esac ;;
  wait)
    name="$1"; while [ -f "$D/$name.running" ]; do sleep 0.05; done; cat "$D/$name.exit" ;;
  logs)
    name="$(last "$@")"; echo "logs since: $*"; while [ -f "$D/$name.running" ]; do sleep 0.05; done ;;
  stop)
    name="$(last "$@")"; touch "$D/$name.stop"; echo "$name" ;;
esac
`;

let docker: string;
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-docker-'));
  docker = join(dir, 'docker');
  writeFileSync(docker, FAKE_DOCKER);
  chmodSync(docker, 0o755);
  process.env.FAKE_DOCKER_DIR = dir;
});

const limits = { hostCpuCores: 8, hostMemoryMb: 32768, hostGpuCount: 2 };
const message = (assignmentId: string, image: string): AssignmentMessage => ({
  type: 'assignment', assignmentId, jobId: 'job_1', image, env: {}, gpuIndices: [1], maxDurationSeconds: 600, rank: 0, worldSize: 1, peers: [],
});
const start = (runner: DockerRunner, assignmentId: string, image: string) => {
  const logs = new JobLogs(mkdtempSync(join(tmpdir(), 'docker-logs-')));
  let started = 0;
  const job = runner.start({ message: message(assignmentId, image), env: { A: '1' }, workDir: join(mkdtempSync(join(tmpdir(), 'docker-work-')), 'work'), logs, onStarted: () => { started += 1; } });
  return { job, logs, started: () => started };
};

describe('DockerRunner (against a stand-in docker)', () => {
  it('reports started once the container runs and returns its exit code', async () => {
    const { job, logs, started } = start(new DockerRunner(limits, { docker }), 'a-exit', 'exit-3');

    const exit = await (await job).exited;
    logs.close();

    expect(started()).toBe(1);
    expect(exit.exitCode).toBe(3);
    expect(readFileSync(logs.file, 'utf8')).toContain('hello from exit-3');
    expect(readFileSync(join(process.env.FAKE_DOCKER_DIR!, 'run-args'), 'utf8')).toContain('--name gpuhive-a-exit');
  });

  it('fails to start with docker\'s own reason when the image cannot be pulled', async () => {
    const { job, started } = start(new DockerRunner(limits, { docker }), 'a-missing', 'missing');

    await expect(job).rejects.toThrow(StartError);
    await expect(job).rejects.toThrow(/pull access denied/);
    expect(started()).toBe(0);
  });

  it('stops the container with docker stop', async () => {
    const { job } = start(new DockerRunner(limits, { docker }), 'a-stop', 'forever');
    const running = await job;

    const exit = await running.stop(1000);

    expect(exit.exitCode).toBe(143);
  });

  it('leaves a detached container running, and a new runner re-attaches to it by name', async () => {
    const { job } = start(new DockerRunner(limits, { docker }), 'a-reattach', 'forever');
    (await job).detach();
    const logs = new JobLogs(mkdtempSync(join(tmpdir(), 'docker-logs-')));
    expect(existsSync(join(process.env.FAKE_DOCKER_DIR!, 'gpuhive-a-reattach.running'))).toBe(true);

    const reattached = await new DockerRunner(limits, { docker }).reattach('a-reattach', logs, '2026-11-25T10:00:05.000Z');
    const exit = await reattached!.stop(1000);
    logs.close();

    expect(exit.exitCode).toBe(143);
    expect(readFileSync(logs.file, 'utf8')).toContain('logs since: -f --since 2026-11-25T10:00:05.000Z gpuhive-a-reattach');
  });

  it('finds nothing to re-attach to when the container is gone', async () => {
    const logs = new JobLogs(mkdtempSync(join(tmpdir(), 'docker-logs-')));

    expect(await new DockerRunner(limits, { docker }).reattach('a-never', logs)).toBeUndefined();
  });
});
