import { UserInputError } from '../errors';

/**
 * Parameter schemas: what a plugin accepts, with defaults and bounds. A schema is plain data so
 * that it can be listed over GraphQL and checked before any work starts.
 */
interface BaseSpec<T> {
  readonly description: string;
  readonly default: T;
  /** When true, null is accepted (and may be the default). */
  readonly nullable?: boolean;
}

export interface NumberSpec extends BaseSpec<number | null> {
  readonly type: 'number' | 'integer';
  readonly min?: number;
  readonly max?: number;
  /** Bounds are exclusive (e.g. a scale that must be > 0). */
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
}
export interface BooleanSpec extends BaseSpec<boolean> {
  readonly type: 'boolean';
}
export interface StringSpec extends BaseSpec<string | null> {
  readonly type: 'string';
}
export interface EnumSpec extends BaseSpec<string> {
  readonly type: 'enum';
  readonly values: readonly string[];
}
export interface ArraySpec extends BaseSpec<readonly (number | string)[] | null> {
  readonly type: 'numberArray' | 'integerArray' | 'stringArray';
  readonly minLength?: number;
  readonly maxLength?: number;
  /** Bounds of each element (number arrays). */
  readonly min?: number;
  readonly max?: number;
}
/** Free-form JSON checked by the plugin itself (e.g. a nested pipeline). */
export interface JsonSpec extends BaseSpec<unknown> {
  readonly type: 'json';
}

export type ParamSpec = NumberSpec | BooleanSpec | StringSpec | EnumSpec | ArraySpec | JsonSpec;
export type ParamSchema = Readonly<Record<string, ParamSpec>>;
export type Params = Record<string, unknown>;

export class ParamError extends UserInputError {
  constructor(
    readonly plugin: string,
    readonly param: string,
    reason: string,
  ) {
    super(`plugin "${plugin}": parameter "${param}" ${reason}`, { plugin, param });
  }
}

/**
 * Fills defaults and checks every value against the schema. Unknown names are rejected, so a
 * typo never silently falls back to a default.
 */
export function validateParams(plugin: string, schema: ParamSchema, input: Params | undefined | null): Params {
  const given = input ?? {};
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw new ParamError(plugin, '(all)', 'must be an object of name: value');
  }
  for (const name of Object.keys(given)) {
    if (!(name in schema)) {
      const known = Object.keys(schema);
      throw new ParamError(plugin, name, `is unknown (known: ${known.length ? known.join(', ') : 'none'})`);
    }
  }
  const out: Params = {};
  for (const [name, spec] of Object.entries(schema)) {
    const value = name in given && given[name] !== undefined ? given[name] : spec.default;
    out[name] = checkValue(plugin, name, spec, value);
  }
  return out;
}

function checkValue(plugin: string, name: string, spec: ParamSpec, value: unknown): unknown {
  const fail = (reason: string): never => {
    throw new ParamError(plugin, name, reason);
  };
  if (value === null) {
    if (spec.nullable || spec.type === 'json') return null;
    return fail('must not be null');
  }
  switch (spec.type) {
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`must be a finite number, got ${show(value)}`);
      if (spec.type === 'integer' && !Number.isInteger(value)) return fail(`must be an integer, got ${value}`);
      checkBounds(value, spec, fail);
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') return fail(`must be true or false, got ${show(value)}`);
      return value;
    case 'string':
      if (typeof value !== 'string') return fail(`must be a string, got ${show(value)}`);
      return value;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        return fail(`must be one of ${spec.values.join(', ')}, got ${show(value)}`);
      }
      return value;
    case 'numberArray':
    case 'integerArray':
    case 'stringArray': {
      if (!Array.isArray(value)) return fail(`must be an array, got ${show(value)}`);
      if (spec.minLength !== undefined && value.length < spec.minLength) return fail(`needs at least ${spec.minLength} elements`);
      if (spec.maxLength !== undefined && value.length > spec.maxLength) return fail(`takes at most ${spec.maxLength} elements`);
      value.forEach((v, i) => {
        if (spec.type === 'stringArray') {
          if (typeof v !== 'string') fail(`[${i}] must be a string, got ${show(v)}`);
          return;
        }
        if (typeof v !== 'number' || !Number.isFinite(v)) fail(`[${i}] must be a finite number, got ${show(v)}`);
        if (spec.type === 'integerArray' && !Number.isInteger(v)) fail(`[${i}] must be an integer, got ${v}`);
        checkBounds(v as number, spec, (reason) => fail(`[${i}] ${reason}`));
      });
      return [...value];
    }
    case 'json':
      return value;
  }
}

function checkBounds(
  value: number,
  spec: { min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean },
  fail: (reason: string) => never,
): void {
  if (spec.min !== undefined && (spec.exclusiveMin ? value <= spec.min : value < spec.min)) {
    fail(`must be ${spec.exclusiveMin ? '>' : '>='} ${spec.min}, got ${value}`);
  }
  if (spec.max !== undefined && (spec.exclusiveMax ? value >= spec.max : value > spec.max)) {
    fail(`must be ${spec.exclusiveMax ? '<' : '<='} ${spec.max}, got ${value}`);
  }
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Checks that a schema itself is well formed (used when loading custom plugins). */
export function checkSchema(plugin: string, schema: unknown): asserts schema is ParamSchema {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new Error(`plugin "${plugin}": params must be an object of name: spec`);
  }
  const types = ['number', 'integer', 'boolean', 'string', 'enum', 'numberArray', 'integerArray', 'stringArray', 'json'];
  for (const [name, spec] of Object.entries(schema as Record<string, unknown>)) {
    const s = spec as Partial<ParamSpec> | null;
    if (!s || typeof s !== 'object' || !types.includes(s.type as string)) {
      throw new Error(`plugin "${plugin}": parameter "${name}" has no valid type (one of ${types.join(', ')})`);
    }
    if (typeof s.description !== 'string' || s.description.length === 0) {
      throw new Error(`plugin "${plugin}": parameter "${name}" needs a description`);
    }
    if (!('default' in s)) throw new Error(`plugin "${plugin}": parameter "${name}" needs a default`);
    if (s.type === 'enum' && (!Array.isArray((s as EnumSpec).values) || (s as EnumSpec).values.length === 0)) {
      throw new Error(`plugin "${plugin}": enum parameter "${name}" needs values`);
    }
    // The default must itself be valid.
    checkValue(plugin, name, s as ParamSpec, (s as ParamSpec).default);
  }
}
