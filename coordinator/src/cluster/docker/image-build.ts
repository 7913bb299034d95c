/**
 * `etcdlab image build`: an etcd image from binaries on this machine, with no registry. The root file
 * system holds etcd, etcdctl, /bin/sh (for `cluster shell`) and the shared libraries they load; it is
 * streamed as a tar into the Engine's image import (POST /images/create?fromSrc=-).
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ClusterError, ErrorCodes, InputError } from '@etcdlab/common';
import { ETCD_PATH } from './members.js';
import { call, followProgress, type Engine } from './engine.js';
import { TAR_END, tarHeader, tarPadding } from './tar.js';

export interface RootfsFile {
  /** File on this machine (symbolic links are followed: the image gets the content). */
  source: string;
  /** Path in the image, without the leading slash. */
  target: string;
  mode: number;
}

export interface RootfsDir {
  target: string;
  mode: number;
}

/** Absolute paths of the libraries and the loader in `ldd` output; [] for a static binary (pure). */
export function parseLdd(output: string): { libs: string[]; missing: string[] } {
  const libs: string[] = [];
  const missing: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const arrow = /^(\S+) => (\S+)/.exec(line);
    if (arrow) {
      if (arrow[2] === 'not') missing.push(arrow[1] as string);
      else if (arrow[2]!.startsWith('/')) libs.push(arrow[2] as string);
    } else if (/^\/\S+ \(0x/.test(line)) libs.push(line.split(' ')[0] as string); // the loader
  }
  return { libs: [...new Set(libs)], missing };
}

/** The files and folders of the image (pure): binaries at fixed places, libraries where the loader looks. */
export function rootfsLayout(bins: { etcd: string; etcdctl?: string; shell?: string }, libs: string[]): { files: RootfsFile[]; dirs: RootfsDir[] } {
  const files: RootfsFile[] = [{ source: bins.etcd, target: ETCD_PATH.slice(1), mode: 0o755 }];
  if (bins.etcdctl) files.push({ source: bins.etcdctl, target: 'usr/local/bin/etcdctl', mode: 0o755 });
  if (bins.shell) files.push({ source: bins.shell, target: 'bin/sh', mode: 0o755 });
  for (const lib of [...new Set(libs)].sort()) files.push({ source: lib, target: lib.replace(/^\/+/, ''), mode: 0o755 });
  return { files, dirs: parentDirs(files, [['tmp', 0o1777], ['var/lib/etcd', 0o700], ['etc', 0o755]]) };
}

/** The folders an image needs: the given ones plus every parent of a file, parents first (pure). */
export function parentDirs(files: RootfsFile[], given: [string, number][]): RootfsDir[] {
  const dirs = new Map<string, number>(given);
  for (const f of files) {
    for (let d = path.posix.dirname(f.target); d !== '.' && d !== ''; d = path.posix.dirname(d)) if (!dirs.has(d)) dirs.set(d, 0o755);
  }
  for (const d of [...dirs.keys()]) {
    for (let p = path.posix.dirname(d); p !== '.' && p !== ''; p = path.posix.dirname(p)) if (!dirs.has(p)) dirs.set(p, 0o755);
  }
  // Parents before children in the archive.
  const sorted = [...dirs.entries()].sort(([a], [b]) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  return sorted.map(([target, mode]) => ({ target, mode }));
}

function run(file: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 15_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 127;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** Libraries a binary loads, from `ldd` (a static binary needs none). */
export async function librariesOf(bin: string): Promise<string[]> {
  const { code, out } = await run('ldd', [bin]);
  if (code !== 0 || /not a dynamic executable|statically linked/.test(out)) {
    if (/not a dynamic executable|statically linked/.test(out)) return [];
    throw new InputError(ErrorCodes.etcdNotFound, `cannot list the libraries of ${bin} (ldd exit ${code})`, [{ field: 'ldd', message: out.trim().slice(0, 300), fix: 'install libc-bin (ldd), or use a statically linked etcd release binary' }]);
  }
  const { libs, missing } = parseLdd(out);
  if (missing.length > 0) throw new InputError(ErrorCodes.etcdNotFound, `${bin} needs libraries this machine lacks: ${missing.join(', ')}`, [{ field: '--etcd', message: 'the binary cannot run here either', fix: 'install the missing libraries or use an official (static) etcd release binary' }]);
  return libs;
}

/** `etcd --version` -> e.g. 3.4.23; fails with E_ETCD_NOT_FOUND when the file is not a working etcd. */
export async function etcdVersionOf(bin: string): Promise<string> {
  const { code, out } = await run(bin, ['--version']);
  const m = /etcd Version:\s*(\S+)/i.exec(out);
  if (code !== 0 || !m) {
    throw new InputError(ErrorCodes.etcdNotFound, `${bin} is not a working etcd (\`${bin} --version\` exit ${code})`, [{ field: '--etcd', message: out.trim().slice(0, 200) || 'no output', fix: 'point --etcd at an etcd server binary, e.g. /usr/bin/etcd from Debian\'s etcd-server' }]);
  }
  return m[1] as string;
}

export async function* tarStream(files: RootfsFile[], dirs: RootfsDir[]): AsyncGenerator<Buffer> {
  const mtime = Date.now() / 1000;
  for (const d of dirs) yield tarHeader({ path: d.target, type: 'dir', mode: d.mode, size: 0, mtime });
  for (const f of files) {
    const real = await realpath(f.source);
    const st = await stat(real);
    yield tarHeader({ path: f.target, type: 'file', mode: f.mode, size: st.size, mtime });
    let sent = 0;
    for await (const chunk of createReadStream(real)) {
      sent += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (sent !== st.size) throw new Error(`${real} changed size while it was read`);
    yield tarPadding(st.size);
  }
  yield TAR_END;
}

/** `name:tag` -> repo and tag (a registry host:port before the last slash is part of the repo). */
export function splitImageName(name: string): { repo: string; tag: string } {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? { repo: name.slice(0, colon), tag: name.slice(colon + 1) } : { repo: name, tag: 'latest' };
}

export interface BuildRequest {
  etcd: string;
  etcdctl?: string;
  /** /bin/sh for the image; undefined = none (no `cluster shell`). */
  shell?: string;
  tags: string[];
  note(line: string): void;
}

export interface BuildResult {
  tags: string[];
  id: string;
  etcdVersion: string;
  bytes: number;
}

export async function buildEtcdImage(engine: Engine, req: BuildRequest): Promise<BuildResult> {
  const etcdVersion = await etcdVersionOf(req.etcd);
  const bins = [req.etcd, ...(req.etcdctl ? [req.etcdctl] : []), ...(req.shell ? [req.shell] : [])];
  const libs = (await Promise.all(bins.map(librariesOf))).flat();
  const { files, dirs } = rootfsLayout({ etcd: req.etcd, ...(req.etcdctl ? { etcdctl: req.etcdctl } : {}), ...(req.shell ? { shell: req.shell } : {}) }, libs);
  const bytes = (await Promise.all(files.map(async (f) => (await stat(await realpath(f.source))).size))).reduce((a, b) => a + b, 0);
  req.note(`image build: etcd ${etcdVersion} from ${req.etcd}, ${files.length} files (${(bytes / 1024 / 1024).toFixed(1)} MB)`);

  const [first, ...more] = req.tags;
  if (first === undefined) throw new InputError(ErrorCodes.optionInvalid, 'no image name to tag', [{ field: '--tag', message: 'empty', fix: 'e.g. --tag etcdlab/etcd:latest' }]);
  const { repo, tag } = splitImageName(first);
  const changes = [
    `ENTRYPOINT ["${ETCD_PATH}"]`,
    'ENV PATH=/usr/local/bin:/usr/bin:/bin',
    'ENV ETCDCTL_API=3',
    'EXPOSE 2379 2380',
    `LABEL etcdlab.etcd-version=${etcdVersion}`,
  ];
  const body = Readable.from(tarStream(files, dirs), { objectMode: false });
  const events = await call(`importing image ${first}`, async () => followProgress(engine.docker, await engine.docker.importImage(body, { repo, tag, changes })));
  const id = [...events].reverse().find((e) => e.status?.startsWith('sha256:'))?.status ?? '';
  for (const name of more) {
    const t = splitImageName(name);
    await call(`tagging ${name}`, () => engine.docker.getImage(first).tag({ repo: t.repo, tag: t.tag }));
  }
  const image = await call(`inspecting ${first}`, () => engine.docker.getImage(first).inspect());
  if (!image.Id) throw new ClusterError(ErrorCodes.dockerFailed, `image ${first} was imported but cannot be inspected`);
  return { tags: req.tags, id: id || image.Id, etcdVersion, bytes };
}
