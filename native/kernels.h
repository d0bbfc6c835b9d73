// The native training kernels: one table of functions per instruction set. kernels-impl.inc holds
// the code once; each kernels-<isa>.cc compiles it with that instruction set's flags, and the
// addon picks a table at run time from what the CPU reports (never from the build machine).
//
// Data are float32 on the wasm backend's heap; pointers point into it. Strides are in floats.
#pragma once
#include <cstddef>

namespace nir {

struct KernelTable {
  const char* name;
  // C[m,n] (+)= A B; A(r,p) = a[r aRow + p aDepth], B(p,j) = b[p bRow + j], C(r,j) = c[r cRow + j].
  void (*gemm)(size_t m, size_t n, size_t k, const float* a, size_t aRow, size_t aDepth, const float* b, size_t bRow, float* c,
               size_t cRow, bool accumulate);
  // PyTorch's Adam; m and v updated in place, new weights to out.
  void (*adam)(const float* w, const float* g, float* m, float* v, float* out, size_t n, float stepSize, float secondCorrection,
               float beta1, float beta2, float epsilon, float oneMinusBeta1, float oneMinusBeta2);
  // out[c] += sum_r x[r, c]
  void (*columnSum)(const float* x, size_t rows, size_t channels, float* out);
  // out[c] += sum_r (x[r, c] - mean[c])^2
  void (*columnSquaredDeviation)(const float* x, size_t rows, size_t channels, const float* mean, float* out);
  // y[i, c] = max(0, x[2i, c] scale[c] + shift[c], x[2i + 1, c] scale[c] + shift[c])
  void (*scaleReluPool)(const float* x, size_t pooled, size_t channels, const float* scale, const float* shift, float* y);
  // Backward through max-pool and ReLU of one sample: dz, and dgamma/dbeta accumulated.
  void (*reluPoolGrad)(const float* x, const float* dy, size_t pooled, size_t channels, const float* mean, const float* invStd,
                       const float* gamma, const float* beta, float* dz, float* dgamma, float* dbeta);
  // dx = k1 dz + k2 (x - mean) + k3
  void (*normInputGrad)(const float* x, const float* dz, size_t rows, size_t channels, const float* mean, const float* k1,
                        const float* k2, const float* k3, float* dx);
  // y[r, c] = max(y[r, c] + bias[c], floor)
  void (*biasActivation)(float* y, size_t rows, size_t channels, const float* bias, float floor);
  // Winograd F(4, 3) data transforms (see src/engine/kernels/wasm/simd-winograd.ts).
  void (*winogradInput)(const float* x, size_t tiles, size_t channels, float* v, size_t plane);
  void (*winogradOutput)(const float* m, size_t tiles, size_t channels, size_t plane, const float* bias, float floor, float* y);
  // Benchmarks only: `steps` rounds of independent multiply-adds in registers (the core's peak);
  // returns the flops done (the result keeps the compiler from dropping the loop).
  double (*multiplyAddPeak)(size_t steps, float* sink);
};

extern const KernelTable kGenericKernels;
extern const KernelTable kAvx2Kernels;
extern const KernelTable kAvx512Kernels;

}  // namespace nir
