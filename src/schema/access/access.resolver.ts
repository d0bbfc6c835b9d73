import { inject, injectable } from 'inversify';
import { Arg, Args, Authorized, ID, Mutation, Query, Resolver } from 'type-graphql';
import { UserInputError } from '../../errors';
import { AuditService } from '../../services/auth/audit.service';
import type { Role } from '../../services/auth/roles';
import { TokenService, type TokenRecord } from '../../services/auth/tokens.service';
import { CreationPageArgs, toConnection } from '../connection';
import { ApiTokenType, AuditEntryConnection, CreateApiTokenInput, CreatedApiTokenType, type RoleEnum } from './access.types';

/** Thin: tokens are TokenService's, the audit log AuditService's. Everything here is for admins. */
@injectable()
@Resolver()
export class AccessResolver {
  constructor(
    @inject(TokenService) private readonly tokens: TokenService,
    @inject(AuditService) private readonly audit: AuditService,
  ) {}

  @Authorized<Role>('admin')
  @Query(() => [ApiTokenType], { description: 'Every API token (revoked and expired ones included), oldest first; never the tokens themselves.' })
  async apiTokens(): Promise<ApiTokenType[]> {
    return (await this.tokens.list()).map(toToken);
  }

  @Authorized<Role>('admin')
  @Mutation(() => CreatedApiTokenType, { description: 'Creates an API token; the answer is the only time the token is shown.' })
  async createApiToken(@Arg('input', () => CreateApiTokenInput, { description: 'The role, name and lifetime.' }) input: CreateApiTokenInput): Promise<CreatedApiTokenType> {
    const days = input.expiresInDays;
    if (days !== null && days !== undefined && (days < 1 || days > 3650)) throw new UserInputError('expiresInDays must be 1 to 3650', { field: 'expiresInDays' });
    const created = await this.tokens.create({ role: input.role, name: input.name, expiresAt: days ? new Date(Date.now() + days * 86_400_000) : null });
    return { token: created.token, apiToken: toToken(created.record) };
  }

  @Authorized<Role>('admin')
  @Mutation(() => ApiTokenType, { description: 'Revokes an API token: it stops working at once. Revoking a revoked token changes nothing.' })
  async revokeApiToken(@Arg('id', () => ID, { description: 'The token id.' }) id: string): Promise<ApiTokenType> {
    return toToken(await this.tokens.revoke(id));
  }

  @Authorized<Role>('admin')
  @Query(() => AuditEntryConnection, { description: 'The audit log: every write with who made it and how it ended, in creation order.' })
  async auditLog(
    @Args(() => CreationPageArgs) page: CreationPageArgs,
    @Arg('tokenId', () => ID, { nullable: true, description: 'Only the writes made with this token.' }) tokenId?: string | null,
    @Arg('operation', () => String, { nullable: true, description: 'Only this mutation, e.g. deleteDataset.' }) operation?: string | null,
  ): Promise<AuditEntryConnection> {
    return toConnection(await this.audit.page({ tokenId, operation }, page), (entry) => entry);
  }
}

function toToken(t: TokenRecord): ApiTokenType {
  return { ...t, role: t.role as RoleEnum };
}
