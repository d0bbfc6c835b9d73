/** A minimal GraphQL-over-HTTP client for the command-line tool (talks to a running server). */
export class GraphqlClient {
  constructor(
    private readonly url: string,
    /** Sent as "Authorization: Bearer <token>" (NIR_SSL_TOKEN or the admin token file). */
    readonly token: string | null = null,
  ) {}

  async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new Error(`cannot reach ${this.url}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    if (body.errors?.length) {
      throw new Error(body.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('\n'));
    }
    return body.data as T;
  }

  /**
   * Every node of a connection field (`field` of the query's answer), following its pages: the
   * query takes `$after: String` and selects `nodes` and `pageInfo { hasNextPage endCursor }`.
   */
  async readAll<T>(query: string, field: string, variables: Record<string, unknown> = {}): Promise<T[]> {
    type Page = { nodes: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    const nodes: T[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Page = (await this.request<Record<string, Page>>(query, { ...variables, after }))[field];
      nodes.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) return nodes;
      after = page.pageInfo.endCursor;
    }
  }
}
