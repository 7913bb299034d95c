import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blobKeyType,
  decideHostKey,
  fingerprint,
  hashHostName,
  hostKeyAlgorithms,
  hostMatches,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from '../src/ssh/known-hosts.js';

interface Key {
  type: string;
  b64: string;
  blob: Buffer;
  pubFile: string;
}

let dir: string;
const keys: Record<string, Key> = {};

/** Real public keys from ssh-keygen (no server involved). */
function makeKey(name: string, type: string): Key {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
  const [t, b64] = readFileSync(file + '.pub', 'utf8').split(' ') as [string, string];
  return { type: t, b64, blob: Buffer.from(b64, 'base64'), pubFile: file + '.pub' };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'etcdlab-kh-'));
  keys.ed = makeKey('ed', 'ed25519');
  keys.ed2 = makeKey('ed2', 'ed25519');
  keys.ec = makeKey('ec', 'ecdsa');
  keys.rsa = makeKey('rsa', 'rsa');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (hosts: string, k: Key, marker = '') => `${marker ? marker + ' ' : ''}${hosts} ${k.type} ${k.b64} comment here`;

describe('known_hosts parsing', () => {
  it('reads plain, comma lists, [host]:port, wildcards and negations, skipping comments and blank lines', () => {
    const ed = keys.ed as Key;
    const text = ['# a comment', '', line('db1.example.net,10.0.0.1', ed), line('[10.0.0.2]:2222', ed), line('*.lab,!bad.lab', ed), '  \t', line('10.0.0.?', ed)].join('\r\n');
    const { entries, skipped } = parseKnownHosts(text, 'kh');
    expect(skipped).toEqual([]);
    expect(entries.map((e) => e.line)).toEqual([3, 4, 5, 7]);
    const m = (name: string) => entries.filter((e) => hostMatches(e.hosts, name)).map((e) => e.line);
    expect(m('db1.example.net')).toEqual([3]);
    expect(m('DB1.Example.NET'.toLowerCase())).toEqual([3]);
    expect(m('10.0.0.1')).toEqual([3, 7]);
    expect(m(knownHostsName('10.0.0.2', 2222))).toEqual([4]);
    expect(m('10.0.0.2')).toEqual([7]);
    expect(m('a.lab')).toEqual([5]);
    expect(m('bad.lab')).toEqual([]);
    expect(m('10.0.0.10')).toEqual([]);
  });

  it('reports malformed lines instead of trusting them', () => {
    const ed = keys.ed as Key;
    const text = [
      'onlyhost',
      `host ssh-ed25519`,
      `host ssh-foo ${ed.b64}`,
      `host ssh-ed25519 not!base64`,
      `host ssh-rsa ${ed.b64}`,
      `|1|c2FsdA==|aGFzaA== ssh-ed25519 ${ed.b64}`,
      `@weird host ssh-ed25519 ${ed.b64}`,
    ].join('\n');
    const { entries, skipped } = parseKnownHosts(text, 'kh');
    expect(entries).toEqual([]);
    expect(skipped.map((s) => s.line)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(skipped[4]?.reason).toMatch(/not a ssh-rsa key/);
  });

  it('matches hashed entries written by ssh-keygen -H (HMAC-SHA1 of the name, port form included)', () => {
    const file = path.join(dir, 'hashed');
    const ec = keys.ec as Key;
    writeFileSync(file, [line('[127.0.0.11]:30022', ec), line('host.example', ec)].join('\n') + '\n');
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\|1\|/);
    const { entries } = parseKnownHosts(text, file);
    expect(entries).toHaveLength(2);
    expect(entries.every((e) => e.hosts.kind === 'hashed')).toBe(true);
    expect(decideHostKey(entries, '127.0.0.11', 30022, ec.blob)).toMatchObject({ status: 'known', entry: { line: 1 } });
    expect(decideHostKey(entries, 'host.example', 22, ec.blob)).toMatchObject({ status: 'known', entry: { line: 2 } });
    expect(decideHostKey(entries, '127.0.0.11', 22, ec.blob).status).toBe('unknown');
    expect(decideHostKey(entries, '127.0.0.12', 30022, ec.blob).status).toBe('unknown');
    // Our own hashing agrees with OpenSSH's.
    const salt = Buffer.alloc(20, 7);
    const ours = parseKnownHosts(`${hashHostName('[127.0.0.11]:30022', salt)} ${ec.type} ${ec.b64}`, 'x').entries;
    expect(decideHostKey(ours, '127.0.0.11', 30022, ec.blob).status).toBe('known');
  });
});

describe('host key decisions', () => {
  it('known, mismatch (same type, another key), mismatch (only another type), unknown', () => {
    const { ed, ed2, rsa } = keys as Record<string, Key>;
    const { entries } = parseKnownHosts([line('[h]:2222', ed!), line('other', ed2!), line('rsaonly', rsa!)].join('\n'), 'kh');
    expect(decideHostKey(entries, 'h', 2222, ed!.blob)).toMatchObject({ status: 'known', entry: { file: 'kh', line: 1 } });
    expect(decideHostKey(entries, 'h', 2222, ed2!.blob)).toMatchObject({ status: 'mismatch', entries: [{ line: 1 }] });
    expect(decideHostKey(entries, 'rsaonly', 22, ed!.blob)).toMatchObject({ status: 'mismatch', entries: [{ line: 3, keyType: 'ssh-rsa' }] });
    expect(decideHostKey(entries, 'nobody', 22, ed!.blob)).toEqual({ status: 'unknown' });
  });

  it('compares whole blobs for every key type', () => {
    for (const k of Object.values(keys)) {
      const { entries } = parseKnownHosts(line('h', k), 'kh');
      expect(decideHostKey(entries, 'h', 22, k.blob).status).toBe('known');
      const flipped = Buffer.from(k.blob);
      flipped.writeUInt8((flipped.at(-1) ?? 0) ^ 1, flipped.length - 1);
      expect(decideHostKey(entries, 'h', 22, flipped).status).toBe('mismatch');
    }
  });

  it('@revoked refuses a key even when another line accepts it; @cert-authority is never a host key', () => {
    const { ed, ec } = keys as Record<string, Key>;
    const { entries } = parseKnownHosts([line('h', ed!), line('*', ed!, '@revoked'), line('h2', ec!, '@cert-authority')].join('\n'), 'kh');
    expect(decideHostKey(entries, 'h', 22, ed!.blob)).toMatchObject({ status: 'revoked', entry: { line: 2 } });
    expect(decideHostKey(entries, 'h2', 22, ec!.blob)).toEqual({ status: 'unknown' });
  });

  it('fingerprints like ssh-keygen -l and key types from the blob', () => {
    for (const k of Object.values(keys)) {
      const printed = execFileSync('ssh-keygen', ['-l', '-f', k.pubFile], { encoding: 'utf8' }).split(' ')[1];
      expect(fingerprint(k.blob)).toBe(printed);
      expect(blobKeyType(k.blob)).toBe(k.type);
    }
  });

  it('records lines that parse back, and asks for the known key type first', () => {
    const ec = keys.ec as Key;
    const recorded = knownHostsLine('127.0.0.11', 30022, ec.blob);
    expect(recorded).toBe(`[127.0.0.11]:30022 ecdsa-sha2-nistp256 ${ec.b64}`);
    const { entries } = parseKnownHosts(recorded, 'kh');
    expect(decideHostKey(entries, '127.0.0.11', 30022, ec.blob).status).toBe('known');
    expect(knownKeyTypes(entries, '127.0.0.11', 30022)).toEqual(['ecdsa-sha2-nistp256']);
    expect(hostKeyAlgorithms(['ecdsa-sha2-nistp256'])[0]).toBe('ecdsa-sha2-nistp256');
    expect(hostKeyAlgorithms(['ssh-rsa']).slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(hostKeyAlgorithms([])).toHaveLength(7);
  });
});
