// Bare-metal guest for the --trace test: one of each traced event, then every core sleeps with
// interrupts masked, so the run ends as hung. Core 0: an SVC and its ERET (int), a TLBI (mmu), a
// write and a read of the unmodelled i2c0 block (unimp).
    .text
    .global _start
_start:
    mrs     x9, mpidr_el1
    and     x9, x9, #3
    cbnz    x9, sleep
    adr     x0, vectors
    msr     vbar_el3, x0
    isb
    svc     #0x42
    tlbi    alle3
    dsb     sy
    isb
    movz    x1, #0x3f20, lsl #16
    movk    x1, #0x5000             // i2c0: an unimplemented region on rpi3
    mov     w2, #0x5a
    str     w2, [x1, #4]
    ldr     w3, [x1, #8]
sleep:
    msr     daifset, #0xf
    wfi
    b       sleep

    .balign 0x800
vectors:
    .skip   0x200                   // current EL with SP0: unused
    eret                            // current EL with SPx, synchronous: return past the SVC
