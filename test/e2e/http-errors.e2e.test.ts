import path from 'node:path';
import { syntheticCsv, startTestServer, tempDir, type TestServer } from '../helpers/server';

const IMPORT = 'mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id } }';

/** A CSV of about `bytes` bytes whose every spectral value is the marker, so an echo would show. */
function bigCsv(bytes: number, marker = '0.123456789'): string {
  const header = `label,${Array.from({ length: 100 }, (_, j) => 1000 + j).join(',')}`;
  const row = (k: number) => `c${k % 2},${Array(100).fill(marker).join(',')}`;
  const rows = [header];
  // Linear: joining the rows on every step took seconds under load, long enough for the client's
  // idle keep-alive socket to race the server's close (ECONNRESET on the next request).
  for (let k = 0, length = header.length; length < bytes && k < 1e6; k++) {
    rows.push(row(k));
    length += rows[rows.length - 1].length + 1;
  }
  return rows.join('\n') + '\n';
}

describe('errors that help and do not leak', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('http-errors'), 'db.sqlite')}`, maxUploadBytes: 2 * 1024 * 1024 });
  });
  afterAll(() => server.close());

  const post = async (body: string, contentType?: string) => {
    const res = await fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, ...(contentType ? { 'content-type': contentType } : {}) }, body });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, json: JSON.parse(text) as { errors?: { message: string; extensions?: Record<string, unknown> }[] } };
  };

  it.each([
    ['malformed JSON', '{"query": "{ __typename }"', 'application/json', 400, 'BAD_REQUEST', /not valid JSON/],
    ['an oversized body', JSON.stringify({ query: '{ __typename }', padding: 'x'.repeat(5 * 1024 * 1024) }), 'application/json', 413, 'PAYLOAD_TOO_LARGE', /over the limit/],
    ['an XML body', '<query/>', 'application/xml', 415, 'UNSUPPORTED_MEDIA_TYPE', /must be application\/json or multipart\/form-data, not application\/xml/],
    ['a text/plain body', '{"query": "{ __typename }"}', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE', /not text\/plain/],
  ])('answers %s with a JSON GraphQL error and a code, not an HTML page', async (_what, body, contentType, status, code, message) => {
    const answer = await post(body, contentType);
    expect(answer.status).toBe(status);
    expect(answer.type).toMatch(/^application\/json/);
    expect(answer.json.errors).toEqual([{ message: expect.stringMatching(message), extensions: { code } }]);
  });

  it('answers an invalid 1 MB import in under 10 KB, quoting none of the file', async () => {
    const content = bigCsv(1024 * 1024);
    for (const input of [
      { name: '', content }, // fails argument validation
      { name: 'bad cell', content: content.replace(/0\.123456789(?=\n[^\n]*\n[^\n]*$)/, '9'.repeat(5000)) }, // fails in the parser
      { name: 'bad delimiter', content, delimiter: content.slice(0, 100_000) }, // fails variable coercion
    ]) {
      const answer = await post(JSON.stringify({ query: IMPORT, variables: { input } }), 'application/json');
      expect(answer.text.length).toBeLessThan(10 * 1024);
      expect(answer.json.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(answer.text).not.toContain('0.123456789');
      expect(answer.text).not.toContain('9'.repeat(30));
      expect(answer.text).not.toContain('stacktrace');
    }
  });

  it('does not quote a variable it cannot coerce', async () => {
    const answer = await post(JSON.stringify({ query: IMPORT, variables: { input: { name: 'x', content: syntheticCsv(), axisUnit: 'secret-unit-value' } } }), 'application/json');
    expect(answer.json.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(answer.json.errors?.[0].message).toMatch(/^Variable "\$input" got an invalid value at "input.axisUnit": The value does not exist in "AxisUnit" enum/);
    expect(answer.text).not.toContain('secret-unit-value');
  });
});
