/* The A64 front end: fixed 4-byte instructions decoded by the table generated from
 * decode/a64.insn, specialised (a64/fast_ops.c); blocks end after the encodings flagged `end`
 * except inert hints, ISB, plain MRS and the in-block DCs the specialiser picked. */
#include "a64/a64.h"
#include "a64/fast_ops.h"
#include "frontend.h"

/* Branches leave the translation regime alone, as does running off the length cap; system
 * instructions (TTBR/SCTLR writes, TLBI, ERET) and exceptions may not. */
static bool is_chainable_branch(unsigned enc) {
    switch (enc) {
    case A64_ENC_B_BL:
    case A64_ENC_B_COND:
    case A64_ENC_CBZ_CBNZ:
    case A64_ENC_TBZ_TBNZ:
    case A64_ENC_BR:
    case A64_ENC_BLR:
    case A64_ENC_RET: return true;
    default: return false;
    }
}

static unsigned a64_fe_decode(a64_op *op, uint32_t insn, uint32_t perf_off) {
    int enc = a64_decode(insn);
    op->fn = a64_enc_handlers[enc];
    op->enc = (uint16_t)enc;
    op->imm = 0;
    op->rd = op->rn = op->rm = op->ra = 0;
    op->aux = 0;
    if (!(perf_off & PERF_NO_SPECIALIZE)) a64_specialize(op, perf_off);
    bool end = a64_enc_flags[enc] & A64_ENCF_END;
    /* A hint the specialiser found inert (NOP), ISB, a plain MRS or a DC does not end the block. */
    bool stays =
        (enc == A64_ENC_HINT || enc == A64_ENC_MRS || enc == A64_ENC_SYS || enc == A64_ENC_ISB) &&
        op->fn != a64_enc_handlers[enc];
    unsigned f = 0;
    if ((end && !stays) || enc == A64_ENC_UNDEF) f |= FE_STOP;
    if (end && !is_chainable_branch((unsigned)enc)) f |= FE_NOCHAIN;
    return f;
}

static const char *a64_fe_name(uint32_t insn) {
    return a64_enc_names[a64_decode(insn)];
}

const isa_frontend a64_frontend = {
    .name = "A64",
    .isa = ISA_A64,
    .fetch_bytes = 4,
    .insn_bytes = NULL,
    .decode = a64_fe_decode,
    .insn_name = a64_fe_name,
};
