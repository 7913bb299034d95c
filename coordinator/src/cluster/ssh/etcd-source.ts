import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ErrorCodes, InputError, type Inventory, type Problem } from '@etcdlab/common';

/** The etcd binary as the coordinator has it ready for the hosts (checked locally before any host is touched). */
export type PreparedSource =
  | { kind: 'local'; path: string; sha256: string; arch: string | undefined; etcdctl?: { path: string; sha256: string } }
  | { kind: 'release'; tarball: string; sha256: string; arch: string | undefined; version: string | undefined }
  | { kind: 'host'; path: string };

/** ELF e_machine values etcd is released for, as the names in release tarballs. */
const ELF_MACHINES: Record<number, string> = { 0x3e: 'amd64', 0xb7: 'arm64', 0x15: 'ppc64le', 0x16: 's390x' };
/** `uname -m` to the same names. */
const UNAME_ARCH: Record<string, string> = { x86_64: 'amd64', amd64: 'amd64', aarch64: 'arm64', arm64: 'arm64', ppc64le: 'ppc64le', s390x: 's390x' };

export const archOfUname = (m: string): string => UNAME_ARCH[m.trim()] ?? m.trim();

/** The architecture of a little-endian ELF executable from its header, undefined when not ELF. */
export function elfArch(header: Buffer): string | undefined {
  if (header.length < 20 || header.readUInt32BE(0) !== 0x7f454c46) return undefined;
  return ELF_MACHINES[header.readUInt16LE(18)] ?? `elf-machine-${header.readUInt16LE(18)}`;
}

/** etcd-v3.5.17-linux-amd64.tar.gz -> {version 3.5.17, arch amd64}. */
export function parseReleaseName(file: string): { version: string | undefined; arch: string | undefined } {
  const m = /etcd-v(\d+\.\d+\.\d+[^-]*)-linux-([a-z0-9]+)\.tar\.gz$/.exec(path.basename(file));
  return { version: m?.[1], arch: m?.[2] };
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

async function readHeader(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(20);
    await fh.read(buf, 0, 20, 0);
    return buf;
  } finally {
    await fh.close();
  }
}

/** Paths in the inventory are relative to the inventory file's folder (so the file works from any cwd). */
export const inventoryPath = (inv: Inventory, p: string): string => path.resolve(path.dirname(path.resolve(inv.source)), p);

const sourceError = (inv: Inventory, field: string, message: string, fix: string): InputError =>
  new InputError(ErrorCodes.etcdSourceInvalid, `${inv.source}: the etcd source cannot be used`, [{ file: inv.source, field, message, fix }]);

async function executable(inv: Inventory, file: string, field: string): Promise<void> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) throw sourceError(inv, field, `${file} does not exist or is not a file`, 'give the path of an etcd binary on this machine');
  if ((st.mode & 0o111) === 0) throw sourceError(inv, field, `${file} is not executable`, `chmod +x ${file}`);
}

/** Downloads a release tarball once into the cache folder (named by its sha256). */
async function download(url: string, sha256: string, cacheDir: string): Promise<string> {
  const target = path.join(cacheDir, `etcd-${sha256}.tar.gz`);
  if (await stat(target).then((s) => s.isFile()).catch(() => false)) return target;
  await mkdir(cacheDir, { recursive: true });
  const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(600_000) });
  if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const tmp = `${target}.${process.pid}.tmp`;
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(tmp));
  await rename(tmp, target);
  return target;
}

/**
 * Checks the inventory's etcd source on this machine, before any host is contacted: the binary exists
 * and is executable (local), the tarball's sha256 matches what the inventory says (release; downloaded
 * first when it is a URL). The host kind is checked on each host in the preflight.
 */
export async function prepareSource(inv: Inventory, o: { cacheDir: string }): Promise<PreparedSource> {
  const src = inv.cluster.etcd;
  if (!src || src.kind === 'image') {
    throw sourceError(inv, 'cluster.etcd', src ? 'an image is for the docker provider' : 'the ssh provider needs to know which etcd to install', 'set cluster.etcd to { kind: local, path: /usr/bin/etcd }, { kind: release, tarball: FILE-OR-URL, sha256: HEX }, or { kind: host, path: /usr/bin/etcd }');
  }
  if (src.kind === 'host') return { kind: 'host', path: src.path };
  if (src.kind === 'local') {
    const file = inventoryPath(inv, src.path);
    await executable(inv, file, 'cluster.etcd.path');
    const out: PreparedSource = { kind: 'local', path: file, sha256: await sha256File(file), arch: elfArch(await readHeader(file)) };
    if (src.etcdctlPath) {
      const ctl = inventoryPath(inv, src.etcdctlPath);
      await executable(inv, ctl, 'cluster.etcd.etcdctlPath');
      out.etcdctl = { path: ctl, sha256: await sha256File(ctl) };
    }
    return out;
  }
  const { version, arch } = parseReleaseName(src.tarball);
  let file: string;
  if (/^https?:\/\//.test(src.tarball)) {
    try {
      file = await download(src.tarball, src.sha256, o.cacheDir);
    } catch (err) {
      throw sourceError(inv, 'cluster.etcd.tarball', `cannot download ${src.tarball}: ${(err as Error).message}`, 'download it yourself and give the local path');
    }
  } else {
    file = inventoryPath(inv, src.tarball);
    if (!(await stat(file).then((s) => s.isFile()).catch(() => false)))
      throw sourceError(inv, 'cluster.etcd.tarball', `${file} does not exist`, 'give the path of an official release tarball (etcd-vX.Y.Z-linux-ARCH.tar.gz) or its URL');
  }
  const actual = await sha256File(file);
  if (actual !== src.sha256) {
    throw sourceError(inv, 'cluster.etcd.sha256', `${file} has sha256 ${actual}, not ${src.sha256}`, 'the tarball is not the one the inventory names: download it again from the release page, or correct the sha256 (from the release\'s SHA256SUMS)');
  }
  return { kind: 'release', tarball: file, sha256: actual, arch, version };
}

/** Hosts whose architecture cannot run the prepared binary (checked in the preflight, before installing). */
export function archProblems(source: PreparedSource, hosts: { name: string; arch: string }[], file: string): Problem[] {
  const want = source.kind === 'host' ? undefined : source.arch;
  if (!want) return [];
  return hosts
    .filter((h) => h.arch !== want)
    .map((h) => ({ file, field: 'cluster.etcd', message: `host ${h.name} is ${h.arch} but the etcd binary is for ${want}`, fix: `give an etcd built for ${h.arch} (e.g. the etcd-vX.Y.Z-linux-${h.arch}.tar.gz release)` }));
}
