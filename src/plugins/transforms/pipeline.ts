import { DomainError, UserInputError } from '../../errors';
import type { Matrix } from '../../numeric/matrix';
import type { Rng } from '../../numeric/rng';
import type { SerializedPlugin, TransformPlugin } from '../contract';
import type { Params } from '../params';
import type { PluginRegistry } from '../registry';

/** One step as a user writes it: a transform plugin name and its parameters. */
export interface PipelineStep {
  readonly name: string;
  readonly params?: Params;
}

/** The JSON form of a pipeline: every step with its parameters and fitted state. */
export interface SerializedPipeline {
  readonly steps: SerializedPlugin[];
}

/**
 * An ordered list of transforms. fit() fits each step on the output of the previous one, so
 * every learnt value comes from the training batch only; transform() then applies them in order.
 */
export class TransformPipeline {
  private constructor(readonly steps: readonly TransformPlugin[]) {}

  /** Builds the steps through the registry; a bad step names its index and plugin. */
  static fromSteps(registry: PluginRegistry, steps: unknown): TransformPipeline {
    const list = asList(steps, 'steps');
    return new TransformPipeline(
      list.map((step, index) =>
        atStep(index, step, (name) => registry.create<TransformPlugin>(name, (step as PipelineStep).params ?? {}, 'transform')),
      ),
    );
  }

  /** Rebuilds a pipeline, fitted state included, from toJSON()'s output. */
  static fromJSON(registry: PluginRegistry, json: unknown): TransformPipeline {
    const list = asList((json as SerializedPipeline | null)?.steps, 'pipeline JSON "steps"');
    return new TransformPipeline(
      list.map((step, index) =>
        atStep(index, step, (name) => registry.restore<TransformPlugin>({ ...(step as SerializedPlugin), name }, 'transform')),
      ),
    );
  }

  get isFitted(): boolean {
    return this.steps.every((step) => step.isFitted);
  }

  /** Fits every step on the training batch as transformed by the steps before it. */
  fit(train: Matrix, rng?: Rng): this {
    this.fitTransform(train, rng);
    return this;
  }

  /** Fits on the training batch and returns it transformed by the fitted pipeline. */
  fitTransform(train: Matrix, rng?: Rng): Matrix {
    let current = train;
    for (const step of this.steps) current = step.fit(current).transform(current, rng);
    return current;
  }

  transform(x: Matrix, rng?: Rng): Matrix {
    let current = x;
    for (const step of this.steps) current = step.transform(current, rng);
    return current;
  }

  /** The steps as written by a user (name and parameters, defaults filled in). */
  describe(): PipelineStep[] {
    return this.steps.map((step) => ({ name: step.meta.name, params: { ...step.params } }));
  }

  toJSON(): SerializedPipeline {
    return {
      steps: this.steps.map((step) => ({
        name: step.meta.name,
        kind: step.meta.kind,
        params: { ...step.params },
        state: step.getState(),
      })),
    };
  }
}

function asList(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new UserInputError(`${what} must be a list of { name, params } steps`);
  return value;
}

/** Runs build for one step, turning any failure into a UserInputError that names the step. */
function atStep(index: number, step: unknown, build: (name: string) => TransformPlugin): TransformPlugin {
  const name = (step as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || name === '') {
    throw new UserInputError(`pipeline step ${index}: needs a plugin "name"`, { step: index });
  }
  const params = (step as { params?: unknown }).params;
  if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) {
    throw new UserInputError(`pipeline step ${index} ("${name}"): params must be an object`, { step: index, plugin: name });
  }
  try {
    return build(name);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const details = error instanceof DomainError ? error.details : undefined;
    throw new UserInputError(`pipeline step ${index} ("${name}"): ${message}`, { step: index, plugin: name, ...details });
  }
}
