import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pidsMatching, runCli } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'etcdlab-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

describe('bad input: a coded error naming the file, the field and the fix; exit 2; nothing started', () => {
  it('a mistyped field in a workload file', async () => {
    const results = join(tmp, 'r1');
    const w = file('typo.yaml', 'name: t\nphases:\n  - { name: a, ops: { put: 1 }, total: 10, clinets: 3 }\n');
    const r = await runCli(['quickstart', '-w', w, '--results', results]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_WORKLOAD_INVALID');
    expect(r.stderr).toContain(w);
    expect(r.stderr).toContain('phases[0].clinets');
    expect(r.stderr).toContain('did you mean "clients"?');
    expect(() => readdirSync(results)).toThrow(); // no results folder: nothing was started
  });

  it('a negative rate', async () => {
    const w = file('rate.yaml', 'name: t\nphases:\n  - { name: a, ops: { put: 1 }, duration: 1s, rate: -5 }\n');
    const r = await runCli(['run', '--endpoints', '127.0.0.1:1', '-w', w]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('phases[0].rate');
    expect(r.stderr).toMatch(/fix: /);
  });

  it('0 members and 8 members', async () => {
    for (const n of ['0', '8', 'three']) {
      const r = await runCli(['quickstart', '--members', n, '--results', join(tmp, 'r2')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('E_OPTION_INVALID');
      expect(r.stderr).toContain('--members');
      expect(r.stderr).toContain('from 1 to 7');
    }
  });

  it('a missing workload file', async () => {
    const r = await runCli(['quickstart', '-w', join(tmp, 'nope.yaml'), '--results', join(tmp, 'r3')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_WORKLOAD_UNREADABLE');
    expect(r.stderr).toContain('ENOENT');
  });

  it('a fixed base port that is in use', async () => {
    const blocker = await listen(0);
    const port = (blocker.address() as { port: number }).port;
    const results = join(tmp, 'r4');
    try {
      // The taken port is the peer port of member 1 (base + 1).
      const r = await runCli(['quickstart', '--quick', '--base-port', String(port - 1), '--results', results]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('E_PORT_IN_USE');
      expect(r.stderr).toContain(String(port));
      expect(r.stderr).toContain('--base-port');
      expect(readdirSync(results)).toEqual([]);
      expect(await pidsMatching(results)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('an unknown flag is a usage error with exit 2', async () => {
    const r = await runCli(['quickstart', '--membres', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--membres'");
  });
});

describe('failures after start-up clean up what they started', () => {
  it('a member that fails to start: its log tail is shown and nothing is left running', async () => {
    const results = join(tmp, 'r5');
    const fake = file('fake-etcd.sh', '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "etcd Version: 3.4.23"; exit 0; fi\necho "member refused: bad data dir (injected)" >&2\nexit 1\n');
    chmodSync(fake, 0o755);
    const r = await runCli(['quickstart', '--quick', '--results', results], { env: { ETCD_BIN: fake } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_MEMBER_START_FAILED');
    expect(r.stderr).toContain('member refused: bad data dir (injected)');
    expect(await pidsMatching(results)).toEqual([]);
  });

  it('an endpoint that does not answer', async () => {
    const blocker = await listen(0);
    const port = (blocker.address() as { port: number }).port;
    blocker.close();
    const r = await runCli(['run', '--endpoints', `127.0.0.1:${port}`, '-w', 'workloads/suite.yaml', '--quick', '--results', join(tmp, 'r6')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_ENDPOINT_UNREACHABLE');
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
  });
});

describe('npx etcdlab', () => {
  it('works from the repository root after set-up', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync('npx', ['--no-install', 'etcdlab', '--version'], { cwd: new URL('../../', import.meta.url), encoding: 'utf8' });
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
