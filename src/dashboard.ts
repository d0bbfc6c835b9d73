import fs from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import type { Logger } from './logger';

/**
 * The dashboard (web/, built by scripts/build-web.js into the web directory) at `/` and the
 * bundled GraphiQL at `/graphiql/`: static files only, both clients of /graphql. A browser that
 * opens /graphql itself is sent to GraphiQL (Apollo's landing page loads its code from a CDN).
 * Returns false, serving nothing, when the directory holds no built dashboard.
 */
export function mountDashboard(app: Express, webDir: string, logger: Logger): boolean {
  if (!fs.existsSync(path.join(webDir, 'index.html'))) {
    logger.warn('no dashboard served: its build is missing (run `npm run build`)', { webDir });
    return false;
  }
  app.get('/graphql', (req, res, next) => {
    if (req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html' && !req.query.query) {
      res.redirect(302, '/graphiql/');
      return;
    }
    next();
  });
  // Hashed assets never change; index pages must be fetched again after an upgrade.
  app.use(
    express.static(webDir, {
      index: 'index.html',
      setHeaders: (res, file) => {
        res.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  return true;
}
