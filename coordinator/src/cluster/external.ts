/**
 * The `external` provider: a cluster the user already runs, given by `--endpoints` (and TLS files). The
 * run neither starts nor stops it; it checks that every endpoint answers before anything starts.
 */
import { EtcdClient } from '@etcdlab/agent/etcd';
import { ClusterError, ErrorCodes, hostAddress, InputError } from '@etcdlab/common';
import { readFolderFile } from '../files/bounded-read.js';
import { scrapeTargets } from '../metrics/index.js';
import { type ClusterSource, type ClusterTarget, clusterRecord, etcdClientTls, type TlsMaterial } from './target.js';

/** `host:port` or a URL; TLS options switch bare endpoints to https. */
export function normalizeEndpoints(list: string, tls: boolean): string[] {
  const bad = (e: string, message: string, fix = 'e.g. --endpoints 10.0.0.1:2379,10.0.0.2:2379 or https://etcd-1.example.com:2379') =>
    new InputError(ErrorCodes.optionInvalid, `invalid endpoint ${JSON.stringify(e.length > 80 ? `${e.slice(0, 80)}...` : e)}`, [{ field: '--endpoints', message, fix }]);
  const items = list.split(',').map((s) => s.trim());
  if (items.every((i) => i === '')) throw new InputError(ErrorCodes.optionInvalid, 'no endpoints given', [{ field: '--endpoints', message: 'empty list', fix: 'e.g. --endpoints 10.0.0.1:2379,10.0.0.2:2379' }]);
  if (items.some((i) => i === '')) throw bad(list, 'an empty item in the list (two commas, or one at an end)');
  if (items.length > 64) throw bad(list, `${items.length} endpoints; at most 64`);
  const out = items.map((e) => {
    const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(e) ? e : `${tls ? 'https' : 'http'}://${e}`;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw bad(e, 'not HOST:PORT or a URL');
    }
    if (!['http:', 'https:'].includes(parsed.protocol)) throw bad(e, `${parsed.protocol} is not http or https`);
    if (parsed.username || parsed.password) throw bad(e, 'carries a user name or password', 'etcd endpoints take no credentials in the URL; use --cert/--key');
    if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search || parsed.hash) throw bad(e, 'has a path, query or fragment', 'give scheme, host and port only');
    if (!parsed.port || Number(parsed.port) < 1) throw bad(e, 'needs a port from 1 to 65535');
    const host = hostAddress(parsed.hostname.replace(/^\[|\]$/g, ''));
    if (!host.ok) throw bad(e, host.message, host.fix);
    return `${parsed.protocol}//${host.value.includes(':') ? `[${host.value}]` : host.value}:${parsed.port}`;
  });
  const dup = out.find((u, i) => out.indexOf(u) !== i);
  if (dup) throw bad(dup, `${dup} is given twice`, 'list each member once');
  return out;
}

export interface TlsFiles {
  cacert?: string;
  cert?: string;
  key?: string;
}

/** Reads --cacert/--cert/--key into PEM material; undefined when none is given. */
export function readTlsFiles(o: TlsFiles): TlsMaterial | undefined {
  const files = { ca: o.cacert, cert: o.cert, key: o.key };
  if (!files.ca && !files.cert && !files.key) return undefined;
  if (Boolean(files.cert) !== Boolean(files.key))
    throw new InputError(ErrorCodes.optionInvalid, 'a client certificate needs its key', [{ field: files.cert ? '--key' : '--cert', message: 'given without the other', fix: 'pass both --cert and --key' }]);
  const out: TlsMaterial = {};
  for (const [name, file] of Object.entries(files) as [keyof typeof files, string | undefined][]) {
    if (!file) continue;
    const flag = name === 'ca' ? '--cacert' : `--${name}`;
    const refuse = (message: string) => new InputError(ErrorCodes.tlsFileUnreadable, `cannot read ${flag} file ${file}`, [{ file, field: flag, message, fix: 'give the path of a PEM file' }]);
    // A regular file of at most 1 MiB (a certificate bundle is a few KiB; /dev/zero would never end).
    const read = readFolderFile(file, 1024 * 1024);
    if ('problem' in read) throw refuse(read.problem);
    if (!/-----BEGIN [A-Z0-9 ]+-----/.test(read.text)) throw refuse('is not PEM (no -----BEGIN ...----- block)');
    out[name] = read.text;
  }
  return out;
}

/** Checks every endpoint answers; returns the cluster's version. */
export async function probeEndpoints(endpoints: string[], tls: TlsMaterial | undefined): Promise<string | undefined> {
  const pem = etcdClientTls(tls);
  const client = new EtcdClient({ endpoints, connections: endpoints.length, ...(pem ? { tls: pem } : {}) });
  try {
    let version: string | undefined;
    for (const ep of endpoints) {
      try {
        version = (await client.status(ep, 3000)).version;
      } catch (err) {
        throw new ClusterError(ErrorCodes.endpointUnreachable, `etcd endpoint ${ep} did not answer: ${(err as Error).message}`, {
          exitCode: 1,
          problems: [{ field: '--endpoints', message: ep, fix: 'check the address and port, and pass --cacert/--cert/--key for a TLS cluster' }],
        });
      }
    }
    return version;
  } finally {
    await client.close();
  }
}

/** A source for `--endpoints`: the options are read (and refused) when the source is made. */
export function externalSource(o: { endpoints: string } & TlsFiles): ClusterSource {
  const tls = readTlsFiles(o);
  const endpoints = normalizeEndpoints(o.endpoints, tls !== undefined);
  let version: string | undefined;
  return {
    provider: 'external',
    label: endpoints.join(', '),
    async precheck() {
      version = await probeEndpoints(endpoints, tls);
    },
    async acquire(): Promise<ClusterTarget> {
      // Unnamed members are named after their endpoint, as their metrics files are.
      const members = scrapeTargets(endpoints).map((m, i) => ({ name: m.member, clientUrl: endpoints[i] as string }));
      const t = { provider: 'external' as const, endpoints, members, ...(version ? { etcdVersion: version } : {}), ...(tls ? { tls } : {}) };
      return { ...t, record: clusterRecord(t), manifestExtra: {}, ownMarkers: [], release: async () => [] };
    },
  };
}
