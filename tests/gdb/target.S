// Tiny bare-metal guest for the gdb and trace tests. Every core enters at _start in EL3; the
// secondaries park in WFE, core 0 counts in a loop that calls `bump` (the breakpoint target).
    .text
    .global _start
_start:
    mrs     x9, mpidr_el1
    and     x9, x9, #3
    cbnz    x9, park
    mov     x20, #(3 << 20)
    msr     cpacr_el1, x20          // FP/SIMD usable at EL1 and EL0
    msr     cptr_el3, xzr           // and not trapped to EL3
    isb
    adr     x10, vector_data
    ldr     q1, [x10]               // v1 = a known 128-bit pattern
    mov     x3, #0
    mov     x4, #0
    .global loop
loop:
    add     x3, x3, #1
    bl      bump
    b       loop
    .global bump
bump:
    add     x4, x4, #2
    ret
park:
    wfe
    b       park

    .data
    .balign 16
    .global vector_data
vector_data:
    .quad   0x1122334455667788, 0x99aabbccddeeff00
