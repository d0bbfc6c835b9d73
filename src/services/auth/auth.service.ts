import fs from 'node:fs';
import path from 'node:path';
import { inject, injectable } from 'inversify';
import type { AppConfig } from '../../config';
import type { Logger } from '../../logger';
import { APP_CONFIG, LOGGER } from '../tokens';
import type { Principal } from './roles';
import { TokenService } from './tokens.service';

/**
 * Who a request comes from: the holder of its bearer token, an anonymous client (a reader when
 * NIR_SSL_ANONYMOUS_READ is on, nobody otherwise), or anybody with every right when NIR_SSL_AUTH
 * is off (loopback only).
 */
@injectable()
export class AuthService {
  constructor(
    @inject(APP_CONFIG) private readonly config: AppConfig,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(TokenService) private readonly tokens: TokenService,
  ) {}

  /** The principal of an `Authorization` header value (or graphql-ws connectionParams' one). */
  async principal(authorization: unknown): Promise<Principal> {
    if (this.config.auth === 'off') return { kind: 'anonymous', role: 'admin' };
    if (authorization === undefined || authorization === null || authorization === '') {
      return { kind: 'anonymous', role: this.config.anonymousRead ? 'reader' : null };
    }
    const match = typeof authorization === 'string' ? /^Bearer\s+(\S{1,512})\s*$/i.exec(authorization) : null;
    if (!match) return { kind: 'invalid', reason: 'the Authorization header must be "Bearer <token>"' };
    return this.tokens.authenticate(match[1]);
  }

  /** The principal of graphql-ws connectionParams: `{ authorization: "Bearer ..." }` or `{ token: "..." }`. */
  async principalOfConnection(params: Readonly<Record<string, unknown>> | undefined): Promise<Principal> {
    const authorization = params?.authorization ?? params?.Authorization ?? (typeof params?.token === 'string' ? `Bearer ${params.token}` : undefined);
    return this.principal(authorization);
  }

  /**
   * On the first start (no token in the database) creates an admin token, writes it to the admin
   * token file (readable by the owner only) and returns it, to be printed once; null otherwise.
   * The token never goes to the log.
   */
  async ensureAdminToken(): Promise<string | null> {
    if (this.config.auth === 'off' || (await this.tokens.count()) > 0) return null;
    const { token, record } = await this.tokens.create({ role: 'admin', name: 'admin (first start)' });
    const file = this.config.adminTokenFile;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    this.logger.info('created the first admin token', { tokenId: record.id, file });
    return token;
  }
}
