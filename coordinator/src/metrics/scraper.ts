import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { extractEtcdMetrics, type MetricsSample } from './etcd-sample.js';
import { httpGetText, type TlsMaterial } from './http-get.js';

export interface ScrapeTarget {
  /** Member name, used for the file name (metrics/<member>.jsonl). */
  member: string;
  /** The full metrics URL, e.g. http://127.0.0.1:2379/metrics. */
  url: string;
}

export interface ScraperOptions {
  targets: ScrapeTarget[];
  /** The run folder; samples go to <runDir>/metrics/. */
  runDir: string;
  intervalMs?: number;
  /** Scrapes fall on runBaseMs + k * intervalMs of the coordinator clock: the run's clock. */
  runBaseMs: number;
  tls?: TlsMaterial;
  logger?: Logger;
  /** The coordinator clock (ms since the epoch). */
  now?: () => number;
  /** Each sample as it is written (the live view); what it throws is logged, never the scraper's problem. */
  onSample?(sample: MetricsSample): void;
}

export interface ScrapeStats {
  samples: number;
  failures: number;
}

export interface MetricsScraper {
  /** Stops the schedule, takes one last scrape (so the last phase's end is covered) and closes the files. */
  stop(): Promise<ScrapeStats>;
}

const wallNow = (): number => performance.timeOrigin + performance.now();

/** A member name safe for a file name. */
export const memberFileName = (member: string): string => member.replace(/[^A-Za-z0-9._-]/g, '_');

/** Scrape targets from client endpoints, named after the provider's members when it knows them. */
export function scrapeTargets(endpoints: readonly string[], members?: readonly { name: string; clientUrl: string }[]): ScrapeTarget[] {
  return endpoints.map((ep, i) => {
    const base = ep.replace(/\/+$/, '');
    const named = members?.find((m) => m.clientUrl.replace(/\/+$/, '') === base)?.name;
    const u = new URL(base);
    return { member: memberFileName(named ?? `member-${i + 1}-${u.hostname}-${u.port}`), url: `${base}/metrics` };
  });
}

/**
 * Scrapes every member's /metrics on the run's clock and appends each sample to
 * metrics/<member>.jsonl as it arrives (raw cumulative values of the families etcdlab keeps). A member
 * that does not answer gets a line with ok=false and the reason; the run goes on.
 */
export function startMetricsScraper(o: ScraperOptions): MetricsScraper {
  const intervalMs = o.intervalMs ?? 1000;
  const now = o.now ?? wallNow;
  const dir = join(o.runDir, 'metrics');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'targets.json'), JSON.stringify({ intervalMs, targets: o.targets }, null, 2) + '\n');
  const streams = new Map<string, WriteStream>(o.targets.map((t) => [t.member, createWriteStream(join(dir, `${memberFileName(t.member)}.jsonl`), { flags: 'a' })]));
  const stats: ScrapeStats = { samples: 0, failures: 0 };
  const inFlight = new Set<Promise<void>>();
  const failingSince = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const scrapeOne = async (t: ScrapeTarget): Promise<void> => {
    const started = now();
    let sample: MetricsSample;
    try {
      const text = await httpGetText(t.url, { ...(o.tls ? { tls: o.tls } : {}), timeoutMs: Math.max(200, Math.min(intervalMs * 0.9, 3000)) });
      const { metrics, errors } = extractEtcdMetrics(text);
      if (errors.length) o.logger?.warn({ member: t.member, errors: errors.slice(0, 5) }, 'unreadable lines in /metrics');
      sample = { t: started, member: t.member, ok: true, tookMs: Math.round((now() - started) * 100) / 100, metrics };
      if (failingSince.delete(t.member)) o.logger?.info({ member: t.member }, 'metrics scrape answers again');
    } catch (err) {
      stats.failures++;
      sample = { t: started, member: t.member, ok: false, tookMs: Math.round((now() - started) * 100) / 100, error: (err as Error).message };
      if (!failingSince.has(t.member)) {
        failingSince.set(t.member, started);
        o.logger?.warn({ member: t.member, url: t.url, err: sample.error }, 'metrics scrape failed');
      }
    }
    stats.samples++;
    streams.get(t.member)?.write(JSON.stringify(sample) + '\n');
    try {
      o.onSample?.(sample);
    } catch (err) {
      o.logger?.warn({ err: String(err) }, 'live view: a metrics sample was not taken');
    }
  };

  // A member still answering the previous scrape is skipped this tick rather than asked twice.
  const busy = new Set<string>();
  const scrapeAll = (): void => {
    for (const t of o.targets) {
      if (busy.has(t.member)) continue;
      busy.add(t.member);
      const p = scrapeOne(t).finally(() => {
        inFlight.delete(p);
        busy.delete(t.member);
      });
      inFlight.add(p);
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    const t = now();
    const next = o.runBaseMs + Math.floor((t - o.runBaseMs) / intervalMs + 1) * intervalMs;
    timer = setTimeout(() => {
      scrapeAll();
      schedule();
    }, Math.max(0, next - t));
  };

  scrapeAll();
  schedule();
  o.logger?.info({ targets: o.targets, intervalMs }, 'metrics scraper started');

  return {
    async stop(): Promise<ScrapeStats> {
      if (stopped) return stats;
      stopped = true;
      clearTimeout(timer);
      await Promise.all([...inFlight]);
      scrapeAll();
      await Promise.all([...inFlight]);
      await Promise.all([...streams.values()].map((s) => new Promise<void>((r) => s.end(() => r()))));
      o.logger?.info(stats, 'metrics scraper stopped');
      return stats;
    },
  };
}
