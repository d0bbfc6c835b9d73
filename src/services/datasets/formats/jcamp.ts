import type { Entry } from 'jcampconverter';
import { UserInputError } from '../../../errors';
import { decodeText } from './csv-dialect';
import { axisUnitOf, excerpt, valueUnitOf, type InputFile, type ParsedFile, type SpectrumRecord, type TableOptions } from './types';

/**
 * JCAMP-DX (IUPAC; 4.24 and 5.x) read by jcampconverter: a single spectrum, or the blocks of a
 * LINK file, with ##XYDATA=(X++(Y..Y)) in any of its compressions (AFFN, SQZ, DIF, DUP) or a
 * ##PEAK TABLE=(XY..XY). The parser is forgiving, so what it returns is checked here: a block
 * with neither, a point count other than ##NPOINTS, a non-finite number. A label can come from
 * the file itself, as a user-defined record named like the label column (##$LABEL= A).
 * jcampconverter is an ES module, loaded on first use (Node's require of ES modules).
 */
export async function parseJcamp(file: InputFile, options: TableOptions): Promise<ParsedFile> {
  const text = decodeText(file.bytes);
  if (!/^\s*##\s*TITLE\s*=/i.test(text)) throw new UserInputError(`${file.name}: not a JCAMP-DX file (it must start with ##TITLE=)`);
  if (!/##\s*END\s*=/i.test(text)) throw new UserInputError(`${file.name}: the JCAMP-DX file ends early (no ##END=)`);
  const { convert } = await import('jcampconverter');
  let entries: Entry[];
  try {
    entries = convert(text, { keepRecordsRegExp: /.*/ }).flatten;
  } catch (error) {
    throw new UserInputError(`${file.name}: not a readable JCAMP-DX file (${excerpt(String((error as Error).message ?? error))})`);
  }
  const blocks = entries.filter((e) => String(e.dataType ?? e.info?.DATATYPE ?? '').toUpperCase() !== 'LINK');
  const withData = blocks.filter((e) => e.spectra.length > 0);
  if (withData.length === 0) throw new UserInputError(`${file.name}: no ##XYDATA or ##PEAK TABLE in the file`);
  const several = withData.length > 1 || withData[0].spectra.length > 1;
  const spectra: SpectrumRecord[] = [];
  const axisUnits = new Set<string>();
  const valueUnits = new Set<string>();
  const labelKey = options.labelColumn.toUpperCase().replace(/[^A-Z0-9]/g, '');
  const groupKey = options.groupColumn?.toUpperCase().replace(/[^A-Z0-9]/g, '');
  let labelled = false;
  for (const [b, entry] of withData.entries()) {
    for (const [s, spectrum] of entry.spectra.entries()) {
      const index = spectra.length + 1;
      const title = entry.title?.trim() || null;
      const where = several ? `${file.name}, block ${b + 1}${entry.spectra.length > 1 ? ` spectrum ${s + 1}` : ''}${title ? ` ("${excerpt(title)}")` : ''}` : file.name;
      const x: number[] = spectrum.data.x ?? [];
      const y: number[] = spectrum.data.y ?? [];
      const expected = Number(spectrum.nbPoints ?? entry.info?.NPOINTS);
      if (Number.isFinite(expected) && expected > 0 && x.length !== expected) {
        throw new UserInputError(`${where}: ##NPOINTS says ${expected} points but the data has ${x.length}`);
      }
      if (x.length !== y.length) throw new UserInputError(`${where}: ${x.length} x values for ${y.length} y values`);
      const xUnits = String(spectrum.xUnits ?? entry.info?.XUNITS ?? '');
      const unit = axisUnitOf(xUnits);
      if (xUnits !== '' && unit === null) throw new UserInputError(`${where}: ##XUNITS=${excerpt(xUnits)} is not a spectral axis (nm, micrometers or 1/cm)`);
      if (unit) axisUnits.add(unit.unit);
      valueUnits.add(valueUnitOf(String(spectrum.yUnits ?? entry.info?.YUNITS ?? '')));
      let axis: Float64Array = Float64Array.from(x, (v) => v * (unit?.scale ?? 1));
      let values: Float64Array = Float64Array.from(y);
      if (spectrum.isPeaktable) [axis, values] = sortedByAxis(axis, values);
      const meta = { ...entry.info, ...entry.meta } as Record<string, unknown>;
      const label = metaText(meta, labelKey);
      if (label !== undefined) labelled = true;
      spectra.push({
        where,
        file: file.name,
        index: several ? index : null,
        title,
        axis,
        values,
        label,
        group: groupKey ? metaText(meta, groupKey) : undefined,
        metadata: { file: file.name, title },
      });
    }
  }
  if (axisUnits.size > 1) throw new UserInputError(`${file.name}: blocks with different axis units (${[...axisUnits].join(', ')})`);
  const units = [...valueUnits].filter((u) => u !== '');
  if (units.length > 1) throw new UserInputError(`${file.name}: blocks in different units (${units.join(', ')})`);
  return {
    spectra,
    axisUnit: ([...axisUnits][0] as ParsedFile['axisUnit']) ?? null,
    valueUnit: units[0] ?? '',
    metadataNames: ['file', 'title'],
    labelled,
    grouped: false,
    notes: [],
  };
}

/** A user-defined record (##$LABEL=) of the block, as text; undefined when absent. */
function metaText(meta: Record<string, unknown>, key: string): string | undefined {
  const found = Object.entries(meta).find(([k]) => k.toUpperCase().replace(/[^A-Z0-9]/g, '') === key);
  if (!found || found[1] === undefined || found[1] === null) return undefined;
  return String(Array.isArray(found[1]) ? found[1][0] : found[1]).trim();
}

/** A peak table lists points in any order; a spectrum's axis is monotonic. */
function sortedByAxis(axis: Float64Array, values: Float64Array): [Float64Array, Float64Array] {
  const order = Array.from(axis, (_, j) => j).sort((a, b) => axis[a] - axis[b]);
  return [Float64Array.from(order, (j) => axis[j]), Float64Array.from(order, (j) => values[j])];
}
