#!/usr/bin/env node
// Entry point of the `slipway` command: runs the compiled CLI (npm install builds it through `prepare`).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
