import path from 'node:path';

/** The project's own state folder (.etcdlab/ in the working directory; ETCDLAB_STATE_DIR moves it). */
export const stateDir = (env: NodeJS.ProcessEnv = process.env): string => path.resolve(env.ETCDLAB_STATE_DIR || '.etcdlab');
