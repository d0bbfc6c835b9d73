// The kernels for CPUs with avx512: built with its flags (binding.gyp), called only where the CPU reports it.
#define KERNEL_TABLE kAvx512Kernels
#define KERNEL_NAME "avx512"
#define WIDE 16
#include "kernels-impl.inc"
