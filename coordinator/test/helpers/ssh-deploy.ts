/** Helpers for the ssh deployment tests: inventories over the test hosts, free ports, process checks. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface TestHost {
  name: string;
  address: string;
  roles: string[];
  workDir: string;
  port?: number;
  identityFile?: string;
  /** Log in as this user instead of the inventory-wide one (e.g. a sudo user). */
  user?: string;
}

/** An ssh inventory in YAML: the testbed's SSH settings, the given hosts, a cluster on the given ports. */
export function inventoryYaml(o: {
  name?: string;
  ssh: { user: string; port: number; identityFile: string; knownHostsFile: string };
  coordinator: { address: string; port: number };
  hosts: TestHost[];
  cluster: { name: string; clientPort: number; peerPort: number; etcd?: string; tls?: boolean };
  extra?: string;
}): string {
  const hosts = o.hosts
    .map((h) => {
      const ssh = [h.user ? `user: ${h.user}` : '', h.port !== undefined ? `port: ${h.port}` : '', h.identityFile ? `identityFile: ${h.identityFile}` : ''].filter(Boolean).join(', ');
      return `  - { name: ${h.name}, address: ${h.address}, roles: [${h.roles.join(', ')}], workDir: ${h.workDir}${ssh ? `, ssh: { ${ssh} }` : ''} }`;
    })
    .join('\n');
  return `name: ${o.name ?? 'ssh-deploy-test'}
provider: ssh
coordinator: { address: ${o.coordinator.address}, port: ${o.coordinator.port} }
ssh: { user: ${o.ssh.user}, port: ${o.ssh.port}, identityFile: ${o.ssh.identityFile}, knownHostsFile: ${o.ssh.knownHostsFile}, connectTimeout: 5s }
hosts:
${hosts}
cluster:
  name: ${o.cluster.name}
  clientPort: ${o.cluster.clientPort}
  peerPort: ${o.cluster.peerPort}
  etcd: ${o.cluster.etcd ?? '{ kind: local, path: /usr/bin/etcd }'}
  heartbeat: 100ms
  electionTimeout: 1s
  tls: ${o.cluster.tls ? 'true' : 'false'}
${o.extra ?? ''}`;
}

function tryListen(address: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, address, () => {
      const got = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(got));
    });
  });
}

/** A port free on every given address (the kernel picks one on the first, the others are checked). */
export async function freePortOn(addresses: string[], avoid: number[] = []): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tryListen(addresses[0] as string, 0);
    if (port === undefined || avoid.includes(port)) continue;
    const all = await Promise.all(addresses.slice(1).map((a) => tryListen(a, port)));
    if (all.every((p) => p === port)) return port;
  }
  throw new Error(`no port free on all of ${addresses.join(', ')}`);
}

/** Pids whose command line mentions `needle` (a work directory: every process we start there names it). */
export function pidsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) out.push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Every file under dir (recursively) whose content contains `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && readFileSync(p).includes(needle)) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

export const modeOf = (file: string): number => statSync(file).mode & 0o777;

/** Polls until fn() is true or the time is up (bounded). */
export async function eventually(fn: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 200): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return fn();
}
