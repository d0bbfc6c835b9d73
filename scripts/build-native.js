#!/usr/bin/env node
// Builds the native kernels (binding.gyp, native/) with node-gyp at `npm install` / `npm ci`.
// Never fails the install: without the addon the engine trains on the WebAssembly kernels
// (NIR_SSL_BACKEND=native then reports why it is missing). node-gyp is npm's own copy
// (npm_config_node_gyp in lifecycle scripts) or one on PATH; headers come from npm's `nodedir`
// setting (npm_config_nodedir), as for better-sqlite3.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const gyp = process.env.npm_config_node_gyp;
const [command, args] = gyp && fs.existsSync(gyp) ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (result.status === 0) {
  console.log('nir-ssl: native kernels built (build/Release/nir_kernels.node)');
} else {
  // Leave no half-built addon behind: the engine must not try to load one.
  fs.rmSync(path.join(root, 'build', 'Release', 'nir_kernels.node'), { force: true });
  const lines = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.split('\n').filter((line) => line.trim() !== '');
  const errors = lines.filter((line) => /error/i.test(line) && !/gyp ERR! (stack|System|command|cwd|node|not ok|\$npm)/.test(line));
  const why = result.error ? result.error.message : (errors.length > 0 ? errors : lines).slice(-6).join('\n');
  console.warn(`nir-ssl: the native kernels did not build; training uses the WebAssembly kernels.\n${why}`);
}
