import { GraphQLError, getOperationAST, parse, validate, type DocumentNode, type ExecutionArgs, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import type { ServerOptions } from 'graphql-ws';
import type { GraphQLContext } from './context';

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * graphql-ws server options. The default hooks let a document that does not parse throw out of
 * the message handler, which closes the whole socket (4500) with every other subscription on it;
 * here parsing, validation and variable coercion fail only their own operation, with a coded
 * error, and every error sent over the socket goes through the same formatter as over HTTP.
 */
export function subscriptionServerOptions(schema: GraphQLSchema, context: GraphQLContext, formatError: FormatError): ServerOptions {
  const format = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON(), error));
  return {
    schema,
    onSubscribe: (_ctx, _id, payload): ExecutionArgs | readonly GraphQLError[] => {
      let document: DocumentNode;
      try {
        document = parse(payload.query);
      } catch (error) {
        return [coded(error, 'GRAPHQL_PARSE_FAILED')];
      }
      const invalid = validate(schema, document);
      if (invalid.length > 0) return invalid.map((error) => coded(error, 'GRAPHQL_VALIDATION_FAILED'));
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
