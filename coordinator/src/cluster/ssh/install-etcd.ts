import { posix } from 'node:path';
import type { HostStepContext, RemoteHost } from '../../ssh/index.js';
import type { PreparedSource } from './etcd-source.js';
import type { HostLayout } from './layout.js';
import { privileged } from './services.js';

/** `sha256sum FILE` on the host; undefined when the file is not there. */
export async function remoteSha256(remote: RemoteHost, file: string): Promise<string | undefined> {
  const r = await remote.exec(['sha256sum', file]);
  return r.code === 0 ? r.stdout.trim().split(/\s+/)[0] : undefined;
}

/** Uploads a binary unless the host already has exactly it, then checks the sha256 on the host. */
async function placeBinary(remote: RemoteHost, task: HostStepContext, local: { path: string; sha256: string }, target: string): Promise<void> {
  if ((await remoteSha256(remote, target)) === local.sha256) {
    task.note(`${posix.basename(target)} already installed (sha256 matches)`);
    return;
  }
  await remote.upload(local.path, target, 0o755);
  const got = await remoteSha256(remote, target);
  if (got !== local.sha256) throw new Error(`${target} on the host has sha256 ${got ?? '(unreadable)'} after upload, expected ${local.sha256}`);
}

/** `etcd --version` -> 3.4.23 */
export const parseEtcdVersion = (out: string): string | undefined => /etcd Version:\s*(\S+)/.exec(out)?.[1];

/**
 * Puts the etcd binary in place on one host and returns its path and version: uploaded from this machine
 * (local), unpacked from a release tarball verified again on the host (release), or the host's own.
 * Idempotent: a binary already there with the right sha256 is not uploaded again.
 */
export async function installEtcdBinary(remote: RemoteHost, task: HostStepContext, source: PreparedSource, layout: HostLayout): Promise<{ bin: string; version: string | undefined }> {
  let bin = layout.etcdBin;
  if (source.kind === 'host') bin = source.path;
  else {
    await remote.run('create etcd folders', ['mkdir', '-p', posix.dirname(layout.etcdBin)]);
    if (source.kind === 'local') {
      await task.step(`upload etcd (${posix.basename(source.path)})`, () => placeBinary(remote, task, source, layout.etcdBin));
      if (source.etcdctl) await task.step('upload etcdctl', () => placeBinary(remote, task, source.etcdctl as { path: string; sha256: string }, layout.etcdctlBin));
    } else {
      const stamp = posix.join(posix.dirname(layout.etcdBin), '.release-sha256');
      const have = await remote.readFile(stamp).then((b) => b.toString().trim()).catch(() => undefined);
      if (have === source.sha256 && (await remote.exec(['test', '-x', layout.etcdBin])).code === 0) task.note(`etcd ${source.version ?? ''} already installed from this release`);
      else
        await task.step(`install etcd ${source.version ?? 'release'}`, async () => {
          const tarball = posix.join(layout.etcdDownload, 'etcd.tar.gz');
          const unpack = posix.join(layout.etcdDownload, 'unpacked');
          await remote.run('create download folder', ['mkdir', '-p', unpack]);
          await remote.upload(source.tarball, tarball, 0o644);
          const got = await remoteSha256(remote, tarball);
          if (got !== source.sha256) throw new Error(`the tarball on the host has sha256 ${got ?? '(unreadable)'}, expected ${source.sha256}: the upload was damaged`);
          await remote.run('unpack release', ['tar', '-xzf', tarball, '-C', unpack, '--strip-components=1'], { timeoutMs: 300_000 });
          await remote.run('install etcd', ['install', '-m', '0755', posix.join(unpack, 'etcd'), layout.etcdBin]);
          await remote.run('install etcdctl', ['install', '-m', '0755', posix.join(unpack, 'etcdctl'), layout.etcdctlBin]);
          await remote.upload(Buffer.from(source.sha256 + '\n'), stamp, 0o644);
          await remote.run('remove download', ['rm', '-rf', layout.etcdDownload]);
        });
    }
  }
  const v = await remote.exec([bin, '--version'], { timeoutMs: 30_000 });
  if (v.code !== 0) throw new Error(`${bin} --version failed (exit ${v.code}): ${(v.stderr || v.stdout).trim().slice(0, 300)}`);
  return { bin, version: parseEtcdVersion(v.stdout + v.stderr) };
}

/** The host's own etcd must exist (preflight for source kind host). */
export async function checkHostEtcd(remote: RemoteHost, path: string): Promise<string | undefined> {
  const r = await remote.exec(['test', '-x', path]);
  return r.code === 0 ? undefined : `${path} is not an executable file on the host`;
}

/** Creates the work directory (with sudo for another user, then handed to that user) and its marker file. */
export async function prepareWorkDir(remote: RemoteHost, layout: HostLayout): Promise<void> {
  const user = remote.host.ssh.user;
  if (user === 'root') await remote.run('create work directory', ['mkdir', '-p', layout.workDir]);
  else {
    await remote.run('create work directory', privileged(remote, ['mkdir', '-p', layout.workDir]));
    await remote.run('own work directory', privileged(remote, ['chown', user, layout.workDir]));
  }
  await remote.run('mark work directory', ['sh', '-c', 'test -f "$1" || echo "etcdlab work directory: etcdlab cluster clean removes what it made here" > "$1"', 'sh', posix.join(layout.workDir, WORKDIR_MARKER)]);
}

/** A work directory is emptied by `clean` only when this file says etcdlab made it. */
export const WORKDIR_MARKER = '.etcdlab-workdir';
