import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { buildCommand, shJoin, shQuote } from '../src/ssh/quote.js';
import { HOSTILE, PWNED } from './helpers/hostile.js';

/** What a POSIX shell makes of a command line: the arguments printf receives, NUL-separated. */
function throughShell(line: string, env: NodeJS.ProcessEnv = {}): string[] {
  const out = execFileSync('/bin/sh', ['-c', line], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}


describe('shQuote / shJoin', () => {
  it('leaves plain words bare and quotes everything else', () => {
    expect(shQuote('etcd')).toBe('etcd');
    expect(shQuote('/var/lib/etcdlab/bin/etcd-v3.5')).toBe('/var/lib/etcdlab/bin/etcd-v3.5');
    expect(shQuote('')).toBe("''");
    expect(shQuote('a b')).toBe("'a b'");
    expect(shQuote("it's")).toBe("'it'\\''s'");
    expect(shQuote('$(id)')).toBe("'$(id)'");
  });

  it('refuses NUL bytes and empty commands', () => {
    expect(() => shQuote('a\0b')).toThrow(/NUL/);
    expect(() => shJoin([])).toThrow(/empty/);
  });

  it('hostile arguments reach the program byte for byte through a real /bin/sh', () => {
    const got = throughShell(shJoin(['printf', '%s\\0', ...HOSTILE]));
    expect(got).toEqual(HOSTILE);
    expect(existsSync(PWNED)).toBe(false);
  });

  it('any string without NUL round-trips (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')), { minLength: 1, maxLength: 6 }), (args) => {
        expect(throughShell(shJoin(['printf', '%s\\0', ...args]))).toEqual(args);
      }),
      { numRuns: 25 },
    );
  });

  it('buildCommand passes env through `env` and cwd through cd --, both quoted', () => {
    const line = buildCommand(['sh', '-c', 'printf "%s\\0" "$X" "$(pwd)"'], { env: { X: "v'$(id)\n;" }, cwd: '/' });
    expect(line.startsWith("cd -- / && env 'X=v'\\''$(id)\n;' sh -c")).toBe(true);
    expect(throughShell(line)).toEqual(["v'$(id)\n;", '/']);
    expect(() => buildCommand(['true'], { env: { 'BAD NAME': 'x' } })).toThrow(/environment variable name/);
    expect(() => buildCommand(['true'], { env: { 'A;rm': 'x' } })).toThrow(/environment variable name/);
  });
});
