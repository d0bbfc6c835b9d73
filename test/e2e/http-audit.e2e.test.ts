import { serverAudits } from 'graphql-http';
import { startTestServer, tempDir, type TestServer } from '../helpers/server';
import path from 'node:path';

/**
 * graphql-http's audit of the GraphQL over HTTP specification against the real server: every
 * MUST and every SHOULD passes. The MAYs it does not meet are listed, with the reason, in the
 * README ("Conventions a client can rely on").
 */
describe('GraphQL over HTTP conformance (graphql-http serverAudits)', () => {
  let server: TestServer;
  let url = '';

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('http-audit'), 'db.sqlite')}` });
    url = server.url;
  });
  afterAll(() => server.close());

  const audits = serverAudits({ url: () => url });

  it.each(audits.filter((a) => !a.name.startsWith('MAY')).map((a) => [a.id, a.name, a] as const))('%s %s', async (_id, _name, audit) => {
    const result = await audit.fn();
    expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason}`).toBe('ok');
  });

  it('fails only the MAYs the README lists (GET requests, refused by CSRF prevention)', async () => {
    const failing: string[] = [];
    for (const audit of audits.filter((a) => a.name.startsWith('MAY'))) {
      if ((await audit.fn()).status !== 'ok') failing.push(audit.id);
    }
    expect(failing.sort()).toEqual(['5A70', '6A70', 'D6D5']);
  });
});
