/**
 * Pid-level helpers shared by the live cluster handle and `cluster down` from a saved state file.
 * Linux only: liveness and identity come from /proc, which is what makes killing a recorded pid safe.
 */
import { open, readFile } from 'node:fs/promises';

/** True while `pid` is a running (not zombie) process. */
export async function isPidAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 3 (state) follows the parenthesised command name, which may itself contain ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X' && state !== '';
  } catch {
    return false;
  }
}

/** The process's argv, or undefined when it is gone or unreadable. */
export async function readCmdline(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s) => s !== '');
  } catch {
    return undefined;
  }
}

/**
 * Signals the process group led by `pid`: members are spawned as group leaders, so this also reaches anything
 * a wrapper script forked. Returns false when the group is empty.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    return false;
  }
}

/** Signals only `pid` itself; false when it was already gone. */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    return false;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls /proc until `pid` is gone or `timeoutMs` passes; returns whether it is gone. */
export async function waitForPidGone(pid: number, timeoutMs: number, pollMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isPidAlive(pid))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
}

/** The last `lines` lines of a log file (reads at most the last 64 KiB), '' when missing or empty. */
export async function tailFile(file: string, lines = 20): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    const all = buf.toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines).join('\n');
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}
