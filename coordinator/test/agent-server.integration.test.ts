import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, PROTOCOL_VERSION } from '@etcdlab/common';
import pino from 'pino';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentEntryPoint } from '../src/fleet/local-agents.js';
import { syncRoster, waitForAgents } from '../src/run/agent-roster.js';
import { AgentServer } from '../src/fleet/agent-server.js';

const TOKEN = 'correct-token-0123456789';
const hello = (over: Record<string, unknown>) => ({ protocolVersion: PROTOCOL_VERSION, token: TOKEN, agentId: 'a1', instance: 'i1', host: 'h', role: 'agent', pid: 1, agentVersion: '0', nodeVersion: process.version, ...over });

function refusalOf(url: string, auth: Record<string, unknown>): Promise<{ code: string; message: string }> {
  return new Promise((resolve, reject) => {
    const s = io(url, { auth, transports: ['websocket'], reconnection: false });
    s.on('connect', () => {
      s.close();
      reject(new Error('connection was accepted'));
    });
    s.on('connect_error', (err) => {
      s.close();
      resolve((err as Error & { data: { code: string; message: string } }).data);
    });
  });
}

describe('agent server handshake (real socket.io)', () => {
  const server = new AgentServer(TOKEN, pino({ level: 'silent' }));
  let url = '';
  beforeAll(async () => {
    url = (await server.listen('127.0.0.1', 0)).url;
  });
  afterAll(() => server.close());

  it('refuses a wrong token with a coded reason', async () => {
    const r = await refusalOf(url, hello({ token: 'wrong-token' }));
    expect(r.code).toBe(ErrorCodes.authToken);
    expect(r.message).toMatch(/wrong token/);
  });

  it('refuses another protocol version and says what to do', async () => {
    const r = await refusalOf(url, hello({ protocolVersion: PROTOCOL_VERSION + 1 }));
    expect(r.code).toBe(ErrorCodes.protocolVersion);
    expect(r.message).toMatch(/same etcdlab version/);
  });

  it('refuses a malformed hello, naming the field', async () => {
    const r = await refusalOf(url, hello({ agentId: 'no spaces allowed' }));
    expect(r.code).toBe(ErrorCodes.payloadInvalid);
    expect(r.message).toContain('agentId');
  });

  it('a real agent process with a wrong token exits 3 and says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'etcdlab-agent-'));
    try {
      const child = spawn(process.execPath, [agentEntryPoint(), '--coordinator', url, '--id', 'bad', '--log-file', join(dir, 'a.log')], { env: { ...process.env, ETCDLAB_TOKEN: 'nope' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(3);
      expect(stderr).toContain(ErrorCodes.authToken);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts a real agent process with the right token and measures its clock offset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'etcdlab-agent-'));
    const child = spawn(process.execPath, [agentEntryPoint(), '--coordinator', url, '--id', 'good', '--exit-on-run-end', '--log-file', join(dir, 'a.log')], { env: { ...process.env, ETCDLAB_TOKEN: TOKEN }, stdio: 'ignore' });
    try {
      const agents = await waitForAgents(server, ['good'], 20_000);
      expect(agents[0]!.hello).toMatchObject({ agentId: 'good', role: 'agent', pid: child.pid });
      const [entry] = await syncRoster(agents, pino({ level: 'silent' }));
      // Same machine, same clock: the offset is within the round trip.
      expect(Math.abs(entry!.clock.offsetMs)).toBeLessThanOrEqual(entry!.clock.rttMs / 2 + 1);
      expect(entry!.clock.samples).toBe(8);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      agents[0]!.socket.emit('run:end', { runId: 'r', reason: 'test' });
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds reports that arrive while no phase listens, unanswered, and answers them once one does (a resumed coordinator taking over)', async () => {
    const s2 = io(url, { auth: hello({ agentId: 'held', instance: 'i9' }), transports: ['websocket'], reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => {
        s2.on('connect', () => resolve());
        s2.on('connect_error', reject);
      });
      const report = { runId: 'r', agentId: 'held', instance: 'i9', seq: 0, phase: 'p', intervalStartMs: 0, intervalMs: 1000, ops: [], cpuUs: 0, lateStarts: 0 };
      let answered: unknown;
      const ack = s2.timeout(10_000).emitWithAck('interval' as never, report as never).then((a: unknown) => (answered = a));
      await new Promise((r) => setTimeout(r, 500));
      expect(answered, 'a report must not be acknowledged before a phase listens').toBeUndefined();
      const seen: number[] = [];
      server.setHandler({ interval: (r) => (seen.push(r.seq), { ok: true }), done: () => ({ ok: true }), fault: () => undefined });
      await ack;
      expect(answered).toEqual({ ok: true });
      expect(seen).toEqual([0]);
    } finally {
      server.setHandler(undefined);
      s2.close();
    }
  });
});
