import { inject, injectable } from 'inversify';
import { UserInputError } from '../../errors';
import { selectRows } from '../../numeric/matrix';
import { Rng } from '../../numeric/rng';
import { TransformPipeline, type PipelineStep } from '../../plugins/transforms/pipeline';
import { PluginRegistry } from '../../plugins/registry';
import { DatasetService } from '../datasets/datasets.service';

export interface TransformPreview {
  readonly axis: Float64Array;
  readonly samples: { index: number; label: string; original: Float32Array; transformed: Float32Array }[];
}

const MAX_PREVIEW_SAMPLES = 200;

/**
 * Applies a transform or a pipeline to chosen spectra of a dataset, for dashboards to plot.
 * Steps that learn from data are fitted on the whole dataset: a preview shows what a step does,
 * it evaluates nothing (experiments fit on training folds only).
 */
@injectable()
export class TransformPreviewService {
  constructor(
    @inject(PluginRegistry) private readonly registry: PluginRegistry,
    @inject(DatasetService) private readonly datasets: DatasetService,
  ) {}

  async preview(datasetId: string, steps: PipelineStep[], sampleIndices: number[], seed = 0): Promise<TransformPreview> {
    if (steps.length === 0) throw new UserInputError('give at least one transform step');
    if (sampleIndices.length === 0) throw new UserInputError('give at least one sample index');
    if (sampleIndices.length > MAX_PREVIEW_SAMPLES) throw new UserInputError(`at most ${MAX_PREVIEW_SAMPLES} samples per preview`);
    const pipeline = TransformPipeline.fromSteps(this.registry, steps);
    const d = await this.datasets.load(datasetId);
    for (const i of sampleIndices) {
      if (!Number.isInteger(i) || i < 0 || i >= d.nSamples) {
        throw new UserInputError(`sample index ${i} is out of range (dataset "${d.name}" has samples 0..${d.nSamples - 1})`);
      }
    }
    pipeline.fit(d.x, new Rng(seed));
    const original = selectRows(d.x, sampleIndices);
    const transformed = pipeline.transform(original, new Rng(seed));
    if (transformed.cols !== d.nVariables) {
      throw new UserInputError(`the pipeline changes the number of points (${d.nVariables} -> ${transformed.cols}); previews need the same axis`);
    }
    const L = d.nVariables;
    return {
      axis: d.axis,
      samples: sampleIndices.map((index, k) => ({
        index,
        label: d.y[index] < 0 ? '' : d.classes[d.y[index]],
        original: original.data.subarray(k * L, (k + 1) * L),
        transformed: transformed.data.subarray(k * L, (k + 1) * L),
      })),
    };
  }
}
