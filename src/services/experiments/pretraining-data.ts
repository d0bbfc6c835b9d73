import { UserInputError } from '../../errors';
import { matrix, type Matrix } from '../../numeric/matrix';
import { resampleRows, sameAxis } from '../../numeric/resample';
import type { DatasetService, LoadedDataset } from '../datasets/datasets.service';

/**
 * The spectra of extra pre-training datasets on a target dataset's axis: labels are ignored
 * (labelled and unlabelled rows alike are unlabelled data for pre-training). An extra dataset on
 * another grid is resampled linearly where it covers the target's range; one in another unit, or
 * not covering the range, is refused with a message naming it.
 */
export async function extraPretrainingSpectra(datasets: DatasetService, target: LoadedDataset, ids: readonly string[]): Promise<Matrix | null> {
  if (ids.length === 0) return null;
  const parts: Matrix[] = [];
  for (const id of new Set(ids)) {
    const extra = await datasets.load(id);
    parts.push(onAxis(extra, target));
  }
  const rows = parts.reduce((n, m) => n + m.rows, 0);
  const data = new Float32Array(rows * target.nVariables);
  let offset = 0;
  for (const m of parts) {
    data.set(m.data, offset);
    offset += m.data.length;
  }
  return matrix(rows, target.nVariables, data);
}

/** Checks, without resampling, that every extra dataset can join the target's pre-training. */
export async function checkExtraPretraining(datasets: DatasetService, target: LoadedDataset, ids: readonly string[]): Promise<void> {
  for (const id of new Set(ids)) {
    if (id === target.id) throw new UserInputError(`dataset "${target.name}" is the experiment's own dataset; its unlabelled spectra are pre-trained on already`);
    const extra = await datasets.load(id);
    coverage(extra, target);
  }
}

function onAxis(extra: LoadedDataset, target: LoadedDataset): Matrix {
  coverage(extra, target);
  if (sameAxis(extra.axis, target.axis)) return extra.x;
  return resampleRows(extra.x, extra.axis, target.axis, ` ${target.axisUnit}`);
}

function coverage(extra: LoadedDataset, target: LoadedDataset): void {
  if (extra.axisUnit !== target.axisUnit) {
    throw new UserInputError(`extra pre-training dataset "${extra.name}" is in ${extra.axisUnit}, dataset "${target.name}" in ${target.axisUnit}`, { datasetId: extra.id });
  }
  const lo = Math.min(extra.axis[0], extra.axis[extra.nVariables - 1]);
  const hi = Math.max(extra.axis[0], extra.axis[extra.nVariables - 1]);
  const targetLo = Math.min(target.axis[0], target.axis[target.nVariables - 1]);
  const targetHi = Math.max(target.axis[0], target.axis[target.nVariables - 1]);
  const tolerance = 1e-9 * Math.max(Math.abs(lo), Math.abs(hi), 1);
  if (targetLo < lo - tolerance || targetHi > hi + tolerance) {
    const overlap = Math.min(hi, targetHi) > Math.max(lo, targetLo) ? 'only partly overlaps' : 'does not overlap';
    throw new UserInputError(
      `extra pre-training dataset "${extra.name}" covers ${fmt(lo)}..${fmt(hi)} ${target.axisUnit}, which ${overlap} the ${fmt(targetLo)}..${fmt(targetHi)} ${target.axisUnit} of dataset "${target.name}": it cannot be resampled onto that axis`,
      { datasetId: extra.id },
    );
  }
}

function fmt(v: number): string {
  return Number(v.toPrecision(7)).toString();
}
