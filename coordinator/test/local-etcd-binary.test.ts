import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EtcdlabError, InputError } from '@etcdlab/common';
import { findEtcdBinary } from '../src/cluster/local/etcd-binary.js';
import { makeTempDir } from './helpers/local-etcd.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  tmp = await makeTempDir('bin');
});
afterEach(async () => {
  await tmp.cleanup();
});

async function script(name: string, body: string, mode = 0o755): Promise<string> {
  const file = path.join(tmp.dir, name);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, mode);
  return file;
}

async function rejection(p: Promise<unknown>): Promise<EtcdlabError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  return err as EtcdlabError;
}

describe('findEtcdBinary', () => {
  it('uses ETCD_BIN and reads the version from --version', async () => {
    const bin = await script('my-etcd', 'echo "etcd Version: 3.5.99"; echo "Git SHA: x"');
    expect(await findEtcdBinary({ ETCD_BIN: bin, PATH: '' })).toEqual({ path: bin, version: '3.5.99' });
  });

  it('finds etcd on PATH when ETCD_BIN is not set', async () => {
    const bin = await script('etcd', 'echo "etcd Version: 3.4.1"');
    const env = { PATH: ['/nonexistent', tmp.dir].join(path.delimiter) };
    expect(await findEtcdBinary(env)).toEqual({ path: bin, version: '3.4.1' });
  });

  it('ETCD_BIN pointing nowhere is E_ETCD_NOT_FOUND naming ETCD_BIN and the fix', async () => {
    const err = await rejection(findEtcdBinary({ ETCD_BIN: path.join(tmp.dir, 'missing'), PATH: '/usr/bin' }));
    expect(err.code).toBe('E_ETCD_NOT_FOUND');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('ETCD_BIN');
    expect(err.problems[0]?.field).toBe('ETCD_BIN');
    expect(err.problems[0]?.fix).toContain('set ETCD_BIN');
  });

  it('ETCD_BIN naming a non-executable file is rejected', async () => {
    const bin = await script('etcd', 'echo "etcd Version: 3.4.1"', 0o644);
    const err = await rejection(findEtcdBinary({ ETCD_BIN: bin }));
    expect(err.code).toBe('E_ETCD_NOT_FOUND');
    expect(err.message).toContain('ETCD_BIN');
  });

  it('ETCD_BIN that is not a working etcd is rejected with its output', async () => {
    const bin = await script('etcd', 'echo "boom: bad flag" >&2; exit 1');
    const err = await rejection(findEtcdBinary({ ETCD_BIN: bin }));
    expect(err.code).toBe('E_ETCD_NOT_FOUND');
    expect(err.describe()).toContain('boom: bad flag');
  });

  it('nothing found is E_ETCD_NOT_FOUND saying how to get etcd', async () => {
    const err = await rejection(findEtcdBinary({ PATH: tmp.dir }));
    expect(err.code).toBe('E_ETCD_NOT_FOUND');
    expect(err.exitCode).toBe(2);
    const fix = err.problems[0]?.fix ?? '';
    expect(fix).toContain('apt-get install etcd-server');
    expect(fix).toContain('ETCD_BIN');
    expect(fix).toContain('PATH');
  });
});
