/**
 * The agent image for `docker.agentsInContainers`: this machine's node binary, the libraries `ldd` lists
 * for it and the one-file agent bundle, imported as a root file system like `etcdlab image build` does
 * for etcd (no registry, no Dockerfile). Built on demand; the tag names the bundle's hash, so a changed
 * agent gets a new image and an unchanged one is reused.
 */
import { Readable } from 'node:stream';
import { ClusterError, ErrorCodes } from '@etcdlab/common';
import { buildAgentBundle } from '../remote/bundle.js';
import { TOOL_VERSION } from '../../version.js';
import { call, followProgress, isNotFound, type Engine } from '../../cluster/docker/engine.js';
import { librariesOf, parentDirs, splitImageName, tarStream, type RootfsDir, type RootfsFile } from '../../cluster/docker/image-build.js';

export const AGENT_IMAGE_REPO = 'etcdlab/agent';
/** Where the image keeps node and the bundle. */
export const AGENT_NODE_PATH = '/usr/local/bin/node';
export const AGENT_BUNDLE_PATH = '/opt/etcdlab/etcdlab-agent.cjs';

/** etcdlab/agent:<tool version>-<first 12 hex of the bundle's sha256> (pure). */
export const agentImageTag = (bundleSha256: string, version: string = TOOL_VERSION): string => `${AGENT_IMAGE_REPO}:${version}-${bundleSha256.slice(0, 12)}`;

/** The image's files and folders (pure): node and the bundle at fixed places, libraries where the loader looks. */
export function agentRootfsLayout(node: string, bundle: string, libs: string[]): { files: RootfsFile[]; dirs: RootfsDir[] } {
  const files: RootfsFile[] = [
    { source: node, target: AGENT_NODE_PATH.slice(1), mode: 0o755 },
    { source: bundle, target: AGENT_BUNDLE_PATH.slice(1), mode: 0o644 },
  ];
  for (const lib of [...new Set(libs)].sort()) files.push({ source: lib, target: lib.replace(/^\/+/, ''), mode: 0o755 });
  return { files, dirs: parentDirs(files, [['tmp', 0o1777], ['etc', 0o755]]) };
}

/** The agent image for the current sources: present, or built now. Returns its name. */
export async function ensureAgentImage(engine: Engine, note: (line: string) => void): Promise<string> {
  const bundle = await buildAgentBundle();
  const image = agentImageTag(bundle.sha256);
  try {
    await engine.docker.getImage(image).inspect();
    return image;
  } catch (err) {
    if (!isNotFound(err)) throw new ClusterError(ErrorCodes.dockerFailed, `inspecting image ${image}: ${(err as Error).message}`);
  }
  const node = process.execPath;
  const { files, dirs } = agentRootfsLayout(node, bundle.file, await librariesOf(node));
  note(`building agent image ${image} (node ${process.version} from ${node}, ${files.length} files)`);
  const { repo, tag } = splitImageName(image);
  const changes = [`ENTRYPOINT ["${AGENT_NODE_PATH}", "${AGENT_BUNDLE_PATH}"]`, 'ENV PATH=/usr/local/bin:/usr/bin:/bin', `LABEL etcdlab.node-version=${process.version}`];
  const body = Readable.from(tarStream(files, dirs), { objectMode: false });
  await call(`importing image ${image}`, async () => followProgress(engine.docker, await engine.docker.importImage(body, { repo, tag, changes })));
  return image;
}
