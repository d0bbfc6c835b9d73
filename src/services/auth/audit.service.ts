import { inject, injectable } from 'inversify';
import type { Logger } from '../../logger';
import { DatabaseService } from '../database/database.service';
import { mapPage, pageByCreation, type Page, type PageRequest } from '../paging';
import { LOGGER } from '../tokens';
import type { Principal } from './roles';

export interface AuditRecord {
  readonly id: string;
  readonly createdAt: Date;
  readonly tokenId: string | null;
  readonly actor: string;
  readonly role: string;
  readonly operation: string;
  /** The ids and names the operation named (never file contents or tokens). */
  readonly target: Record<string, unknown>;
  /** `ok`, or the error code. */
  readonly outcome: string;
  readonly error: string | null;
}

export interface AuditEntry {
  readonly principal: Principal;
  readonly operation: string;
  readonly args: Record<string, unknown>;
  readonly outcome: string;
  readonly error?: string | null;
}

/** Keys of arguments worth keeping: what the operation acted on. Contents (CSV, spectra) are not. */
const TARGET_KEYS = ['id', 'ids', 'name', 'datasetId', 'modelId', 'experimentId', 'studyId', 'role', 'plugin', 'preset'];

/** The audit log: one row per write (mutation), who made it, with which token, and how it ended. */
@injectable()
export class AuditService {
  constructor(
    @inject(DatabaseService) private readonly database: DatabaseService,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Stores an entry; a failure to store is logged, never the caller's failure. */
  async record(entry: AuditEntry): Promise<void> {
    const p = entry.principal;
    const data = {
      tokenId: p.kind === 'token' ? p.tokenId : null,
      actor: p.kind === 'token' ? p.name : p.kind,
      role: p.kind === 'invalid' ? 'none' : (p.role ?? 'none'),
      operation: entry.operation,
      target: JSON.stringify(targetOf(entry.args)),
      outcome: entry.outcome,
      error: entry.error ? entry.error.slice(0, 500) : null,
    };
    try {
      await this.database.client.auditLog.create({ data });
    } catch (error) {
      this.logger.error('could not write the audit log', { operation: entry.operation, error: error instanceof Error ? error.message : String(error) });
    }
  }

  async page(filter: { tokenId?: string | null; operation?: string | null }, request: PageRequest): Promise<Page<AuditRecord>> {
    const where = { ...(filter.tokenId ? { tokenId: filter.tokenId } : {}), ...(filter.operation ? { operation: filter.operation } : {}) };
    const db = this.database.client;
    const page = await pageByCreation(
      request,
      (query) => db.auditLog.findMany({ ...query, where: { AND: [where, query.where] } }),
      () => db.auditLog.count({ where }),
    );
    return mapPage(page, (row) => ({ ...row, target: JSON.parse(row.target) as Record<string, unknown> }));
  }
}

/** The identifying arguments of a mutation, from its arguments and its `input`, strings shortened. */
export function targetOf(args: Record<string, unknown>): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  const input = args.input && typeof args.input === 'object' ? (args.input as Record<string, unknown>) : {};
  for (const source of [input, args]) {
    for (const key of TARGET_KEYS) {
      const value = source[key];
      if (typeof value === 'string') target[key] = value.slice(0, 100);
      else if (Array.isArray(value)) target[key] = value.slice(0, 20).map((v) => String(v).slice(0, 100));
    }
  }
  const model = input.model as { plugin?: unknown } | undefined;
  if (typeof model?.plugin === 'string') target.plugin = model.plugin.slice(0, 100);
  return target;
}
