/* Switch and start-up checks for the host-FPU fast paths (fp_fast.h). */
#include "fp_fast.h"

#include <stdlib.h>

int fp_fast_flag = 0;
int fp_fast_host_fma = 0;
static bool host_ok = false;

/* The fast paths assume the host FPU rounds to nearest and neither flushes denormal results nor
 * treats denormal operands as zero (the C default, which nothing in socemu changes). */
static bool host_fpu_is_default(void) {
    volatile float one = 1.0f, step = 0x1.8p-24f, tiny = 0x1p-126f, half = 0.5f;
    /* RN rounds both up in magnitude; RZ neither, RP only the positive, RM only the negative. */
    bool rn = one + step == 0x1.000002p0f && -one - step == -0x1.000002p0f;
    bool denormals = tiny * half != 0.0f && tiny * half * 2.0f == tiny;
    return rn && denormals;
}

__attribute__((constructor)) static void fp_fast_init(void) {
    host_ok = FP_FAST_COMPILED && host_fpu_is_default();
#if defined(__x86_64__)
    __builtin_cpu_init();
    fp_fast_host_fma = __builtin_cpu_supports("fma");
#endif
    const char *off = getenv("SOCEMU_NO_FP_FAST");
    fp_fast_flag = host_ok && !(off && *off && *off != '0');
}

void fp_set_fast_path(bool enable) {
    fp_fast_flag = enable && host_ok;
}

bool fp_fast_path_enabled(void) {
    return fp_fast_flag != 0;
}
