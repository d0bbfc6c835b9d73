import { UserInputError } from '../errors';

/** Page sizes of every list that pages: what a client gets without asking, and the most it may ask for. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

export type CreationOrder = 'oldest-first' | 'newest-first';

/** A forward page request (Relay's `first` and `after`). */
export interface PageRequest {
  readonly first?: number | null;
  /** The cursor of the last item of the previous page; omitted: from the start. */
  readonly after?: string | null;
  readonly order?: CreationOrder | null;
}

export interface Page<T> {
  readonly edges: { readonly cursor: string; readonly node: T }[];
  readonly hasNextPage: boolean;
  /** Items matching the filter, on every page (not only this one). */
  readonly totalCount: number;
}

/** The where-clause that starts a page after a cursor, for any table keyed by (createdAt, id). */
export type AfterCursor =
  | { OR: [{ createdAt: { gt: Date } | { lt: Date } }, { createdAt: Date; id: { gt: string } | { lt: string } }] }
  | Record<string, never>;

export interface CreationPageQuery {
  readonly where: AfterCursor;
  readonly orderBy: [{ createdAt: 'asc' | 'desc' }, { id: 'asc' | 'desc' }];
  readonly take: number;
}

/**
 * A page of rows in creation order, by keyset: the cursor is the (createdAt, id) of the last
 * row seen, so rows created or deleted while a client pages neither repeat nor shift the pages
 * (an offset would). `id` breaks ties between rows created in the same millisecond.
 */
export async function pageByCreation<Row extends { readonly id: string; readonly createdAt: Date }>(
  request: PageRequest,
  fetch: (query: CreationPageQuery) => Promise<Row[]>,
  count: () => Promise<number>,
): Promise<Page<Row>> {
  const first = pageSize(request.first);
  const after = request.after ? decodeCursor(request.after) : null;
  const ascending = (request.order ?? 'oldest-first') === 'oldest-first';
  const beyond = ascending ? 'gt' : 'lt';
  const where: AfterCursor = after
    ? { OR: [{ createdAt: { [beyond]: after.createdAt } as { gt: Date } }, { createdAt: after.createdAt, id: { [beyond]: after.id } as { gt: string } }] }
    : {};
  const direction = ascending ? 'asc' : 'desc';
  const [rows, totalCount] = await Promise.all([fetch({ where, orderBy: [{ createdAt: direction }, { id: direction }], take: first + 1 }), count()]);
  return {
    edges: rows.slice(0, first).map((node) => ({ cursor: encodeCursor(node.createdAt, node.id), node })),
    hasNextPage: rows.length > first,
    totalCount,
  };
}

/** A page of a list addressed by position (a dataset's samples): the cursor is the position. */
export function pageByPosition<T>(request: Omit<PageRequest, 'order'>, total: number, read: (start: number, count: number) => T[]): Page<T> {
  const first = pageSize(request.first);
  const start = request.after ? decodePosition(request.after) + 1 : 0;
  const count = Math.max(0, Math.min(first, total - start));
  return {
    edges: read(start, count).map((node, k) => ({ cursor: encodePosition(start + k), node })),
    hasNextPage: start + count < total,
    totalCount: total,
  };
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new UserInputError(`first must be an integer from 0 to ${MAX_PAGE_SIZE}, got ${first}`);
  }
  return first;
}

// Cursors are opaque to clients (base64url); their content is ours to change.
function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`c:${createdAt.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const match = /^c:([^|]+)\|(.+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  const createdAt = match ? new Date(match[1]) : null;
  if (!match || !createdAt || Number.isNaN(createdAt.getTime())) throw invalidCursor();
  return { createdAt, id: match[2] };
}

function encodePosition(position: number): string {
  return Buffer.from(`p:${position}`).toString('base64url');
}

function decodePosition(cursor: string): number {
  const match = /^p:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw invalidCursor();
  return Number(match[1]);
}

function invalidCursor(): UserInputError {
  return new UserInputError('invalid cursor: pass a cursor this list returned (edges.cursor or pageInfo.endCursor)');
}

export function mapPage<R, T>(page: Page<R>, map: (row: R) => T): Page<T> {
  return { ...page, edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: map(edge.node) })) };
}
