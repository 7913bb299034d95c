#!/usr/bin/env node
import { main } from '../dist/cli.js';

// Exit explicitly: a cluster kept with --keep must not hold the CLI open (stdout/stderr are synchronous here).
process.exit(await main(process.argv));
