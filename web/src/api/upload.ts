import type { Client } from 'urql';

/**
 * Dataset import from a file: the ONE place that sends a file to the server. A CSV/TSV table's
 * text goes through importDataset's `content` argument (read here with progress); an instrument
 * file (JCAMP-DX, SPC, an Excel workbook, a zip of files with their labels CSV) is uploaded as it
 * is by the GraphQL multipart request (urql's fetch exchange sends File variables that way).
 */
export interface ImportOptions {
  name: string;
  description?: string;
  labelColumn?: string;
  groupColumn?: string;
}

export interface ImportedDataset {
  id: string;
  name: string;
  sampleCount: number;
  variableCount: number;
}

/** An import the server refused, with where in the file when it says. */
export class ImportError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
    readonly column: number | null,
  ) {
    super(message);
  }
}

const IMPORT = `mutation ImportDataset($input: ImportDatasetInput!) {
  importDataset(input: $input) { id name sampleCount variableCount }
}`;

/** Reads the file (reporting progress as 0..1) and imports it; throws ImportError when refused. */
export async function importDatasetFile(
  client: Client,
  file: File,
  options: ImportOptions,
  onProgress: (fraction: number, phase: 'reading' | 'importing') => void,
): Promise<ImportedDataset> {
  const asText = isTextTable(file);
  const content = asText ? await readText(file, (f) => onProgress(f, 'reading')) : undefined;
  onProgress(1, 'importing');
  const input = {
    name: options.name,
    ...(asText ? { content } : { file }),
    description: options.description || undefined,
    labelColumn: options.labelColumn || undefined,
    groupColumn: options.groupColumn || undefined,
  };
  const result = await client.mutation<{ importDataset: ImportedDataset }>(IMPORT, { input }).toPromise();
  if (result.error) {
    const first = result.error.graphQLErrors[0];
    if (!first) throw new ImportError(result.error.networkError?.message ?? result.error.message, null, null);
    const ext = first.extensions ?? {};
    const where = /line (\d+)(?:, column (\d+))?/.exec(first.message);
    const line = typeof ext.line === 'number' ? ext.line : where ? Number(where[1]) : null;
    const column = typeof ext.column === 'number' ? ext.column : where?.[2] ? Number(where[2]) : null;
    throw new ImportError(first.message, line, column);
  }
  return result.data!.importDataset;
}

/** Tables go inline as text; anything else (binary, or a format the server must tell) as a file. */
export function isTextTable(file: File): boolean {
  return /\.(csv|tsv|txt)$/i.test(file.name);
}

/** What the drop zone offers: tables and the instrument formats the server reads. */
export const IMPORT_ACCEPT = '.csv,.tsv,.txt,text/csv,.jdx,.dx,.jcamp,.spc,.xlsx,.zip';

function readText(file: File, onProgress: (fraction: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsText(file);
  });
}
