import type { GraphQLSchema } from 'graphql';
import type { Container } from 'inversify';
import { buildSchema } from 'type-graphql';
import { EventBus } from '../services/events';
import { RESOLVERS } from './resolvers';

/** The executable schema; resolvers come from the inversify container. */
export async function buildAppSchema(container: Container): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    container: { get: (cls) => container.get(cls) },
    pubSub: container.get(EventBus).pubSub,
    validate: { forbidUnknownValues: false },
    emitSchemaFile: false,
  });
}
