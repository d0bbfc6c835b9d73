/**
 * Roles, weakest first: a reader queries and subscribes; a writer also imports, runs experiments,
 * studies and predictions; an admin also deletes, renames, manages tokens and reads the audit log.
 */
export const ROLES = ['reader', 'writer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Whether `held` includes everything `required` may do. */
export function roleAllows(held: Role, required: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(required);
}

/** Who sent a request: a token's holder, an anonymous client, or anybody when auth is off. */
export type Principal =
  | { readonly kind: 'token'; readonly tokenId: string; readonly name: string; readonly role: Role }
  | { readonly kind: 'anonymous'; readonly role: Role | null }
  /** A token was sent but is unknown, expired or revoked: refused whatever the operation. */
  | { readonly kind: 'invalid'; readonly reason: string };

/** What the audit log and the rate limiter call a principal. */
export function principalKey(principal: Principal, address: string): string {
  return principal.kind === 'token' ? `token:${principal.tokenId}` : `ip:${address}`;
}
