# The native kernels (native/): an N-API addon, so one build serves every Node version. The
# AVX2/FMA and AVX-512 copies of the kernels are static libraries built with their instruction
# set's flags; the addon itself and the generic copy use none, and the addon calls a copy only
# where the CPU reports its instruction set (run-time dispatch, never the build machine's CPU).
{
  'target_defaults': {
    'defines': ['NAPI_VERSION=8'],
    'cflags_cc': ['-std=gnu++17', '-O3', '-Wno-psabi', '-fno-math-errno', '-ffp-contract=fast', '-fPIC', '-fvisibility=hidden'],
    'cflags_cc!': ['-fno-exceptions', '-std=gnu++14', '-std=c++17'],
  },
  'targets': [
    {
      'target_name': 'nir_kernels_avx2',
      'type': 'static_library',
      'sources': ['native/kernels-avx2.cc'],
      'cflags_cc': ['-mavx2', '-mfma'],
    },
    {
      'target_name': 'nir_kernels_avx512',
      'type': 'static_library',
      'sources': ['native/kernels-avx512.cc'],
      'cflags_cc': ['-mavx2', '-mfma', '-mavx512f', '-mprefer-vector-width=512'],
    },
    {
      'target_name': 'nir_kernels',
      'sources': ['native/addon.cc', 'native/kernels-generic.cc'],
      'dependencies': ['nir_kernels_avx2', 'nir_kernels_avx512'],
    },
  ],
}
