import { unzipSync } from 'fflate';
import { UserInputError } from '../../../errors';
import { InputTooLargeError } from '../spectra-csv';
import { excerpt, type InputFile } from './types';

/**
 * The files of a zip archive (read by fflate), folders flattened into paths, with what
 * archivers add left out (folders, __MACOSX/, dot-files). The unpacked size counts against
 * the upload limit, so a small archive cannot unpack into gigabytes.
 */
export function unzipFiles(file: InputFile, maxBytes: number, maxEntries: number): InputFile[] {
  const wanted = (name: string) => !name.endsWith('/') && !name.startsWith('__MACOSX/') && !/(^|\/)\./.test(name);
  let total = 0;
  let entries = 0;
  try {
    unzipSync(file.bytes, {
      filter: (f) => {
        if (wanted(f.name)) {
          total += f.originalSize;
          entries++;
        }
        return false;
      },
    });
  } catch (error) {
    throw new UserInputError(`${file.name}: not a readable zip archive (${excerpt(String((error as Error).message ?? error))})`);
  }
  if (total > maxBytes) throw new InputTooLargeError(maxBytes);
  if (entries > maxEntries) throw new UserInputError(`${file.name}: ${entries} files in the archive, more than the ${maxEntries} an import takes (NIR_SSL_MAX_IMPORT_FILES)`);
  let unpacked: Record<string, Uint8Array>;
  try {
    unpacked = unzipSync(file.bytes, { filter: (f) => wanted(f.name) });
  } catch (error) {
    throw new UserInputError(`${file.name}: a damaged zip archive (${excerpt(String((error as Error).message ?? error))})`);
  }
  const files = Object.entries(unpacked).map(([name, bytes]) => ({ name, bytes }));
  if (files.length === 0) throw new UserInputError(`${file.name}: the zip archive holds no files`);
  if (files.reduce((n, f) => n + f.bytes.length, 0) > maxBytes) throw new InputTooLargeError(maxBytes);
  return files.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}
