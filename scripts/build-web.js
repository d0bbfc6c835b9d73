#!/usr/bin/env node
// Builds the dashboard (web/) with Vite into web/dist, which the server serves at / (src/dashboard.ts).
// Run by `npm run build` and at install (postinstall). Skipped when the bundle is newer than its
// sources (`--force` rebuilds), and, with a note, when Vite is not installed (npm ci --omit=dev):
// the server then serves the API without the dashboard.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const web = path.join(root, 'web');
const out = path.join(web, 'dist', 'index.html');

function newest(target) {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of fs.readdirSync(target)) {
    if (entry === 'dist' || entry === 'node_modules') continue;
    latest = Math.max(latest, newest(path.join(target, entry)));
  }
  return latest;
}

async function main() {
  if (!fs.existsSync(web)) return;
  const force = process.argv.includes('--force');
  if (!force && fs.existsSync(out)) {
    const sources = Math.max(newest(web), newest(path.join(root, 'package-lock.json')), newest(__filename));
    if (fs.statSync(out).mtimeMs >= sources) {
      console.log('dashboard: web/dist is up to date');
      return;
    }
  }
  let vite;
  try {
    vite = await import('vite');
  } catch {
    console.warn('dashboard: vite is not installed (dev dependencies omitted); the server will serve the API without the dashboard');
    return;
  }
  const started = Date.now();
  await vite.build({ configFile: path.join(web, 'vite.config.ts'), logLevel: 'warn' });
  console.log(`dashboard: built web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  console.error('dashboard: the build failed:', error);
  process.exit(1);
});
