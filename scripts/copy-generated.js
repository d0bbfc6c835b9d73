#!/usr/bin/env node
// The Prisma clients are generated JavaScript under src/generated; tsc does not copy them.
const fs = require('node:fs');
const path = require('node:path');
const root = path.resolve(__dirname, '..');
fs.cpSync(path.join(root, 'src/generated'), path.join(root, 'dist/src/generated'), { recursive: true });
