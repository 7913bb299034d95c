/**
 * The grammar of every inventory value that can reach a command, a file, a unit or a URL
 * (docs/hosts.md#what-an-inventory-value-may-be). Checked when the inventory is read, before anything is
 * contacted, in every command. Pure: each check returns the value in its one canonical spelling, or why
 * it is not one (a message and a fix for the problem list).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { posix } from 'node:path';

export type Checked = { ok: true; value: string } | { ok: false; message: string; fix: string };

const bad = (message: string, fix: string): Checked => ({ ok: false, message, fix });
const good = (value: string): Checked => ({ ok: true, value });

/** C0 controls, DEL and the C1 controls: never in a value that is written or shown anywhere. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/** A value shown in a message: quoted, control characters escaped (JSON), long values cut. */
export function shown(v: string, max = 80): string {
  return JSON.stringify(v.length > max ? `${v.slice(0, max)}...` : v);
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A host's address: a DNS name (RFC 1123, lower-cased), an IPv4 address (dotted quad, no leading zeros)
 * or an IPv6 address (its compressed lower-case form, without brackets), so that one machine has one
 * spelling. No scheme, port, path, user or option inside: those have their own fields.
 */
export function hostAddress(raw: string): Checked {
  const fix = 'write a host name (db1.example.com) or an IP address (10.0.0.5, fd00::5), nothing else: ports are ssh.port and cluster.clientPort';
  if (CONTROL_CHARS.test(raw) || /\s/.test(raw)) return bad(`${shown(raw)} contains white space or control characters`, fix);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return bad(`${shown(raw)} is a URL`, fix);
  if (raw.startsWith('-')) return bad(`${shown(raw)} starts with a dash (it would be read as an option)`, fix);
  if (raw.includes('@')) return bad(`${shown(raw)} contains a user name`, 'write the user as ssh.user; the address alone here');
  const unbracketed = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (isIPv6(unbracketed)) {
    if (unbracketed.includes('%')) return bad(`${shown(raw)} has a zone index`, 'use a global or unique-local IPv6 address');
    // The URL parser gives IPv6's canonical (RFC 5952) compressed form; an IPv4-mapped address is the IPv4 host.
    const v6 = new URL(`http://[${unbracketed}]/`).hostname.slice(1, -1);
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
    if (mapped) {
      const [hi, lo] = [parseInt(mapped[1] as string, 16), parseInt(mapped[2] as string, 16)];
      return good(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
    }
    return good(v6);
  }
  if (/^[0-9.]+$/.test(raw)) {
    if (!isIPv4(raw) || raw.split('.').some((o) => o.length > 1 && o.startsWith('0'))) return bad(`${shown(raw)} is not an IPv4 address (four numbers 0-255, no leading zeros)`, fix);
    return good(raw);
  }
  if (raw.includes(':')) return bad(`${shown(raw)} contains a port or is not an address`, fix);
  const name = raw.toLowerCase().replace(/\.$/, '');
  if (name.length === 0 || name.length > 253 || !name.split('.').every((l) => LABEL.test(l))) return bad(`${shown(raw)} is not a host name (letters, digits and dashes in dot-separated labels of at most 63)`, fix);
  // A resolver reads 0xc6.0x13.0.11 or 3323134987 as an IPv4 address: that is not a name (RFC 1123: no all-numeric top label).
  if (/^(0x[0-9a-f]*|\d+)$/.test(name.split('.').at(-1) as string)) return bad(`${shown(raw)} looks like a numeric address in another notation`, 'write the IPv4 address as four decimal numbers, e.g. 198.19.0.11');
  return good(name);
}

/** A login name as POSIX allows it portably: letters, digits, dot, dash, underscore; not starting with a dash. */
export function userName(raw: string): Checked {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/.test(raw)) return bad(`${shown(raw)} is not a user name`, 'a POSIX user name: a letter or underscore, then letters, digits, dot, dash or underscore, at most 32');
  return good(raw);
}

/** Folders etcdlab must never own: it creates and removes sub-folders (etcd/, agent/, run/, bin/) of its work directory. */
const SYSTEM_DIRS = new Set([
  '/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/libx32', '/media', '/mnt', '/opt', '/proc', '/root', '/run', '/sbin', '/srv',
  '/sys', '/tmp', '/usr', '/var', '/var/lib', '/var/log', '/var/tmp', '/var/cache', '/var/run', '/var/spool', '/usr/local', '/var/lib/etcd',
]);
/** Trees that belong to the system whole: nothing of etcdlab goes anywhere inside them. */
const SYSTEM_TREES = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/run', '/sbin', '/sys', '/usr/bin', '/usr/sbin', '/usr/lib', '/usr/libexec', '/usr/share', '/usr/include', '/var/run'];

/**
 * A work directory on a host: absolute, normalised (no `.`, `..`, `//` or trailing slash), of letters,
 * digits and `._-/` only (it is written into systemd units and shell commands), and not a system folder.
 */
export function remoteDir(raw: string): Checked {
  const fix = 'an absolute folder of its own, of letters, digits and ._-/ only, e.g. /var/lib/etcdlab (the default) or /opt/etcdlab';
  if (!/^\/[A-Za-z0-9._/-]*$/.test(raw)) return bad(`${shown(raw)} is not an absolute path of letters, digits and ._-/`, fix);
  const norm = posix.normalize(raw);
  if (norm !== raw || (raw.length > 1 && raw.endsWith('/'))) return bad(`${shown(raw)} is not normalised (write it as ${norm.replace(/(.)\/$/, '$1')})`, fix);
  if (raw.length > 200) return bad(`${shown(raw)} is longer than 200 characters`, fix);
  if (SYSTEM_DIRS.has(raw) || SYSTEM_TREES.some((t) => raw === t || raw.startsWith(`${t}/`)) || raw.split('/').filter(Boolean).length < 2) return bad(`${raw} is a system folder (or a top-level one)`, fix);
  return good(raw);
}

/** A file on this machine (a key, a binary, a tarball): no control characters, not an option. */
export function localPath(raw: string): Checked {
  if (CONTROL_CHARS.test(raw)) return bad(`${shown(raw)} contains control characters`, 'write the path as one line of printable characters');
  if (raw.startsWith('-')) return bad(`${shown(raw)} starts with a dash`, 'write ./ before a relative path that starts with a dash');
  if (raw.length > 4096) return bad('the path is longer than 4096 characters', 'use a shorter path');
  return good(raw);
}

/** A name etcdlab writes into file, unit and container names: letters, digits, dot, dash, underscore. */
export function safeName(raw: string, max = 63): Checked {
  if (!new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${max - 1}}$`).test(raw)) return bad(`${shown(raw)} is not a name`, `letters, digits, dot, dash and underscore, starting with a letter or digit, at most ${max}`);
  return good(raw);
}

/** A docker image reference: [registry[:port]/]path[:tag][@digest], in docker's own alphabet. */
export function imageRef(raw: string): Checked {
  const ok = /^[A-Za-z0-9][A-Za-z0-9._-]*(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/.test(raw);
  if (!ok || raw.length > 255) return bad(`${shown(raw)} is not an image reference`, 'e.g. quay.io/coreos/etcd:v3.5.17 or gcr.io/etcd-development/etcd@sha256:<64 hex>');
  return good(raw);
}

/** An https or http URL without credentials or white space (a release tarball's download). */
export function downloadUrl(raw: string): Checked {
  const fix = 'an https:// URL of the release tarball, or a file on this machine';
  if (CONTROL_CHARS.test(raw) || /\s/.test(raw)) return bad(`${shown(raw)} contains white space or control characters`, fix);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return bad(`${shown(raw)} is not a URL`, fix);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return bad(`${shown(raw)} is not an http(s) URL`, fix);
  if (u.username || u.password) return bad('the URL carries credentials', 'download it yourself and give the file');
  return good(raw);
}

/** An etcd flag value written into its configuration file: printable, one line. */
export function flagValue(raw: string): Checked {
  if (CONTROL_CHARS.test(raw)) return bad(`${shown(raw)} contains control characters`, 'one line of printable characters');
  if (raw.length > 1024) return bad('longer than 1024 characters', 'a shorter value');
  return good(raw);
}
