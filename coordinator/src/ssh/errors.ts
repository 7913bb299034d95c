import { ErrorCodes, HostError, type Problem } from '@etcdlab/common';
import type { ExecResult } from './types.js';
import { type HostKeyDecision, knownHostsName } from './known-hosts.js';

/** Where a host is, as error messages name it: `etcd-1 (root@10.0.0.11:22)`. */
export interface HostLabel {
  name: string;
  address: string;
  port: number;
  user: string;
}
export const describeHost = (h: HostLabel): string => `${h.name} (${h.user}@${h.address}:${h.port})`;

/** A remote command in a step exited non-zero (or timed out, or the connection dropped). */
export class RemoteStepError extends HostError {
  readonly host: string;
  readonly step: string;
  readonly result: ExecResult | undefined;

  constructor(o: { host: string; step: string; message: string; result?: ExecResult; code?: string; problems?: Problem[]; cause?: unknown }) {
    super(o.code ?? ErrorCodes.remoteStepFailed, `${o.host}: step "${o.step}" failed: ${o.message}`, { problems: o.problems ?? [], cause: o.cause });
    this.host = o.host;
    this.step = o.step;
    this.result = o.result;
  }
}

export function hostKeyError(o: {
  label: HostLabel;
  /** The name the key was looked up as (the jump host's when it is the jump). */
  keyHost: { address: string; port: number };
  decision: Exclude<HostKeyDecision, { status: 'known' }>;
  presented: { type: string; fingerprint: string };
  files: readonly string[];
  recordFile: string;
  role: 'host' | 'jump host';
}): HostError {
  const who = o.role === 'host' ? describeHost(o.label) : `jump host ${o.keyHost.address}:${o.keyHost.port} of ${describeHost(o.label)}`;
  const name = knownHostsName(o.keyHost.address, o.keyHost.port);
  const offered = `${o.presented.type} ${o.presented.fingerprint}`;
  if (o.decision.status === 'unknown') {
    return new HostError(ErrorCodes.hostKeyUnknown, `${who}: host key ${offered} is not in any known_hosts file; refusing to connect`, {
      problems: [
        {
          file: o.files.join(', '),
          field: name,
          message: 'no known_hosts line for this host',
          fix: `check the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_${o.presented.type.replace(/^ssh-|-sha2-nistp\d+$/g, '')}_key.pub), then run again with --accept-new to record it in ${o.recordFile}`,
        },
      ],
    });
  }
  if (o.decision.status === 'revoked') {
    const e = o.decision.entry;
    return new HostError(ErrorCodes.hostKeyRevoked, `${who}: host key ${offered} is marked @revoked; refusing to connect`, {
      problems: [{ file: e.file, field: `line ${e.line}`, message: 'this key is revoked', fix: 'give the host a new host key, or remove the @revoked line if it is wrong' }],
    });
  }
  return new HostError(ErrorCodes.hostKeyMismatch, `${who}: HOST KEY MISMATCH: the host offered ${offered}, which differs from the key recorded for ${name}; refusing to connect (someone may be intercepting the connection, or the host was reinstalled)`, {
    problems: o.decision.entries.map((e) => ({
      file: e.file,
      field: `line ${e.line}`,
      message: `recorded ${e.keyType} key for ${name}`,
      fix: `only if you know the host key changed on purpose: ssh-keygen -R '${name}' -f ${e.file} (or delete line ${e.line}), then run again with --accept-new`,
    })),
  });
}

/** Connection-level failures with a cause a user can act on. */
export function connectError(label: HostLabel, err: Error & { code?: string | number; level?: string }, timeoutMs: number, via?: string): HostError {
  const who = describeHost(label) + (via ? ` via jump host ${via}` : '');
  const code = String(err.code ?? '');
  if (err.level === 'client-authentication' || /authentication methods failed/i.test(err.message)) {
    return new HostError(ErrorCodes.sshAuthFailed, `${who}: authentication refused (${err.message})`, {
      problems: [{ field: 'ssh.identityFile / ssh.agent', message: `user ${label.user} was not accepted with the configured key`, fix: `add the public key to ~${label.user}/.ssh/authorized_keys on the host, or set the right ssh.user / ssh.identityFile in the inventory` }],
    });
  }
  if (err.level === 'client-timeout' || code === 'ETIMEDOUT' || /timed out/i.test(err.message)) {
    return new HostError(ErrorCodes.sshUnreachable, `${who}: no SSH handshake within ${timeoutMs} ms (${err.message})`, {
      problems: [{ field: 'address', message: 'timed out', fix: 'check the address, the port, a firewall, or raise ssh.connectTimeout' }],
    });
  }
  const hint: Record<string, string> = {
    ECONNREFUSED: 'nothing listens on that port: is sshd running, is ssh.port right?',
    EHOSTUNREACH: 'no route to the host: check the address and the network',
    ENETUNREACH: 'no route to the network: check the address',
    ENOTFOUND: 'the name does not resolve: check the address',
    EAI_AGAIN: 'the name does not resolve (DNS): check the address',
    ECONNRESET: 'the connection was reset: check sshd (MaxStartups, tcp wrappers) on the host',
  };
  return new HostError(ErrorCodes.sshUnreachable, `${who}: cannot connect (${code ? code + ': ' : ''}${err.message})`, {
    problems: [{ field: 'address', message: err.message, fix: hint[code] ?? 'check that the host is up and sshd answers on the given port' }],
  });
}
