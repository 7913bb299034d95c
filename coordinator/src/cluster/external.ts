/**
 * The `external` provider: a cluster the user already runs, given by `--endpoints` (and TLS files). The
 * run neither starts nor stops it; it checks that every endpoint answers before anything starts.
 */
import { readFileSync } from 'node:fs';
import { EtcdClient } from '@etcdlab/agent/etcd';
import { ClusterError, ErrorCodes, InputError } from '@etcdlab/common';
import { scrapeTargets } from '../metrics/index.js';
import { type ClusterSource, type ClusterTarget, clusterRecord, etcdClientTls, type TlsMaterial } from './target.js';

/** `host:port` or a URL; TLS options switch bare endpoints to https. */
export function normalizeEndpoints(list: string, tls: boolean): string[] {
  const items = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new InputError(ErrorCodes.optionInvalid, 'no endpoints given', [{ field: '--endpoints', message: 'empty list', fix: 'e.g. --endpoints 10.0.0.1:2379,10.0.0.2:2379' }]);
  return items.map((e) => {
    const url = /^[a-z]+:\/\//.test(e) ? e : `${tls ? 'https' : 'http'}://${e}`;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InputError(ErrorCodes.optionInvalid, `invalid endpoint "${e}"`, [{ field: '--endpoints', message: `"${e}" is not HOST:PORT or a URL`, fix: 'e.g. --endpoints 127.0.0.1:2379' }]);
    }
    if (!['http:', 'https:'].includes(parsed.protocol) || !parsed.port)
      throw new InputError(ErrorCodes.optionInvalid, `invalid endpoint "${e}"`, [{ field: '--endpoints', message: 'needs http(s), a host and a port', fix: 'e.g. --endpoints https://etcd-1:2379' }]);
    return `${parsed.protocol}//${parsed.host}`;
  });
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
    try {
      out[name] = readFileSync(file, 'utf8');
    } catch (err) {
      const flag = name === 'ca' ? '--cacert' : `--${name}`;
      throw new InputError(ErrorCodes.tlsFileUnreadable, `cannot read ${flag} file ${file}`, [{ file, field: flag, message: (err as NodeJS.ErrnoException).code ?? String(err), fix: 'give the path of a PEM file' }]);
    }
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
