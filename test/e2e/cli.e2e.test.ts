import fs from 'node:fs';
import path from 'node:path';
import { cli } from '../helpers/cli';
import { exampleSliceCsv } from '../helpers/datasets';
import { ok, startTestServer, syntheticCsv, tempDir, type TestServer } from '../helpers/server';

describe('command-line tool', () => {
  const dir = tempDir('cli');
  const file = path.join(dir, 'lab-spectra.csv');
  fs.writeFileSync(file, syntheticCsv({ classes: 2, perClass: 3, length: 8 }));

  it('imports, lists and deletes in-process against the configured database', async () => {
    const env = { DATABASE_URL: `file:${path.join(dir, 'cli.db')}`, NIR_SSL_DATA_DIR: dir, NIR_SSL_LOG_LEVEL: 'silent' };
    const imported = await cli(['datasets', 'import', file, '--axis-unit', 'nm'], env);
    expect(imported.code).toBe(0);
    expect(imported.out).toMatch(/imported "lab-spectra" \(\w+\): 6 spectra \(6 labelled, 0 unlabelled\) x 8 points, 2 classes/);
    const listed = await cli(['datasets', 'list', '--json'], env);
    expect(JSON.parse(listed.out)).toEqual([expect.objectContaining({ name: 'lab-spectra', sampleCount: 6, variableCount: 8 })]);
    const again = await cli(['datasets', 'import', file], env);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/BAD_USER_INPUT: a dataset named "lab-spectra" already exists/);
    expect((await cli(['datasets', 'delete', 'lab-spectra'], env)).code).toBe(0);
    expect(JSON.parse((await cli(['datasets', 'list', '--json'], env)).out)).toEqual([]);
  });

  describe('against a running server', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('cli-server'), 'db.sqlite')}` });
    });
    afterAll(() => server.close());

    it('imports over GraphQL and reports errors with their code', async () => {
      const imported = await cli(['datasets', 'import', file, '--name', 'remote', '--server', server.url], { NIR_SSL_TOKEN: server.token });
      expect(imported.code).toBe(0);
      const names = ok(await server.gql<{ datasets: { name: string }[] }>('{ datasets { name } }')).datasets.map((d) => d.name);
      expect(names).toEqual(['remote']);
      expect((await cli(['datasets', 'list', '--server', server.url], { NIR_SSL_TOKEN: server.token })).out).toMatch(/remote/);
      const bad = path.join(dir, 'bad.csv');
      fs.writeFileSync(bad, 'label,100,101\na,1,x\nb,2,3\n');
      const failed = await cli(['datasets', 'import', bad, '--server', server.url], { NIR_SSL_TOKEN: server.token });
      expect(failed.code).toBe(1);
      expect(failed.err).toMatch(/BAD_USER_INPUT: line 2, column 3: "x" is not a number/);
      expect((await cli(['datasets', 'delete', 'remote', '--server', server.url], { NIR_SSL_TOKEN: server.token })).code).toBe(0);
    });

    it('imports a spectral library, pre-trains an encoder on it, lists and deletes it', async () => {
      const library = path.join(dir, 'library.csv');
      const lines = exampleSliceCsv('tablet', 4).trim().split('\n');
      fs.writeFileSync(library, lines.map((line) => line.slice(line.indexOf(',') + 1)).join('\n'));
      const imported = await cli(['datasets', 'import', library, '--library', '--server', server.url], { NIR_SSL_TOKEN: server.token });
      expect(imported.out).toMatch(/16 spectra \(0 labelled, 16 unlabelled\) x 404 points, 0 classes/);
      const params = JSON.stringify({ filters: [4, 8, 8], hidden: [16, 8], pretext: { epochs: 1 } });
      const pretrained = await cli(['encoders', 'pretrain', '--name', 'lib', '--dataset', 'library', '--params', params, '--json', '--server', server.url], { NIR_SSL_TOKEN: server.token });
      expect(pretrained.code).toBe(0);
      const encoder = JSON.parse(pretrained.out) as { id: string; status: string; spectraCount: number; unlabelledCount: number };
      expect(encoder).toMatchObject({ status: 'READY', spectraCount: 16, unlabelledCount: 16 });
      expect((await cli(['encoders', 'list', '--server', server.url], { NIR_SSL_TOKEN: server.token })).out).toMatch(/lib\s+ready\s+16\s+16/);
      expect((await cli(['encoders', 'delete', encoder.id, '--server', server.url], { NIR_SSL_TOKEN: server.token })).code).toBe(0);
      expect(JSON.parse((await cli(['encoders', 'list', '--json', '--server', server.url], { NIR_SSL_TOKEN: server.token })).out)).toEqual([]);
    }, 300000);
  });

  it('runs, lists and compares experiments in-process', async () => {
    const env = { DATABASE_URL: `file:${path.join(dir, 'experiments.db')}`, NIR_SSL_DATA_DIR: dir, NIR_SSL_LOG_LEVEL: 'silent', NIR_SSL_IMPORT_EXAMPLES: 'false' };
    const slice = path.join(dir, 'tablet-slice.csv');
    fs.writeFileSync(slice, exampleSliceCsv('tablet', 10));
    expect((await cli(['datasets', 'import', slice, '--name', 'slice'], env)).code).toBe(0);
    const common = ['--dataset', 'slice', '--folds', '3', '--preprocessing', '[{"name":"autoscale"}]'];
    const knn = await cli(['experiments', 'run', ...common, '--model', 'knn', '--params', '{"k":3}', '--json'], env);
    expect(knn.code).toBe(0);
    const knnResult = JSON.parse(knn.out) as { id: string; status: string; accuracy: { mean: number } };
    expect(knnResult.status).toBe('SUCCEEDED');
    expect(knnResult.accuracy.mean).toBeGreaterThan(0.25);
    // Progress on stderr; off a terminal (as here) plain lines, no bar redrawn with \r or escapes.
    expect(knn.err).toMatch(/^3\/3 folds succeeded \(100%\)$/m);
    expect(knn.err).not.toMatch(/[\r\x1b]/);
    const pls = await cli(['experiments', 'run', ...common, '--model', 'pls-da', '--name', 'pls', '--json'], env);
    const plsId = (JSON.parse(pls.out) as { id: string }).id;
    const listed = await cli(['experiments', 'list', '--dataset', 'slice'], env);
    expect(listed.out).toMatch(/knn .*succeeded/);
    const compared = await cli(['experiments', 'compare', knnResult.id, plsId], env);
    expect(compared.code).toBe(0);
    expect(compared.out).toMatch(/accuracy\n.*RANK/);
    expect(compared.out).toMatch(/P \(PAIRED T\)/);
    const bad = await cli(['experiments', 'run', '--dataset', 'slice', '--model', 'knn', '--folds', '30'], env);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/BAD_USER_INPUT: 30-fold/);
  }, 120000);

  it('creates, lists and revokes tokens in-process and through a server', async () => {
    const tokensDir = tempDir('cli-tokens');
    const env = { DATABASE_URL: `file:${path.join(tokensDir, 'tokens.db')}`, NIR_SSL_DATA_DIR: tokensDir, NIR_SSL_LOG_LEVEL: 'silent' };
    const created = await cli(['tokens', 'create', '--role', 'reader', '--name', 'dashboard', '--expires', '30d', '--json'], env);
    expect(created.code).toBe(0);
    const token = JSON.parse(created.out) as { token: string; id: string; role: string; expiresAt: string };
    expect(token).toMatchObject({ role: 'reader', name: 'dashboard', token: expect.stringMatching(/^nirssl_[\w-]{43}$/) });
    expect(new Date(token.expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const listed = await cli(['tokens', 'list'], env);
    expect(listed.out).toMatch(/dashboard\s+reader/);
    expect(listed.out).not.toContain(token.token);
    expect((await cli(['tokens', 'revoke', token.id], env)).code).toBe(0);
    expect(JSON.parse((await cli(['tokens', 'list', '--json'], env)).out)[0].revokedAt).toBeTruthy();
    expect((await cli(['tokens', 'create', '--role', 'root'], env)).err).toMatch(/role must be one of reader, writer, admin/);

    const server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('cli-tokens-server'), 'db.sqlite')}` });
    try {
      const remote = await cli(['tokens', 'create', '--role', 'writer', '--json', '--server', server.url], { NIR_SSL_TOKEN: server.token });
      expect(JSON.parse(remote.out)).toMatchObject({ role: 'writer' });
      const refused = await cli(['tokens', 'list', '--server', server.url], { NIR_SSL_TOKEN: JSON.parse(remote.out).token });
      expect(refused.err).toMatch(/FORBIDDEN/);
    } finally {
      await server.close();
    }
  }, 60000);

  it('prints usage for unknown commands', async () => {
    const result = await cli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/Usage:/);
  });
});
