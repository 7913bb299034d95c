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
import { renderUnit } from '../src/cluster/ssh/service-spec.js';

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
  - { name: e1, address: 10.0.0.11, roles: [etcd, monitor], workDir: /tmp }
  - { name: l1, address: 10.0.0.21, roles: [agent], workDir: /tmp }
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
});
