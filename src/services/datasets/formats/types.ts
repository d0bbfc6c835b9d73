import type { AxisUnit } from '../spectra-csv';

/**
 * What every format parser gives back: spectra, each on its own axis (tables share one axis
 * array between their rows), with what the file itself says of them. The assembler
 * (assemble.ts) puts them on one axis and builds the dataset's matrix. Nothing here knows of
 * GraphQL or Prisma.
 */
export type ImportFormat = 'AUTO' | 'CSV' | 'JCAMP_DX' | 'SPC' | 'XLSX' | 'ZIP';

/** One file of an import: its name (for messages and the labels CSV) and its bytes. */
export interface InputFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export type MetadataValue = string | number | null;

export interface SpectrumRecord {
  /** Where the spectrum comes from, for messages: "a.jdx", "b.spc, spectrum 3", "line 4". */
  readonly where: string;
  /** The file it comes from (the key of the labels CSV). */
  readonly file: string;
  /** Its position in a file of several spectra (1-based), null for a file of one. */
  readonly index: number | null;
  /** Its title in the file (JCAMP-DX ##TITLE), when there is one. */
  readonly title: string | null;
  readonly axis: Float64Array;
  readonly values: ArrayLike<number>;
  /** The class the file gives (a label column or row); undefined when the file says nothing, '' for unlabelled. */
  readonly label?: string;
  readonly group?: string;
  readonly metadata?: Readonly<Record<string, MetadataValue>>;
}

export interface ParsedFile {
  readonly spectra: SpectrumRecord[];
  /** The unit of the axis when the file says it (JCAMP-DX ##XUNITS, SPC's x type). */
  readonly axisUnit: AxisUnit | null;
  /** absorbance, reflectance, transmittance, log(1/r), kubelka-munk, or '' when unknown. */
  readonly valueUnit: string;
  /** Names of the metadata columns the file gives, in file order. */
  readonly metadataNames: string[];
  /** True when the file has a label column or row (a table): its spectra carry labels. */
  readonly labelled: boolean;
  /** True when the file carries a group column or row. */
  readonly grouped: boolean;
  readonly notes: string[];
}

/** How to read tables (the options of the CSV import, shared by every format). */
export interface TableOptions {
  readonly labelColumn: string;
  readonly groupColumn: string | null;
  readonly delimiter?: ',' | '\t' | ';';
  readonly library: boolean;
  readonly labelsOptional: boolean;
  /** A labels CSV comes with the files: a table without a label or group column is fine. */
  readonly labelsElsewhere?: boolean;
}

/** The value unit named by a JCAMP-DX ##YUNITS, an SPC y type or a column header; '' when none is known. */
export function valueUnitOf(text: string | null | undefined): string {
  const t = (text ?? '').trim().toLowerCase().replace(/\s+/g, ' ');
  if (t === '') return '';
  if (/^(log ?\(1 ?\/ ?r\)|log1\/r)/.test(t)) return 'log(1/r)';
  if (t.startsWith('absorbance') || t === 'a' || t === 'abs') return 'absorbance';
  if (t.startsWith('reflectance') || t === 'r' || t === '%r') return 'reflectance';
  if (t.startsWith('transmittance') || t.startsWith('transmission') || t === '%t') return 'transmittance';
  if (t.startsWith('kubelka')) return 'kubelka-munk';
  return '';
}

/** The axis unit named by a JCAMP-DX ##XUNITS or an SPC x type; null when it is neither nm, µm nor cm-1. */
export function axisUnitOf(text: string | null | undefined): { unit: AxisUnit; scale: number } | null {
  const t = (text ?? '').trim().toLowerCase();
  if (/^(1\/cm|cm-1|cm\^-1|wavenumber)/.test(t)) return { unit: 'cm-1', scale: 1 };
  if (/^(nanometers?|nm)\b/.test(t) || t.startsWith('nanometer')) return { unit: 'nm', scale: 1 };
  if (/^(micrometers?|microns?|um|µm)\b/.test(t) || t.startsWith('micrometer')) return { unit: 'nm', scale: 1000 };
  return null;
}

/** At most a short excerpt of text in a message: an error must not echo the file back. */
export function excerpt(text: string): string {
  return text.length > 24 ? `${text.slice(0, 20)}...` : text;
}
