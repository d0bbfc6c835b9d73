import { createPubSub } from '@graphql-yoga/subscription';
import { GraphQLObjectType, GraphQLSchema } from 'graphql';
import type { Container } from 'inversify';
import { buildSchema, type ContainerType, type MiddlewareFn, type PubSub } from 'type-graphql';
import { AuditService } from '../services/auth/audit.service';
import { EventBus } from '../services/events';
import { auditMiddleware } from './audit.middleware';
import { authChecker, operationsWithoutRole } from './auth';
import { RESOLVERS } from './resolvers';

/** The executable schema; resolvers come from the inversify container. */
export async function buildAppSchema(container: Container): Promise<GraphQLSchema> {
  const schema = await buildGraphqlSchema({ get: (cls) => container.get(cls) }, container.get(EventBus).pubSub, [auditMiddleware(container.get(AuditService)) as MiddlewareFn]);
  // Every operation names the role it needs: a new one without @Authorized stops the start.
  const unguarded = operationsWithoutRole(schema, RESOLVERS);
  if (unguarded.length > 0) throw new Error(`operations without @Authorized(role): ${unguarded.join(', ')}`);
  return schema;
}

/**
 * The schema alone, for printing and comparing (schema.graphql): nothing can be resolved, so
 * nothing (no database) has to exist.
 */
export async function buildSchemaForPrinting(): Promise<GraphQLSchema> {
  const noResolvers: ContainerType = {
    get: () => {
      throw new Error('this schema is built for printing only');
    },
  };
  return buildGraphqlSchema(noResolvers, createPubSub(), []);
}

async function buildGraphqlSchema(container: ContainerType, pubSub: PubSub, globalMiddlewares: MiddlewareFn[]): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: RESOLVERS,
    container,
    pubSub,
    authChecker,
    globalMiddlewares,
    validate: { forbidUnknownValues: false },
    emitSchemaFile: false,
  });
  return describeRootTypes(schema);
}

/** type-graphql cannot describe the root types; a schema that documents itself does. */
function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  const config = schema.toConfig();
  const roots = [config.query, config.mutation, config.subscription];
  const describe = (type: GraphQLObjectType | null | undefined, description: string) =>
    type ? new GraphQLObjectType({ ...type.toConfig(), description }) : type;
  return new GraphQLSchema({
    ...config,
    query: describe(config.query, 'Reads: datasets, experiments, models, predictions, studies, plugins and the system.'),
    mutation: describe(config.mutation, 'Changes: imports, experiments, predictions and studies. Nothing is half-written when one fails.'),
    subscription: describe(config.subscription, 'Live events over graphql-ws on the same URL.'),
    types: config.types.filter((type) => !roots.includes(type as GraphQLObjectType)),
  });
}
