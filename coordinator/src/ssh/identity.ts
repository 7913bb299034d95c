import { access, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCodes, HostError } from '@etcdlab/common';
import ssh2 from 'ssh2';
import { expandHome } from './known-hosts-store.js';

/** What ssh2 authenticates with: a private key, the ssh-agent socket, or both (key first). */
export interface Identity {
  privateKey?: Buffer;
  agent?: string;
  /** For logs: the key file or "ssh-agent". */
  describe: string;
}

export interface IdentityRequest {
  identityFile?: string | undefined;
  agent?: boolean | undefined;
  /** Where the setting comes from, for error messages (e.g. `hosts[2].ssh.identityFile`). */
  field: string;
  inventoryFile?: string;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/**
 * Resolves the identity like OpenSSH without prompts: the configured key file (~ expanded, must be
 * passphrase-less) and/or the ssh-agent (SSH_AUTH_SOCK); with neither configured, the running agent if
 * any, else the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa that exists.
 */
export async function resolveIdentity(req: IdentityRequest, env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): Promise<Identity> {
  const sock = env.SSH_AUTH_SOCK;
  if (req.agent && !sock) {
    throw identityError(req, 'ssh.agent is true but SSH_AUTH_SOCK is not set (no ssh-agent is running)', 'start one (eval $(ssh-agent); ssh-add KEY) or set ssh.identityFile');
  }
  if (req.identityFile) {
    const key = await loadKey(expandHome(req.identityFile, home), req);
    return { privateKey: key, ...(req.agent && sock ? { agent: sock } : {}), describe: req.identityFile + (req.agent ? ' + ssh-agent' : '') };
  }
  if (sock) return { agent: sock, describe: 'ssh-agent' };
  for (const name of DEFAULT_KEYS) {
    const file = path.join(home, '.ssh', name);
    if (await access(file).then(() => true, () => false)) return { privateKey: await loadKey(file, { ...req, field: `${req.field} (default ${file})` }), describe: file };
  }
  throw identityError(req, 'no identity: neither ssh.identityFile nor ssh.agent is set, no ssh-agent runs and no ~/.ssh/id_* key exists', 'set ssh.identityFile: ~/.ssh/id_ed25519 (or ssh.agent: true) in the inventory');
}

async function loadKey(file: string, req: IdentityRequest): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    throw identityError(req, `cannot read identity file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'give the path of a private key the coordinator can read');
  }
  const parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) {
    if (/encrypted|passphrase/i.test(parsed.message)) {
      throw identityError(req, `identity file ${file} is encrypted with a passphrase; etcdlab never prompts`, `load it into the ssh-agent (ssh-add ${file}) and set ssh.agent: true instead of ssh.identityFile`);
    }
    throw identityError(req, `identity file ${file} is not a private key ssh can use (${parsed.message})`, 'give an OpenSSH or PEM private key (ssh-keygen -t ed25519 makes one)');
  }
  return data;
}

function identityError(req: IdentityRequest, message: string, fix: string): HostError {
  return new HostError(ErrorCodes.sshIdentity, message, { problems: [{ ...(req.inventoryFile ? { file: req.inventoryFile } : {}), field: req.field, message, fix }] });
}
