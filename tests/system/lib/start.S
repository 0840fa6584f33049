/*
 * Entry, stacks, vector tables and EL-change helpers of the bare-metal system tests.
 * socemu starts every core here in EL3 with the MMU off and x0 = 0 (docs/boards.md).
 */
#define FRAME_SIZE 288          /* x0..x30, ELR, SPSR, pad: struct frame in systest.h */

    .section .text.boot, "ax"
    .globl _start
_start:
    mrs     x0, mpidr_el1
    and     x0, x0, #0xff
    /* Stacks: core n owns [__stacks_base + n*64K, + 64K); EL3 16K at the top, then EL2, EL1, EL0. */
    ldr     x1, =__stacks_base
    add     x2, x0, #1
    lsl     x2, x2, #16
    add     x1, x1, x2              /* top of this core's area */
    mov     sp, x1                  /* SP_EL3 (SPSel = 1 at reset) */
    sub     x2, x1, #0x4000
    msr     sp_el2, x2
    sub     x2, x1, #0x8000
    msr     sp_el1, x2
    sub     x2, x1, #0xc000
    msr     sp_el0, x2
    /* Vectors for every EL, so any exception ends in exc_dispatch. */
    adr     x2, vectors_el3
    msr     vbar_el3, x2
    adr     x2, vectors_el2
    msr     vbar_el2, x2
    adr     x2, vectors_el1
    msr     vbar_el1, x2
    isb
    cbnz    x0, 2f
    /* Core 0: clear .bss, run the test, report, power off. */
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    3f
    str     xzr, [x1], #8
    b       1b
3:  dmb     sy
    ldr     x1, =bss_ready
    mov     w2, #1
    str     w2, [x1]
    dsb     sy
    sev
    bl      systest_main
    b       systest_finish
    /* Secondaries: wait until core 0 cleared .bss (spinning on a plain load, no exclusives), then
       run secondary_main(core) (weak default: park in WFE). */
2:  ldr     x1, =bss_ready
4:  ldr     w2, [x1]
    cbnz    w2, 5f
    wfe
    b       4b
5:  bl      secondary_main
6:  wfe
    b       6b

/* ---- vectors: 16 entries of 0x80 per EL; each pushes a frame and calls exc_dispatch(frame, el, idx) */
.macro ventry el, idx
    .balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x0, #\idx
    b       common_el\el
.endm

.macro vtable el
    .balign 0x800
    .globl vectors_el\el
vectors_el\el:
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    ventry \el, \i
    .endr
common_el\el:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x1, elr_el\el
    mrs     x2, spsr_el\el
    stp     x30, x1, [sp, #240]
    str     x2, [sp, #256]
    mov     x2, x0                  /* vector index */
    mov     x0, sp
    mov     x1, #\el
    bl      exc_dispatch
    ldp     x30, x1, [sp, #240]
    ldr     x2, [sp, #256]
    msr     elr_el\el, x1
    msr     spsr_el\el, x2
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #FRAME_SIZE
    eret
.endm

    .text
    vtable 3
    vtable 2
    vtable 1

/*
 * uint64_t run_lower(int el, uint64_t (*fn)(uint64_t), uint64_t arg, uint64_t spsr_extra)
 * Runs fn(arg) at the lower EL `el` (0, 1 or 2; ELxh, interrupts masked unless spsr_extra clears
 * them: spsr_extra is ORed in and bit 63 means "no DAIF mask") and returns its result. fn returns
 * to lower_trampoline, which calls back up with SVC/HVC/SMC #0xfff; exc_dispatch recognises the
 * gate and calls ctx_resume(), which restores the context saved here.
 */
    .globl run_lower
run_lower:
    mrs     x9, currentel
    lsr     x9, x9, #2              /* caller's EL */
    adr     x10, gate_ctx
    mrs     x11, mpidr_el1
    and     x11, x11, #0xff
    lsl     x11, x11, #9            /* 4 ELs * 128 bytes per core */
    add     x10, x10, x11
    add     x10, x10, x9, lsl #7    /* ctx[core][caller_el] */
    stp     x19, x20, [x10, #0]
    stp     x21, x22, [x10, #16]
    stp     x23, x24, [x10, #32]
    stp     x25, x26, [x10, #48]
    stp     x27, x28, [x10, #64]
    stp     x29, x30, [x10, #80]
    mov     x11, sp
    str     x11, [x10, #96]
    /* SPSR: M = target EL with SPx (EL0t for EL0); DAIF masked unless bit 63. */
    lsl     x12, x0, #2
    cbz     x0, 1f
    orr     x12, x12, #1
1:  tbnz    x3, #63, 2f
    orr     x12, x12, #0x3c0
2:  bic     x3, x3, #(1 << 63)
    orr     x12, x12, x3
    adr     x13, lower_trampoline
    mov     x0, x1                  /* fn */
    mov     x1, x2                  /* arg */
    mov     x2, x9                  /* caller EL, for the gate */
    cmp     x9, #3
    b.eq    3f
    cmp     x9, #2
    b.eq    4f
    msr     elr_el1, x13
    msr     spsr_el1, x12
    eret
3:  msr     elr_el3, x13
    msr     spsr_el3, x12
    eret
4:  msr     elr_el2, x13
    msr     spsr_el2, x12
    eret

lower_trampoline:
    mov     x19, x2
    mov     x9, x0
    mov     x0, x1
    blr     x9
    cmp     x19, #1
    b.eq    1f
    cmp     x19, #2
    b.eq    2f
    smc     #0xfff
    b       .
1:  svc     #0xfff
    b       .
2:  hvc     #0xfff
    b       .

/* void ctx_resume(int el, uint64_t value): back into run_lower's caller at EL el; called from
   exc_dispatch on the gate, at that EL, on the same stack (everything below the saved SP is dropped). */
    .globl ctx_resume
ctx_resume:
    adr     x10, gate_ctx
    mrs     x11, mpidr_el1
    and     x11, x11, #0xff
    lsl     x11, x11, #9
    add     x10, x10, x11
    add     x10, x10, x0, lsl #7
    ldp     x19, x20, [x10, #0]
    ldp     x21, x22, [x10, #16]
    ldp     x23, x24, [x10, #32]
    ldp     x25, x26, [x10, #48]
    ldp     x27, x28, [x10, #64]
    ldp     x29, x30, [x10, #80]
    ldr     x11, [x10, #96]
    mov     sp, x11
    mov     x0, x1
    ret

    .bss
    .balign 16
gate_ctx:
    .space  4 * 4 * 128
    .globl bss_ready
    .data
    .balign 8
bss_ready:
    .word 0
