import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PayloadTooLargeError, UserInputError } from '../../errors';
import type { StoredModelConfig, StoredModelState } from './model-config';

/**
 * A model bundle: one file that carries a trained model to another installation. It is gzip of
 * two lines of UTF-8 JSON:
 *
 *   {"format":"nir-ssl-model-bundle","version":1,"sha256":"<hex of line 2>","bytes":<length of line 2>}
 *   {"model":{...},"experiment":{...}|null,"dataset":{...}|null,"state":{...}}
 *
 * The header names the format and its version (an unknown version is refused before anything
 * else is read); the checksum covers the payload's exact bytes, so a damaged file is refused
 * instead of predicting wrongly. The payload holds the stored model as it is (weights, scaler and
 * pre-processing pipeline in `state`, with the PCA applicability domain; class names, axis and
 * spec in `model.config`), so an imported model predicts exactly as the original. Knows nothing
 * of GraphQL or the database.
 */
export const BUNDLE_FORMAT = 'nir-ssl-model-bundle';
export const BUNDLE_VERSION = 1;
/** File name ending of a bundle. */
export const BUNDLE_EXTENSION = '.nirmodel.gz';

export interface BundleHeader {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: number;
  readonly sha256: string;
  readonly bytes: number;
}

/** The experiment that made the model, as a summary (the other installation has neither it nor its dataset). */
export interface BundledExperiment {
  readonly id: string;
  readonly name: string;
  readonly spec: unknown;
  readonly accuracy: { mean: number; std: number } | null;
  readonly macroF1: { mean: number; std: number } | null;
  readonly folds: readonly { repeat: number; fold: number; accuracy: number; macroF1: number }[];
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export interface ModelBundlePayload {
  readonly model: {
    readonly id: string;
    readonly name: string;
    readonly createdAt: string;
    readonly config: StoredModelConfig;
    readonly metrics: unknown;
  };
  readonly experiment: BundledExperiment | null;
  readonly dataset: { readonly id: string; readonly name: string; readonly classes: readonly string[] } | null;
  readonly state: StoredModelState;
  readonly exportedAt: string;
}

/** The bundle file's bytes. */
export function encodeBundle(payload: ModelBundlePayload): Buffer {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const header: BundleHeader = { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, sha256: sha256(body), bytes: body.length };
  return gzipSync(Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), body]));
}

/** The most a bundle may unpack to (a gzip bomb is refused, not unpacked). */
export const MAX_UNPACKED_BYTES = 1024 * 1024 * 1024;

/** Reads a bundle file; a UserInputError says clearly what is wrong with one that is not a valid version-1 bundle. */
export function decodeBundle(file: Uint8Array, maxUnpackedBytes = MAX_UNPACKED_BYTES): ModelBundlePayload {
  if (file.length < 2 || file[0] !== 0x1f || file[1] !== 0x8b) throw new UserInputError('not a model bundle: the file is not gzip-compressed (export one with exportModel)');
  let text: Buffer;
  try {
    text = gunzipSync(file, { maxOutputLength: maxUnpackedBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new PayloadTooLargeError(`the model bundle unpacks to more than ${maxUnpackedBytes} bytes`);
    throw new UserInputError(`the model bundle is corrupted: ${(error as Error).message.slice(0, 80)}`);
  }
  const newline = text.indexOf(0x0a);
  const header = parseJson<Partial<BundleHeader>>(newline < 0 ? text : text.subarray(0, newline), 'its header');
  if (header?.format !== BUNDLE_FORMAT) throw new UserInputError(`not a model bundle: format is ${JSON.stringify(header?.format ?? null)}, expected "${BUNDLE_FORMAT}"`);
  if (header.version !== BUNDLE_VERSION) {
    throw new UserInputError(`model bundle version ${JSON.stringify(header.version ?? null)} is not supported (this installation reads version ${BUNDLE_VERSION}); upgrade nir-ssl to import it`);
  }
  const body = text.subarray(newline + 1);
  if (body.length !== header.bytes || sha256(body) !== header.sha256) throw new UserInputError('the model bundle is corrupted: its checksum does not match its content');
  const payload = parseJson<ModelBundlePayload>(body, 'its content');
  const config = payload?.model?.config;
  if (!config || !Array.isArray(config.classes) || !Array.isArray(config.axis) || typeof config.plugin !== 'string' || !payload.state) {
    throw new UserInputError('the model bundle is incomplete: it lacks the model configuration or state');
  }
  return payload;
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new UserInputError(`the model bundle is corrupted: ${what} is not valid JSON`);
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A file name for a model's bundle: its name in safe characters. */
export function bundleFileName(name: string): string {
  const safe = name.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'model';
  return `${safe}${BUNDLE_EXTENSION}`;
}
