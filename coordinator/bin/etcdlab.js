#!/usr/bin/env node
import { main } from '../dist/cli.js';

const code = await main(process.argv);
// Exit explicitly (a cluster kept with --keep must not hold the CLI open), but only once stdout and
// stderr are written out: a pipe that is full (`report --json | slow-reader`) takes the rest later.
const flushed = (s) => new Promise((resolve) => s.write('', () => resolve()));
await Promise.race([Promise.all([flushed(process.stdout), flushed(process.stderr)]), new Promise((r) => setTimeout(r, 30_000).unref())]);
process.exit(code);
