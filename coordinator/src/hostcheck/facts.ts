/** Parsers for the small facts a host check reads (pure: text in, values out). */

/** Splits script output into sections introduced by lines `@@name[ value]`. */
export function splitSections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  let body: string[] = [];
  const flush = () => {
    if (name !== undefined) out.set(name, body.join('\n'));
  };
  for (const line of text.split('\n')) {
    const m = /^@@(\S+)(?: (.*))?$/.exec(line);
    if (m) {
      flush();
      name = m[1] as string;
      body = m[2] !== undefined ? [m[2]] : [];
    } else body.push(line);
  }
  flush();
  return out;
}

/** /proc/meminfo values in bytes (MemTotal, MemAvailable). */
export function parseMeminfo(text: string): { totalBytes: number; availableBytes: number } {
  const kb = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const total = kb('MemTotal');
  if (total === undefined) throw new Error('/proc/meminfo has no MemTotal');
  // Kernels before 3.14 have no MemAvailable: free + buffers + cache is the old estimate.
  const available = kb('MemAvailable') ?? (kb('MemFree') ?? 0) + (kb('Buffers') ?? 0) + (kb('Cached') ?? 0);
  return { totalBytes: total, availableBytes: available };
}

/** `df -Pk PATH`: the file system holding PATH (POSIX format, 1024-byte blocks). */
export function parseDf(text: string): { filesystem: string; mountpoint: string; totalBytes: number; freeBytes: number } {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1];
  if (lines.length < 2 || !last) throw new Error(`unreadable df output: ${text.trim()}`);
  const f = last.trim().split(/\s+/);
  // Filesystem 1024-blocks Used Available Capacity Mounted-on (the mount point may hold spaces)
  const total = Number(f[1]);
  const avail = Number(f[3]);
  if (f.length < 6 || !Number.isFinite(total) || !Number.isFinite(avail)) throw new Error(`unreadable df line: ${last}`);
  return { filesystem: f[0] as string, mountpoint: f.slice(5).join(' '), totalBytes: total * 1024, freeBytes: avail * 1024 };
}

/** PRETTY_NAME from /etc/os-release, else NAME VERSION_ID. */
export function parseOsRelease(text: string): string | undefined {
  const get = (k: string) => {
    const m = new RegExp(`^${k}=(.*)$`, 'm').exec(text);
    return m ? (m[1] as string).trim().replace(/^(["'])(.*)\1$/, '$2') : undefined;
  };
  return get('PRETTY_NAME') ?? ([get('NAME'), get('VERSION_ID')].filter(Boolean).join(' ') || undefined);
}

export type SystemdMode = 'systemd' | 'fallback';

/**
 * `systemctl is-system-running`: running/degraded = systemd manages services (degraded: some unit failed);
 * starting/initializing/maintenance/stopping = systemd, but not settled; offline (systemd is not PID 1),
 * unknown or absent = no systemd: the documented fallback (a supervised process with a pid file).
 */
export function classifySystemd(state: string): { state: string; mode: SystemdMode; settled: boolean } {
  const s = state.trim().split('\n')[0]?.trim() || 'absent';
  if (s === 'running' || s === 'degraded') return { state: s, mode: 'systemd', settled: true };
  if (['starting', 'initializing', 'maintenance', 'stopping'].includes(s)) return { state: s, mode: 'systemd', settled: false };
  return { state: s, mode: 'fallback', settled: true };
}

/** "1700000000.123456" (or with a comma) as milliseconds; undefined when unreadable. */
export function parseEpochSeconds(text: string): number | undefined {
  const m = /^(\d+)(?:[.,](\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const frac = m[2] ? Number(`0.${m[2]}`) : 0;
  return (Number(m[1]) + frac) * 1000;
}

/** A size like 22m, 512k, 1g or plain bytes. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)i?b?$/i.exec(text.trim());
  if (!m) return undefined;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * mult);
}
