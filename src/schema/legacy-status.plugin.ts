import type { ApolloServerPlugin } from '@apollo/server';

/** Errors of a request that does not parse, validate or whose variables do not fit. */
const REQUEST_ERROR_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/**
 * The GraphQL over HTTP specification: a client that accepts only `application/json` (not
 * `application/graphql-response+json`) SHOULD get status 200 for a document that does not parse
 * or validate and for variables that do not coerce, since for such clients a non-200 status may
 * mean the response is not GraphQL at all. Apollo Server answers 400 whatever the client
 * accepts; this sets 200 for those clients and leaves 400 for the new media type (where the
 * spec says MUST 4xx). Execution errors already answer 200.
 */
export function legacyStatusPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart({ request }) {
      const accept = request.http?.headers.get('accept') ?? '';
      if (accept.includes('application/graphql-response+json')) return;
      return {
        async willSendResponse({ response }) {
          if (response.http.status !== 400 || response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          if (response.body.singleResult.data === undefined && errors.length > 0 && errors.every((e) => REQUEST_ERROR_CODES.has(String(e.extensions?.code)))) {
            response.http.status = 200;
          }
        },
      };
    },
  };
}
