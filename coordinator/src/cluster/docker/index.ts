/**
 * The `docker` provider: etcd members as containers on one Docker Engine (dockerode), with the same
 * `etcdlab cluster ...` commands and run engine as the other providers. See docs/docker.md.
 */
import type { ClusterOpsFactory } from '../cluster-ops.js';
import { generate } from './generate.js';
import { dockerMemberFaults } from './member-faults.js';
import { restart } from './restart.js';
import { makeSession } from './session.js';
import { shell } from './shell.js';
import { clean, down } from './teardown.js';
import { up } from './up.js';
import { info, logs, states } from './view.js';

export const dockerClusterOps: ClusterOpsFactory = (ctx) => {
  const s = makeSession(ctx);
  return {
    provider: 'docker',
    up: (o) => up(s, o),
    info: () => info(s),
    states: () => states(s),
    down: () => down(s),
    clean: () => clean(s),
    logs: (member, o) => logs(s, member, o),
    shell: (member) => shell(s, member),
    restart: (o) => restart(s, o),
    generate: (o) => generate(s, o),
    faults: async () => dockerMemberFaults(await s.engine(), s.cfg.cluster, s.cfg.network, ctx.logger),
  };
};

export { buildEtcdImage } from './image-build.js';
export { connectEngine } from './engine.js';
