/**
 * What every docker cluster operation shares: the validated config, the provider context, and one engine
 * connection made on first use (so `generate` and `--dry-run` planning need no daemon until they do).
 */
import type { ProviderContext } from '../cluster-ops.js';
import { dockerConfig, type DockerClusterConfig } from './config.js';
import { connectEngine, type Engine } from './engine.js';

export interface DockerSession {
  cfg: DockerClusterConfig;
  ctx: ProviderContext;
  engine(): Promise<Engine>;
}

export function makeSession(ctx: ProviderContext): DockerSession {
  const cfg = dockerConfig(ctx.inventory);
  let connecting: Promise<Engine> | undefined;
  return {
    cfg,
    ctx,
    engine: () => (connecting ??= connectEngine(cfg.socket, cfg.source)),
  };
}
