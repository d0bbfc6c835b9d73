import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import type { Container } from 'inversify';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { AppConfig } from './config';
import { createContainer } from './container';
import { Logger } from './logger';
import { buildAppSchema } from './schema/build-schema';
import { createContext, type GraphQLContext } from './schema/context';
import { createErrorFormatter } from './schema/errors';
import { bodyErrors, requireJsonBody } from './schema/http-errors';
import { subscriptionServerOptions } from './schema/subscriptions';
import { multipartRequests } from './schema/uploads';
import { legacyStatusPlugin } from './schema/legacy-status.plugin';
import { DatabaseService } from './services/database/database.service';
import { StartupService } from './services/startup.service';
import { JOB_QUEUE, type JobQueue } from './services/experiments/job-queue';
import { ModelService } from './services/models/models.service';
import { BACKEND_INFO, type BackendInfoProvider } from './services/system.service';

export interface RunningServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly container: Container;
  /** Stops accepting, lets in-flight requests finish, closes subscriptions and the database. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP server: GraphQL at /graphql (queries and mutations over HTTP, subscriptions
 * over graphql-ws on the same port and path) and /health.
 */
export async function startServer(config: AppConfig, logger = new Logger(config.logLevel)): Promise<RunningServer> {
  const container = await createContainer(config, logger);
  await container.get(StartupService).run();
  const schema = await buildAppSchema(container);

  const app = express();
  const httpServer = http.createServer(app);
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const context = createContext(container);
  const formatError = createErrorFormatter(logger);
  const wsCleanup = useServer(subscriptionServerOptions(schema, context, formatError), wsServer);

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError,
    introspection: true,
    // Stack traces are for the log, not for clients (Apollo adds them unless NODE_ENV=production).
    includeStacktraceInErrorResponses: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownTimeoutMs }),
      { serverWillStart: async () => ({ drainServer: async () => wsCleanup.dispose() }) },
      legacyStatusPlugin(),
    ],
  });
  await apollo.start();

  const database = container.get(DatabaseService);
  app.get('/health', async (_req, res) => {
    try {
      await database.client.$queryRawUnsafe('SELECT 1');
      res.json({ status: 'ok', database: database.dialect });
    } catch (error) {
      res.status(503).json({ status: 'unavailable', error: error instanceof Error ? error.message : String(error) });
    }
  });
  // Files come as multipart uploads (streamed) or inline as GraphQL strings: the JSON body limit
  // follows the upload limit.
  const bodyLimit = Math.ceil(config.maxUploadBytes * 1.1) + 1024 * 1024;
  app.use(
    '/graphql',
    cors(),
    multipartRequests(config.maxUploadBytes),
    requireJsonBody(),
    express.json({ limit: bodyLimit }),
    expressMiddleware(apollo, { context: async () => context }),
    bodyErrors(bodyLimit),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}/graphql`;
  logger.info('server listening', { url, database: database.dialect });
  // The backend the training jobs will use (they load it in their worker threads), for the log.
  container
    .get<BackendInfoProvider>(BACKEND_INFO)()
    .then((backend) => logger.info('compute backend', { ...backend }))
    .catch((error: Error) => logger.warn('no compute backend could be loaded', { error: error.message }));

  let closing: Promise<void> | null = null;
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    port,
    container,
    close: () =>
      (closing ??= (async () => {
        logger.info('shutting down');
        // Running experiments are interrupted, not lost: the next start resumes them.
        await container.get<JobQueue>(JOB_QUEUE).stop();
        await apollo.stop();
        await container.get(ModelService).close();
        await database.close();
        logger.info('stopped');
      })()),
  };
}
