/**
 * Commands, files and connections over real OpenSSH sshd (scripts/testbed/sshd-hosts.sh): hostile argv
 * round-trips exactly, 30 parallel execs on one connection stay under MaxSessions, SFTP uploads are
 * atomic with their mode, secrets never reach logs or errors, a jump host through another sshd.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EtcdlabError, type ResolvedHost } from '@etcdlab/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHost, JumpPool, type RemoteHost, RemoteStepError } from '../src/ssh/index.js';
import type { SshRemoteHost } from '../src/ssh/remote-host.js';
import { HOSTILE, PWNED } from './helpers/hostile.js';
import { captureLogger, pidsMentioning } from './helpers/local-etcd.js';
import { type SshdTestbed, startSshdTestbed } from './helpers/sshd-testbed.js';

let tb: SshdTestbed;
let hosts: ResolvedHost[];
let remote: RemoteHost;
const captured = captureLogger();
const SECRET = 'tok-' + randomBytes(12).toString('hex');

beforeAll(async () => {
  tb = await startSshdTestbed(3);
  hosts = tb.inventory().hosts;
  remote = await connectHost(hosts[0] as ResolvedHost, { knownHostsFiles: [path.join(tb.dir, 'none')], acceptNew: false, logger: captured.logger, secrets: [SECRET] });
});
afterAll(async () => {
  await remote?.close();
  await tb?.stop();
});

describe('exec', () => {
  it('hostile arguments, env values and cwd arrive byte for byte, and nothing is injected', async () => {
    const res = await remote.exec(['printf', '%s\\0', ...HOSTILE]);
    expect(res.code).toBe(0);
    expect(res.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
    const odd = path.join((hosts[0] as ResolvedHost).workDir, "dir with 'quote' and $(x)");
    await remote.run('mkdir', ['mkdir', '-p', odd]);
    const env = await remote.run('env and cwd', ['sh', '-c', 'printf "%s\\0" "$A" "$B" "$(pwd)"'], { env: { A: HOSTILE.join('|'), B: "'$(id)'" }, cwd: odd });
    expect(env.stdout.split('\0').slice(0, -1)).toEqual([HOSTILE.join('|'), "'$(id)'", odd]);
    expect(existsSync(PWNED)).toBe(false);
  });

  it('exec resolves with a non-zero status; run rejects naming host and step, with stderr', async () => {
    const res = await remote.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(res).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    const err = await remote.run('check etcd version', ['sh', '-c', 'echo "no etcd here" >&2; exit 7']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteStepError);
    expect(err).toMatchObject({ code: 'E_REMOTE_STEP_FAILED', host: 'host-1', step: 'check etcd version', result: { code: 7 } });
    expect((err as Error).message).toMatch(/^host-1: step "check etcd version" failed: sh -c .* exited with status 7: no etcd here$/);
  });

  it('stdin is delivered and closed; a timeout fails the step', async () => {
    const res = await remote.run('cat', ['cat'], { stdin: 'line 1\nline 2' });
    expect(res.stdout).toBe('line 1\nline 2');
    const started = Date.now();
    const err = await remote.run('hang', ['sleep', '31.25'], { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteStepError);
    expect((err as Error).message).toMatch(/step "hang" failed: did not finish within 500 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
    // The remote command was killed, not just abandoned (sshd ignores signal requests for root).
    expect(await pidsMentioning('sleep\0' + '31.25')).toEqual([]);
  });

  it('30 parallel execs on one connection never exceed 8 channels (OpenSSH allows 10) and all succeed', async () => {
    const r = remote as SshRemoteHost;
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, r.channels.open)), 5);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => remote.run(`parallel ${i}`, ['sh', '-c', 'sleep 0.2; echo "$1"', 'sh', String(i)])));
    clearInterval(watch);
    expect(results.map((x) => x.stdout.trim())).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
    expect(peak).toBe(8);
    expect(r.channels).toEqual({ open: 0, queued: 0 });
  });

  it('spawn gives streams for interactive use and frees its channel when closed', async () => {
    const p = await remote.spawn(['sh', '-c', 'while read -r l; do echo "got $l"; done']);
    const lines: string[] = [];
    p.stdout.on('data', (d: Buffer) => lines.push(...d.toString().trim().split('\n')));
    p.stdin.write('a\n');
    p.stdin.write('b\n');
    await new Promise((r) => setTimeout(r, 300));
    p.stdin.end();
    const done = await p.done;
    expect(lines).toEqual(['got a', 'got b']);
    expect(done.code).toBe(0);
    expect((remote as SshRemoteHost).channels.open).toBe(0);
  });
});

describe('upload and readFile', () => {
  it('uploads bytes and local files atomically with their mode, replacing what was there, no temp left', async () => {
    const dir = path.join((hosts[0] as ResolvedHost).workDir, 'up');
    await remote.run('mkdir', ['mkdir', '-p', dir]);
    const env = path.join(dir, 'agent.env');
    await remote.upload(Buffer.from(`ETCDLAB_TOKEN=${SECRET}\n`), env, 0o600);
    await remote.upload(Buffer.from(`ETCDLAB_TOKEN=${SECRET}-2\n`), env, 0o600);
    expect((await remote.readFile(env)).toString()).toBe(`ETCDLAB_TOKEN=${SECRET}-2\n`);
    const local = path.join(tb.dir, 'blob.bin');
    const data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(local, data);
    const bin = path.join(dir, 'etcd');
    await remote.upload(local, bin, 0o755);
    const sums = await remote.run('stat', ['sh', '-c', 'stat -c "%a %s" "$1" "$2"; sha256sum "$2" | cut -d" " -f1; ls -A "$3"', 'sh', env, bin, dir]);
    const [modeEnv, modeBin, sum, ...files] = sums.stdout.trim().split('\n');
    expect(modeEnv?.split(' ')[0]).toBe('600');
    expect(modeBin).toBe(`755 ${data.length}`);
    expect(sum).toBe(createHash('sha256').update(data).digest('hex'));
    expect(files.sort()).toEqual(['agent.env', 'etcd']);
    const missing = await remote.upload(Buffer.from('x'), path.join(dir, 'no', 'such', 'dir', 'f'), 0o644).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RemoteStepError);
    expect((missing as Error).message).toMatch(/step "upload .*\/no\/such\/dir\/f" failed: no such file/);
  });
});

describe('secrets', () => {
  it('never appear in logs or error messages', async () => {
    captured.lines.length = 0;
    await remote.run('write token', ['sh', '-c', 'printf "%s" "$1" >/dev/null', 'sh', SECRET]);
    const err = await remote.run('leaky step', ['sh', '-c', 'echo "bad token $1" >&2; exit 1', 'sh', SECRET]).catch((e: unknown) => e as EtcdlabError);
    expect((err as Error).message).toContain('bad token ***');
    await remote.run('env token', ['true'], { env: { ETCDLAB_TOKEN: `${SECRET}-other` }, secrets: [`${SECRET}-other`] });
    const logged = JSON.stringify(captured.lines);
    expect(captured.lines.length).toBeGreaterThan(4);
    expect(logged).not.toContain(SECRET);
    expect((err as Error).message).not.toContain(SECRET);
    expect(JSON.stringify((err as RemoteStepError).result)).not.toContain(SECRET);
  });
});

describe('a connection that dies', () => {
  it('fails the next step with E_SSH_CONNECTION_LOST naming the host', async () => {
    const r = await connectHost(hosts[1] as ResolvedHost, { knownHostsFiles: [path.join(tb.dir, 'none')], acceptNew: false, logger: captured.logger });
    // The command's parent is the sshd process serving this connection: end it, as a crash or reboot would.
    const sshdPid = Number((await r.run('parent', ['sh', '-c', 'echo $PPID'], { timeoutMs: 0 })).stdout.trim());
    const cmd = readFileSync(`/proc/${sshdPid}/cmdline`, 'utf8');
    expect(cmd).toMatch(/^sshd: /);
    const running = r.run('long step', ['sleep', '5']).catch((e: unknown) => e);
    await new Promise((res) => setTimeout(res, 300));
    process.kill(sshdPid, 'SIGKILL');
    expect(await running).toMatchObject({ code: 'E_SSH_CONNECTION_LOST', host: 'host-2', step: 'long step' });
    const err = await r.run('after the crash', ['true']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteStepError);
    expect(err).toMatchObject({ code: 'E_SSH_CONNECTION_LOST', host: 'host-2', step: 'after the crash' });
    await r.close();
  });
});

describe('jump host', () => {
  it('reaches host-3 through host-1, verifying both host keys', async () => {
    const target = { ...(hosts[2] as ResolvedHost) };
    target.ssh = { ...target.ssh, jumpHost: { address: '127.0.0.11', port: tb.port } };
    const r = await connectHost(target, { knownHostsFiles: [path.join(tb.dir, 'none')], acceptNew: false, logger: captured.logger });
    expect(r.hostKey).toMatchObject({ status: 'known', type: 'ssh-rsa', line: 3, jump: { status: 'known', type: 'ssh-ed25519', line: 1 } });
    expect((await r.run('hello', ['echo', 'through the jump'])).stdout).toBe('through the jump\n');
    await r.close();
    // host-1's sshd opened the forwarded connection to host-3's address.
    const log1 = readFileSync(path.join(tb.dir, 'host-1', 'sshd.log'), 'utf8');
    expect(log1).toContain(`server_request_direct_tcpip: originator 127.0.0.1 port 0, target 127.0.0.13 port ${tb.port}`);
  });

  it('hosts behind the same jump host share one connection to it, which closes with the last of them', async () => {
    const viaHost1 = (h: ResolvedHost): ResolvedHost => ({ ...h, ssh: { ...h.ssh, jumpHost: { address: '127.0.0.11', port: tb.port } } });
    const logins = () => (readFileSync(path.join(tb.dir, 'host-1', 'sshd.log'), 'utf8').match(/Accepted publickey/g) ?? []).length;
    const before = logins();
    const pool = new JumpPool();
    const opts = { knownHostsFiles: [path.join(tb.dir, 'none')], acceptNew: false, logger: captured.logger, jumpPool: pool };
    const [a, b] = await Promise.all([connectHost(viaHost1(hosts[1] as ResolvedHost), opts), connectHost(viaHost1(hosts[2] as ResolvedHost), opts)]);
    expect(pool.size).toBe(1);
    await a.close();
    // The other host still goes through the shared connection.
    expect((await b.run('hello', ['echo', 'still through'])).stdout).toBe('still through\n');
    await b.close();
    expect(pool.size).toBe(0);
    expect(logins() - before).toBe(1);
  });

  it('refuses a jump host whose key is unknown, naming it', async () => {
    const target = { ...(hosts[2] as ResolvedHost) };
    const only3 = path.join(tb.dir, 'kh3');
    writeFileSync(only3, readFileSync(tb.knownHosts, 'utf8').split('\n')[2] + '\n');
    target.ssh = { ...target.ssh, knownHostsFile: undefined, jumpHost: { address: '127.0.0.12', port: tb.port } };
    const err = await connectHost(target, { knownHostsFiles: [only3], acceptNew: false, logger: captured.logger }).catch((e: unknown) => e as EtcdlabError);
    expect(err).toBeInstanceOf(EtcdlabError);
    expect((err as EtcdlabError).code).toBe('E_HOST_KEY_UNKNOWN');
    expect((err as EtcdlabError).message).toMatch(new RegExp(`^jump host 127\\.0\\.0\\.12:${tb.port} of host-3`));
  });
});
