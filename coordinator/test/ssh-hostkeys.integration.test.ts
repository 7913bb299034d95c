/**
 * Host key verification and authentication against real OpenSSH sshd (scripts/testbed/sshd-hosts.sh):
 * known keys of every type (plain and hashed known_hosts) accepted, a changed key refused naming file and
 * line, an unknown host refused unless acceptNew (which records it), a wrong identity refused, an
 * encrypted identity explained, an address with no sshd reported as unreachable.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EtcdlabError, type ResolvedHost } from '@etcdlab/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHost } from '../src/ssh/index.js';
import { captureLogger } from './helpers/local-etcd.js';
import { type SshdTestbed, startSshdTestbed } from './helpers/sshd-testbed.js';

let tb: SshdTestbed;
let hosts: ResolvedHost[];
const { logger } = captureLogger();

beforeAll(async () => {
  tb = await startSshdTestbed(3);
  hosts = tb.inventory().hosts;
});
afterAll(async () => tb?.stop());

/** A host of the testbed with some SSH settings replaced. */
const host = (i: number, ssh: Partial<ResolvedHost['ssh']> = {}): ResolvedHost => {
  const h = hosts[i] as ResolvedHost;
  return { ...h, ssh: { ...h.ssh, ...ssh } };
};
/** known_hosts for the test: only the given files (the host's own knownHostsFile is dropped unless given). */
const connect = (h: ResolvedHost, knownHostsFiles: string[], acceptNew = false) =>
  connectHost({ ...h, ssh: { ...h.ssh, knownHostsFile: undefined } }, { knownHostsFiles, acceptNew, logger });

async function refusal(p: Promise<unknown>): Promise<EtcdlabError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EtcdlabError);
    return err as EtcdlabError;
  }
  throw new Error('expected the connection to be refused');
}

describe('host keys', () => {
  it('accepts the recorded key of each type (ed25519, ecdsa, rsa) from a plain known_hosts', async () => {
    const types = [];
    for (let i = 0; i < 3; i++) {
      const r = await connect(host(i), [path.join(tb.dir, 'none'), tb.knownHosts]);
      expect(r.hostKey).toMatchObject({ status: 'known', file: tb.knownHosts, line: i + 1 });
      types.push(r.hostKey.type);
      const res = await r.exec(['echo', 'ok']);
      expect(res).toMatchObject({ code: 0, stdout: 'ok\n' });
      await r.close();
    }
    expect(types).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa']);
  });

  it('accepts hashed known_hosts entries', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await connect(host(i), [path.join(tb.dir, 'none'), tb.knownHostsHashed]);
      expect(r.hostKey).toMatchObject({ status: 'known', file: tb.knownHostsHashed, line: i + 1 });
      await r.close();
    }
  });

  it('uses the host\'s own ssh.knownHostsFile from the inventory', async () => {
    const r = await connectHost(host(0), { knownHostsFiles: [path.join(tb.dir, 'none')], acceptNew: false, logger });
    expect(r.hostKey.file).toBe(tb.knownHosts);
    await r.close();
  });

  it('refuses a changed key: E_HOST_KEY_MISMATCH naming host, file, line and the fix', async () => {
    const other = path.join(tb.dir, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const [type, b64] = readFileSync(other + '.pub', 'utf8').split(' ');
    const file = path.join(tb.dir, 'known_hosts.changed');
    writeFileSync(file, `# line 1\n[127.0.0.11]:${tb.port} ${type} ${b64}\n`);
    const err = await refusal(connect(host(0), [file]));
    expect(err.code).toBe('E_HOST_KEY_MISMATCH');
    expect(err.message).toContain(`host-1 (root@127.0.0.11:${tb.port})`);
    expect(err.message).toMatch(/HOST KEY MISMATCH: the host offered ssh-ed25519 SHA256:/);
    expect(err.problems[0]).toMatchObject({ file, field: 'line 2' });
    expect(err.problems[0]?.fix).toContain(`ssh-keygen -R '[127.0.0.11]:${tb.port}' -f ${file}`);
    // acceptNew never overrides a mismatch.
    expect((await refusal(connect(host(0), [file], true))).code).toBe('E_HOST_KEY_MISMATCH');
  });

  it('refuses an unknown host (E_HOST_KEY_UNKNOWN) unless acceptNew, which records it in the first file', async () => {
    const project = path.join(tb.dir, 'project', '.etcdlab', 'known_hosts');
    const err = await refusal(connect(host(1), [project]));
    expect(err.code).toBe('E_HOST_KEY_UNKNOWN');
    expect(err.message).toMatch(/host-2 .*ecdsa-sha2-nistp256 SHA256:\S+ is not in any known_hosts file/);
    expect(err.problems[0]?.fix).toContain('--accept-new');

    const first = await connect(host(1), [project], true);
    expect(first.hostKey).toMatchObject({ status: 'recorded', file: project, line: 1 });
    await first.close();
    expect(readFileSync(project, 'utf8')).toBe(readFileSync(tb.knownHosts, 'utf8').split('\n')[1] + '\n');
    const again = await connect(host(1), [project]);
    expect(again.hostKey).toMatchObject({ status: 'known', file: project, line: 1 });
    await again.close();
  });
});

describe('authentication and reachability', () => {
  it('refuses a wrong identity clearly (E_SSH_AUTH_FAILED)', async () => {
    const wrong = path.join(tb.dir, 'wrong_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrong]);
    const err = await refusal(connect(host(0, { identityFile: wrong }), [tb.knownHosts]));
    expect(err.code).toBe('E_SSH_AUTH_FAILED');
    expect(err.message).toContain('host-1');
    expect(err.problems[0]?.fix).toMatch(/authorized_keys/);
  });

  it('authenticates through a real ssh-agent (ssh.agent: true), and says so when no agent runs', async () => {
    const sock = path.join(tb.dir, 'agent.sock');
    const out = execFileSync('ssh-agent', ['-a', sock, '-s'], { encoding: 'utf8' });
    const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)?.[1]);
    const saved = process.env.SSH_AUTH_SOCK;
    try {
      execFileSync('ssh-add', ['-q', tb.identity], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      process.env.SSH_AUTH_SOCK = sock;
      const r = await connect(host(0, { identityFile: undefined, agent: true }), [tb.knownHosts]);
      expect((await r.run('whoami', ['id', '-u'])).stdout.trim()).toBe(String(process.getuid?.()));
      await r.close();
      delete process.env.SSH_AUTH_SOCK;
      const err = await refusal(connect(host(0, { identityFile: undefined, agent: true }), [tb.knownHosts]));
      expect(err.code).toBe('E_SSH_IDENTITY');
      expect(err.message).toMatch(/SSH_AUTH_SOCK is not set/);
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
      if (pid > 0) process.kill(pid);
    }
  });

  it('explains an encrypted identity instead of prompting (E_SSH_IDENTITY)', async () => {
    const enc = path.join(tb.dir, 'enc_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase', '-f', enc]);
    const err = await refusal(connect(host(0, { identityFile: enc }), [tb.knownHosts]));
    expect(err.code).toBe('E_SSH_IDENTITY');
    expect(err.message).toMatch(/encrypted with a passphrase/);
    expect(err.problems[0]?.fix).toMatch(/ssh-add .*ssh\.agent: true/);
    const missing = await refusal(connect(host(0, { identityFile: '~/no/such/key' }), [tb.knownHosts]));
    expect(missing.code).toBe('E_SSH_IDENTITY');
  });

  it('gives up on a host that accepts TCP but never answers (sshd stopped with SIGSTOP) after the connect timeout', async () => {
    const pid = Number(readFileSync(path.join(tb.dir, 'host-3', 'sshd.pid'), 'utf8'));
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const err = await refusal(connectHost({ ...host(2), ssh: { ...host(2).ssh, connectTimeout: 1000 } }, { knownHostsFiles: [tb.knownHosts], acceptNew: false, logger }));
      expect(err.code).toBe('E_SSH_UNREACHABLE');
      expect(err.message).toMatch(/host-3 .*: no SSH handshake within 1000 ms/);
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  it('reports an address with no sshd as unreachable (E_SSH_UNREACHABLE), quickly', async () => {
    const started = Date.now();
    const err = await refusal(connect({ ...host(0), name: 'ghost', address: '127.0.0.250' }, [tb.knownHosts]));
    expect(err.code).toBe('E_SSH_UNREACHABLE');
    expect(err.message).toMatch(/ghost \(root@127\.0\.0\.250:\d+\): cannot connect \(ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
