/**
 * `etcdlab image build`: an etcd image for the docker provider from this machine's etcd binary, with no
 * registry (the root file system is streamed into the Engine's image import).
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, InputError } from '@etcdlab/common';
import { Option } from 'commander';
import { DEFAULT_IMAGE, LOCAL_IMAGE_REPO } from '../cluster/docker/config.js';
import { SHELL } from '../cluster/docker/members.js';
import { isExecutableFile } from '../cluster/local/etcd-binary.js';
import { loadInventoryFile } from './inventory-file.js';
import { type Registrar, subcommand } from './register.js';

interface BuildOpts {
  etcd?: string;
  etcdctl?: string;
  shell: boolean;
  tag?: string[];
  inventory?: string;
  dockerSocket?: string;
  json?: boolean;
}

const note = (line: string) => process.stderr.write(line + '\n');

async function whichEtcdctl(etcd: string, given: string | undefined): Promise<string | undefined> {
  if (given !== undefined) {
    if (!(await isExecutableFile(given))) throw new InputError(ErrorCodes.etcdNotFound, `--etcdctl ${given} is not an executable file`, [{ field: '--etcdctl', message: given, fix: 'point it at etcdctl (Debian: apt-get install etcd-client), or leave it out' }]);
    return path.resolve(given);
  }
  const candidates = [path.join(path.dirname(etcd), 'etcdctl'), ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'etcdctl'))];
  for (const c of candidates) if (await isExecutableFile(c)) return c;
  return undefined;
}

export const registerImage: Registrar = (program, setExit) => {
  const image = subcommand(program, 'image', 'etcd images for the docker provider');
  image
    .command('build')
    .description('make an etcd image from a local etcd binary (no registry needed)')
    .option('--etcd <path>', 'etcd server binary (default: ETCD_BIN, then etcd on PATH)')
    .option('--etcdctl <path>', 'etcdctl to include (default: beside etcd, then on PATH)')
    .option('--no-shell', `leave ${SHELL} out (then \`cluster shell\` cannot work)`)
    .addOption(new Option('-t, --tag <name...>', `image name(s) (default: the inventory's cluster.etcd.image, else ${LOCAL_IMAGE_REPO}:<version> and ${DEFAULT_IMAGE})`))
    .option('-i, --inventory <file>', 'take the Docker socket and the image name from this inventory')
    .option('--docker-socket <path>', 'Docker Engine socket (default: the inventory\'s docker.socket, DOCKER_HOST, /var/run/docker.sock)')
    .option('--json', 'print the result as JSON')
    .action(async (o: BuildOpts) => {
      // Loaded here, not at start-up: dockerode costs every other command a few hundred ms otherwise.
      const { connectEngine } = await import('../cluster/docker/engine.js');
      const { buildEtcdImage, etcdVersionOf } = await import('../cluster/docker/image-build.js');
      const { checkEtcdBinary, findEtcdBinary } = await import('../cluster/local/etcd-binary.js');
      const inventory = o.inventory ? loadInventoryFile(o.inventory) : undefined;
      const etcd = o.etcd !== undefined ? await checkEtcdBinary(o.etcd, '--etcd') : (await findEtcdBinary()).path;
      const version = await etcdVersionOf(etcd);
      const etcdctl = await whichEtcdctl(etcd, o.etcdctl);
      if (!etcdctl) note('warning: no etcdctl found; the image will not have it (Debian: apt-get install etcd-client)');
      const shell = o.shell ? await realpath(SHELL).catch(() => undefined) : undefined;
      if (o.shell && !shell) note(`warning: no ${SHELL} on this machine; the image will have no shell`);
      const invImage = inventory?.cluster.etcd?.kind === 'image' ? inventory.cluster.etcd.image : undefined;
      const tags = o.tag && o.tag.length > 0 ? o.tag : invImage ? [invImage] : [`${LOCAL_IMAGE_REPO}:${version}`, DEFAULT_IMAGE];
      const engine = await connectEngine(o.dockerSocket ?? inventory?.docker?.socket, inventory?.source);
      const started = Date.now();
      const result = await buildEtcdImage(engine, { etcd, ...(etcdctl ? { etcdctl } : {}), ...(shell ? { shell } : {}), tags, note });
      note(`image build: done in ${((Date.now() - started) / 1000).toFixed(1)} s (${result.id.slice(0, 19)})`);
      process.stdout.write(o.json ? JSON.stringify(result, null, 2) + '\n' : result.tags.join('\n') + '\n');
      setExit(0);
    });
};
