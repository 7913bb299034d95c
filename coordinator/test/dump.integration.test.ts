/**
 * `etcdlab dump` against a real member: 1 GiB of values (and keys that are not text, values with CSV's
 * own characters, a key with a lease and one with versions) dumped as JSON lines and as CSV, every row
 * checked against etcdctl at the dump's revision, the dump's memory flat (a 64 MB heap, well under the
 * data's size), a write during the dump not in it, and bad options refused.
 */
import { createHash } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { EtcdClient } from '@etcdlab/agent/etcd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdMember, findEtcdctlBinary } from '../../agent/test/helpers/etcd-member.js';
import { decode, type Encoding } from '../src/dump/dump-rows.js';
import { repoRoot, runCli } from './helpers/cli.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'etcdlab-dump-'));
// 16,384 values of 64 KiB: 1 GiB, as the issue asks (about 20 s to write on the test machine).
const BIG = 16_384;
const BIG_VALUE = 64 * 1024;
let member: EtcdMember;
let client: EtcdClient;
let etcdctl: string;

interface Row { key: Buffer; create: number; mod: number; version: number; lease: string; value?: Buffer }

beforeAll(async () => {
  etcdctl = findEtcdctlBinary();
  // etcd's default 2 GiB quota is too close for 1 GiB of values and their history.
  member = await EtcdMember.start({ extraArgs: ['--quota-backend-bytes', String(8 * 1024 ** 3)] });
  client = new EtcdClient({ endpoints: [member.clientUrl], connections: 4 });
  // 1 GiB of values that all differ (a dump that repeated or skipped a page would be caught).
  for (let i = 0; i < BIG; i += 64)
    await Promise.all(Array.from({ length: 64 }, (_, k) => client.put(Buffer.from(`d/big/${String(i + k).padStart(5, '0')}`), Buffer.alloc(BIG_VALUE, `${i + k},`), 30_000)));
  const odd: [Buffer, Buffer][] = [
    [Buffer.from('d/odd/quote'), Buffer.from('he said "a, b"\r\nand left')],
    [Buffer.from('d/odd/empty'), Buffer.alloc(0)],
    [Buffer.from([0x64, 0x2f, 0x6f, 0x64, 0x64, 0x2f, 0xff, 0xfe, 0x01]), Buffer.from('binary key')],
    [Buffer.from('d/odd/binary'), Buffer.from([0, 1, 2, 0xff, 0x1b])],
    [Buffer.from('d/odd/unicode-ключ'), Buffer.from('значение ✓')],
    [Buffer.from('d/odd/bidi'), Buffer.from('abc\u202edef')],
    [Buffer.from('d/odd/formula'), Buffer.from('=HYPERLINK("x")')],
  ];
  for (const [k, v] of odd) await client.put(k, v, 10_000);
  for (let i = 0; i < 3; i++) await client.put(Buffer.from('d/odd/versions'), Buffer.from(`v${i}`), 10_000);
  const lease = (await run(etcdctl, ['--endpoints', member.clientUrl, 'lease', 'grant', '600'])).stdout.match(/lease ([0-9a-f]+) granted/)![1]!;
  await run(etcdctl, ['--endpoints', member.clientUrl, 'put', 'd/odd/leased', 'with a lease', `--lease=${lease}`]);
  await client.put(Buffer.from('e/outside'), Buffer.from('not under d/'), 10_000);
}, 300_000);
afterAll(async () => {
  await client?.close();
  await member?.destroy();
  rmSync(work, { recursive: true, force: true });
});

/** etcdctl's view of [from, to) at a revision: every field as etcd has it. */
async function etcdctlRows(from: string, to: string, rev: number, keysOnly: boolean): Promise<Row[]> {
  const { stdout } = await run(etcdctl, ['--endpoints', member.clientUrl, 'get', from, to, ...(rev > 0 ? [`--rev=${rev}`] : []), '-w', 'json', ...(keysOnly ? ['--keys-only'] : [])], { maxBuffer: 512 * 1024 * 1024 });
  // etcdctl writes the lease as a JSON number: 64-bit ids lose digits in JSON.parse, so read it as text.
  const kvs = (JSON.parse(stdout.replace(/"lease":(\d+)/g, '"lease":"$1"')) as { kvs?: { key: string; value?: string; create_revision: number; mod_revision: number; version: number; lease?: string }[] }).kvs ?? [];
  return kvs.map((kv) => ({ key: Buffer.from(kv.key, 'base64'), create: kv.create_revision, mod: kv.mod_revision, version: kv.version, lease: String(kv.lease ?? 0), ...(keysOnly ? {} : { value: Buffer.from(kv.value ?? '', 'base64') }) }));
}

/** RFC 4180 records from a stream of text (quoted fields may hold CRLF, commas and doubled quotes). */
async function* csvRecords(file: string): AsyncGenerator<string[]> {
  let field = '';
  let rec: string[] = [];
  let quoted = false;
  let prev = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    for (const c of chunk as string) {
      if (quoted) {
        if (c === '"') quoted = false;
        else field += c;
      } else if (c === '"') {
        if (prev === '"') field += '"';
        quoted = true;
      } else if (c === ',') (rec.push(field), (field = ''));
      else if (c === '\n' && prev === '\r') {
        rec.push(field.slice(0, -1));
        yield rec;
        (rec = []), (field = '');
      } else field += c;
      prev = c;
    }
  }
  expect(field + rec.join(''), 'the file ends with a whole record').toBe('');
}

async function dumpedRows(file: string, format: 'csv' | 'jsonl'): Promise<Row[]> {
  const out: Row[] = [];
  const add = (o: Record<string, string>) =>
    out.push({ key: decode(o['key']!, o['key_encoding'] as Encoding), create: Number(o['create_revision']), mod: Number(o['mod_revision']), version: Number(o['version']), lease: o['lease']!, ...(o['value_encoding'] ? { value: decode(o['value']!, o['value_encoding'] as Encoding) } : {}) });
  if (format === 'jsonl') {
    for await (const line of createInterface({ input: createReadStream(file) })) add(Object.fromEntries(Object.entries(JSON.parse(line) as Record<string, unknown>).map(([k, v]) => [k, String(v)])));
    return out;
  }
  let cols: string[] | undefined;
  for await (const rec of csvRecords(file)) {
    if (!cols) cols = rec;
    else add(Object.fromEntries(cols.map((c, i) => [c, rec[i]!])));
  }
  return out;
}

/** A row for comparison: the value by its digest, so 16,384 rows of 64 KiB compare in milliseconds. */
const brief = (r: Row) => ({ key: r.key.toString('hex'), create: r.create, mod: r.mod, version: r.version, lease: r.lease, value: r.value === undefined ? undefined : `${r.value.byteLength}:${createHash('sha256').update(r.value).digest('hex')}` });

/** Rows of a JSON-lines dump, streamed (the file is over 1 GB). */
async function* jsonlRows(file: string): AsyncGenerator<Row> {
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    const o = JSON.parse(line) as Record<string, string | number>;
    yield { key: decode(String(o['key']), o['key_encoding'] as Encoding), create: Number(o['create_revision']), mod: Number(o['mod_revision']), version: Number(o['version']), lease: String(o['lease']), ...(o['value_encoding'] ? { value: decode(String(o['value']), o['value_encoding'] as Encoding) } : {}) };
  }
}

const revisionOf = (stderr: string) => Number(stderr.match(/at revision (\d+) in/)![1]);
const peakMb = (stderr: string) => Number(stderr.match(/peak memory (\d+) MB/)![1]);

describe('etcdlab dump', () => {
  it('dumps 1 GiB of a prefix to JSON lines at one revision: every row as etcdctl has it, memory flat, a write during the dump not in it', async () => {
    const file = join(work, 'dump.jsonl');
    // A JS heap of 64 MB: a dump that kept what it read (1.07 GB) would run out of memory.
    const dumping = runCli(['dump', '--endpoints', member.clientUrl, '--prefix', 'd/', '--format', 'jsonl', '--out', file], { timeoutMs: 300_000, env: { NODE_OPTIONS: '--max-old-space-size=64' } });
    // A write while the dump runs (it takes seconds) lands after its revision: it is not in the dump.
    await new Promise((r) => setTimeout(r, 3000));
    await client.put(Buffer.from('d/big/99999-during'), Buffer.from('late'), 10_000);
    const r = await dumping;
    const duringMod = (await etcdctlRows('d/big/99999-during', 'd/big/99999-during0', 0, true))[0]!.mod;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr, 'progress lines while it runs').toMatch(/^dump: [\d,]+ rows, [\d.]+ MB at revision \d+ \([\d,]+ rows\/s/m);
    const rev = revisionOf(r.stderr);
    expect(r.stderr).toMatch(/dump: 16,39\d rows, 1,?07\d\.\d MB of keys and values/);
    // Flat: the process never held the 1.07 GB it read (about 100 MB is Node and the CLI itself).
    expect(peakMb(r.stderr), r.stderr).toBeLessThan(240);
    // etcdctl's rows at the dump's revision, page by page in key order: d/big/00000.., then d/big/99999-during
    // if it made it in (it must not), then the odd keys (d/big0 .. d0).
    const pages: [string, string][] = [];
    for (let i = 0; i < BIG; i += 512) pages.push([`d/big/${String(i).padStart(5, '0')}`, i + 512 < BIG ? `d/big/${String(i + 512).padStart(5, '0')}` : 'd/big0']);
    pages.push(['d/big0', 'd0']);
    const dumped = jsonlRows(file);
    let n = 0;
    let during = false;
    for (const [from, to] of pages) {
      for (const want of await etcdctlRows(from, to, rev, false)) {
        const got = await dumped.next();
        n++;
        expect(got.done, `row ${n} is missing from the dump`).toBe(false);
        const g = got.value as Row;
        if (!g.key.equals(want.key) || g.create !== want.create || g.mod !== want.mod || g.version !== want.version || g.lease !== want.lease || !g.value?.equals(want.value!))
          expect(brief(g), `row ${n}`).toEqual(brief(want));
        if (g.key.toString() === 'd/big/99999-during') during = true;
        if (g.key.toString() === 'd/odd/leased') expect(g.lease).not.toBe('0');
        if (g.key.toString() === 'd/odd/versions') expect([g.version, g.value?.toString()]).toEqual([3, 'v2']);
      }
    }
    expect((await dumped.next()).done, 'no row beyond etcdctl\'s').toBe(true);
    // In the dump exactly when written at or before its revision (the CLI starts in well under 3 s: not).
    expect(during).toBe(duringMod <= rev);
    expect(n).toBe(BIG + 9 + (during ? 1 : 0));
  }, 420_000);

  it('Ctrl-C mid-dump stops after the page it is on: exit 130, said, every row in FILE.partial whole', async () => {
    const file = join(work, 'interrupted.jsonl');
    const child = spawn(process.execPath, [join(repoRoot, 'coordinator/bin/etcdlab.js'), 'dump', '--endpoints', member.clientUrl, '--prefix', 'd/', '--format', 'jsonl', '--out', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    // Once the first progress line is out (rows are being written), interrupt.
    const deadline = Date.now() + 60_000;
    while (!/^dump: [\d,]+ rows/m.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    const m = /dump: interrupted after ([\d,]+) rows.*whole rows\) are in (.*\.partial)$/m.exec(stderr);
    expect(m, stderr).not.toBeNull();
    expect(m![2]).toBe(`${file}.partial`);
    expect(() => statSync(file)).toThrow();
    let n = 0;
    for await (const row of jsonlRows(`${file}.partial`)) {
      n++;
      expect(row.key.toString()).toBe(`d/big/${String(n - 1).padStart(5, '0')}`);
    }
    expect(n).toBe(Number(m![1]!.replace(/,/g, '')));
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(BIG);
  }, 120_000);

  it('as CSV to stdout (quotes, commas, line breaks, bytes that are not text); keys only; the whole keyspace at an older --revision', async () => {
    const csv = await runCli(['dump', '--endpoints', member.clientUrl, '--prefix', 'd/odd/'], { timeoutMs: 60_000 });
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.startsWith('key,key_encoding,create_revision,mod_revision,version,lease,value,value_encoding\r\n')).toBe(true);
    const csvFile = join(work, 'odd.csv');
    writeFileSync(csvFile, csv.stdout);
    const csvRows = await dumpedRows(csvFile, 'csv');
    expect(csvRows).toEqual(await etcdctlRows('d/odd/', 'd/odd0', revisionOf(csv.stderr), false));
    expect(csv.stdout).toContain('d/odd/binary,text,');
    expect(csv.stdout).toContain('"he said ""a, b""\r\nand left",text');
    const r = await runCli(['dump', '--endpoints', member.clientUrl, '--prefix', 'd/odd/', '--format', 'jsonl', '--keys-only'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const file = join(work, 'odd.jsonl');
    writeFileSync(file, r.stdout);
    const rows = await dumpedRows(file, 'jsonl');
    const rev = revisionOf(r.stderr);
    expect(rows).toEqual(await etcdctlRows('d/odd/', 'd/odd0', rev, true));
    expect(rows.every((x) => x.value === undefined)).toBe(true);
    // Every key at the revision before e/outside was written: it is not there yet.
    const outside = (await etcdctlRows('e/outside', 'e/outside0', rev, true))[0]!;
    const all = await runCli(['dump', '--endpoints', member.clientUrl, '--keys-only', '--revision', String(outside.mod - 1)], { timeoutMs: 120_000 });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('d/big/00000,text');
    expect(all.stdout).not.toContain('e/outside');
  }, 180_000);

  it('refuses bad options with a coded error, a compacted or future revision included, before writing anything', async () => {
    const existing = join(work, 'exists.csv');
    writeFileSync(existing, 'x');
    for (const [args, field] of [
      [['--format', 'xml'], '--format'],
      [['--revision', '-3'], '--revision'],
      [['--out', existing], '--out'],
      [['--out', join(work, 'no-such-dir', 'x.csv')], '--out'],
      [['--prefix', 'a\u001b[2J'], '--prefix'],
    ] as const) {
      const r = await runCli(['dump', '--endpoints', member.clientUrl, ...args], { timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('error E_OPTION_INVALID');
      expect(r.stderr).toContain(field);
    }
    expect(readFileSync(existing, 'utf8')).toBe('x');
    await run(etcdctl, ['--endpoints', member.clientUrl, 'compact', '5']);
    const out = join(work, 'compacted.csv');
    // Refused before anything is written: a compacted revision, and one in the future.
    for (const [rev, words] of [['3', 'is compacted'], ['99999999', 'is in the future']] as const) {
      const r = await runCli(['dump', '--endpoints', member.clientUrl, '--revision', rev, '--out', out], { timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('error E_OPTION_INVALID');
      expect(r.stderr).toContain(words);
      expect(() => statSync(out)).toThrow();
      expect(() => statSync(`${out}.partial`)).toThrow();
    }
  }, 120_000);
});
