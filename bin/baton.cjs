#!/usr/bin/env node
// The `baton` command. The real program is the bundle `npm run build` writes (npm install runs
// it through `prepare`); this shim only points there and says what to do when it is missing.
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'baton.cjs');
if (!fs.existsSync(bundle)) {
  process.stderr.write('baton: the program is not built yet (dist/baton.cjs missing). Run `npm run build` in ' + path.join(__dirname, '..') + '.\n');
  process.exit(1);
}
require(bundle);
