import { ArgumentValidationError, type MiddlewareFn } from 'type-graphql';
import { DomainError } from '../errors';
import type { AuditService } from '../services/auth/audit.service';
import type { GraphQLContext } from './context';

/**
 * Every mutation that passed the auth checker is written to the audit log with its outcome (a
 * refusal by the auth checker writes nothing). Only the ids and names it named are kept.
 */
export function auditMiddleware(audit: AuditService): MiddlewareFn<GraphQLContext> {
  return async ({ context, info, args }, next) => {
    if (info.parentType !== info.schema.getMutationType()) return next();
    const entry = { principal: context.principal, operation: info.fieldName, args: args as Record<string, unknown> };
    try {
      const result = await next();
      await audit.record({ ...entry, outcome: 'ok' });
      return result;
    } catch (error) {
      const code = error instanceof DomainError ? error.code : error instanceof ArgumentValidationError ? 'BAD_USER_INPUT' : 'INTERNAL_SERVER_ERROR';
      await audit.record({ ...entry, outcome: code, error: error instanceof DomainError ? error.message : null });
      throw error;
    }
  };
}
