/**
 * The dashboard (issue 15): its production bundle size (the files index.html loads, raw and
 * gzipped; GraphiQL, a page of its own, apart), and the time to first plot of the Mango class
 * spectra (186 x 1557): from navigation start of a cold page (new browser context) at the
 * dataset's URL until uPlot's canvas is in the page, in headless Chromium. Target: under 1 s.
 *   npm run build && node dist/bench/dashboard.bench.js [runs]
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { loadConfig } from '../src/config';
import { Logger } from '../src/logger';
import { startServer } from '../src/server';

function pageAssets(webDir: string, html: string): { files: number; raw: number; gzip: number } {
  const text = fs.readFileSync(path.join(webDir, html), 'utf8');
  const refs = [...text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  let raw = 0;
  let gzip = 0;
  for (const ref of refs) {
    const data = fs.readFileSync(path.join(webDir, ref));
    raw += data.length;
    gzip += zlib.gzipSync(data, { level: 9 }).length;
  }
  return { files: refs.length, raw, gzip };
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nir-ssl-bench-dashboard-'));
  const config = loadConfig({}, { port: 0, dataDir, databaseUrl: `file:${path.join(dataDir, 'db.sqlite')}`, importExamples: true, logLevel: 'silent' });
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  for (const [name, html] of [['dashboard', 'index.html'], ['graphiql', 'graphiql/index.html']] as const) {
    const size = pageAssets(config.webDir, html);
    console.log(`${name}: ${size.files} files, ${kib(size.raw)} (${kib(size.gzip)} gzipped)`);
  }
  const server = await startServer(config, new Logger('silent'));
  const token = server.adminToken;
  if (!token) throw new Error('the benchmark server created no admin token');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run'],
  });
  try {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ dataset(name: "mango") { id sampleCount variableCount } }' }) });
    const mango = ((await res.json()) as { data: { dataset: { id: string; sampleCount: number; variableCount: number } } }).data.dataset;
    const origin = new URL(server.url).origin;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      // Signed in, as the dashboard keeps its token.
      await context.addInitScript(`localStorage.setItem('nir-ssl.token', ${JSON.stringify(token)})`);
      const page = await context.newPage();
      await page.goto(`${origin}/#/datasets/${mango.id}`);
      await page.waitForSelector('[data-testid=class-spectra] canvas');
      times.push((await page.evaluate('performance.now()')) as number);
      await context.close();
    }
    times.sort((a, b) => a - b);
    console.log(`mango (${mango.sampleCount} x ${mango.variableCount}) time to first plot, cold page, ${runs} runs: median ${times[Math.floor(runs / 2)].toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times[runs - 1].toFixed(0)} ms`);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
