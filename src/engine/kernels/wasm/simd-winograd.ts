import { Code as c, F32, I32, V128, forLoop, type FunctionSpec } from './assembler';

/**
 * Winograd's minimal filtering F(4, 3) for 1-D convolutions with three taps (Lavin & Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2016): four outputs of a tile come from
 * six input rows with six products instead of twelve, so a convolution's multiply-adds halve.
 * Per tile, d = six input rows (ci channels each), V = B^T d, M_k = V_k U_k with U = G g the
 * transformed filter (a [ci, co] matrix per k: six gemms over all tiles), y = A^T M.
 *
 * The SIMD kernels here do the two data transforms, four channels per vector; the filter
 * transform is small and done in JavaScript (winogradFilter). Addresses and strides in bytes.
 */
export interface SimdWinogradKernels {
  /**
   * For tile j < tiles: rows x + (4j + s) rowBytes, s = 0..5, give V_k, stored at
   * v + k planeBytes + j rowBytes.
   */
  winogradInput(x: number, tiles: number, rowBytes: number, v: number, planeBytes: number): void;
  /**
   * For tile j < tiles: M_k at m + k planeBytes + j rowBytes give outputs s = 0..3, stored as
   * max(y_s + bias, floor) at y + (4j + s) rowBytes (floor 0 is a ReLU, -Infinity none).
   */
  winogradOutput(m: number, tiles: number, rowBytes: number, planeBytes: number, bias: number, floor: number, y: number): void;
}

/** B^T: V_k = sum_s INPUT[k][s] d_s. */
export const WINOGRAD_INPUT = [
  [4, 0, -5, 0, 1, 0],
  [0, -4, -4, 1, 1, 0],
  [0, 4, -4, -1, 1, 0],
  [0, -2, -1, 2, 1, 0],
  [0, 2, -1, -2, 1, 0],
  [0, 4, 0, -5, 0, 1],
] as const;

/** G: U_k = sum_t FILTER[k][t] g_t. */
export const WINOGRAD_FILTER = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
] as const;

/** A^T: y_s = sum_k OUTPUT[s][k] M_k. */
export const WINOGRAD_OUTPUT = [
  [1, 1, 1, 1, 1, 0],
  [0, 1, -1, 2, -2, 0],
  [0, 1, 1, 4, 4, 0],
  [0, 1, -1, 8, -8, 1],
] as const;

/** Outputs per tile and input rows per tile. */
export const WINOGRAD_TILE = 4;
export const WINOGRAD_SPAN = 6;

/**
 * U_k = sum_t G[k][t] g_t for a [3, ci, co] row-major filter, into `out` as six [ci, co] planes
 * (float64 arithmetic, rounded once).
 */
export function winogradFilter(filter: Float32Array, planeSize: number, out: Float32Array): void {
  for (let k = 0; k < WINOGRAD_SPAN; k++) {
    const [g0, g1, g2] = WINOGRAD_FILTER[k];
    const base = k * planeSize;
    for (let i = 0; i < planeSize; i++) out[base + i] = g0 * filter[i] + g1 * filter[planeSize + i] + g2 * filter[2 * planeSize + i];
  }
}

/**
 * Code leaving sum_s coefficients[s] * terms[s] on the stack (terms: v128 locals); `constant`
 * maps a coefficient other than +-1 to a local holding it splatted.
 */
function linearCombination(coefficients: readonly number[], terms: readonly number[], constant: (value: number) => number): number[] {
  const code: number[] = [];
  let first = true;
  coefficients.forEach((k, s) => {
    if (k === 0) return;
    if (first) {
      code.push(...c.get(terms[s]));
      if (k !== 1) code.push(...c.get(constant(k)), ...c.f32x4Mul);
      first = false;
    } else if (k === 1 || k === -1) {
      code.push(...c.get(terms[s]), ...(k === 1 ? c.f32x4Add : c.f32x4Sub));
    } else {
      code.push(...c.get(terms[s]), ...c.get(constant(Math.abs(k))), ...c.f32x4Mul, ...(k > 0 ? c.f32x4Add : c.f32x4Sub));
    }
  });
  return code;
}

/** Locals for the splatted coefficients of `matrix` (first-term signs included), from `next` on. */
function constants(matrix: readonly (readonly number[])[], next: number): { local: (value: number) => number; init: number[]; count: number } {
  const values = new Set<number>();
  for (const row of matrix) {
    const firstIndex = row.findIndex((k) => k !== 0);
    row.forEach((k, s) => {
      if (k === 0 || (s !== firstIndex && Math.abs(k) === 1)) return;
      if (s === firstIndex ? k !== 1 : true) values.add(s === firstIndex ? k : Math.abs(k));
    });
  }
  const locals = new Map([...values].map((v, i) => [v, next + i]));
  const init = [...locals].flatMap(([v, local]) => [...c.f32(v), ...c.f32x4Splat, ...c.set(local)]);
  return { local: (v) => locals.get(v) as number, init, count: locals.size };
}

/** locals[s] = base + s * stride (i32 locals), for the rows or planes of one tile. */
function strided(locals: readonly number[], base: number, stride: number): number[] {
  return locals.flatMap((local, s) => [...c.get(base), ...c.get(stride), ...c.i32(s), ...c.i32Mul, ...c.i32Add, ...c.set(local)]);
}

function winogradInputSpec(): FunctionSpec {
  // params: 0 x, 1 tiles, 2 rowBytes, 3 v, 4 planeBytes
  const [X, TILES, ROW, V, PLANE] = [0, 1, 2, 3, 4];
  const [j, cb, p, q] = [5, 6, 7, 8];
  const rows = [9, 10, 11, 12, 13, 14]; // addresses of the tile's six input rows
  const planes = [15, 16, 17, 18, 19, 20]; // addresses of the tile's row in each V plane
  const d = [21, 22, 23, 24, 25, 26];
  const k = constants(WINOGRAD_INPUT, 27);
  const body = [
    ...k.init,
    ...c.get(X), ...c.set(p),
    ...c.get(V), ...c.set(q),
    ...forLoop(j, c.i32(0), TILES, 1, [
      ...strided(rows, p, ROW),
      ...strided(planes, q, PLANE),
      ...forLoop(cb, c.i32(0), ROW, 16, [
        ...rows.flatMap((row, s) => [...c.get(row), ...c.get(cb), ...c.i32Add, ...c.v128Load(), ...c.set(d[s])]),
        ...WINOGRAD_INPUT.flatMap((coefficients, s) => [
          ...c.get(planes[s]), ...c.get(cb), ...c.i32Add,
          ...linearCombination(coefficients, d, k.local),
          ...c.v128Store(),
        ]),
      ]),
      ...c.get(p), ...c.get(ROW), ...c.i32(WINOGRAD_TILE), ...c.i32Mul, ...c.i32Add, ...c.set(p),
      ...c.get(q), ...c.get(ROW), ...c.i32Add, ...c.set(q),
    ]),
  ];
  return {
    name: 'winogradInput',
    params: new Array<typeof I32>(5).fill(I32),
    locals: [...new Array<typeof I32>(16).fill(I32), ...new Array<typeof V128>(6 + k.count).fill(V128)],
    body,
  };
}

function winogradOutputSpec(): FunctionSpec {
  // params: 0 m, 1 tiles, 2 rowBytes, 3 planeBytes, 4 bias, 5 floor (f32), 6 y
  const [M, TILES, ROW, PLANE, BIAS, FLOOR, Y] = [0, 1, 2, 3, 4, 5, 6];
  const [j, cb, p, q] = [7, 8, 9, 10];
  const planes = [11, 12, 13, 14, 15, 16]; // addresses of the tile's row in each M plane
  const outRows = [17, 18, 19, 20];
  const m = [21, 22, 23, 24, 25, 26];
  const [bias, floor] = [27, 28];
  const k = constants(WINOGRAD_OUTPUT, 29);
  const body = [
    ...k.init,
    ...c.get(FLOOR), ...c.f32x4Splat, ...c.set(floor),
    ...c.get(M), ...c.set(p),
    ...c.get(Y), ...c.set(q),
    ...forLoop(j, c.i32(0), TILES, 1, [
      ...strided(planes, p, PLANE),
      ...strided(outRows, q, ROW),
      ...forLoop(cb, c.i32(0), ROW, 16, [
        ...planes.flatMap((plane, s) => [...c.get(plane), ...c.get(cb), ...c.i32Add, ...c.v128Load(), ...c.set(m[s])]),
        ...c.get(BIAS), ...c.get(cb), ...c.i32Add, ...c.v128Load(), ...c.set(bias),
        ...WINOGRAD_OUTPUT.flatMap((coefficients, s) => [
          ...c.get(outRows[s]), ...c.get(cb), ...c.i32Add,
          ...linearCombination(coefficients, m, k.local),
          ...c.get(bias), ...c.f32x4Add, ...c.get(floor), ...c.f32x4Max,
          ...c.v128Store(),
        ]),
      ]),
      ...c.get(p), ...c.get(ROW), ...c.i32Add, ...c.set(p),
      ...c.get(q), ...c.get(ROW), ...c.i32(WINOGRAD_TILE), ...c.i32Mul, ...c.i32Add, ...c.set(q),
    ]),
  ];
  return {
    name: 'winogradOutput',
    params: [I32, I32, I32, I32, I32, F32, I32],
    locals: [...new Array<typeof I32>(14).fill(I32), ...new Array<typeof V128>(8 + k.count).fill(V128)],
    body,
  };
}

export function winogradSpecs(): FunctionSpec[] {
  return [winogradInputSpec(), winogradOutputSpec()];
}
