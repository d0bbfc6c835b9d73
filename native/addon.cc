// N-API (only: one build serves every Node version) entry points of the native kernels. The
// kernels run on the wasm backend's heap in place: bind() takes the heap's ArrayBuffer, then
// every call passes byte addresses and byte strides into it, exactly as the WebAssembly SIMD
// kernels take them (src/engine/kernels/wasm/simd.ts), so the engine's code that drives them is
// shared. Every operand's extent is checked against the bound heap before a kernel runs.
#include <node_api.h>

#include <cstdint>
#include <cstring>

#include "kernels.h"

namespace {

using nir::KernelTable;

/** Per Node environment (main thread or worker): each has its own wasm heap. */
struct State {
  char* heap = nullptr;
  size_t bytes = 0;
  const KernelTable* table = nullptr;
};

bool cpuHasAvx2Fma() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool cpuHasAvx512() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return cpuHasAvx2Fma() && __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

/** The tables this CPU can run, best first. */
int availableTables(const KernelTable** out) {
  int count = 0;
  if (cpuHasAvx512()) out[count++] = &nir::kAvx512Kernels;
  if (cpuHasAvx2Fma()) out[count++] = &nir::kAvx2Kernels;
  out[count++] = &nir::kGenericKernels;
  return count;
}

constexpr size_t MAX_ARGS = 13;

/** The call's State and its arguments as numbers; false (with a JS exception pending) on bad input. */
bool readArgs(napi_env env, napi_callback_info info, size_t expected, double* values, State** state) {
  napi_value argv[MAX_ARGS];
  size_t argc = MAX_ARGS;
  void* data = nullptr;
  napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  *state = static_cast<State*>(data);
  if (argc < expected) {
    napi_throw_type_error(env, nullptr, "native kernel: too few arguments");
    return false;
  }
  for (size_t i = 0; i < expected; ++i) {
    if (napi_get_value_double(env, argv[i], &values[i]) != napi_ok) {
      napi_throw_type_error(env, nullptr, "native kernel: arguments must be numbers");
      return false;
    }
  }
  if ((*state)->heap == nullptr) {
    napi_throw_error(env, nullptr, "native kernel: no heap bound (call bind first)");
    return false;
  }
  return true;
}

/** Checks arguments and operand extents, then hands out typed pointers into the heap. */
class Call {
 public:
  Call(napi_env env, State* state) : env_(env), state_(state) {}
  bool ok() const { return ok_; }

  size_t count(double value) {
    if (!(value >= 0) || value > 4294967295.0 || value != static_cast<double>(static_cast<uint64_t>(value))) fail("a count or stride is not a non-negative integer");
    return ok_ ? static_cast<size_t>(value) : 0;
  }
  /** Byte stride (a multiple of 4) as a stride in floats. */
  size_t stride(double bytes) {
    const size_t value = count(bytes);
    if (value % 4 != 0) fail("a stride is not a multiple of 4 bytes");
    return value / 4;
  }
  /** A float operand at byte address `at` whose last value lies `lastFloat` floats further on (or that is empty). */
  float* operand(double at, size_t lastFloat, bool empty = false) {
    const size_t address = count(at);
    if (!ok_) return nullptr;
    if (address % 4 != 0) return fail("an address is not a multiple of 4");
    if (!empty && (lastFloat >= state_->bytes / 4 || address + 4 * (lastFloat + 1) > state_->bytes)) return fail("an operand reaches past the heap");
    return reinterpret_cast<float*>(state_->heap + address);
  }
  const KernelTable& table() const { return *state_->table; }

 private:
  float* fail(const char* message) {
    if (ok_) napi_throw_range_error(env_, nullptr, message);
    ok_ = false;
    return nullptr;
  }
  napi_env env_;
  State* state_;
  bool ok_ = true;
};

/** Index of the last float of `rows` rows of `width` floats `rowStride` apart (0 when empty). */
size_t lastOf(size_t rows, size_t rowStride, size_t width) { return rows == 0 || width == 0 ? 0 : (rows - 1) * rowStride + width - 1; }

#define KERNEL_ENTRY(name, arity)                                 \
  napi_value name(napi_env env, napi_callback_info info) {       \
    double a[MAX_ARGS];                                           \
    State* state;                                                 \
    if (!readArgs(env, info, arity, a, &state)) return nullptr;   \
    Call call(env, state);                                        \
    name##Body(call, a);                                          \
    return nullptr;                                               \
  }

// gemm(m, n, k, a, aRow, aDepth, b, bRow, c, cRow, accumulate)
void gemmBody(Call& call, const double* v) {
  const size_t m = call.count(v[0]), n = call.count(v[1]), k = call.count(v[2]);
  const size_t aRow = call.stride(v[4]), aDepth = call.stride(v[5]), bRow = call.stride(v[7]), cRow = call.stride(v[9]);
  const bool emptyA = m == 0 || k == 0;
  const float* a = call.operand(v[3], emptyA ? 0 : (m - 1) * aRow + (k - 1) * aDepth, emptyA);
  const float* b = call.operand(v[6], lastOf(k, bRow, n), k == 0 || n == 0);
  float* c = call.operand(v[8], lastOf(m, cRow, n), m == 0 || n == 0);
  if (call.ok() && m > 0 && n > 0) call.table().gemm(m, n, k, a, aRow, aDepth, b, bRow, c, cRow, v[10] != 0);
}
KERNEL_ENTRY(gemm, 11)

// adam(w, g, m, v, out, n, stepSize, secondCorrection, beta1, beta2, epsilon, 1 - beta1, 1 - beta2)
void adamBody(Call& call, const double* v) {
  const size_t n = call.count(v[5]);
  if (!call.ok() || n == 0) return;
  float* p[5];
  for (int i = 0; i < 5; ++i) p[i] = call.operand(v[i], n - 1);
  if (call.ok()) call.table().adam(p[0], p[1], p[2], p[3], p[4], n, v[6], v[7], v[8], v[9], v[10], v[11], v[12]);
}
KERNEL_ENTRY(adam, 13)

// columnSum(x, rows, rowBytes, out)
void columnSumBody(Call& call, const double* v) {
  const size_t rows = call.count(v[1]), channels = call.stride(v[2]);
  if (!call.ok() || rows == 0 || channels == 0) return;
  const float* x = call.operand(v[0], lastOf(rows, channels, channels));
  float* out = call.operand(v[3], channels - 1);
  if (call.ok()) call.table().columnSum(x, rows, channels, out);
}
KERNEL_ENTRY(columnSum, 4)

// columnSquaredDeviation(x, rows, rowBytes, mean, out)
void columnSquaredDeviationBody(Call& call, const double* v) {
  const size_t rows = call.count(v[1]), channels = call.stride(v[2]);
  if (!call.ok() || rows == 0 || channels == 0) return;
  const float* x = call.operand(v[0], lastOf(rows, channels, channels));
  const float* mean = call.operand(v[3], channels - 1);
  float* out = call.operand(v[4], channels - 1);
  if (call.ok()) call.table().columnSquaredDeviation(x, rows, channels, mean, out);
}
KERNEL_ENTRY(columnSquaredDeviation, 5)

// scaleReluPool(x, pooled, rowBytes, scale, shift, y)
void scaleReluPoolBody(Call& call, const double* v) {
  const size_t pooled = call.count(v[1]), channels = call.stride(v[2]);
  if (!call.ok() || pooled == 0 || channels == 0) return;
  const float* x = call.operand(v[0], lastOf(2 * pooled, channels, channels));
  const float* scale = call.operand(v[3], channels - 1);
  const float* shift = call.operand(v[4], channels - 1);
  float* y = call.operand(v[5], lastOf(pooled, channels, channels));
  if (call.ok()) call.table().scaleReluPool(x, pooled, channels, scale, shift, y);
}
KERNEL_ENTRY(scaleReluPool, 6)

// reluPoolGrad(x, dy, pooled, rowBytes, mean, invStd, gamma, beta, dz, dgamma, dbeta)
void reluPoolGradBody(Call& call, const double* v) {
  const size_t pooled = call.count(v[2]), channels = call.stride(v[3]);
  if (!call.ok() || pooled == 0 || channels == 0) return;
  const size_t pair = lastOf(2 * pooled, channels, channels);
  const float* x = call.operand(v[0], pair);
  const float* dy = call.operand(v[1], lastOf(pooled, channels, channels));
  const float* vectors[4];
  for (int i = 0; i < 4; ++i) vectors[i] = call.operand(v[4 + i], channels - 1);
  float* dz = call.operand(v[8], pair);
  float* dgamma = call.operand(v[9], channels - 1);
  float* dbeta = call.operand(v[10], channels - 1);
  if (call.ok()) call.table().reluPoolGrad(x, dy, pooled, channels, vectors[0], vectors[1], vectors[2], vectors[3], dz, dgamma, dbeta);
}
KERNEL_ENTRY(reluPoolGrad, 11)

// normInputGrad(x, dz, rows, rowBytes, mean, k1, k2, k3, dx)
void normInputGradBody(Call& call, const double* v) {
  const size_t rows = call.count(v[2]), channels = call.stride(v[3]);
  if (!call.ok() || rows == 0 || channels == 0) return;
  const size_t last = lastOf(rows, channels, channels);
  const float* x = call.operand(v[0], last);
  const float* dz = call.operand(v[1], last);
  const float* vectors[4];
  for (int i = 0; i < 4; ++i) vectors[i] = call.operand(v[4 + i], channels - 1);
  float* dx = call.operand(v[8], last);
  if (call.ok()) call.table().normInputGrad(x, dz, rows, channels, vectors[0], vectors[1], vectors[2], vectors[3], dx);
}
KERNEL_ENTRY(normInputGrad, 9)

// biasActivation(y, rows, rowBytes, bias, floor)
void biasActivationBody(Call& call, const double* v) {
  const size_t rows = call.count(v[1]), channels = call.stride(v[2]);
  if (!call.ok() || rows == 0 || channels == 0) return;
  float* y = call.operand(v[0], lastOf(rows, channels, channels));
  const float* bias = call.operand(v[3], channels - 1);
  if (call.ok()) call.table().biasActivation(y, rows, channels, bias, static_cast<float>(v[4]));
}
KERNEL_ENTRY(biasActivation, 5)

// winogradInput(x, tiles, rowBytes, v, planeBytes): tile j reads rows 4j .. 4j + 5, writes row j of six planes
void winogradInputBody(Call& call, const double* v) {
  const size_t tiles = call.count(v[1]), channels = call.stride(v[2]), plane = call.stride(v[4]);
  if (!call.ok() || tiles == 0 || channels == 0) return;
  const float* x = call.operand(v[0], lastOf(4 * tiles + 2, channels, channels));
  float* out = call.operand(v[3], 5 * plane + lastOf(tiles, channels, channels));
  if (call.ok()) call.table().winogradInput(x, tiles, channels, out, plane);
}
KERNEL_ENTRY(winogradInput, 5)

// winogradOutput(m, tiles, rowBytes, planeBytes, bias, floor, y): row j of six planes give rows 4j .. 4j + 3
void winogradOutputBody(Call& call, const double* v) {
  const size_t tiles = call.count(v[1]), channels = call.stride(v[2]), plane = call.stride(v[3]);
  if (!call.ok() || tiles == 0 || channels == 0) return;
  const float* m = call.operand(v[0], 5 * plane + lastOf(tiles, channels, channels));
  const float* bias = call.operand(v[4], channels - 1);
  float* y = call.operand(v[6], lastOf(4 * tiles, channels, channels));
  if (call.ok()) call.table().winogradOutput(m, tiles, channels, plane, bias, static_cast<float>(v[5]), y);
}
KERNEL_ENTRY(winogradOutput, 7)

State* stateOf(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv) {
  void* data = nullptr;
  napi_get_cb_info(env, info, argc, argv, nullptr, &data);
  return static_cast<State*>(data);
}

/** bind(arrayBuffer): the heap the kernels work on (again after the heap grows: a new buffer). */
napi_value bind(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  State* state = stateOf(env, info, &argc, argv);
  bool isBuffer = false;
  if (argc < 1 || napi_is_arraybuffer(env, argv[0], &isBuffer) != napi_ok || !isBuffer) {
    napi_throw_type_error(env, nullptr, "bind: expected the wasm heap's ArrayBuffer");
    return nullptr;
  }
  void* data = nullptr;
  size_t length = 0;
  napi_get_arraybuffer_info(env, argv[0], &data, &length);
  state->heap = static_cast<char*>(data);
  state->bytes = length;
  return nullptr;
}

/** instructionSets(): what this CPU can run, best first. */
napi_value instructionSets(napi_env env, napi_callback_info) {
  const KernelTable* tables[3];
  const int count = availableTables(tables);
  napi_value list;
  napi_create_array_with_length(env, count, &list);
  for (int i = 0; i < count; ++i) {
    napi_value name;
    napi_create_string_utf8(env, tables[i]->name, NAPI_AUTO_LENGTH, &name);
    napi_set_element(env, list, i, name);
  }
  return list;
}

/** use(name): run this environment's kernels with one of instructionSets() (tests compare them). */
napi_value use(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  State* state = stateOf(env, info, &argc, argv);
  char name[32] = {0};
  size_t length = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &length) != napi_ok) {
    napi_throw_type_error(env, nullptr, "use: expected an instruction set name");
    return nullptr;
  }
  const KernelTable* tables[3];
  const int count = availableTables(tables);
  for (int i = 0; i < count; ++i) {
    if (std::strcmp(tables[i]->name, name) == 0) {
      state->table = tables[i];
      return nullptr;
    }
  }
  napi_throw_range_error(env, nullptr, "use: this CPU cannot run that instruction set");
  return nullptr;
}

/** The instruction set in use. */
napi_value current(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  State* state = stateOf(env, info, &argc, nullptr);
  napi_value name;
  napi_create_string_utf8(env, state->table->name, NAPI_AUTO_LENGTH, &name);
  return name;
}

/** multiplyAddPeak(steps): flops of `steps` rounds of register-only multiply-adds (bench:kernels times it). */
napi_value multiplyAddPeak(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  State* state = stateOf(env, info, &argc, argv);
  double steps = 0;
  if (argc < 1 || napi_get_value_double(env, argv[0], &steps) != napi_ok || !(steps >= 1)) {
    napi_throw_type_error(env, nullptr, "multiplyAddPeak: expected a step count");
    return nullptr;
  }
  float sink = 0;
  const double flops = state->table->multiplyAddPeak(static_cast<size_t>(steps), &sink);
  napi_value result;
  napi_create_double(env, flops + (sink == 12345.0f ? 1 : 0), &result);
  return result;
}

void freeState(napi_env, void* data, void*) { delete static_cast<State*>(data); }

napi_value Init(napi_env env, napi_value exports) {
  State* state = new State();
  const KernelTable* tables[3];
  availableTables(tables);
  state->table = tables[0];
  napi_set_instance_data(env, state, freeState, nullptr);
  struct Entry {
    const char* name;
    napi_callback callback;
  };
  const Entry entries[] = {
      {"bind", bind},
      {"instructionSets", instructionSets},
      {"use", use},
      {"current", current},
      {"gemm", gemm},
      {"adam", adam},
      {"columnSum", columnSum},
      {"columnSquaredDeviation", columnSquaredDeviation},
      {"scaleReluPool", scaleReluPool},
      {"reluPoolGrad", reluPoolGrad},
      {"normInputGrad", normInputGrad},
      {"biasActivation", biasActivation},
      {"winogradInput", winogradInput},
      {"winogradOutput", winogradOutput},
      {"multiplyAddPeak", multiplyAddPeak},
  };
  for (const Entry& entry : entries) {
    napi_value fn;
    napi_create_function(env, entry.name, NAPI_AUTO_LENGTH, entry.callback, state, &fn);
    napi_set_named_property(env, exports, entry.name, fn);
  }
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
