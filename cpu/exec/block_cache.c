/* Decoded blocks: decode once per physical PC, look up by virtual PC through a per-core jump
 * cache, invalidate by physical page (stores into code, DMA, IC IVAU) or entirely (IC IALLU). */
#include <stdlib.h>
#include <string.h>

#include "a64/a64.h"
#include "exec/block_cache.h"
#include "exec/fast_ops.h"
#include "exec/debug.h"
#include "exec/trace.h"
#include "jit/jit.h"

enum { PAGES_SIZE = 1 << 16 };

int a64_block_end(arm_cpu *c, const a64_op *op) {
    c->pc += (uint64_t)op->index << 2;
    return A64_EXIT_FAULT; /* "not retired": the sentinel is no instruction */
}

static bool env_set(const char *name) {
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

bool block_cache_init(cpu_cluster *cl) {
    cl->perf_off = (env_set("SOCEMU_NO_CHAIN") ? PERF_NO_CHAIN : 0) |
                   (env_set("SOCEMU_NO_FASTMEM") ? PERF_NO_FASTMEM : 0) |
                   (env_set("SOCEMU_NO_SPECIALIZE") ? PERF_NO_SPECIALIZE : 0) |
                   (env_set("SOCEMU_NO_LAZY_IC") ? PERF_NO_LAZY_IC : 0) |
                   (env_set("SOCEMU_NO_ASID_TLB") ? PERF_NO_ASID_TLB : 0) |
                   (env_set("SOCEMU_NO_JIT") ? PERF_NO_JIT : 0) |
                   (env_set("SOCEMU_NO_POLL_PARK") ? PERF_NO_POLL_PARK : 0);
    cl->blocks = calloc(MAX_BLOCKS, sizeof *cl->blocks);
    cl->ops = calloc(MAX_OPS, sizeof *cl->ops);
    cl->pages = calloc(PAGES_SIZE, sizeof *cl->pages);
    cl->pages_size = PAGES_SIZE;
    return cl->blocks && cl->ops && cl->pages && jit_init(cl);
}

void block_cache_free(cpu_cluster *cl) {
    jit_free(cl);
    free(cl->blocks);
    free(cl->ops);
    free(cl->pages);
}

void jump_cache_flush(arm_cpu *c) {
    memset(c->jump_cache, 0, sizeof c->jump_cache);
}

static unsigned block_hash(uint64_t pa, uint32_t flags) {
    uint64_t h = (pa >> 2) ^ ((uint64_t)flags << 7);
    h ^= h >> 17;
    return (unsigned)(h & ((1u << BLOCK_HASH_BITS) - 1));
}

static code_page *page_slot(cpu_cluster *cl, uint64_t pa_page, bool insert) {
    uint64_t key = (pa_page >> PAGE_BITS) + 1;
    unsigned mask = cl->pages_size - 1, i = (unsigned)((key * 0x9e3779b97f4a7c15ull) >> 40) & mask;
    for (;;) {
        code_page *p = &cl->pages[i];
        if (p->page == key) return p;
        if (p->page == 0) {
            if (!insert) return NULL;
            p->page = key;
            cl->pages_used++;
            return p;
        }
        i = (i + 1) & mask;
    }
}

bool code_page_has_blocks(cpu_cluster *cl, uint64_t pa_page) {
    code_page *p = page_slot(cl, pa_page, false);
    return p && p->blocks;
}

void code_page_invalidate(cpu_cluster *cl, uint64_t pa_page) {
    code_page *p = page_slot(cl, pa_page & PAGE_MASK, false);
    if (!p || !p->blocks) return;
    for (code_block *b = p->blocks; b; b = b->page_next) {
        b->dead = true;
        jit_block_dead(cl, b);
        cl->blocks_invalidated++;
        code_block **pp = &cl->hash[block_hash(b->pa, b->flags)];
        while (*pp && *pp != b)
            pp = &(*pp)->hash_next;
        if (*pp) *pp = b->hash_next;
    }
    p->blocks = NULL;
    tlb_unprotect_code_page(cl, pa_page & PAGE_MASK);
}

void block_cache_flush(cpu_cluster *cl) {
    memset(cl->hash, 0, sizeof cl->hash);
    memset(cl->pages, 0, (size_t)cl->pages_size * sizeof *cl->pages);
    cl->pages_used = 0;
    cl->n_blocks = 0;
    cl->n_ops = 0;
    cl->block_flushes++;
    jit_flush(cl);
    for (unsigned i = 0; i < cl->n; i++) {
        jump_cache_flush(cl->cores[i]);
        /* Drop the code-page write flags with everything else. */
        tlb_flush_all(cl->cores[i]);
    }
}

/* Must match block_lookup_cached in block_cache.h. */
void block_cache_ic_iallu(cpu_cluster *cl) {
    if ((cl->perf_off & PERF_NO_LAZY_IC) || cl->has_rom_blocks) {
        block_cache_flush(cl);
        cl->has_rom_blocks = false;
        return;
    }
    cl->ic_iallu_elided++;
}

static uint32_t state_flags(const arm_cpu *c) {
    return c->el;
}

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

static code_block *decode_block(arm_cpu *c, uint64_t pc, uint64_t pa, uint32_t flags) {
    cpu_cluster *cl = c->cluster;
    if (cl->n_blocks >= MAX_BLOCKS || cl->n_ops + MAX_BLOCK_INSNS + 1 > MAX_OPS ||
        cl->pages_used > cl->pages_size / 2 || jit_wants_flush(cl))
        block_cache_flush(cl);
    const cpu_ports *p = &cl->ports;
    uint64_t avail = 0;
    const uint8_t *host = p->ram_ptr(p->opaque, pa, false, &avail);
    unsigned max = (unsigned)((PAGE_SIZE - (pa & ~PAGE_MASK)) / 4);
    if (max > MAX_BLOCK_INSNS) max = MAX_BLOCK_INSNS;
    if (host && avail / 4 < max) max = (unsigned)(avail / 4);
    code_block *b = &cl->blocks[cl->n_blocks++];
    b->ops = &cl->ops[cl->n_ops];
    unsigned n = 0;
    bool breakpoint_first = false;
    while (n < max) {
        /* Blocks end before a breakpointed PC; a block starting there is just the stop op. */
        if (unlikely(cl->n_breakpoints) && debug_breakpoint_at(cl, pc + 4 * (uint64_t)n)) {
            breakpoint_first = n == 0;
            break;
        }
        uint32_t insn;
        if (host) {
            memcpy(&insn, host + 4 * n, 4);
        } else {
            uint64_t v = 0;
            /* Code outside RAM (a boot ROM behind a device): fetched once, at decode time. */
            if (!p->mmio_read(p->opaque, pa + 4 * n, 4, &v)) {
                if (n == 0) {
                    cl->n_blocks--;
                    unsigned target = a64_sync_target_el(c);
                    a64_take_exception(
                        c, target, EXC_SYNC,
                        esr_value(target == c->el ? EC_IABT_SAME : EC_IABT_LOWER, 0x10), true, pc,
                        pc);
                    return NULL;
                }
                break;
            }
            insn = (uint32_t)v;
            cl->has_rom_blocks = true; /* no store tracking outside RAM: IC IALLU flushes */
        }
        int enc = a64_decode(insn);
        a64_op *op = &b->ops[n];
        op->fn = a64_enc_handlers[enc];
        op->insn = insn;
        op->index = (uint16_t)n;
        op->enc = (uint16_t)enc;
        op->imm = 0;
        op->rd = op->rn = op->rm = op->ra = 0;
        op->aux = 0;
        if (!(cl->perf_off & PERF_NO_SPECIALIZE)) a64_specialize(op, cl->perf_off);
        n++;
        /* A hint the specialiser found inert (NOP), ISB, a plain MRS or a DC does not end the
         * block. */
        bool stays = (enc == A64_ENC_HINT || enc == A64_ENC_MRS || enc == A64_ENC_SYS ||
                      enc == A64_ENC_ISB) &&
                     op->fn != a64_enc_handlers[enc];
        if ((a64_enc_flags[enc] & A64_ENCF_END && !stays) || enc == A64_ENC_UNDEF) break;
    }
    a64_op *end = &b->ops[n];
    end->fn = breakpoint_first ? debug_breakpoint_op : a64_block_end;
    end->insn = 0;
    end->index = (uint16_t)n;
    end->enc = 0;
    cl->n_ops += n + 1;
    b->pc = pc;
    b->pa = pa;
    b->flags = flags;
    b->n_insns = (uint16_t)n;
    b->dead = false;
    /* Branches leave the translation regime alone, as does running off the length cap; system
     * instructions (TTBR/SCTLR writes, TLBI, ERET) and exceptions may not. */
    b->chainable = n > 0 && (!(a64_enc_flags[b->ops[n - 1].enc] & A64_ENCF_END) ||
                             is_chainable_branch(b->ops[n - 1].enc));
    b->succ[0] = b->succ[1] = NULL;
    b->jit_code = NULL;
    b->jit_chain_entry = NULL;
    b->jit_hop[0].patch = b->jit_hop[1].patch = 0;
    b->runs = 0;
    b->jit_failed = false;
    unsigned h = block_hash(pa, flags);
    b->hash_next = cl->hash[h];
    cl->hash[h] = b;
    code_page *pg = page_slot(cl, pa & PAGE_MASK, true);
    if (!pg->blocks) tlb_protect_code_page(cl, pa & PAGE_MASK);
    b->page_next = pg->blocks;
    pg->blocks = b;
    if (cpu_tracing(c, TRACE_INSN)) trace_block(c, b);
    return b;
}

code_block *block_lookup(arm_cpu *c) {
    uint64_t pc = c->pc;
    uint32_t flags = state_flags(c);
    code_block **slot = &c->jump_cache[jump_cache_index(pc)];
    code_block *b;
    c->cluster->jump_cache_misses++;
    uint64_t pa;
    if (!mem_translate_fetch(c, pc, &pa)) return NULL;
    cpu_cluster *cl = c->cluster;
    for (b = cl->hash[block_hash(pa, flags)]; b; b = b->hash_next)
        if (b->pa == pa && b->flags == flags && b->pc == pc) break;
    if (!b) b = decode_block(c, pc, pa, flags);
    if (b) *slot = b;
    return b;
}
