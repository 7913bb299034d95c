import { appendFile, mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type KnownHostEntry, type KnownHostsParse, knownHostsLine, parseKnownHosts } from './known-hosts.js';

/** The project's own known_hosts (relative to the working directory); --accept-new records here. */
export const PROJECT_KNOWN_HOSTS = path.join('.etcdlab', 'known_hosts');

/** ~ and ~/ expanded to the home directory (as OpenSSH does for IdentityFile and UserKnownHostsFile). */
export function expandHome(p: string, home: string = os.homedir()): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return p;
}

/**
 * The known_hosts files checked by default, in order: the project's own (where --accept-new records),
 * then the user's ~/.ssh/known_hosts. A host's `ssh.knownHostsFile` is added by connectHost after the
 * first entry.
 */
export function defaultKnownHostsFiles(cwd: string = process.cwd(), home: string = os.homedir()): string[] {
  return [path.resolve(cwd, PROJECT_KNOWN_HOSTS), path.join(home, '.ssh', 'known_hosts')];
}

/** Every entry of the files that exist (a missing file holds nothing; other read errors are raised). */
export async function loadKnownHosts(files: readonly string[]): Promise<KnownHostsParse> {
  const out: KnownHostsParse = { entries: [], skipped: [] };
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const parsed = parseKnownHosts(text, file);
    out.entries.push(...parsed.entries);
    out.skipped.push(...parsed.skipped);
  }
  return out;
}

/** Appends a line for host:port (O_APPEND, so parallel connects do not interleave); returns its entry's line. */
export async function recordHostKey(file: string, host: string, port: number, key: Buffer): Promise<number> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const line = knownHostsLine(host, port, key);
  await appendFile(file, line + '\n', { mode: 0o600 });
  const lines = (await readFile(file, 'utf8')).split('\n');
  return lines.lastIndexOf(line) + 1;
}

export type { KnownHostEntry };
