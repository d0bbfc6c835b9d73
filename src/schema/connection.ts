import { ArgsType, Field, Int, ObjectType, registerEnumType, type ClassType } from 'type-graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Page } from '../services/paging';

/** Relay cursor connections (what Apollo Client's and urql's pagination helpers expect). */

@ObjectType('PageInfo', { description: 'Where a page sits in its list (Relay cursor connections).' })
export class PageInfoType {
  @Field({ description: 'True when items follow this page: ask again with `after: endCursor`.' }) hasNextPage!: boolean;
  @Field({ description: 'Always false: lists page forwards only.' }) hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true, description: "The first edge's cursor; null when the page is empty." }) startCursor!: string | null;
  @Field(() => String, { nullable: true, description: "The last edge's cursor, to pass as `after` for the next page; null when the page is empty." })
  endCursor!: string | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfoType;
  totalCount: number;
}

/** The connection and edge types of a node type: `<Name>Connection` and `<Name>Edge`. */
export function connectionType<T extends object>(node: ClassType<T>, name: string, what: string): ClassType<Connection<T>> {
  @ObjectType(`${name}Edge`, { description: `One ${what} and its cursor.` })
  class Edge {
    @Field({ description: 'Opaque position of this item; pass it as `after` to continue after it.' }) cursor!: string;
    @Field(() => node, { description: `The ${what}.` }) node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${what}s.` })
  class ConnectionType implements Connection<T> {
    @Field(() => [Edge], { description: 'The items of this page with their cursors.' }) edges!: Edge[];
    @Field(() => [node], { description: 'The items of this page, without cursors.' }) nodes!: T[];
    @Field(() => PageInfoType, { description: 'Where this page sits: whether more follow, and the cursor to continue from.' }) pageInfo!: PageInfoType;
    @Field(() => Int, { description: 'Items matching the filter over all pages.' }) totalCount!: number;
  }
  return ConnectionType;
}

/** The GraphQL shape of a service page, nodes mapped to their GraphQL view. */
export function toConnection<R, T>(page: Page<R>, view: (record: R) => T): Connection<T> {
  const edges = page.edges.map((edge) => ({ cursor: edge.cursor, node: view(edge.node) }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: page.totalCount,
  };
}

export enum CreationOrderEnum {
  OLDEST_FIRST = 'oldest-first',
  NEWEST_FIRST = 'newest-first',
}
registerEnumType(CreationOrderEnum, {
  name: 'CreationOrder',
  description: 'Order of a list by creation time (ties broken by id, so the order is total and stable).',
  valuesConfig: {
    OLDEST_FIRST: { description: 'Oldest first: items created while a client pages appear on the last pages.' },
    NEWEST_FIRST: { description: 'Newest first: items created while a client pages are not on the pages that follow.' },
  },
});

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Items per page: 0 to ${MAX_PAGE_SIZE}, ${DEFAULT_PAGE_SIZE} when omitted.` })
  first?: number | null;
  @Field(() => String, { nullable: true, description: "Start after this cursor (the previous page's `pageInfo.endCursor`); omitted: from the start." })
  after?: string | null;
}

@ArgsType()
export class CreationPageArgs extends PageArgs {
  @Field(() => CreationOrderEnum, { defaultValue: CreationOrderEnum.OLDEST_FIRST, description: 'Order by creation time.' })
  order!: CreationOrderEnum;
}
