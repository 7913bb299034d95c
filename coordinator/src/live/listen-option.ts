import { isIP } from 'node:net';
import type { Command } from 'commander';
import { ErrorCodes, InputError } from '@etcdlab/common';

/** Where the live view listens (docs/live.md), or off. */
export type LiveListen = { host: string; port: number } | 'off';

export const LIVE_LISTEN_DEFAULT = '127.0.0.1:0';

const FIX = 'give HOST:PORT (e.g. 127.0.0.1:9464, [::1]:9464, 0.0.0.0:9464), a port alone (127.0.0.1 is used), port 0 for any free port, or off';
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const invalid = (value: string, message: string) => new InputError(ErrorCodes.optionInvalid, `invalid value for --metrics-listen: ${JSON.stringify(value)}`, [{ field: '--metrics-listen', message, fix: FIX }]);

/** `--metrics-listen`: HOST:PORT, [IPv6]:PORT, PORT, or off. Pure: binding (a port in use) is checked when the view opens. */
export function parseLiveListen(value: string = LIVE_LISTEN_DEFAULT): LiveListen {
  const v = value.trim();
  if (v === 'off') return 'off';
  let host = '127.0.0.1';
  let port = v;
  const m = /^\[([^\]]*)\]:(.*)$/.exec(v) ?? /^([^:]*):([^:]*)$/.exec(v);
  if (m) {
    host = m[1] as string;
    port = m[2] as string;
    const bracketed = v.startsWith('[');
    if (bracketed ? isIP(host) !== 6 : !(isIP(host) === 4 || HOSTNAME.test(host))) throw invalid(value, bracketed ? `${host} is not an IPv6 address` : `${JSON.stringify(host)} is not an IPv4 address or a host name`);
  } else if (v.includes(':')) throw invalid(value, 'an IPv6 address needs brackets: [::1]:PORT');
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw invalid(value, `${JSON.stringify(port)} is not a port from 0 to 65535`);
  return { host, port: Number(port) };
}

/** The option as run, quickstart and sweep take it. */
export function addLiveListenOption(cmd: Command): Command {
  return cmd.option('--metrics-listen <host:port|off>', 'live view and Prometheus /metrics during the run (docs/live.md); port 0: any free port', LIVE_LISTEN_DEFAULT);
}
