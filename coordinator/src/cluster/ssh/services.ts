import { posix } from 'node:path';
import type { RemoteHost } from '../../ssh/index.js';
import { type HostLayout, serviceRunDir, unitPath } from './layout.js';
import { renderEnvFile, renderUnit, resolvedArgv, type ServiceSpec } from './service-spec.js';
import { parseSvcStatus, SUPERVISOR_SCRIPT } from './supervisor-script.js';

/** How services run on a host: systemd units, or the fallback supervisor where systemd is not PID 1. */
export type InitMode = 'systemd' | 'fallback';

/** `systemctl is-system-running` answers that mean systemd manages the host (degraded: a unit failed, still systemd). */
const SYSTEMD_STATES = new Set(['running', 'degraded', 'starting', 'initializing', 'maintenance']);

export function initModeFrom(answer: { code: number; stdout: string }): { mode: InitMode; detail: string } {
  const state = answer.stdout.trim().split('\n')[0] ?? '';
  return SYSTEMD_STATES.has(state) ? { mode: 'systemd', detail: state } : { mode: 'fallback', detail: state || `systemctl not usable (exit ${answer.code})` };
}

export async function detectInit(remote: RemoteHost): Promise<{ mode: InitMode; detail: string }> {
  return initModeFrom(await remote.exec(['systemctl', 'is-system-running'], { timeoutMs: 15_000 }));
}

export interface ServiceState {
  /** running, stopped, missing (never installed), failed, restarting, or systemd's own word. */
  state: string;
  pid?: number;
  detail?: string;
}

/** Root runs commands as is; another user through `sudo -n` (never a password prompt). */
export const privileged = (remote: RemoteHost, argv: string[]): string[] => (remote.host.ssh.user === 'root' ? argv : ['sudo', '-n', ...argv]);

/** Uploads `text` unless the file already holds exactly that; returns whether it changed. */
export async function putIfChanged(remote: RemoteHost, path: string, text: string, mode: number): Promise<boolean> {
  const want = Buffer.from(text);
  const have = await remote.readFile(path).catch(() => undefined);
  if (have?.equals(want)) {
    // The content is right; the mode may not be (an env file must stay 0600).
    await remote.run(`chmod ${path}`, ['chmod', mode.toString(8), path]);
    return false;
  }
  await remote.upload(want, path, mode);
  return true;
}

/**
 * One service on one host, managed the same way in both init modes. Every operation is idempotent:
 * install writes only what differs, start leaves a running service alone (restart: true restarts it),
 * stop and remove succeed when there is nothing to stop or remove.
 */
export class ServiceManager {
  constructor(
    readonly remote: RemoteHost,
    readonly mode: InitMode,
    private readonly layout: HostLayout,
  ) {}

  private get runDir(): (s: ServiceSpec) => string {
    return (s) => serviceRunDir(this.layout, s.name);
  }

  /** Writes the env file (0600) and the unit (systemd) or the supervisor script (fallback). Returns whether anything changed. */
  async install(spec: ServiceSpec): Promise<boolean> {
    let changed = false;
    if (spec.envFile && spec.env) changed = (await putIfChanged(this.remote, spec.envFile, renderEnvFile(spec.env), 0o600)) || changed;
    if (this.mode === 'systemd') {
      const target = unitPath(spec.name);
      const text = renderUnit(spec);
      if (this.remote.host.ssh.user === 'root') changed = (await putIfChanged(this.remote, target, text, 0o644)) || changed;
      else {
        // Not root: stage it in the work directory, then install it with sudo.
        const staged = posix.join(this.layout.runDir, `${spec.name}.service`);
        const have = await this.remote.readFile(target).catch(() => undefined);
        if (!have?.equals(Buffer.from(text))) {
          await this.remote.run('create run folder', ['mkdir', '-p', this.layout.runDir]);
          await this.remote.upload(Buffer.from(text), staged, 0o644);
          await this.remote.run('install unit', privileged(this.remote, ['install', '-m', '0644', staged, target]));
          changed = true;
        }
      }
      if (changed) await this.remote.run('systemctl daemon-reload', privileged(this.remote, ['systemctl', 'daemon-reload']));
    } else {
      await this.remote.run('create run folder', ['mkdir', '-p', this.runDir(spec), posix.dirname(this.layout.svcScript)]);
      await putIfChanged(this.remote, this.layout.svcScript, SUPERVISOR_SCRIPT, 0o755);
    }
    return changed;
  }

  async start(spec: ServiceSpec, o: { restart: boolean }): Promise<void> {
    if (this.mode === 'systemd') {
      const ctl = (...a: string[]) => privileged(this.remote, ['systemctl', ...a]);
      await this.remote.exec(ctl('reset-failed', `${spec.name}.service`));
      await this.remote.run(`enable ${spec.name}`, ctl('enable', '--quiet', `${spec.name}.service`));
      await this.remote.run(`${o.restart ? 'restart' : 'start'} ${spec.name}`, ctl(o.restart ? 'restart' : 'start', `${spec.name}.service`), { timeoutMs: 60_000 });
      return;
    }
    if (o.restart) await this.stop(spec);
    const argv = resolvedArgv(spec);
    await this.remote.run(`start ${spec.name}`, [
      '/bin/sh', this.layout.svcScript, 'start', this.runDir(spec), spec.marker, spec.envFile ?? '-', String(spec.limitNoFile), spec.ioBestEffort0 ? '1' : '0', '--', ...argv,
    ], { cwd: spec.workingDirectory, timeoutMs: 60_000 });
  }

  /** Stops the service (and, with systemd, disables it so a reboot does not bring it back). */
  async stop(spec: ServiceSpec): Promise<void> {
    if (this.mode === 'systemd') {
      if ((await this.state(spec)).state === 'missing') return;
      await this.remote.run(`stop ${spec.name}`, privileged(this.remote, ['systemctl', 'disable', '--now', '--quiet', `${spec.name}.service`]), { timeoutMs: 60_000 });
      return;
    }
    const script = await this.remote.exec(['test', '-f', this.layout.svcScript]);
    if (script.code !== 0) return; // never installed here
    await this.remote.run(`stop ${spec.name}`, ['/bin/sh', this.layout.svcScript, 'stop', this.runDir(spec), spec.marker], { timeoutMs: 90_000 });
  }

  async state(spec: ServiceSpec): Promise<ServiceState> {
    if (this.mode === 'systemd') {
      const r = await this.remote.exec(['systemctl', 'show', `${spec.name}.service`, '-p', 'LoadState', '-p', 'ActiveState', '-p', 'SubState', '-p', 'MainPID', '-p', 'Result']);
      const p = Object.fromEntries(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      if (p.LoadState === 'not-found' || r.code !== 0) return { state: 'missing' };
      const pid = Number(p.MainPID);
      const state = p.ActiveState === 'active' ? 'running' : p.ActiveState === 'inactive' ? 'stopped' : (p.ActiveState ?? 'unknown');
      const detail = [p.SubState, p.Result && p.Result !== 'success' ? `result ${p.Result}` : ''].filter(Boolean).join(', ');
      return { state, ...(pid > 0 ? { pid } : {}), ...(detail ? { detail } : {}) };
    }
    const script = await this.remote.exec(['test', '-f', this.layout.svcScript]);
    if (script.code !== 0) return { state: 'missing' };
    const r = await this.remote.run(`status ${spec.name}`, ['/bin/sh', this.layout.svcScript, 'status', this.runDir(spec), spec.marker]);
    const s = parseSvcStatus(r.stdout);
    return { state: s.state, ...(s.main !== undefined ? { pid: s.main } : {}), ...(s.supervisor !== undefined ? { detail: `supervisor ${s.supervisor}` } : {}) };
  }

  /** Stops the service and removes its unit (or its run folder) and env file. */
  async remove(spec: ServiceSpec): Promise<void> {
    await this.stop(spec);
    if (this.mode === 'systemd') {
      const target = unitPath(spec.name);
      const had = (await this.remote.exec(['test', '-e', target])).code === 0;
      if (had) {
        await this.remote.run(`remove ${target}`, privileged(this.remote, ['rm', '-f', target]));
        await this.remote.run('systemctl daemon-reload', privileged(this.remote, ['systemctl', 'daemon-reload']));
      }
      await this.remote.exec(privileged(this.remote, ['systemctl', 'reset-failed', `${spec.name}.service`]));
    }
    await this.remote.run(`remove ${spec.name} files`, privileged(this.remote, ['rm', '-rf', this.runDir(spec), ...(spec.envFile ? [spec.envFile] : [])]));
  }

  /** The last `lines` of the service's output: journalctl with systemd, the supervisor's log otherwise. */
  async logs(spec: ServiceSpec, lines: number): Promise<string> {
    const argv =
      this.mode === 'systemd'
        ? privileged(this.remote, ['journalctl', '-u', `${spec.name}.service`, '-n', String(lines), '--no-pager', '-o', 'short-iso'])
        : ['tail', '-n', String(lines), posix.join(this.runDir(spec), 'service.log')];
    const r = await this.remote.exec(argv, { timeoutMs: 60_000 });
    return r.code === 0 ? r.stdout : `(no log: ${(r.stderr || r.stdout).trim()})\n`;
  }
}
