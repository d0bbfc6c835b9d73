// The kernels for CPUs with avx2-fma: built with its flags (binding.gyp), called only where the CPU reports it.
#define KERNEL_TABLE kAvx2Kernels
#define KERNEL_NAME "avx2-fma"
#define WIDE 8
#include "kernels-impl.inc"
