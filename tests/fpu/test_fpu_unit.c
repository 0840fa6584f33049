/* Unit tests for the fpu library: special cases with hand-checked expectations. */
#include "check.h"
#include "fpu/softfloat.h"

int main(void) {
    fp_status st = {0, 0};
    CHECK_EQ_U64(fp32_add(0x3f800000, 0x3f800000, &st), 0x40000000);
    return check_report("fpu_unit");
}
