import { GraphQLError, getOperationAST, parse, specifiedRules, validate, type DocumentNode, type ExecutionArgs, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import type { Context, ServerOptions } from 'graphql-ws';
import { DomainError } from '../errors';
import type { GraphQLContext } from './context';

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * graphql-ws server options. The default hooks let a document that does not parse throw out of
 * the message handler, which closes the whole socket (4500) with every other subscription on it;
 * here parsing, validation and variable coercion fail only their own operation, with a coded
 * error, and every error sent over the socket goes through the same formatter as over HTTP.
 */
export interface SubscriptionHooks {
  /** Who the connection belongs to (from its connectionParams), resolved once per connection. */
  readonly contextOf: (ctx: Context) => Promise<GraphQLContext>;
  /** Counts one operation against the rate limit; throws a DomainError over it. */
  readonly admit: (context: GraphQLContext) => Promise<void>;
  /** Further validation rules (the query limits). */
  readonly rules?: readonly ValidationRule[];
}

export function subscriptionServerOptions(schema: GraphQLSchema, hooks: SubscriptionHooks, formatError: FormatError): ServerOptions {
  const format = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON(), error));
  const rules = [...specifiedRules, ...(hooks.rules ?? [])];
  return {
    schema,
    onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
      const context = await hooks.contextOf(ctx);
      try {
        await hooks.admit(context);
      } catch (error) {
        if (error instanceof DomainError) return [new GraphQLError(error.message, { extensions: { code: error.code, ...(error.details ?? {}) } })];
        throw error;
      }
      let document: DocumentNode;
      try {
        document = parse(payload.query);
      } catch (error) {
        return [coded(error, 'GRAPHQL_PARSE_FAILED')];
      }
      const invalid = validate(schema, document, rules);
      if (invalid.length > 0) return invalid.map((error) => coded(error, typeof error.extensions.limitCode === 'string' ? error.extensions.limitCode : 'GRAPHQL_VALIDATION_FAILED'));
      const operation = getOperationAST(document, payload.operationName);
      if (!operation) return [new GraphQLError('the document names no operation to run (give operationName)', { extensions: { code: 'BAD_REQUEST' } })];
      const variables = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {}, { maxErrors: 10 });
      if (variables.errors) return variables.errors.map((error) => coded(error, 'BAD_USER_INPUT'));
      return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue: context };
    },
    onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
    onError: (_ctx, _id, _payload, errors) => format(errors),
  };
}

function coded(error: unknown, code: string): GraphQLError {
  const message = error instanceof Error ? error.message : String(error);
  const located = error instanceof GraphQLError ? error : null;
  return new GraphQLError(message, { nodes: located?.nodes, source: located?.source, positions: located?.positions, extensions: { code } });
}
