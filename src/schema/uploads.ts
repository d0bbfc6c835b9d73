import type { Readable } from 'node:stream';
import type { Request, RequestHandler, Response } from 'express';
import { GraphQLUpload, processRequest, Upload, type FileUpload } from 'graphql-upload-minimal';
import { UserInputError } from '../errors';
import type { ImportSource, TableSource } from '../services/datasets/datasets.service';

/**
 * The `Upload` scalar of the GraphQL multipart request specification (graphql-upload-minimal):
 * its value is a promise of the file, whose stream is read as it arrives. The multipart body
 * itself is read in src/server.ts.
 */
export { GraphQLUpload };
export type { FileUpload };

/** A table given inline (`content`) or as an uploaded file (`file`): exactly one of them. */
export async function tableSource(content: string | null | undefined, file: Promise<FileUpload> | null | undefined): Promise<TableSource> {
  const hasContent = content !== null && content !== undefined;
  const hasFile = file !== null && file !== undefined;
  if (hasContent === hasFile) throw new UserInputError('give the table either inline as content or as an uploaded file, not both and not neither');
  if (hasContent) return { content };
  const upload = await (file as Promise<FileUpload>);
  return { stream: drainOnEarlyExit(upload.createReadStream()), fileName: upload.filename };
}

/** An import's input: inline content, one uploaded file, or several: exactly one of them. */
export async function importSource(
  content: string | null | undefined,
  file: Promise<FileUpload> | null | undefined,
  files: Promise<FileUpload>[] | null | undefined,
): Promise<ImportSource> {
  if (files === null || files === undefined) return tableSource(content, file);
  if ((content !== null && content !== undefined) || (file !== null && file !== undefined)) {
    throw new UserInputError('give the spectra as content, file or files, only one of them');
  }
  const uploads = await Promise.all(files);
  return { files: uploads.map((upload) => ({ stream: drainOnEarlyExit(upload.createReadStream()), fileName: upload.filename })) };
}

/**
 * The file's chunks. When the reader stops early (a parse error, the size limit), the rest of
 * the file is read and dropped instead of destroying the stream, so the multipart parser reaches
 * the end of the request and the error is answered on a healthy connection.
 */
async function* drainOnEarlyExit(stream: Readable): AsyncGenerator<Uint8Array | string> {
  let finished = false;
  try {
    for await (const chunk of stream.iterator({ destroyOnReturn: false })) yield chunk as Uint8Array | string;
    finished = true;
  } finally {
    if (!finished) stream.resume();
  }
}

/**
 * Reads GraphQL multipart requests (operations, map, then the files) for the GraphQL handler;
 * other requests pass through. Malformed multipart bodies are answered as coded JSON errors.
 * Files are not buffered: each is a stream the resolver reads. `maxFileBytes` is the upload limit;
 * busboy stops a file one byte past it, which the parser reports as PAYLOAD_TOO_LARGE.
 */
export function multipartRequests(maxFileBytes: number, maxFiles: number): RequestHandler {
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    lingerAfterEarlyAnswer(req, res);
    processRequest(req, res, { maxFileSize: maxFileBytes + 1, maxFiles, maxFieldSize: 1024 * 1024 })
      .then((body) => {
        req.body = body;
        // A file no resolver read (the operation failed first) is read and dropped once the
        // answer is sent, so the rest of the request does not stall on it.
        res.once('finish', () => drainUnread(body));
        next();
      })
      .catch((error: { status?: number; message?: string }) => {
        if (res.headersSent) return next(error);
        const status = error.status === 413 ? 413 : 400;
        res.status(status).json({
          errors: [{ message: `invalid multipart request: ${String(error.message ?? error).slice(0, 200)}`, extensions: { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST' } }],
        });
      });
  };
}

/**
 * An answer sent before the whole body arrived (a refused or invalid file, an operation that
 * failed before reading its file) must still reach a client that is sending: closing the socket
 * at once makes its write fail (EPIPE) before it reads the answer. So the rest of the body is read
 * and dropped (Node's default once the answer is sent) and the connection stays usable, but for
 * no longer than LINGER_MS, so a client cannot hold it open with an endless body.
 */
function lingerAfterEarlyAnswer(req: Request, res: Response): void {
  res.once('finish', () => {
    if (req.complete) return;
    const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
    timer.unref();
    req.once('end', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
    req.resume();
  });
}

const LINGER_MS = 30_000;

/** Drains every upload in the operations whose stream nobody took. */
function drainUnread(value: unknown): void {
  if (value instanceof Upload) {
    value.promise
      .then((file) => {
        try {
          file.createReadStream().resume();
        } catch {
          // Taken by a resolver (which drains it itself) or already failed.
        }
      })
      .catch(() => undefined);
  } else if (Array.isArray(value)) {
    value.forEach(drainUnread);
  } else if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(drainUnread);
  }
}
