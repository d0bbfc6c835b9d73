import type { GraphQLSchema } from 'graphql';
import { getMetadataStorage, type AuthChecker } from 'type-graphql';
import { ForbiddenError, UnauthenticatedError } from '../errors';
import { isRole, roleAllows, type Role } from '../services/auth/roles';
import type { GraphQLContext } from './context';

/**
 * The one auth checker: every query, mutation and subscription carries `@Authorized(role)` with
 * the weakest role allowed to run it (reader < writer < admin). An unknown, expired or revoked
 * token, or none where one is needed, is UNAUTHENTICATED; a role too weak is FORBIDDEN.
 */
export const authChecker: AuthChecker<GraphQLContext, Role> = ({ context, info }, roles) => {
  const required = roles[0];
  const principal = context.principal;
  if (principal.kind === 'invalid') throw new UnauthenticatedError(`${principal.reason}: send a valid token as "Authorization: Bearer <token>"`);
  if (principal.role === null) throw new UnauthenticatedError(`${info.fieldName} needs a token: send "Authorization: Bearer <token>" (or connectionParams { authorization } over graphql-ws)`);
  if (principal.kind === 'anonymous' && !roleAllows(principal.role, required)) {
    throw new UnauthenticatedError(`${info.fieldName} needs a token with the ${required} role: send "Authorization: Bearer <token>"`);
  }
  if (!roleAllows(principal.role, required)) {
    throw new ForbiddenError(`${info.fieldName} needs the ${required} role; this ${principal.kind === 'token' ? 'token' : 'anonymous access'} has ${principal.role}`, {
      required,
      role: principal.role,
    });
  }
  return true;
};

/**
 * The root operations of `schema` that carry no `@Authorized(role)` with exactly one known role.
 * The server refuses to start while any is left, so a new operation cannot be forgotten.
 */
export function operationsWithoutRole(schema: GraphQLSchema, resolvers: readonly Function[]): string[] {
  const storage = getMetadataStorage();
  const handlers = [
    ...storage.queries.map((h) => ({ h, root: 'Query' })),
    ...storage.mutations.map((h) => ({ h, root: 'Mutation' })),
    ...storage.subscriptions.map((h) => ({ h, root: 'Subscription' })),
  ].filter(({ h }) => resolvers.includes(h.target));
  const roleOf = new Map<string, unknown[]>();
  for (const { h, root } of handlers) {
    const authorized = storage.authorizedFields.find((a) => a.target === h.target && a.fieldName === h.methodName);
    roleOf.set(`${root}.${h.schemaName}`, authorized?.roles ?? []);
  }
  const missing: string[] = [];
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const field of Object.keys(type?.getFields() ?? {})) {
      const roles = roleOf.get(`${type!.name}.${field}`) ?? [];
      if (roles.length !== 1 || !isRole(String(roles[0]))) missing.push(`${type!.name}.${field}`);
    }
  }
  return missing;
}

/** The role each root operation needs, e.g. { 'Mutation.deleteDataset': 'admin' } (for tests and docs). */
export function operationRoles(resolvers: readonly Function[]): Record<string, Role> {
  const storage = getMetadataStorage();
  const roles: Record<string, Role> = {};
  const roots = [
    ['Query', storage.queries],
    ['Mutation', storage.mutations],
    ['Subscription', storage.subscriptions],
  ] as const;
  for (const [root, handlers] of roots) {
    for (const h of handlers) {
      if (!resolvers.includes(h.target)) continue;
      const role = storage.authorizedFields.find((a) => a.target === h.target && a.fieldName === h.methodName)?.roles[0];
      if (isRole(String(role))) roles[`${root}.${h.schemaName}`] = role as Role;
    }
  }
  return roles;
}
