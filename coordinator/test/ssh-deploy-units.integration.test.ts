/**
 * The systemd units etcdlab generates pass `systemd-analyze verify` (the real tool, with the real etcd
 * and node binaries the units name); a broken unit is caught by the same check, so the check can fail.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseInventory } from '@etcdlab/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentServiceSpec, remoteAgents } from '../src/fleet/remote/agent-specs.js';
import { etcdServiceSpec } from '../src/cluster/ssh/etcd-service.js';
import { hostLayout } from '../src/cluster/ssh/layout.js';
import { sshMembers } from '../src/cluster/ssh/members.js';
import { renderUnit, type ServiceSpec } from '../src/cluster/ssh/service-spec.js';
import { HOSTILE } from './helpers/hostile.js';

const ANALYZE = '/usr/bin/systemd-analyze';
let dir: string;

beforeAll(() => {
  if (!existsSync(ANALYZE)) throw new Error(`${ANALYZE} is missing: install it with apt-get install systemd (scripts/setup.sh does it as root)`);
  dir = mkdtempSync(path.join(os.tmpdir(), 'etcdlab-units-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs verify on one unit file; returns the exit status and the lines about that file. */
function verify(name: string, text: string): { code: number | null; lines: string[] } {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const r = spawnSync(ANALYZE, ['verify', file], { encoding: 'utf8', timeout: 60_000 });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.includes(name));
  return { code: r.status, lines };
}

describe('generated systemd units', () => {
  const inv = parseInventory(
    `provider: ssh
coordinator: { address: 10.0.0.5 }
hosts:
  - { name: e1, address: 10.0.0.11, roles: [etcd, monitor], workDir: /var/lib/etcdlab }
  - { name: l1, address: 10.0.0.21, roles: [agent], workDir: /var/lib/etcdlab }
cluster: { name: lab, etcd: { kind: host, path: /usr/bin/etcd } }
`,
    'lab.yaml',
  );

  it('the etcd member unit verifies clean', () => {
    const m = sshMembers(inv)[0]!;
    const spec = etcdServiceSpec(inv, m, hostLayout({ workDir: dir }), '/usr/bin/etcd');
    const unit = renderUnit(spec);
    expect(unit).toContain('LimitNOFILE=65536');
    const r = verify(`${spec.name}.service`, unit);
    expect(r.lines).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('the agent and monitor units verify clean', () => {
    for (const a of remoteAgents(inv)) {
      const spec = agentServiceSpec(inv, a, hostLayout({ workDir: dir }), { node: process.execPath, token: 'x' });
      const r = verify(`${spec.name}.service`, renderUnit(spec));
      expect(r.lines, a.role).toEqual([]);
      expect(r.code).toBe(0);
    }
  });

  it('a broken unit does not (the check can fail)', () => {
    const m = sshMembers(inv)[0]!;
    const spec = etcdServiceSpec(inv, m, hostLayout({ workDir: dir }), '/usr/bin/etcd');
    const broken = renderUnit(spec).replace('IOSchedulingClass=best-effort', 'IOSchedulingClass=fastest').replace('/usr/bin/etcd ', '/nonexistent/etcd ');
    const r = verify('etcdlab-broken.service', broken);
    expect(r.lines.join('\n')).toMatch(/IO scheduling class|not executable/);
  });

  it('hostile values: every ExecStart word comes back exactly from systemd\'s quoting, no value adds a line or a setting, and the unit verifies; unsafe paths are refused', () => {
    const words = [...HOSTILE, 'a\rb', '\u0001', '\u007f', '%n %i', '"$(id)"\nExecStartPre=/bin/touch /tmp/etcdlab-pwned'];
    const spec: ServiceSpec = {
      name: 'etcdlab-hostile',
      description: 'hostile\nExecStartPre=/bin/touch /tmp/etcdlab-pwned %n',
      execStart: ['/bin/echo', ...words],
      workingDirectory: dir,
      marker: 'x',
      limitNoFile: 1024,
      ioBestEffort0: false,
      restartSec: 2,
    };
    const unit = renderUnit(spec);
    const settings = unit.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('['));
    expect(settings.map((l) => l.slice(0, l.indexOf('=')))).toEqual(['Description', 'After', 'Wants', 'StartLimitIntervalSec', 'StartLimitBurst', 'Type', 'WorkingDirectory', 'ExecStart', 'Restart', 'RestartSec', 'LimitNOFILE', 'TimeoutStopSec', 'WantedBy']);
    expect(parseExecStart(settings.find((l) => l.startsWith('ExecStart='))!.slice('ExecStart='.length))).toEqual(['/bin/echo', ...words]);
    const r = verify('etcdlab-hostile.service', unit);
    expect(r.lines).toEqual([]);
    expect(r.code).toBe(0);
    for (const bad of ['/tmp/a\nExecStartPre=/bin/sh', '/tmp/$(id)', 'relative/dir', '/tmp/two words'])
      expect(() => renderUnit({ ...spec, workingDirectory: bad }), bad).toThrow(/not a plain absolute path/);
    expect(() => renderUnit({ ...spec, execStart: ['-/bin/echo', 'x'] })).toThrow(/ExecStart/);
  });
});

/** systemd's own reading of an ExecStart value (systemd.service(5)): words, double quotes with C escapes, $$ and %%. */
function parseExecStart(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ') i++;
    if (i >= line.length) break;
    let word = '';
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\') {
          const n = line[i + 1];
          if (n === 'n') word += '\n';
          else if (n === 't') word += '\t';
          else if (n === 'x') {
            word += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
            i += 2;
          } else word += n;
          i += 2;
        } else word += line[i++];
      }
      i++;
    } else while (i < line.length && line[i] !== ' ') word += line[i++];
    out.push(word.replace(/\$\$/g, '$').replace(/%%/g, '%'));
  }
  return out;
}
