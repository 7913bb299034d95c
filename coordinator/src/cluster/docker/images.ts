/**
 * Making sure the cluster's image is in the engine: present, or pulled with progress on stderr. Images
 * named etcdlab/etcd:* come from `etcdlab image build` and are never pulled.
 */
import { ClusterError, ErrorCodes } from '@etcdlab/common';
import { LOCAL_IMAGE_REPO } from './config.js';
import { engineMessage, followProgress, isNotFound, type Engine, type ProgressEvent } from './engine.js';
import { splitImageName } from './image-build.js';

export interface ImageContext {
  engine: Engine;
  image: string;
  /** Inventory file, for messages. */
  source: string;
  note(line: string): void;
}

/** One line per layer state change, not per byte: readable in a log as well as on a terminal. */
function progressPrinter(note: (line: string) => void): (e: ProgressEvent) => void {
  const last = new Map<string, string>();
  return (e) => {
    if (!e.status) return;
    const key = e.id ?? '';
    if (last.get(key) === e.status) return;
    last.set(key, e.status);
    note(`  pull: ${e.id ? `${e.id}: ` : ''}${e.status}`);
  };
}

export async function ensureImage(ctx: ImageContext): Promise<void> {
  const { docker } = ctx.engine;
  try {
    await docker.getImage(ctx.image).inspect();
    return;
  } catch (err) {
    if (!isNotFound(err)) throw new ClusterError(ErrorCodes.dockerFailed, `inspecting image ${ctx.image}: ${engineMessage(err)}`);
  }
  const buildFix = `build it here with \`etcdlab image build -i ${ctx.source}\` (an image from this machine's etcd binary, no registry needed)`;
  if (splitImageName(ctx.image).repo === LOCAL_IMAGE_REPO) {
    throw new ClusterError(ErrorCodes.imageUnavailable, `image ${ctx.image} is not in the Docker Engine at ${ctx.engine.endpoint}`, {
      problems: [{ file: ctx.source, field: 'cluster.etcd.image', message: `${LOCAL_IMAGE_REPO} images are made locally and never pulled`, fix: buildFix }],
    });
  }
  ctx.note(`pulling ${ctx.image} ...`);
  try {
    const stream = await docker.pull(ctx.image);
    await followProgress(docker, stream, progressPrinter(ctx.note));
  } catch (err) {
    throw new ClusterError(ErrorCodes.imageUnavailable, `cannot pull image ${ctx.image}: ${engineMessage(err)}`, {
      problems: [{ file: ctx.source, field: 'cluster.etcd.image', message: engineMessage(err), fix: `check the image name and that the engine can reach its registry, or ${buildFix} and name that image` }],
    });
  }
  ctx.note(`pulled ${ctx.image}`);
}
