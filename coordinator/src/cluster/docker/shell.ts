/**
 * `cluster shell <member>`: /bin/sh inside the member's container (an Engine API exec, hijacked), with a
 * TTY when this process has one (raw mode, window size following the terminal); otherwise stdin and the
 * demultiplexed stdout/stderr are piped, so `echo 'etcdctl get k' | etcdlab cluster shell etcd-1` works.
 * etcdctl in the container is set up (environment) to talk to its own member, TLS included.
 */
import type { Duplex } from 'node:stream';
import { ClusterError, ErrorCodes } from '@etcdlab/common';
import { call, isNotFound } from './engine.js';
import { existingMembers } from './existing.js';
import { SHELL } from './members.js';
import type { DockerSession } from './session.js';
import { findMember } from './view.js';

export async function shell(s: DockerSession, member: string): Promise<number> {
  const engine = await s.engine();
  const m = findMember(await existingMembers(engine, s.cfg.cluster), member, s.cfg.source);
  if (!m.running) {
    throw new ClusterError(ErrorCodes.clusterUnhealthy, `${m.name} is not running (${m.status})`, { problems: [{ field: 'member', message: m.container, fix: `start the cluster with \`etcdlab cluster up -i ${s.cfg.source}\`` }] });
  }
  const container = engine.docker.getContainer(m.id);
  try {
    await container.getArchive({ path: SHELL });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    throw new ClusterError(ErrorCodes.dockerFailed, `image ${s.cfg.image} has no ${SHELL}`, {
      problems: [{ field: 'cluster.etcd.image', message: 'distroless images (like the official etcd 3.5+ images) have no shell', fix: 'use an image from `etcdlab image build` (it carries /bin/sh and etcdctl), or read logs with `etcdlab cluster logs`' }],
    });
  }

  const stdin = process.stdin;
  const tty = Boolean(stdin.isTTY && process.stdout.isTTY);
  const exec = await call(`exec in ${m.container}`, () =>
    container.exec({ Cmd: [SHELL], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: tty, ...(tty ? { Env: [`TERM=${process.env.TERM ?? 'xterm'}`] } : {}) }),
  );
  const stream = (await call(`exec in ${m.container}`, () => exec.start({ hijack: true, stdin: true, Tty: tty }))) as Duplex;
  const resize = (): void => void exec.resize({ h: process.stdout.rows, w: process.stdout.columns }).catch(() => undefined);
  if (tty) {
    stream.pipe(process.stdout);
    stdin.setRawMode(true);
    resize();
    process.stdout.on('resize', resize);
  } else {
    engine.docker.modem.demuxStream(stream, process.stdout, process.stderr);
  }
  stdin.pipe(stream); // stdin's end half-closes the exec's stdin, so a piped script runs to its end
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', reject);
    });
  } finally {
    stdin.unpipe(stream);
    if (tty) {
      stdin.setRawMode(false);
      process.stdout.off('resize', resize);
    }
    stdin.pause();
  }
  const result = await call(`exec in ${m.container}`, () => exec.inspect());
  return result.ExitCode ?? 1;
}
