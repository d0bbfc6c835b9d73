import type { Rng } from '../../numeric/rng';

/**
 * Fast standard normals for the noise transform: the ziggurat method (Marsaglia & Tsang 2000,
 * 128 layers) on a xoshiro128** stream seeded from the caller's Rng, so the output is fixed by
 * that Rng's state. Rng.normal() (Box-Muller, one method call per uniform) costs about 10 times
 * more, too much for 7.5 million values per SSL batch. The layer index comes from the low 7 bits
 * and the magnitude from the other 25, so the two are independent (Doornik 2005).
 */
const LAYERS = 128;
/** Start of the tail and area of each layer, for 128 layers. */
const TAIL = 3.442619855899;
const AREA = 9.91256303526217e-3;
/** Signed 25-bit magnitudes span [-2^24, 2^24). */
const MAGNITUDE = 2 ** 24;

const threshold = new Float64Array(LAYERS);
const width = new Float64Array(LAYERS);
const density = new Float64Array(LAYERS);
{
  let edge = TAIL;
  let previous = edge;
  const base = AREA / Math.exp(-0.5 * edge * edge);
  threshold[0] = (edge / base) * MAGNITUDE;
  threshold[1] = 0;
  width[0] = base / MAGNITUDE;
  width[LAYERS - 1] = edge / MAGNITUDE;
  density[0] = 1;
  density[LAYERS - 1] = Math.exp(-0.5 * edge * edge);
  for (let i = LAYERS - 2; i >= 1; i--) {
    edge = Math.sqrt(-2 * Math.log(AREA / edge + Math.exp(-0.5 * edge * edge)));
    threshold[i + 1] = (edge / previous) * MAGNITUDE;
    previous = edge;
    density[i] = Math.exp(-0.5 * edge * edge);
    width[i] = edge / MAGNITUDE;
  }
}

/** Fills out with independent N(0, 1) values drawn from a stream seeded by rng. */
export function fillStandardNormal(rng: Rng, out: Float32Array | Float64Array): void {
  // Typed-array state keeps the 32-bit words unboxed in V8's hot loop.
  const state = new Int32Array(4);
  for (let i = 0; i < 4; i++) state[i] = rng.nextUint32();
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
  for (let i = 0; i < out.length; i++) {
    const bits = nextInt32(state);
    const layer = bits & (LAYERS - 1);
    const magnitude = bits >> 7;
    out[i] = Math.abs(magnitude) < threshold[layer] ? magnitude * width[layer] : outsideCore(state, layer, magnitude);
  }
}

/** The rare draws that fall in a layer's wedge or in the tail. */
function outsideCore(state: Int32Array, firstLayer: number, firstMagnitude: number): number {
  let layer = firstLayer;
  let magnitude = firstMagnitude;
  for (;;) {
    const x = magnitude * width[layer];
    if (layer === 0) {
      let tailX: number;
      let tailY: number;
      do {
        tailX = -Math.log(uniform(state)) / TAIL;
        tailY = -Math.log(uniform(state));
      } while (tailY + tailY < tailX * tailX);
      return magnitude > 0 ? TAIL + tailX : -TAIL - tailX;
    }
    if (density[layer] + uniform(state) * (density[layer - 1] - density[layer]) < Math.exp(-0.5 * x * x)) return x;
    const bits = nextInt32(state);
    layer = bits & (LAYERS - 1);
    magnitude = bits >> 7;
    if (Math.abs(magnitude) < threshold[layer]) return magnitude * width[layer];
  }
}

/** Uniform in (0, 1], never 0 (it goes into a logarithm). */
function uniform(state: Int32Array): number {
  return ((nextInt32(state) >>> 0) + 1) / 4294967296;
}

/** One xoshiro128** step, as a signed 32-bit integer. */
function nextInt32(s: Int32Array): number {
  const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9);
  const shifted = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= shifted;
  s[3] = rotl(s[3], 11);
  return result;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
