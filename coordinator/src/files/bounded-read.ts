/**
 * Reads a file etcdlab did not write itself (a workload, an inventory, a results folder's, a TLS file)
 * with limits: a regular file (not a device, a pipe or a folder: `/dev/zero` as a manifest would never
 * end), at most `maxBytes` (a string past V8's limit cannot be read at all). Returns the bytes or why not
 * (the caller makes it a problem with the file named). I/O.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export const MANIFEST_MAX_BYTES = 16 * 1024 * 1024;
export const LOG_MAX_BYTES = 512 * 1024 * 1024;

export type BoundedRead = { bytes: Buffer } | { problem: string; kind: 'open' | 'type' | 'size' | 'read'; size?: number };

export function readBoundedBytes(file: string, maxBytes: number): BoundedRead {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { kind: 'open', problem: `cannot be opened (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { kind: 'type', problem: `is not a regular file (${st.isDirectory() ? 'a folder' : 'a device, pipe or socket'})` };
    if (st.size > maxBytes) return { kind: 'size', size: st.size, problem: `is ${st.size.toLocaleString('en-US')} bytes, more than the ${(maxBytes / 1024 / 1024).toFixed(0)} MiB such a file may have` };
    // One byte more than the limit: a file that grew since the stat is caught, not cut.
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    if (n > maxBytes) return { kind: 'size', size: n, problem: `is more than the ${(maxBytes / 1024 / 1024).toFixed(0)} MiB such a file may have` };
    return { bytes: buf.subarray(0, n) };
  } catch (err) {
    return { kind: 'read', problem: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  } finally {
    closeSync(fd);
  }
}

export function readFolderFile(file: string, maxBytes: number): { text: string } | { problem: string } {
  const r = readBoundedBytes(file, maxBytes);
  return 'bytes' in r ? { text: r.bytes.toString('utf8') } : r;
}
