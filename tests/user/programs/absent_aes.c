/* The Pi 3's Cortex-A53 has no Cryptography Extension: AESE is UNDEFINED, SIGILL kills (132).
 * (qemu-aarch64's cortex-a53 model includes AES, so this test has a fixed expectation.) */
#include <stdio.h>
int main(void) {
    printf("before aese\n");
    fflush(stdout);
    __asm__ volatile(".inst 0x4e284800" ::: "v0"); /* aese v0.16b, v0.16b */
    printf("after aese\n");
    return 0;
}
