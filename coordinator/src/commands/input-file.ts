/**
 * A user's input file (a workload, an inventory), read with limits before it is parsed: it must be a
 * regular file (not /dev/zero, a folder or a pipe), at most 1 MiB, and UTF-8 text (a UTF-16 file or
 * stray bytes are named, with their offset). Every refusal is the caller's "unreadable" code.
 */
import { InputError, terminalSafe } from '@etcdlab/common';
import { readBoundedBytes } from '../files/bounded-read.js';

export const INPUT_FILE_MAX_BYTES = 1024 * 1024;

export function readInputFile(file: string, o: { what: string; code: string; fix: string }): string {
  const refuse = (message: string, fix = o.fix) => new InputError(o.code, `cannot read ${o.what} file ${terminalSafe(file)}`, [{ file, message, fix }]);
  const read = readBoundedBytes(file, INPUT_FILE_MAX_BYTES);
  if ('problem' in read) {
    if (read.kind === 'size') throw refuse(`more than 1 MiB; a ${o.what} file is at most 1 MiB`, `pass the ${o.what} file itself (YAML text)`);
    throw refuse(read.problem);
  }
  const bytes = read.bytes;
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) throw refuse('UTF-16 text', 'save the file as UTF-8');
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) throw refuse(`not UTF-8 text (byte 0x${(bytes[bad] as number).toString(16).padStart(2, '0')} at offset ${bad})`, 'save the file as UTF-8');
  if (bytes.includes(0)) throw refuse(`a binary file (a NUL byte at offset ${bytes.indexOf(0)})`);
  const text = bytes.toString('utf8');
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** The offset of the first byte that is not part of well-formed UTF-8 (no overlongs, no surrogates), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (need < 0 || i + need >= b.length) return i;
    const c1 = b[i + 1] as number;
    // The second byte's range excludes overlongs (E0, F0), surrogates (ED) and values past U+10FFFF (F4).
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (c1 < lo || c1 > hi) return i;
    for (let k = 2; k <= need; k++) if (((b[i + k] as number) & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}
