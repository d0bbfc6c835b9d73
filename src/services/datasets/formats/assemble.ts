import { UserInputError } from '../../../errors';
import { matrix } from '../../../numeric/matrix';
import { resampleRows, sameAxis } from '../../../numeric/resample';
import { inferAxisUnit, labelIndices, rowsPerBlock, type AxisUnit, type ParsedSpectraBlocks } from '../spectra-csv';
import type { LabelsTable } from './labels';
import { excerpt, type MetadataValue, type ParsedFile, type SpectrumRecord, type TableOptions } from './types';

/** A dataset's spectra on one axis, with what the import learned on the way. */
export interface AssembledSpectra extends ParsedSpectraBlocks {
  readonly valueUnit: string;
  readonly notes: string[];
}

export interface AssembleOptions extends TableOptions {
  /** The unit the user named; else the files' or, failing that, inferred from the values. */
  readonly axisUnit?: AxisUnit;
}

/**
 * Puts the spectra of every file of an import on one axis and into Float32 blocks: labels and
 * groups from the files or the labels CSV, units checked to agree, spectra on different axes
 * resampled onto the part of the axis they all cover (with a note saying so).
 */
export function assembleSpectra(files: ParsedFile[], labels: LabelsTable | null, options: AssembleOptions): AssembledSpectra {
  const records = files.flatMap((f) => f.spectra);
  if (records.length === 0) throw new UserInputError('the files hold no spectra');
  const notes = files.flatMap((f) => f.notes);
  const axisUnit = options.axisUnit ?? agreeingAxisUnit(files);
  const valueUnit = agreeingValueUnit(files);
  for (const r of records) checkSpectrum(r);

  const { axis, rows: values, note } = commonAxis(records, axisUnit);
  if (note) notes.push(note);

  const anyLabels = labels !== null || files.some((f) => f.labelled);
  if (!anyLabels && !options.library && !options.labelsOptional) {
    throw new UserInputError(
      'the files carry no labels: add a CSV that maps file names to labels (columns file and label, optionally a group column) or import with library: true',
    );
  }
  const rawLabels: string[] = [];
  const groups: string[] = [];
  const metadataNames = [...new Set([...files.flatMap((f) => f.metadataNames), ...(labels?.metadataNames ?? [])])];
  const metadata: MetadataValue[][] = [];
  for (const r of records) {
    const mapped = labels ? labels.find(r) : null;
    if (labels && !mapped && r.label === undefined) {
      throw new UserInputError(`${r.where}: no row for "${excerpt(r.file)}" in the labels CSV ${labels.fileName} (column ${labels.keyColumn})`);
    }
    rawLabels.push(mapped ? mapped.label : (r.label ?? ''));
    if (options.groupColumn !== null) {
      const group = mapped?.group ?? r.group;
      if (group === undefined || group === '') throw new UserInputError(`${r.where}: no group (column "${excerpt(options.groupColumn)}")`);
      groups.push(group);
    }
    const row = { ...r.metadata, ...mapped?.metadata };
    metadata.push(metadataNames.map((name) => row[name] ?? null));
  }
  const { classes, y, unlabelledCount } = labelIndices(rawLabels, options.labelsOptional || (options.library && !anyLabels));
  const cols = axis.length;
  const perBlock = rowsPerBlock(cols);
  const blocks: Float32Array[] = [];
  for (let start = 0; start < values.length; start += perBlock) {
    const n = Math.min(perBlock, values.length - start);
    const block = new Float32Array(n * cols);
    for (let i = 0; i < n; i++) block.set(values[start + i], i * cols);
    blocks.push(block);
  }
  return {
    axis,
    axisUnit: axisUnit ?? inferAxisUnit(axis),
    rows: records.length,
    cols,
    blocks,
    classes,
    y,
    unlabelledCount,
    groups: options.groupColumn !== null ? groups : null,
    metadataNames,
    metadata,
    valueUnit,
    notes,
  };
}

function agreeingAxisUnit(files: ParsedFile[]): AxisUnit | undefined {
  const units = [...new Set(files.map((f) => f.axisUnit).filter((u): u is AxisUnit => u !== null))];
  if (units.length > 1) throw new UserInputError(`the files have axes in different units (${units.join(' and ')}); import them separately`);
  return units[0];
}

function agreeingValueUnit(files: ParsedFile[]): string {
  const units = [...new Set(files.map((f) => f.valueUnit).filter((u) => u !== ''))];
  if (units.length > 1) {
    throw new UserInputError(`the files hold spectra in different units (${units.join(' and ')}); a dataset holds one kind: import them separately`);
  }
  return units[0] ?? '';
}

function checkSpectrum(r: SpectrumRecord): void {
  const { axis, values } = r;
  if (axis.length < 2) throw new UserInputError(`${r.where}: a spectrum needs at least 2 points, this one has ${axis.length}`);
  if (values.length !== axis.length) throw new UserInputError(`${r.where}: ${values.length} values for ${axis.length} axis points`);
  const direction = Math.sign(axis[1] - axis[0]);
  for (let j = 0; j < axis.length; j++) {
    if (!Number.isFinite(axis[j])) throw new UserInputError(`${r.where}: axis point ${j + 1} is not a finite number`);
    if (j > 0 && (direction === 0 || Math.sign(axis[j] - axis[j - 1]) !== direction)) {
      throw new UserInputError(`${r.where}: the axis must be strictly increasing or decreasing (point ${j + 1}, ${axis[j]})`);
    }
    if (!Number.isFinite(values[j])) throw new UserInputError(`${r.where}: value ${j + 1} (at ${axis[j]}) is not a finite number`);
  }
}

/**
 * The one axis of the dataset. Spectra on the same grid keep it; otherwise every spectrum is
 * linearly resampled onto the grid (of the spectrum with the most points there) restricted to the
 * range all of them cover: extrapolating would invent data.
 */
function commonAxis(records: SpectrumRecord[], unit: AxisUnit | undefined): { axis: Float64Array; rows: ArrayLike<number>[]; note: string | null } {
  const axes: Float64Array[] = [];
  const axisOf = records.map((r) => {
    let k = axes.findIndex((a) => a === r.axis || sameAxis(a, r.axis));
    if (k < 0) k = axes.push(r.axis) - 1;
    return k;
  });
  if (axes.length === 1) return { axis: axes[0], rows: records.map((r) => r.values), note: null };
  const lo = Math.max(...axes.map((a) => Math.min(a[0], a[a.length - 1])));
  const hi = Math.min(...axes.map((a) => Math.max(a[0], a[a.length - 1])));
  if (!(lo < hi)) throw new UserInputError(`the spectra's axes do not overlap (${axes.length} different axes): nothing to put them on`);
  const tolerance = 1e-9 * Math.max(Math.abs(lo), Math.abs(hi), 1);
  const inside = axes.map((a) => a.filter((v) => v >= lo - tolerance && v <= hi + tolerance));
  const best = inside.reduce((b, a, k) => (a.length > inside[b].length ? k : b), 0);
  const target = inside[best].map((v) => Math.min(Math.max(v, lo), hi));
  if (target.length < 2) throw new UserInputError('the spectra\'s axes overlap on fewer than 2 points: nothing to put them on');
  const rows = records.map((r) => (sameAxis(r.axis, target) ? r.values : resampleRows(matrix(1, r.axis.length, Float32Array.from(r.values)), r.axis, target).data));
  const where = records[axisOf.indexOf(best)].where;
  const u = unit ? ` ${unit}` : '';
  const note =
    `the spectra were on ${axes.length} different axes: all were resampled (linear interpolation) onto the range they share, ` +
    `${fmt(lo)} to ${fmt(hi)}${u}, ${target.length} points on the grid of ${where}`;
  return { axis: target, rows, note };
}

function fmt(v: number): string {
  return Number(v.toPrecision(7)).toString();
}
