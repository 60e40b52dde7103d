#!/usr/bin/env node
import('../dist/bundle/cli.js').then((cli) => cli.run(process.argv.slice(2)), (e) => { process.exitCode = 2; console.error(`migration-lint: cannot start (${e?.message ?? e}); reinstall, or run npm run build`); });
