import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import type { AppConfig } from '../config';
import type { LimitCode } from '../errors';

/**
 * The query limits (graphql-armor's validation rules): depth, aliases and estimated cost, each
 * a setting, each refusal with its own code (QUERY_TOO_DEEP, TOO_MANY_ALIASES,
 * QUERY_TOO_COMPLEX). A single request of 5,000 aliases of `classStatistics` is refused before
 * anything runs. The same rules apply over HTTP and graphql-ws.
 */
export function queryLimitRules(config: Pick<AppConfig, 'maxQueryDepth' | 'maxAliases' | 'maxQueryCost'>): ValidationRule[] {
  const rejectWith = (code: LimitCode, setting: string) => ({
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(
          new GraphQLError(`${error.message.replace(/^Syntax Error: /, '')} (${setting})`, { nodes: error.nodes, extensions: { code, limitCode: code } }),
        ),
    ],
  });
  return [
    maxDepthRule({ n: config.maxQueryDepth, ...rejectWith('QUERY_TOO_DEEP', 'NIR_SSL_MAX_QUERY_DEPTH') }),
    maxAliasesRule({ n: config.maxAliases, ...rejectWith('TOO_MANY_ALIASES', 'NIR_SSL_MAX_ALIASES') }),
    costLimitRule({ maxCost: config.maxQueryCost, ...rejectWith('QUERY_TOO_COMPLEX', 'NIR_SSL_MAX_QUERY_COST') }),
  ] as ValidationRule[];
}
