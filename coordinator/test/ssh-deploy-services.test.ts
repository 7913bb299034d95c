import { describe, expect, it } from 'vitest';
import { chooseRuntime, nodeSatisfies } from '../src/fleet/remote/node-runtime.js';
import { renderEnvFile, renderUnit, resolvedArgv, type ServiceSpec } from '../src/cluster/ssh/service-spec.js';
import { initModeFrom } from '../src/cluster/ssh/services.js';
import { parseSvcStatus } from '../src/cluster/ssh/supervisor-script.js';

const spec: ServiceSpec = {
  name: 'etcdlab-lab-agent',
  description: 'etcdlab load agent l1',
  execStart: ['/usr/bin/node', '/w/agent/etcdlab-agent.cjs', '--coordinator', '${ETCDLAB_COORDINATOR}', '--id', 'l 1', '--odd', '50%$x"'],
  workingDirectory: '/w/agent',
  env: { ETCDLAB_COORDINATOR: 'http://10.0.0.5:7380', ETCDLAB_TOKEN: 'tok_en-1' },
  envFile: '/w/agent/agent.env',
  publicEnv: ['ETCDLAB_COORDINATOR'],
  marker: '/w/agent/agent.log',
  limitNoFile: 65536,
  ioBestEffort0: true,
  restartSec: 2,
};

describe('services: systemd units and the fallback', () => {
  it('renders a unit with a restart policy, file limit and best-effort I/O priority 0', () => {
    const unit = renderUnit(spec);
    for (const line of ['Restart=on-failure', 'RestartSec=2s', 'LimitNOFILE=65536', 'IOSchedulingClass=best-effort', 'IOSchedulingPriority=0', 'EnvironmentFile=/w/agent/agent.env', 'WantedBy=multi-user.target'])
      expect(unit.split('\n')).toContain(line);
    expect(unit).not.toContain('tok_en-1');
    // systemd's own quoting: spaces quoted, % and $ escaped, ${NAME} left for systemd to expand.
    expect(unit).toContain('ExecStart=/usr/bin/node /w/agent/etcdlab-agent.cjs --coordinator ${ETCDLAB_COORDINATOR} --id "l 1" --odd "50%%$$x\\""');
    expect(renderUnit({ ...spec, ioBestEffort0: false })).not.toContain('IOScheduling');
  });

  it('writes env files only with values that mean the same to systemd and sh', () => {
    expect(renderEnvFile({ A: 'http://x:1', B: 'tok_en-1' })).toMatch(/^# .*\nA=http:\/\/x:1\nB=tok_en-1\n$/);
    expect(() => renderEnvFile({ A: 'two words' })).toThrow(/quoting/);
    expect(() => renderEnvFile({ A: '$(reboot)' })).toThrow(/quoting/);
    expect(() => renderEnvFile({ 'bad-name': 'x' })).toThrow(/NAME/);
  });

  it('expands public values for the fallback command line and never a secret', () => {
    expect(resolvedArgv(spec)[3]).toBe('http://10.0.0.5:7380');
    expect(() => resolvedArgv({ ...spec, execStart: ['x', '${ETCDLAB_TOKEN}'] })).toThrow(/not a public value/);
  });

  it('detects systemd from systemctl is-system-running', () => {
    expect(initModeFrom({ code: 0, stdout: 'running\n' }).mode).toBe('systemd');
    expect(initModeFrom({ code: 1, stdout: 'degraded\n' }).mode).toBe('systemd');
    expect(initModeFrom({ code: 1, stdout: 'offline\n' })).toEqual({ mode: 'fallback', detail: 'offline' });
    expect(initModeFrom({ code: 127, stdout: '' })).toEqual({ mode: 'fallback', detail: 'systemctl not usable (exit 127)' });
  });

  it('parses the supervisor\'s status line', () => {
    expect(parseSvcStatus('state=running supervisor=12 main=34\n')).toEqual({ state: 'running', supervisor: 12, main: 34 });
    expect(parseSvcStatus('state=stopped')).toEqual({ state: 'stopped' });
  });
});

describe('agent runtime choice', () => {
  const local = { arch: 'x64', execPath: '/usr/bin/node', version: 'v20.20.2' };
  it('uses a host\'s Node when it is new enough, else uploads ours when the architecture matches', () => {
    expect(nodeSatisfies('v20.19.0')).toBe(true);
    expect(nodeSatisfies('v20.18.3')).toBe(false);
    expect(nodeSatisfies('v22.1.0')).toBe(true);
    expect(chooseRuntime({ arch: 'amd64', node: { path: '/usr/local/bin/node', version: 'v22.3.0' } }, local)).toEqual({ kind: 'host', path: '/usr/local/bin/node', version: 'v22.3.0' });
    expect(chooseRuntime({ arch: 'amd64', node: { path: '/usr/bin/node', version: 'v18.19.0' } }, local)).toEqual({ kind: 'upload', from: '/usr/bin/node', version: 'v20.20.2' });
    expect(chooseRuntime({ arch: 'amd64' }, local).kind).toBe('upload');
    const none = chooseRuntime({ arch: 'arm64' }, local);
    expect(none.kind).toBe('none');
    expect(none.kind === 'none' && none.reason).toContain('arm64');
  });
});
