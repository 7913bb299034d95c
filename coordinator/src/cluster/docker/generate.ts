/**
 * `cluster generate`: writes the compose file (and, for TLS, the certificates it mounts beside it). Needs
 * no Docker Engine: ports follow the layout (no collision check: the file is for later, elsewhere perhaps)
 * and the subnet is the one the cluster name prefers.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { composeYaml } from './compose.js';
import { memberSpecs } from './members.js';
import { makeClusterPki, memberTlsFiles } from './pki.js';
import { layoutPorts } from './port-plan.js';
import type { DockerSession } from './session.js';
import { preferredSubnet } from './subnet.js';
import { newToken } from './up.js';

export async function generate(s: DockerSession, o: { file: string; members?: number }): Promise<void> {
  const { cfg } = s;
  const n = o.members ?? cfg.defaultMembers;
  const specs = memberSpecs(cfg, layoutPorts(cfg.basePort, n));
  const dir = path.dirname(path.resolve(o.file));
  const tlsDir = cfg.tls ? `${cfg.cluster}-tls` : undefined;
  if (cfg.tls && tlsDir) {
    const pki = await makeClusterPki(cfg.cluster, specs);
    for (const m of specs) {
      const folder = path.join(dir, tlsDir, m.name);
      await mkdir(folder, { recursive: true, mode: 0o700 });
      for (const f of memberTlsFiles(pki, m.name)) await writeFile(path.join(folder, f.name), f.data, { mode: f.mode });
    }
    const client = path.join(dir, tlsDir, 'client');
    await mkdir(client, { recursive: true, mode: 0o700 });
    await writeFile(path.join(client, 'ca.crt'), pki.ca);
    await writeFile(path.join(client, 'client.crt'), pki.client.cert);
    await writeFile(path.join(client, 'client.key'), pki.client.key, { mode: 0o600 });
  }
  await mkdir(dir, { recursive: true });
  await writeFile(o.file, composeYaml({ cfg, members: specs, token: newToken(cfg), subnet: preferredSubnet(cfg.cluster), ...(tlsDir ? { tlsDir } : {}) }));
}
