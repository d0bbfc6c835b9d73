// The kernels for any x86-64 (or other) CPU: no instruction-set flags.
#define KERNEL_TABLE kGenericKernels
#define KERNEL_NAME "generic"
#define WIDE 4
#include "kernels-impl.inc"
