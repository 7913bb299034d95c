import { ErrorCodes, InputError } from '@etcdlab/common';
import type { ClusterOps, ClusterOpsFactory, ProviderContext } from './cluster-ops.js';

/**
 * Providers by name. Each provider module adds itself here with one line; the `cluster` commands and
 * `run -i` look providers up by the inventory's `provider:` field.
 */
const factories: Partial<Record<ClusterOps['provider'], () => Promise<ClusterOpsFactory>>> = {
  docker: () => import('./docker/index.js').then((m) => m.dockerClusterOps),
  ssh: () => import('./ssh/index.js').then((m) => m.sshClusterOps),
};

export async function clusterOpsFor(ctx: ProviderContext): Promise<ClusterOps> {
  const load = factories[ctx.inventory.provider];
  if (!load) {
    throw new InputError(ErrorCodes.optionInvalid, `the ${ctx.inventory.provider} provider has no cluster commands`, [
      { file: ctx.inventory.source, field: 'provider', message: `provider ${ctx.inventory.provider}`, fix: ctx.inventory.provider === 'local' ? 'use `etcdlab quickstart` for a local cluster' : 'use provider: docker or ssh' },
    ]);
  }
  return (await load())(ctx);
}
