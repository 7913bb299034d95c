/**
 * Just enough of the ustar format (pure) for the Engine API: pack a root file system or a few certificates
 * (image import, copy into a container) and read back what `GET /containers/{id}/archive` returns.
 */

export type TarType = 'file' | 'dir';

export interface TarHeaderFields {
  /** Relative path, `/`-separated; directories may end in `/`. */
  path: string;
  type: TarType;
  mode: number;
  size: number;
  mtime?: number;
}

export interface TarFile {
  path: string;
  type: TarType | 'other';
  mode: number;
  data: Buffer;
}

const BLOCK = 512;
export const TAR_END = Buffer.alloc(2 * BLOCK);

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** Splits a long path over ustar's prefix (155) and name (100) fields. */
function splitPath(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { name, prefix };
  }
  throw new RangeError(`path too long for a tar header: ${path}`);
}

export function tarHeader(h: TarHeaderFields): Buffer {
  const buf = Buffer.alloc(BLOCK);
  const path = h.type === 'dir' && !h.path.endsWith('/') ? `${h.path}/` : h.path;
  const { name, prefix } = splitPath(path);
  buf.write(name, 0, 100, 'utf8');
  buf.write(octal(h.mode & 0o7777, 8), 100, 'ascii');
  buf.write(octal(0, 8), 108, 'ascii'); // uid root
  buf.write(octal(0, 8), 116, 'ascii'); // gid root
  buf.write(octal(h.type === 'dir' ? 0 : h.size, 12), 124, 'ascii');
  buf.write(octal(Math.floor(h.mtime ?? 0), 12), 136, 'ascii');
  buf.write('        ', 148, 'ascii'); // checksum is computed with spaces here
  buf.write(h.type === 'dir' ? '5' : '0', 156, 'ascii');
  buf.write('ustar\0' + '00', 257, 'ascii');
  buf.write('root', 265, 'ascii');
  buf.write('root', 297, 'ascii');
  buf.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of buf) sum += byte;
  buf.write(octal(sum, 7) + ' ', 148, 'ascii');
  return buf;
}

/** Zero bytes that bring a file's data to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** A whole archive in memory (small contents only: certificates, test fixtures). */
export function packTar(entries: { path: string; type?: TarType; mode: number; data?: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    const type = e.type ?? 'file';
    parts.push(tarHeader({ path: e.path, type, mode: e.mode, size: data.length, mtime: Date.now() / 1000 }));
    if (type === 'file') parts.push(data, tarPadding(data.length));
  }
  parts.push(TAR_END);
  return Buffer.concat(parts);
}

const field = (buf: Buffer, start: number, len: number): string => {
  const raw = buf.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString('utf8');
};

/** Reads every entry (PAX extended headers give long paths; other special entries are listed as `other`). */
export function unpackTar(buf: Buffer): TarFile[] {
  const out: TarFile[] = [];
  let offset = 0;
  let paxPath: string | undefined;
  while (offset + BLOCK <= buf.length) {
    const header = buf.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
    const typeflag = String.fromCharCode(header[156] ?? 0);
    const prefix = field(header, 345, 155);
    const name = field(header, 0, 100);
    const data = buf.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + size + ((BLOCK - (size % BLOCK)) % BLOCK);
    if (typeflag === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      paxPath = m?.[1];
      continue;
    }
    if (typeflag === 'g') continue;
    const path = paxPath ?? (prefix ? `${prefix}/${name}` : name);
    paxPath = undefined;
    const type = typeflag === '0' || typeflag === '\0' ? 'file' : typeflag === '5' ? 'dir' : 'other';
    out.push({ path, type, mode: Number.parseInt(field(header, 100, 8).trim() || '0', 8), data: Buffer.from(data) });
  }
  return out;
}
