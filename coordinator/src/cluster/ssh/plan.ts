import type { Inventory } from '@etcdlab/common';
import { renderEtcdConfig, etcdConfig } from './etcd-config.js';
import { hostLayout, etcdServiceName, unitPath } from './layout.js';
import { sshMembers } from './members.js';

/** What `cluster up --dry-run` prints: every step per host and the generated configuration. Pure. */
export function upPlan(inv: Inventory, sourceLine: string): string[] {
  const members = sshMembers(inv);
  const lines = [`plan: cluster ${inv.cluster.name}, ${members.length} member(s), nothing will be changed (--dry-run)`];
  lines.push('  every host: connect (host key checked against known_hosts), probe arch and init system; no host is changed unless all answer');
  lines.push('  then every host: delete the etcdlab fault tables (nftables) and send the member SIGCONT, undoing faults a coordinator that died left (docs/faults.md)');
  for (const m of members) {
    const l = hostLayout(m.host);
    const svc = etcdServiceName(inv);
    lines.push(`[${m.name}] ${m.host.ssh.user}@${m.host.address}:${m.host.ssh.port}, work directory ${l.workDir}`);
    lines.push(`  1. create ${l.workDir}`);
    lines.push(`  2. etcd binary: ${sourceLine}`);
    lines.push(`  3. write ${l.etcdConfig}${inv.cluster.tls ? ` and certificates in ${l.etcdTls}/ (made here by openssl, kept in .etcdlab/ssh/${inv.cluster.name}/pki/)` : ''}`);
    lines.push(`  4. systemd: ${unitPath(svc)} (Restart=on-failure, LimitNOFILE, best-effort I/O 0), enable and start`);
    lines.push(`     no running systemd: supervisor ${l.svcScript}, pid files in ${l.runDir}/${svc}/`);
    lines.push(`  5. client ${m.clientUrl}, peer ${m.peerUrl}, data ${l.etcdData}`);
    for (const line of renderEtcdConfig(etcdConfig(inv, m, members)).trimEnd().split('\n')) lines.push(`     | ${line}`);
  }
  lines.push(`then: wait until every member answers /health (${members.map((m) => m.clientUrl).join(', ')})`);
  return lines;
}

export function sourceLine(inv: Inventory): string {
  const s = inv.cluster.etcd;
  if (!s) return '(not set)';
  switch (s.kind) {
    case 'local':
      return `upload ${s.path} over SFTP (skipped when the host's copy has the same sha256)${s.etcdctlPath ? `, and ${s.etcdctlPath}` : ''}`;
    case 'release':
      return `upload ${s.tarball} (sha256 ${s.sha256.slice(0, 12)}..., checked here and on the host), unpack etcd and etcdctl`;
    case 'host':
      return `use the host's ${s.path}`;
    default:
      return `(${s.kind}: not for the ssh provider)`;
  }
}
