import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { NotFoundError, UserInputError } from '../../errors';
import { DatabaseService } from '../database/database.service';
import { assertText } from '../text';
import { isRole, ROLES, type Principal, type Role } from './roles';

/** What is stored of a token (never the token itself). */
export interface TokenRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
}

export interface CreateTokenRequest {
  readonly role: string;
  readonly name?: string | null;
  /** When it stops working; null or absent: never. */
  readonly expiresAt?: Date | null;
}

/** Tokens start with this, so that they are recognisable (secret scanners, logs). */
const PREFIX = 'nirssl_';
const TOKEN_BYTES = 32;
/** lastUsedAt is written at most this often per token (not on every request). */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * API tokens: 32 random bytes, shown once, stored as their SHA-256, found by that hash and
 * compared in constant time; they can expire and be revoked.
 */
@injectable()
export class TokenService {
  constructor(@inject(DatabaseService) private readonly database: DatabaseService) {}

  /** Creates a token; the returned `token` is the only time it is seen. */
  async create(request: CreateTokenRequest): Promise<{ token: string; record: TokenRecord }> {
    if (!isRole(request.role)) throw new UserInputError(`role must be one of ${ROLES.join(', ')}, got "${String(request.role).slice(0, 20)}"`, { field: 'role' });
    const name = request.name ?? `${request.role} token`;
    assertText('name', name, { min: 1, max: 100 });
    if (request.expiresAt && request.expiresAt.getTime() <= Date.now()) throw new UserInputError('expiresAt must be in the future', { field: 'expiresAt' });
    const token = PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
    const row = await this.database.client.apiToken.create({
      data: { name, role: request.role, hash: hashToken(token), expiresAt: request.expiresAt ?? null },
    });
    return { token, record: toRecord(row) };
  }

  async list(): Promise<TokenRecord[]> {
    return (await this.database.client.apiToken.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map(toRecord);
  }

  async count(): Promise<number> {
    return this.database.client.apiToken.count();
  }

  /** Revokes a token (idempotent); it stops working at once. */
  async revoke(id: string): Promise<TokenRecord> {
    const found = await this.database.client.apiToken.findUnique({ where: { id } });
    if (!found) throw new NotFoundError('token', id);
    if (found.revokedAt) return toRecord(found);
    return toRecord(await this.database.client.apiToken.update({ where: { id }, data: { revokedAt: new Date() } }));
  }

  /** Who a token belongs to; an unknown, expired or revoked token is an `invalid` principal. */
  async authenticate(token: string): Promise<Principal> {
    const hash = hashToken(token);
    const row = await this.database.client.apiToken.findUnique({ where: { hash } });
    // The lookup is by hash (an index); the comparison of what was found is in constant time.
    if (!row || !timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex'))) return { kind: 'invalid', reason: 'the token is not known' };
    if (row.revokedAt) return { kind: 'invalid', reason: 'the token was revoked' };
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return { kind: 'invalid', reason: 'the token has expired' };
    if (!isRole(row.role)) return { kind: 'invalid', reason: 'the token has no valid role' };
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.database.client.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
    }
    return { kind: 'token', tokenId: row.id, name: row.name, role: row.role };
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** "30d", "12h", "90m" or "3600s" as milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (!match) throw new UserInputError(`a duration is a number and a unit (s, m, h, d), e.g. 30d; got "${text.slice(0, 20)}"`, { field: 'expires' });
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Number(match[1]) * unit;
  if (ms <= 0 || ms > 3650 * 86_400_000) throw new UserInputError('a token expires within 10 years and in the future', { field: 'expires' });
  return ms;
}

function toRecord(row: { id: string; name: string; role: string; createdAt: Date; expiresAt: Date | null; revokedAt: Date | null; lastUsedAt: Date | null }): TokenRecord {
  return { id: row.id, name: row.name, role: row.role as Role, createdAt: row.createdAt, expiresAt: row.expiresAt, revokedAt: row.revokedAt, lastUsedAt: row.lastUsedAt };
}
