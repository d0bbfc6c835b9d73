import { randomUUID } from 'node:crypto';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import { DomainError } from '../errors';
import type { Logger } from '../logger';

/**
 * Maps domain errors to GraphQL error codes (BAD_USER_INPUT, NOT_FOUND, ...). Anything else is
 * a bug: logged in full with an error id, shown to the client as INTERNAL_SERVER_ERROR with that
 * id and without internals. Stack traces reach clients only with `devErrors` (NIR_SSL_DEV_ERRORS).
 */
export function createErrorFormatter(logger: Logger, options: { devErrors?: boolean } = {}) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const { stacktrace, limitCode, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
    formatted = { ...formatted, message: withoutVariableValue(formatted.message), extensions: options.devErrors && stacktrace ? { ...extensions, stacktrace } : extensions };
    // A query limit's rule (src/schema/limits.ts) reports its own code; Apollo files it under validation.
    if (typeof limitCode === 'string') return { ...formatted, extensions: { ...formatted.extensions, code: limitCode } };
    const original = unwrapResolverError(error);
    // Errors thrown while a subscription's stream runs reach graphql-ws wrapped without a path.
    const domain = original instanceof GraphQLError && original.originalError ? original.originalError : original;
    if (domain instanceof DomainError) {
      return {
        ...formatted,
        message: domain.message,
        extensions: { ...formatted.extensions, code: domain.code, ...(domain.details ?? {}) },
      };
    }
    if (domain instanceof ArgumentValidationError) {
      const invalid = domain.extensions.validationErrors ?? [];
      const reasons = invalid.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`).join('; ');
      // Only the names of the invalid fields: the validator's own extensions carry the whole
      // input (a dataset import's file content among it).
      return { ...formatted, message: `invalid input: ${reasons}`, extensions: { code: 'BAD_USER_INPUT', fields: invalid.map((e) => e.property) } };
    }
    const code = formatted.extensions?.code;
    if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
      const errorId = randomUUID();
      logger.error('unexpected error in a GraphQL operation', {
        errorId,
        error: original instanceof Error ? original.stack : String(original),
        path: formatted.path,
      });
      const dev = options.devErrors && original instanceof Error ? { stacktrace: (original.stack ?? '').split('\n') } : {};
      return {
        ...formatted,
        message: `internal server error (error id ${errorId})`,
        extensions: { code: 'INTERNAL_SERVER_ERROR', errorId, ...dev },
      };
    }
    return formatted;
  };
}

/** Where graphql-js's own reason for rejecting a variable starts (after the echoed value). */
const COERCION_REASON = /; (?=[A-Z]\w* cannot represent|Expected type|Field "|Value ")/;

/**
 * graphql-js's message for a variable it cannot coerce quotes the value, which can be a whole
 * file; this keeps the variable, the path into it and the reason, without the value.
 */
export function withoutVariableValue(message: string): string {
  const match = /^Variable "(\$\w+)" got invalid value ([\s\S]*)$/.exec(message);
  if (!match) return message;
  const [, variable, rest] = match;
  const reasonAt = rest.search(COERCION_REASON);
  const echoed = reasonAt >= 0 ? rest.slice(0, reasonAt) : rest;
  const at = / at "([\w.[\]$]+)"$/.exec(echoed)?.[1];
  const reason =
    reasonAt >= 0
      ? rest
          .slice(reasonAt + 2)
          .replace(/^([A-Z]\w* cannot represent [\w -]*?value)[\s\S]*$/, '$1.')
          .replace(/^Value "[\s\S]*" does not exist in/, 'The value does not exist in')
      : '';
  return `Variable "${variable}" got an invalid value${at ? ` at "${at}"` : ''}${reason ? `: ${reason}` : '.'}`;
}
