import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type RequestHandler } from 'express';
import type { Container } from 'inversify';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { isLoopback, type AppConfig } from './config';
import { createContainer } from './container';
import { mountDashboard } from './dashboard';
import { DomainError } from './errors';
import { Logger } from './logger';
import { buildAppSchema } from './schema/build-schema';
import { createContextFactory, type GraphQLContext } from './schema/context';
import { queryLimitRules } from './schema/limits';
import { AuthService } from './services/auth/auth.service';
import { RateLimit } from './services/auth/rate-limit';
import { principalKey } from './services/auth/roles';
import { createErrorFormatter } from './schema/errors';
import { bodyErrors, requireJsonBody } from './schema/http-errors';
import { subscriptionServerOptions } from './schema/subscriptions';
import { multipartRequests } from './schema/uploads';
import { legacyStatusPlugin } from './schema/legacy-status.plugin';
import { DatabaseService } from './services/database/database.service';
import { StartupService } from './services/startup.service';
import { EncoderService } from './services/encoders/encoders.service';
import { JOB_QUEUE, type JobQueue } from './services/experiments/job-queue';
import { ModelService } from './services/models/models.service';
import { BACKEND_INFO, type BackendInfoProvider } from './services/system.service';

export interface RunningServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly container: Container;
  /** The admin token created by this start (the database had none), to be shown once; else null. */
  readonly adminToken: string | null;
  /** Stops accepting, lets in-flight requests finish, closes subscriptions and the database. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP server: GraphQL at /graphql (queries and mutations over HTTP, subscriptions
 * over graphql-ws on the same port and path), /health, and the dashboard at / (src/dashboard.ts).
 */
export async function startServer(config: AppConfig, logger = new Logger(config.logLevel)): Promise<RunningServer> {
  if (config.auth === 'off' && !isLoopback(config.host)) {
    throw new Error(`NIR_SSL_AUTH=off is refused unless the server listens on loopback only (NIR_SSL_HOST is "${config.host}")`);
  }
  const container = await createContainer(config, logger);
  await container.get(StartupService).run();
  const auth = container.get(AuthService);
  const adminToken = await auth.ensureAdminToken();
  const schema = await buildAppSchema(container);
  const limitRules = queryLimitRules(config);
  const rateLimit = new RateLimit(config.rateLimitPerMinute);
  const contextFor = createContextFactory(container);
  const admit = (context: GraphQLContext) => rateLimit.consume(principalKey(context.principal, context.address));

  const app = express();
  // Idle kept-alive sockets stay open longer than clients keep theirs (undici: the advertised
  // timeout less 2 s, browsers and proxies about 60 s), so a client never reuses a socket the
  // server is closing (the ECONNRESET of a dashboard polling while training loads the cores).
  const httpServer = http.createServer({ keepAliveTimeout: config.keepAliveTimeoutMs, headersTimeout: config.headersTimeoutMs }, app);
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const formatError = createErrorFormatter(logger, { devErrors: config.devErrors });
  // One context per graphql-ws connection, from its connectionParams.
  const connectionContexts = new WeakMap<object, Promise<GraphQLContext>>();
  const contextOf = (ctx: { connectionParams?: Readonly<Record<string, unknown>>; extra: unknown }) => {
    let context = connectionContexts.get(ctx);
    if (!context) {
      const address = (ctx.extra as { request?: http.IncomingMessage }).request?.socket.remoteAddress ?? 'unknown';
      context = auth.principalOfConnection(ctx.connectionParams).then((principal) => contextFor(principal, address));
      connectionContexts.set(ctx, context);
    }
    return context;
  };
  const wsCleanup = useServer(subscriptionServerOptions(schema, { contextOf, admit, rules: limitRules }, formatError), wsServer);

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError,
    introspection: true,
    validationRules: limitRules,
    // Batched requests (an array of operations in one body) are refused (Apollo's default, kept explicit).
    allowBatchedHttpRequests: false,
    // Stack traces are for the log, not for clients, unless NIR_SSL_DEV_ERRORS is on.
    includeStacktraceInErrorResponses: config.devErrors,
    plugins: [
      // The bundled GraphiQL (/graphiql/) replaces the landing page, which loads from a CDN.
      ApolloServerPluginLandingPageDisabled(),
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
      // A queue that is down leaves reads working: degraded, not unavailable.
      const queue = container.get<JobQueue>(JOB_QUEUE).status();
      res.json({ status: queue.up ? 'ok' : 'degraded', database: database.dialect, queue: { kind: queue.kind, up: queue.up } });
    } catch (error) {
      const errorId = randomUUID();
      logger.error('health check failed', { errorId, error: error instanceof Error ? error.message : String(error) });
      res.status(503).json({ status: 'unavailable', errorId });
    }
  });
  mountDashboard(app, config.webDir, logger);
  // Who asks (bearer token) and the rate limit, before the body is read.
  const authenticate: RequestHandler = (req, res, next) => {
    auth
      .principal(req.headers.authorization)
      .then(async (principal) => {
        const context = contextFor(principal, req.socket.remoteAddress ?? 'unknown');
        await admit(context);
        res.locals.context = context;
        next();
      })
      .catch((error: unknown) => {
        if (!(error instanceof DomainError)) return next(error);
        if (error.code === 'RATE_LIMITED') res.set('Retry-After', String(error.details?.retryAfterSeconds ?? 60));
        res.status(error.code === 'RATE_LIMITED' ? 429 : 400).json({ errors: [{ message: error.message, extensions: { code: error.code, ...(error.details ?? {}) } }] });
      });
  };
  // Browsers may call from other origins only when listed (default: none, same origin only).
  const corsPolicy: RequestHandler = config.corsOrigins.length > 0 ? cors({ origin: config.corsOrigins }) : (_req, _res, next) => next();
  // Files come as multipart uploads (streamed) or inline as GraphQL strings: the JSON body limit
  // follows the upload limit.
  const bodyLimit = Math.ceil(config.maxUploadBytes * 1.1) + 1024 * 1024;
  app.use(
    '/graphql',
    corsPolicy,
    authenticate,
    multipartRequests(config.maxUploadBytes, Math.max(4, config.maxImportFiles)),
    requireJsonBody(),
    express.json({ limit: bodyLimit }),
    expressMiddleware(apollo, { context: async ({ res }) => res.locals.context as GraphQLContext }),
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
    adminToken,
    close: () =>
      (closing ??= (async () => {
        logger.info('shutting down');
        // Running experiments are interrupted, not lost: the next start resumes them.
        await container.get<JobQueue>(JOB_QUEUE).stop();
        await container.get(EncoderService).close();
        await apollo.stop();
        await container.get(ModelService).close();
        await database.close();
        logger.info('stopped');
      })()),
  };
}
