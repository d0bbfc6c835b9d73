// The two largest kernels of a training step at L = 404, batch 32: the project's native gemm
// against oneDNN 2.6 (Debian's libdnnl-dev), one thread, CPU time, best of 20.
//   1. dense forward: [32 x 6400] x [6400 x 896]
//   2. convolution forward 128 -> 128 channels, length 101, 3 taps, same padding (NHWC)
// Build and run: bench/onednn/run.sh (not part of the install: oneDNN is optional here).
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdio>
#include <ctime>
#include <functional>
#include <random>
#include <vector>

#include "../../native/kernels.h"

using namespace dnnl;

static double cpuMs() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double best(const std::function<void()>& run) {
  run();
  double b = 1e30;
  for (int r = 0; r < 20; ++r) {
    const double t0 = cpuMs();
    run();
    b = std::min(b, cpuMs() - t0);
  }
  return b;
}

static std::vector<float> randomVector(size_t n) {
  std::mt19937 g(1);
  std::normal_distribution<float> d;
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

int main() {
  const nir::KernelTable& ours = __builtin_cpu_supports("avx512f") ? nir::kAvx512Kernels : nir::kAvx2Kernels;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);

  {  // dense forward
    const memory::dim M = 32, K = 6400, N = 896;
    auto a = randomVector(M * K), b = randomVector(K * N);
    std::vector<float> c(M * N);
    const double flops = 2.0 * M * K * N;
    const double oursMs = best([&] { ours.gemm(M, N, K, a.data(), K, 1, b.data(), N, c.data(), N, false); });
    memory::desc ad({M, K}, memory::data_type::f32, memory::format_tag::ab);
    memory::desc bd({K, N}, memory::data_type::f32, memory::format_tag::ab);
    memory::desc cd({M, N}, memory::data_type::f32, memory::format_tag::ab);
    matmul::primitive_desc pd(matmul::desc(ad, bd, cd), eng);
    memory am(ad, eng, a.data()), bm(bd, eng, b.data()), cm(cd, eng, c.data());
    matmul mm(pd);
    const double dnnlMs = best([&] {
      mm.execute(s, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
      s.wait();
    });
    std::printf("{\"kernel\":\"dense forward 32x6400x896\",\"ours\":\"%s\",\"oursMs\":%.3f,\"oursGflops\":%.1f,\"onednnMs\":%.3f,\"onednnGflops\":%.1f}\n", ours.name, oursMs,
                flops / oursMs / 1e6, dnnlMs, flops / dnnlMs / 1e6);
  }
  {  // convolution forward, NHWC with H = 1
    const memory::dim B = 32, L = 101, C = 128, O = 128, T = 3;
    auto x = randomVector(B * L * C), w = randomVector(T * C * O);
    std::vector<float> y(B * L * O);
    const double flops = 2.0 * B * L * T * C * O;
    // As conv1dGemm runs it: one product over the whole batch, x read in place (row l reads x
    // from row l - 1 on); the rows whose window reaches the padding are redone one by one
    // (2 of 101 rows per sample, left out here).
    const double oursMs = best([&] { ours.gemm(B * L - 2, O, T * C, x.data(), C, 1, w.data(), O, y.data() + O, O, false); });
    memory::desc xd({B, C, 1, L}, memory::data_type::f32, memory::format_tag::nhwc);
    memory::desc yd({B, O, 1, L}, memory::data_type::f32, memory::format_tag::nhwc);
    memory::desc wUser({O, C, 1, T}, memory::data_type::f32, memory::format_tag::hwio);
    memory::desc wAny({O, C, 1, T}, memory::data_type::f32, memory::format_tag::any);
    convolution_forward::primitive_desc pd(
        convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, xd, wAny, yd, {1, 1}, {0, 1}, {0, 1}), eng);
    memory xm(xd, eng, x.data()), ym(yd, eng, y.data()), wm(wUser, eng, w.data());
    memory wPacked(pd.weights_desc(), eng);
    reorder pack(wm, wPacked);
    convolution_forward conv(pd);
    const double dnnlMs = best([&] {
      conv.execute(s, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wPacked}, {DNNL_ARG_DST, ym}});
      s.wait();
    });
    // In training the filter changes every step: its reorder into oneDNN's layout is paid each time.
    const double dnnlWithReorderMs = best([&] {
      pack.execute(s, wm, wPacked);
      conv.execute(s, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wPacked}, {DNNL_ARG_DST, ym}});
      s.wait();
    });
    std::printf(
        "{\"kernel\":\"conv forward 128->128 L=101 batch 32\",\"ours\":\"%s\",\"oursMs\":%.3f,\"oursGflops\":%.1f,\"onednnMs\":%.3f,\"onednnGflops\":%.1f,\"onednnWithReorderMs\":%.3f,\"onednnImpl\":\"%s\"}\n",
        ours.name, oursMs, flops / oursMs / 1e6, dnnlMs, flops / dnnlMs / 1e6, dnnlWithReorderMs, pd.impl_info_str());
  }
}
