import { EtcdlabError } from '@etcdlab/common';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RemoteStepError } from '../src/ssh/errors.js';
import { Limiter } from '../src/ssh/limiter.js';
import { forEachHost, outcomeProblems, valuesOrThrow } from '../src/ssh/parallel.js';
import { REDACTED, redactor, tail } from '../src/ssh/redact.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hosts = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `h${i + 1}` }));

describe('Limiter', () => {
  it('never runs more than its limit and serves waiters in order', async () => {
    const lim = new Limiter(3);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        lim.with(async () => {
          order.push(i);
          peak = Math.max(peak, ++active);
          await sleep(5);
          active--;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(order).toEqual([...Array(12).keys()]);
    expect(lim.inUse).toBe(0);
  });

  it('releases the slot when the task throws, and a release twice counts once', async () => {
    const lim = new Limiter(1);
    await expect(lim.with(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const release = await lim.acquire();
    release();
    release();
    expect(lim.inUse).toBe(0);
    expect(() => new Limiter(0)).toThrow(RangeError);
  });
});

describe('forEachHost', () => {
  it('bounds parallelism, keeps input order and never rejects', async () => {
    let active = 0;
    let peak = 0;
    const out = await forEachHost(hosts(7), 2, async (h) => {
      peak = Math.max(peak, ++active);
      await sleep(h.name === 'h1' ? 20 : 2);
      active--;
      if (h.name === 'h4') throw new Error('h4 broke');
      return h.name.toUpperCase();
    });
    expect(peak).toBe(2);
    expect(out.map((o) => o.host.name)).toEqual(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7']);
    expect(out.filter((o) => o.ok).map((o) => (o.ok ? o.value : ''))).toEqual(['H1', 'H2', 'H3', 'H5', 'H6', 'H7']);
    expect(out[3]).toMatchObject({ ok: false, step: 'start', error: { message: 'h4 broke' } });
  });

  it('names the failing step path, including a remote step inside it', async () => {
    const out = await forEachHost(hosts(2), 4, async (h, task) => {
      await task.step('connect', async () => undefined);
      await task.step('install etcd', async () => {
        await task.step('upload', async () => undefined);
        if (h.name === 'h2') throw new RemoteStepError({ host: h.name, step: 'verify sha256', message: 'sha256sum exited with status 1' });
      });
      return 1;
    });
    expect(out[0]?.ok).toBe(true);
    expect(out[1]).toMatchObject({ ok: false, step: 'install etcd > verify sha256' });
    const problems = outcomeProblems(out);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field: 'h2' });
    expect(problems[0]?.message).toMatch(/^step "install etcd > verify sha256": E_REMOTE_STEP_FAILED: h2: step "verify sha256" failed/);
    try {
      valuesOrThrow(out, 'cluster up');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EtcdlabError);
      expect((err as EtcdlabError).code).toBe('E_HOSTS_FAILED');
      expect((err as EtcdlabError).message).toBe('cluster up failed on 1 of 2 host(s): h2');
    }
    expect(valuesOrThrow(out.slice(0, 1), 'x')).toEqual([1]);
  });

  it('stopOnFailure: later hosts are not started and running ones see the abort', async () => {
    let sawAbort = false;
    const out = await forEachHost(
      hosts(4),
      2,
      async (h, task) => {
        if (h.name === 'h1') throw new Error('first fails');
        await sleep(20);
        sawAbort ||= task.signal.aborted;
        return h.name;
      },
      { stopOnFailure: true },
    );
    expect(out.map((o) => (o.ok ? 'ok' : o.step))).toEqual(['start', 'ok', 'not started', 'not started']);
    expect(sawAbort).toBe(true);
  });

  it('logs each step per host and prints progress lines', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const notes: string[] = [];
    await forEachHost(hosts(1), 1, (_h, task) => task.step('probe disk', async () => 3), { logger, note: (l) => notes.push(l) });
    expect(lines.map((l) => [l.host, l.step, l.msg])).toEqual([
      ['h1', 'probe disk', 'step start'],
      ['h1', 'probe disk', 'step done'],
    ]);
    expect(notes[0]).toMatch(/^\[h1\] probe disk \.\.\. ok \(\d+ ms\)$/);
  });
});

describe('redaction', () => {
  it('replaces every secret (longest first), ignores very short ones', () => {
    const r = redactor(['tok-123456', 'tok-123456-longer'], undefined, ['ab']);
    expect(r('a tok-123456-longer and tok-123456, ab')).toBe(`a ${REDACTED} and ${REDACTED}, ab`);
    expect(redactor()('unchanged')).toBe('unchanged');
    expect(tail('x'.repeat(50) + 'tok-123456', r, 10)).toBe(`…xxxxxxx${REDACTED}`);
  });
});
