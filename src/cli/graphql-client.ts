import fs from 'node:fs';
import path from 'node:path';

/** A GraphQL error answered by the server: its message and its `extensions.code`. */
export class GraphqlError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'GraphqlError';
  }
}

/** A file sent as a GraphQL multipart request upload, at `variables.<path>` of the operation. */
export interface UploadFile {
  /** Dotted path of the variable that takes the file, e.g. "input.file" or "input.files.1". */
  readonly variable: string;
  readonly file: string;
}

/** A file to upload, or an error that names it and why it cannot be read. */
async function openFile(file: string): Promise<Blob> {
  try {
    if (!fs.statSync(file).isFile()) throw new Error('not a file');
    return await fs.openAsBlob(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error);
    throw new Error(`cannot read ${file}: ${reason}`);
  }
}

type Answer<T> = { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };

/** A minimal GraphQL-over-HTTP client for the command-line tool (talks to a running server). */
export class GraphqlClient {
  constructor(
    readonly url: string,
    /** Sent as "Authorization: Bearer <token>" (--token, NIR_SSL_TOKEN or the admin token file). */
    readonly token: string | null = null,
  ) {}

  async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    return this.send<T>({ 'content-type': 'application/json' }, JSON.stringify({ query, variables }));
  }

  /**
   * The same as request, with files uploaded by the GraphQL multipart request spec (their
   * variables are set to null in the operation and mapped to the form's file parts).
   */
  async upload<T>(query: string, variables: Record<string, unknown>, files: UploadFile[]): Promise<T> {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query, variables }));
    form.append('map', JSON.stringify(Object.fromEntries(files.map((f, i) => [String(i), [`variables.${f.variable}`]]))));
    // Read from disk as the request is sent, not loaded whole first.
    for (const [i, f] of files.entries()) form.append(String(i), await openFile(f.file), path.basename(f.file));
    // Apollo Server's CSRF prevention wants a preflight header on multipart requests.
    return this.send<T>({ 'apollo-require-preflight': 'true' }, form);
  }

  private async send<T>(headers: Record<string, string>, body: string | FormData): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url, { method: 'POST', headers: { ...headers, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) }, body });
    } catch (error) {
      throw new GraphqlError(`cannot reach ${this.url}: ${error instanceof Error ? error.message : String(error)}`, 'UNREACHABLE');
    }
    const text = await res.text();
    let answer: Answer<T>;
    try {
      answer = JSON.parse(text) as Answer<T>;
    } catch {
      throw new GraphqlError(`${this.url} answered HTTP ${res.status} without a GraphQL body: ${text.slice(0, 200)}`, `HTTP_${res.status}`);
    }
    if (answer.errors?.length) {
      const [first, ...rest] = answer.errors;
      const message = [first.message, ...rest.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`)].join('\n');
      throw new GraphqlError(message, first.extensions?.code ?? 'ERROR');
    }
    return answer.data as T;
  }

  /**
   * Every node of a connection field (`field` of the query's answer), following its pages: the
   * query takes `$after: String` and selects `nodes` and `pageInfo { hasNextPage endCursor }`;
   * `parent` finds the object that holds the field in the answer (default: the answer itself).
   */
  async readAll<T>(query: string, field: string, variables: Record<string, unknown> = {}, parent: (answer: unknown) => Record<string, unknown> = (a) => a as Record<string, unknown>): Promise<T[]> {
    type Page = { nodes: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    const nodes: T[] = [];
    let after: string | null = null;
    for (;;) {
      const page = parent(await this.request<unknown>(query, { ...variables, after }))[field] as Page;
      nodes.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) return nodes;
      after = page.pageInfo.endCursor;
    }
  }
}
