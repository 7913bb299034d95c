/**
 * Jump host connections shared by every host behind the same jump host during one command: forty hosts
 * behind one bastion make one SSH connection to it, not forty (each would cost the bastion a handshake
 * and a login). A connection closes when the last host using it is closed; one that dies is dropped, so
 * the next host to ask opens a new one.
 */
import type { Client } from 'ssh2';
import type { HostKeyInfo } from './types.js';

export interface JumpConnection {
  client: Client;
  key: HostKeyInfo;
}

/** A host's hold on a jump connection; release() once, when the host is closed. */
export interface JumpLease extends JumpConnection {
  release(): Promise<void>;
}

interface Entry {
  opened: Promise<JumpConnection>;
  users: number;
}

export class JumpPool {
  private readonly entries = new Map<string, Entry>();

  /** The open connection for `key`, or a new one from `open` (concurrent callers share one attempt). */
  async acquire(key: string, open: () => Promise<JumpConnection>): Promise<JumpLease> {
    let entry = this.entries.get(key);
    if (!entry) {
      const created: Entry = { opened: open(), users: 0 };
      entry = created;
      this.entries.set(key, created);
      const forget = () => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      };
      created.opened.then((c) => {
        // Every host behind it listens to it; the default limit of 10 listeners is not a leak here.
        c.client.setMaxListeners(0);
        c.client.once('close', forget);
      }, forget);
    }
    entry.users++;
    let conn: JumpConnection;
    try {
      conn = await entry.opened;
    } catch (err) {
      entry.users--;
      throw err;
    }
    const held = entry;
    let released = false;
    return {
      ...conn,
      release: async () => {
        if (released) return;
        released = true;
        held.users--;
        if (held.users > 0) return;
        if (this.entries.get(key) === held) this.entries.delete(key);
        await endClient(conn.client);
      },
    };
  }

  /** Connections open now (for tests). */
  get size(): number {
    return this.entries.size;
  }
}

/** A jump connection for one host alone (no pool): closed with that host. */
export function ownJump(conn: JumpConnection): JumpLease {
  return { ...conn, release: () => endClient(conn.client) };
}

/** Ends an SSH connection and waits (at most 2 s) until it is closed. */
export function endClient(c: Client): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 2000);
    c.once('close', () => {
      clearTimeout(t);
      resolve();
    });
    c.end();
  });
}
