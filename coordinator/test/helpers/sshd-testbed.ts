/** Starts the project's sshd testbed (scripts/testbed/sshd-hosts.sh): N real OpenSSH sshd on 127.0.0.11.. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Inventory, parseInventory } from '@etcdlab/common';
import { readFileSync } from 'node:fs';

const script = fileURLToPath(new URL('../../../scripts/testbed/sshd-hosts.sh', import.meta.url));

export interface SshdTestbed {
  dir: string;
  port: number;
  inventoryFile: string;
  knownHosts: string;
  knownHostsHashed: string;
  identity: string;
  addresses: string[];
  /** The generated inventory, parsed. */
  inventory(): Inventory;
  stop(): Promise<void>;
}

function sh(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('bash', [script, ...args], { env: { ...process.env, ...env }, timeout: 300_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${script} ${args.join(' ')} failed: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
}

/** Fails (never skips) with the script's own message when sshd is missing and cannot be installed. */
export async function startSshdTestbed(n: number, opts: { first?: number } = {}): Promise<SshdTestbed> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'etcdlab-sshd-'));
  const out = await sh(['start', String(n), dir], opts.first ? { SSHD_HOSTS_FIRST: String(opts.first) } : {});
  const vars = Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return {
    dir,
    port: Number(vars.port),
    inventoryFile: vars.inventory as string,
    knownHosts: vars.known_hosts as string,
    knownHostsHashed: vars.known_hosts_hashed as string,
    identity: vars.identity as string,
    addresses: (vars.addresses as string).split(','),
    inventory: () => parseInventory(readFileSync(vars.inventory as string, 'utf8'), vars.inventory as string),
    stop: async () => {
      await sh(['stop', String(n), dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
