import type { ErrorRequestHandler, RequestHandler, Response } from 'express';

/**
 * Requests that never reach GraphQL (a body that is not JSON, too large, or of another media
 * type) are answered like GraphQL errors, as JSON with a code, instead of Express's HTML page.
 * None of these messages quotes the body.
 */

/**
 * POST bodies must be JSON (the GraphQL over HTTP spec's one required media type), or a GraphQL
 * multipart request already read by the upload middleware.
 */
export function requireJsonBody(): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST' || req.is('application/json') || req.is('multipart/form-data')) return next();
    const given = req.headers['content-type'];
    sendError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', `POST bodies must be application/json or multipart/form-data${given ? `, not ${given.split(';')[0].slice(0, 60)}` : ' (no content-type was given)'}`);
  };
}

/** body-parser's failures (malformed JSON, over the limit, an unknown charset) as coded GraphQL errors. */
export function bodyErrors(limitBytes: number): ErrorRequestHandler {
  return (error: { type?: string; status?: number }, _req, res, next) => {
    if (res.headersSent) return next(error);
    switch (error.type) {
      case 'entity.parse.failed':
        return sendError(res, 400, 'BAD_REQUEST', 'the request body is not valid JSON');
      case 'entity.too.large':
        // The rest of the body is not read: the connection cannot carry another request.
        res.set('Connection', 'close');
        return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `the request body is over the limit of ${(limitBytes / 1024 / 1024).toFixed(1)} MiB`);
      case 'charset.unsupported':
      case 'encoding.unsupported':
        return sendError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'the request body has an unsupported charset or content encoding');
      default:
        return next(error);
    }
  };
}

function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}
