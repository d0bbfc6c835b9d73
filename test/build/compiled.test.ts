import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';
import { automaticBackend } from '../helpers/backend';

/**
 * The server runs from tsc's output (npm start), the tests from swc: this compiles the project
 * and checks that the compiled engine loads the backend it picks by itself (the native kernels
 * where they built, else WebAssembly) and trains in a worker.
 */
describe('the compiled build', () => {
  it('loads the automatic backend and trains an SSL fold in a worker thread', () => {
    // Inside the project, so that the compiled code resolves node_modules as dist/ does.
    const out = path.join(PROJECT_ROOT, '.tmp', `build-test-${process.pid}`);
    const tsc = path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', path.join(PROJECT_ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: PROJECT_ROOT, stdio: 'pipe' });
    fs.cpSync(path.join(PROJECT_ROOT, 'src/generated'), path.join(out, 'src/generated'), { recursive: true });
    const env = { ...process.env };
    delete env.NIR_SSL_BACKEND;
    try {
      const output = execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts/smoke-compiled.js'), path.join(out, 'src')], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
      expect(JSON.parse(output.trim())).toMatchObject({ smoke: 'ok', backend: automaticBackend() });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 300000);
});
