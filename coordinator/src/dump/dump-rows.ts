/**
 * The rows of `etcdlab dump` (docs/dump.md): one key-value per row, as CSV (RFC 4180) or JSON lines.
 * etcd keys and values are bytes: what is printable UTF-8 text is written as it is ("text"), anything
 * else in base64 ("base64"), and a column says which, so every row decodes back to the exact bytes. Pure.
 */
import { isUtf8 } from 'node:buffer';

export type DumpFormat = 'csv' | 'jsonl';
export type Encoding = 'text' | 'base64';

export interface DumpKv {
  key: Uint8Array;
  value: Uint8Array;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: bigint;
}

// C0 controls but tab, LF and CR; DEL; C1 controls; and the invisible and bidi characters that would
// show one key as another in a spreadsheet or a terminal.
const UNPRINTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

/** Text when the bytes are UTF-8 with nothing unprintable in them (the empty value is text). */
export function encode(bytes: Uint8Array): { text: string; encoding: Encoding } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buf)) {
    const text = buf.toString('utf8');
    if (!UNPRINTABLE.test(text)) return { text, encoding: 'text' };
  }
  return { text: buf.toString('base64'), encoding: 'base64' };
}

/** Decodes a field as written (for tests and readers of a dump). */
export function decode(text: string, encoding: Encoding): Buffer {
  return encoding === 'text' ? Buffer.from(text, 'utf8') : Buffer.from(text, 'base64');
}

export function columns(keysOnly: boolean): string[] {
  const base = ['key', 'key_encoding', 'create_revision', 'mod_revision', 'version', 'lease'];
  return keysOnly ? base : [...base, 'value', 'value_encoding'];
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The first line of a CSV dump; a JSON-lines dump has none (every line names its fields). */
export function header(format: DumpFormat, keysOnly: boolean): string {
  return format === 'csv' ? `${columns(keysOnly).join(',')}\r\n` : '';
}

/** One row, with its line end (CRLF for CSV, as RFC 4180 has it; LF for JSON lines). */
export function row(format: DumpFormat, kv: DumpKv, keysOnly: boolean): string {
  const k = encode(kv.key);
  const v = keysOnly ? undefined : encode(kv.value);
  if (format === 'jsonl') {
    const o: Record<string, string | number> = { key: k.text, key_encoding: k.encoding, create_revision: kv.createRevision, mod_revision: kv.modRevision, version: kv.version, lease: kv.lease.toString() };
    if (v) Object.assign(o, { value: v.text, value_encoding: v.encoding });
    return `${JSON.stringify(o)}\n`;
  }
  const fields = [csvField(k.text), k.encoding, String(kv.createRevision), String(kv.modRevision), String(kv.version), kv.lease.toString()];
  if (v) fields.push(csvField(v.text), v.encoding);
  return `${fields.join(',')}\r\n`;
}

/**
 * The next page's key limit: about `targetBytes` of keys and values at the sizes seen so far, between 1
 * and `maxKeys`, so that memory stays flat whatever the values weigh.
 */
export function nextPageLimit(seenRows: number, seenBytes: number, targetBytes: number, maxKeys: number, first: number): number {
  if (seenRows === 0) return Math.min(first, maxKeys);
  const perRow = Math.max(1, seenBytes / seenRows);
  return Math.max(1, Math.min(maxKeys, Math.floor(targetBytes / perRow)));
}
