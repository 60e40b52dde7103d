#!/usr/bin/env node
try { require('../dist/bundle/cli.cjs').run(process.argv.slice(2)); } catch (e) { process.exitCode = 2; console.error(`migration-lint: cannot start (${e?.message ?? e}); reinstall, or run npm run build`); }
