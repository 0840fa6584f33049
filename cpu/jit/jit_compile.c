/* The block compiler: prologue, one template or handler call per op, the end-of-block op, then
 * the out-of-line parts (slow paths of inline memory ops, per-op exit stubs, the epilogue). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/block_cache.h"
#include "jit/code_buffer.h"
#include "jit/jit_internal.h"

enum { CODE_BUFFER_SIZE = 128 << 20, MAX_BLOCK_CODE = 64 << 10, DEFAULT_THRESHOLD = 32 };

struct jit_state {
    code_buffer buf;
    FILE *perf_map; /* SOCEMU_PERF_MAP=1: /tmp/perf-PID.map, so perf names compiled blocks */
    jit_ctx ctx;    /* the compiler's scratch state (large) */
};

bool jit_init(cpu_cluster *cl) {
    cl->jit_threshold = DEFAULT_THRESHOLD;
    const char *t = getenv("SOCEMU_JIT_THRESHOLD");
    if (t && *t) cl->jit_threshold = (uint32_t)strtoul(t, NULL, 0);
    if (cl->perf_off & PERF_NO_JIT) return true;
    struct jit_state *j = calloc(1, sizeof *j);
    if (!j) return true;
    const char *wx = getenv("SOCEMU_JIT_WX");
    bool force_wx = wx && *wx && strcmp(wx, "0") != 0;
    if (!code_buffer_init(&j->buf, CODE_BUFFER_SIZE, (const void *)jit_compile, force_wx)) {
        free(j);
        return true; /* no executable memory: the interpreter runs */
    }
    const char *pm = getenv("SOCEMU_PERF_MAP");
    if (pm && *pm && strcmp(pm, "0") != 0) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
        j->perf_map = fopen(path, "a");
    }
    cl->jit = j;
    return true;
}

void jit_free(cpu_cluster *cl) {
    if (!cl->jit) return;
    code_buffer_free(&cl->jit->buf);
    if (cl->jit->perf_map) fclose(cl->jit->perf_map);
    free(cl->jit);
    cl->jit = NULL;
}

void jit_flush(cpu_cluster *cl) {
    if (!cl->jit) return;
    code_buffer_reset(&cl->jit->buf);
    cl->jit_full = false;
    cl->jit_flushes++;
}

/* ---- Helpers for the templates ------------------------------------------------------------ */
_Static_assert(sizeof(tlb_entry) == 48, "jit_tlb_slot scales the TLB index by 3 * 16");

void jit_tlb_slot(jit_ctx *x, int dst, int src, int tmp) {
    x86_emitter *e = &x->e;
    x86_mov_rr(e, true, dst, src);
    x86_shift_ri(e, X86_SHR, true, dst, PAGE_BITS);
    x86_mov_rr(e, true, tmp, src);
    x86_shift_ri(e, X86_SHR, true, tmp, TLB_REGION_BITS);
    x86_imul_ri(e, false, tmp, tmp, (int32_t)TLB_REGION_MUL);
    x86_shift_ri(e, X86_SHR, false, tmp, 32 - TLB_BITS);
    x86_alu_rr(e, X86_ADD, false, dst, tmp);
    x86_alu_ri(e, X86_AND, false, dst, TLB_SIZE - 1);
    x86_lea(e, true, dst, x86_sib(dst, dst, 2, 0));
    x86_shift_ri(e, X86_SHL, true, dst, 4);
}

void jit_load_reg(jit_ctx *x, int dst, unsigned n, bool sp, bool w64) {
    if (n == 31 && !sp) {
        x86_alu_rr(&x->e, X86_XOR, false, dst, dst);
        return;
    }
    x86_load(&x->e, w64, dst, n == 31 ? jit_cpu_field(offsetof(arm_cpu, sp)) : jit_xreg(n));
}

/* 32-bit results are already zero-extended in the host register: always store 64 bits. */
void jit_store_reg(jit_ctx *x, unsigned n, bool sp, int src, bool w64) {
    (void)w64;
    if (n == 31 && !sp) return;
    x86_store(&x->e, true, n == 31 ? jit_cpu_field(offsetof(arm_cpu, sp)) : jit_xreg(n), src);
}

void jit_nzcv_arith(jit_ctx *x, bool sub) {
    x86_emitter *e = &x->e;
    x86_setcc(e, X86_CC_S, X86_R8);
    x86_setcc(e, X86_CC_E, X86_R9);
    x86_setcc(e, sub ? X86_CC_AE : X86_CC_B, X86_R10);
    x86_setcc(e, X86_CC_O, X86_R11);
    x86_movzx8(e, X86_R8, X86_R8);
    x86_movzx8(e, X86_R9, X86_R9);
    x86_movzx8(e, X86_R10, X86_R10);
    x86_movzx8(e, X86_R11, X86_R11);
    x86_lea(e, false, X86_R8, x86_sib(X86_R9, X86_R8, 2, 0));
    x86_lea(e, false, X86_R8, x86_sib(X86_R10, X86_R8, 2, 0));
    x86_lea(e, false, X86_R8, x86_sib(X86_R11, X86_R8, 2, 0));
    x86_shift_ri(e, X86_SHL, false, X86_R8, 28);
    x86_store(e, false, jit_cpu_field(offsetof(arm_cpu, nzcv)), X86_R8);
}

void jit_nzcv_logic(jit_ctx *x) {
    x86_emitter *e = &x->e;
    x86_setcc(e, X86_CC_S, X86_R8);
    x86_setcc(e, X86_CC_E, X86_R9);
    x86_movzx8(e, X86_R8, X86_R8);
    x86_movzx8(e, X86_R9, X86_R9);
    x86_lea(e, false, X86_R8, x86_sib(X86_R9, X86_R8, 2, 0));
    x86_shift_ri(e, X86_SHL, false, X86_R8, 30);
    x86_store(e, false, jit_cpu_field(offsetof(arm_cpu, nzcv)), X86_R8);
}

void jit_cond_to_cf(jit_ctx *x, unsigned mask) {
    x86_emitter *e = &x->e;
    x86_load(e, false, X86_R8, jit_cpu_field(offsetof(arm_cpu, nzcv)));
    x86_shift_ri(e, X86_SHR, false, X86_R8, 28);
    x86_mov_imm(e, X86_R9, mask);
    x86_bt_rr(e, false, X86_R9, X86_R8);
}

static void add_exit_fixup(jit_ctx *x, size_t at, unsigned index) {
    if (x->n_exits == JIT_MAX_EXITS) {
        x->failed = true;
        return;
    }
    x->exits[x->n_exits++] = (jit_fixup){at, index};
}

static void jump_to_epilogue(jit_ctx *x) {
    if (x->n_epilogue_jumps == JIT_MAX_EXITS) {
        x->failed = true;
        return;
    }
    x->epilogue_jumps[x->n_epilogue_jumps++] = x86_jmp_fwd(&x->e);
}

void jit_exit_now(jit_ctx *x, unsigned index, int r) {
    x86_lea(&x->e, true, X86_RAX, jit_op_addr(index));
    x86_mov_imm(&x->e, X86_RDX, (uint64_t)r);
    jump_to_epilogue(x);
}

void jit_exit_hop(jit_ctx *x, unsigned index, uint64_t target, unsigned count) {
    x86_emitter *e = &x->e;
    x86_mov_imm(e, X86_RAX, target);
    x86_store(e, true, jit_cpu_field(offsetof(arm_cpu, pc)), X86_RAX);
    int r = index == x->b->n_insns ? A64_EXIT_FAULT : A64_EXIT_RETIRED;
    if (x->chaining && ((target ^ x->b->pc) & PAGE_MASK)) {
        /* Another page: its translation may change, so no link; probe the jump cache inline. */
        x86_mov_rr(e, true, X86_RCX, X86_RAX);
        jit_exit_probe(x, index, count, r);
        return;
    }
    bool direct = x->chaining && x->b->chainable && x->n_hops < 2;
    if (!direct) {
        /* count is index + 1 (retired branch) or index + 1 (end op, see emit_op): the same
         * accounting as cpu_run's for the result below. */
        jit_exit_now(x, index, index == x->b->n_insns ? A64_EXIT_FAULT : A64_EXIT_RETIRED);
        return;
    }
    size_t no_hop[3];
    x86_alu_mi(e, X86_CMP, false, jit_cpu_field(offsetof(arm_cpu, exit_request)), 0);
    no_hop[0] = x86_jcc_fwd(e, X86_CC_NE);
    x86_load(e, true, X86_RAX, jit_cpu_field(offsetof(arm_cpu, insns_slice)));
    x86_alu_ri(e, X86_ADD, true, X86_RAX, (int32_t)count);
    x86_alu_rm(e, X86_CMP, true, X86_RAX, jit_cpu_field(offsetof(arm_cpu, jit_budget)));
    no_hop[1] = x86_jcc_fwd(e, X86_CC_AE);
    x86_alu_rm(e, X86_CMP, true, X86_RAX, jit_cpu_field(offsetof(arm_cpu, timer_check_at)));
    no_hop[2] = x86_jcc_fwd(e, X86_CC_AE);
    x86_store(e, true, jit_cpu_field(offsetof(arm_cpu, insns_slice)), X86_RAX);
    /* Unlinked: jumps to the next instruction, which takes the count back and returns. */
    size_t patch = x86_jmp_fwd(e);
    x86_patch_here(e, patch);
    x->hops[x->n_hops].pc = target;
    x->hops[x->n_hops].patch = patch;
    x->n_hops++;
    x86_alu_mi(e, X86_SUB, true, jit_cpu_field(offsetof(arm_cpu, insns_slice)), (int32_t)count);
    for (unsigned k = 0; k < 3; k++)
        x86_patch_here(e, no_hop[k]);
    jit_exit_now(x, index, index == x->b->n_insns ? A64_EXIT_FAULT : A64_EXIT_RETIRED);
}

void jit_call_op(jit_ctx *x, unsigned index) {
    const a64_op *op = &x->b->ops[index];
    x86_mov_rr(&x->e, true, X86_RDI, JIT_CPU);
    x86_lea(&x->e, true, X86_RSI, jit_op_addr(index));
    x86_call(&x->e, (const void *)op->fn);
    x86_test_rr(&x->e, false, X86_RAX, X86_RAX);
    add_exit_fixup(x, x86_jcc_fwd(&x->e, X86_CC_NE), index);
}

unsigned jit_slow_branch(jit_ctx *x, enum x86_cc cc, unsigned index) {
    if (x->n_slow == JIT_MAX_SLOW) {
        x->failed = true;
        x86_jcc_fwd(&x->e, cc); /* keeps the layout; the block is dropped anyway */
        return 0;
    }
    unsigned slot = x->n_slow++;
    x->slow[slot].index = index;
    x->slow[slot].n_from = 0;
    x->slow[slot].resume = 0;
    jit_slow_branch_again(x, cc, slot);
    return slot;
}

void jit_slow_branch_again(jit_ctx *x, enum x86_cc cc, unsigned slot) {
    size_t at = x86_jcc_fwd(&x->e, cc);
    if (x->slow[slot].n_from == 4) {
        x->failed = true;
        return;
    }
    x->slow[slot].from[x->slow[slot].n_from++] = at;
}

void jit_slow_resume(jit_ctx *x, unsigned slot) {
    x->slow[slot].resume = x86_offset(&x->e);
}

/* ---- Linking ------------------------------------------------------------------------------ */
/* rel32 at exec address `at` (writable through the buffer's other view) now reaches target. */
static void patch_rel32(code_buffer *buf, uint8_t *at, const uint8_t *target) {
    int32_t rel = (int32_t)(target - (at + 4));
    memcpy(buf->write + (at - buf->exec), &rel, 4); /* one aligned-enough store; one thread */
}

void jit_link(cpu_cluster *cl, code_block *from, code_block *to) {
    if (!cl->jit || !from->jit_code || !to->jit_code) return;
    for (unsigned k = 0; k < 2; k++) {
        if (!from->jit_hop[k].patch || from->jit_hop[k].pc != to->pc || from->jit_hop[k].to == to)
            continue;
        patch_rel32(&cl->jit->buf, (uint8_t *)from->jit_code + from->jit_hop[k].patch,
                    to->jit_chain_entry);
        from->jit_hop[k].to = to;
        cl->jit_links++;
    }
}

void jit_block_dead(cpu_cluster *cl, code_block *b) {
    if (!cl->jit || !b->jit_code) return;
    /* jmp rel32 over the chain entry's first instruction (a 10-byte mov). */
    uint8_t *at = b->jit_chain_entry;
    uint8_t *w = cl->jit->buf.write + (at - cl->jit->buf.exec);
    w[0] = 0xe9;
    patch_rel32(&cl->jit->buf, at + 1, (uint8_t *)b->jit_code + b->jit_redispatch);
}

/* ---- The block ------------------------------------------------------------------------------ */
static void emit_op(jit_ctx *x, unsigned index) {
    const a64_op *op = &x->b->ops[index];
    if (index == x->b->n_insns) { /* the end-of-block op */
        if (op->fn == a64_block_end) {
            /* cpu_run counts the end op as index + 1 (it returns A64_EXIT_FAULT). */
            jit_exit_hop(x, index, jit_op_pc(x, index), index + 1);
        } else {
            jit_call_op(x, index);
        }
        return;
    }
    /* Specialised ops (exec/fast_ops.c) carry pre-decoded operands the templates use. */
    if (jit_emit_branch(x, index, op) || jit_emit_alu(x, index, op) || jit_emit_mem(x, index, op))
        return;
    jit_call_op(x, index);
}

static void emit_block(jit_ctx *x) {
    x86_emitter *e = &x->e;
    x86_push(e, X86_RBX);
    x86_push(e, X86_R12);
    x86_push(e, X86_RBP); /* three pushes: RSP is 16-byte aligned at calls */
    x86_mov_rr(e, true, JIT_CPU, X86_RDI);
    /* The chain entry: other compiled blocks jump here with RBX set and the frame built. */
    x->chain_entry = x86_offset(e);
    x86_mov_imm(e, JIT_OPS, (uintptr_t)x->b->ops);
    x86_mov_imm(e, X86_RAX, (uintptr_t)x->b);
    x86_store(e, true, jit_cpu_field(offsetof(arm_cpu, jit_block)), X86_RAX);
    for (unsigned i = 0; i <= x->b->n_insns; i++)
        emit_op(x, i);
    /* Slow paths: the op's own handler, which redoes the whole instruction (its inline fast path
     * misses again and the generic path sorts out faults, MMIO, code pages, exclusives). */
    for (unsigned s = 0; s < x->n_slow; s++) {
        for (unsigned f = 0; f < x->slow[s].n_from; f++)
            x86_patch_here(e, x->slow[s].from[f]);
        x86_alu_mi(e, X86_ADD, true, jit_cpu_field(offsetof(arm_cpu, jit_slow)), 1);
        jit_call_op(x, x->slow[s].index);
        x86_jmp_to(e, x->slow[s].resume);
    }
    /* Exit stubs: EAX holds the handler result. */
    size_t stub_of[MAX_BLOCK_INSNS + 1];
    bool have_stub[MAX_BLOCK_INSNS + 1] = {false};
    for (unsigned k = 0; k < x->n_exits; k++) {
        unsigned i = x->exits[k].index;
        if (!have_stub[i]) {
            have_stub[i] = true;
            stub_of[i] = x86_offset(e);
            x86_mov_rr(e, false, X86_RDX, X86_RAX);
            x86_lea(e, true, X86_RAX, jit_op_addr(i));
            jump_to_epilogue(x);
        }
    }
    for (unsigned k = 0; k < x->n_exits; k++) {
        size_t at = x->exits[k].at, here = stub_of[x->exits[k].index];
        if (e->overflow) break;
        uint32_t rel = (uint32_t)(here - (at + 4));
        memcpy(e->start + at, &rel, 4);
    }
    /* Where the chain entry of this block jumps once it is dead. */
    x->redispatch = x86_offset(e);
    x86_mov_imm(e, X86_RDX, JIT_EXIT_REDISPATCH);
    jump_to_epilogue(x);
    for (unsigned k = 0; k < x->n_epilogue_jumps; k++)
        x86_patch_here(e, x->epilogue_jumps[k]);
    x86_pop(e, X86_RBP);
    x86_pop(e, X86_R12);
    x86_pop(e, X86_RBX);
    x86_ret(e);
}

bool jit_compile(cpu_cluster *cl, code_block *b) {
    struct jit_state *j = cl->jit;
    if (!j || cl->jit_full) return false;
    code_buffer *buf = &j->buf;
    size_t room = buf->size - buf->used;
    if (room < MAX_BLOCK_CODE) {
        cl->jit_full = true;
        return false;
    }
    jit_ctx *x = &j->ctx;
    memset(x, 0, offsetof(jit_ctx, exits));
    x->n_exits = x->n_slow = x->n_epilogue_jumps = x->n_hops = 0;
    x->cl = cl;
    x->b = b;
    x->chaining = !(cl->perf_off & PERF_NO_CHAIN);
    x86_init(&x->e, buf->write + buf->used, MAX_BLOCK_CODE, (uintptr_t)(buf->exec + buf->used));
    emit_block(x);
    if (x->e.overflow || x->failed) {
        b->jit_failed = true;
        return false;
    }
    size_t len = (x86_offset(&x->e) + 15) & ~(size_t)15;
    b->jit_code = buf->exec + buf->used;
    b->jit_chain_entry = buf->exec + buf->used + x->chain_entry;
    b->jit_redispatch = (uint32_t)x->redispatch;
    for (unsigned k = 0; k < 2; k++) {
        b->jit_hop[k].pc = k < x->n_hops ? x->hops[k].pc : 0;
        b->jit_hop[k].patch = k < x->n_hops ? (uint32_t)x->hops[k].patch : 0;
        b->jit_hop[k].to = NULL;
    }
    if (j->perf_map)
        fprintf(j->perf_map, "%lx %zx a64_%llx_el%u\n", (unsigned long)(uintptr_t)b->jit_code, len,
                (unsigned long long)b->pc, (unsigned)b->flags);
    buf->used += len;
    cl->jit_blocks++;
    cl->jit_bytes += len;
    return true;
}
