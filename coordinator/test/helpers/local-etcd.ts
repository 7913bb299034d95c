/** Helpers for the local-provider tests: temp dirs, a capturing pino logger, and /proc process checks. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { isPortFree } from '../../src/cluster/local/ports.js';

export async function makeTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `etcdlab-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A pino logger whose JSON lines are kept in `lines` (parsed) instead of being printed. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

/** True while `pid` runs (a zombie counts as gone). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return !/^\S+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return false;
  }
}

/** Pids of live processes whose command line mentions `needle` (e.g. a test's temp dir). */
export async function pidsMentioning(needle: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle) && (await isAlive(Number(entry)))) found.push(Number(entry));
  }
  return found;
}

/** An even base port in 20000..29999 whose `count` ports are all free right now. */
export async function freeBasePort(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + 2 * Math.floor(Math.random() * 4900);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await isPortFree(p);
    if (ok) return base;
  }
  throw new Error('no free port range found for the test');
}
