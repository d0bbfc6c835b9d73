import type { Container } from 'inversify';
import type { Principal } from '../services/auth/roles';
import { ProgressService } from '../services/progress.service';

/** What resolvers get besides their arguments: who asks, and the streams subscriptions are built from. */
export interface GraphQLContext {
  readonly progress: ProgressService;
  /** Who sent the request (src/services/auth); checked by the auth checker (src/schema/auth.ts). */
  readonly principal: Principal;
  /** The client's address (the rate limit's key for requests without a token). */
  readonly address: string;
}

/** The per-request context; `principal` comes from the request's token. */
export function createContextFactory(container: Container): (principal: Principal, address: string) => GraphQLContext {
  const progress = container.get(ProgressService);
  return (principal, address) => ({ progress, principal, address });
}

/** The id of the token that asks, or null (anonymous, auth off). */
export function tokenIdOf(principal: Principal): string | null {
  return principal.kind === 'token' ? principal.tokenId : null;
}
