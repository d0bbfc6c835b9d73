import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import { DomainError } from '../errors';
import type { Logger } from '../logger';

/**
 * Maps domain errors to GraphQL error codes (BAD_USER_INPUT, NOT_FOUND, ...). Anything else is
 * a bug: logged in full, shown to the client as INTERNAL_SERVER_ERROR without internals.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        ...formatted,
        message: original.message,
        extensions: { ...formatted.extensions, code: original.code, ...(original.details ?? {}) },
      };
    }
    if (original instanceof ArgumentValidationError) {
      const reasons = original.extensions.validationErrors
        ?.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`)
        .join('; ');
      return { ...formatted, message: `invalid input: ${reasons}`, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } };
    }
    const code = formatted.extensions?.code;
    if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
      logger.error('unexpected error in a GraphQL operation', {
        error: original instanceof Error ? original.stack : String(original),
        path: formatted.path,
      });
      return { ...formatted, message: 'internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
    return formatted;
  };
}
