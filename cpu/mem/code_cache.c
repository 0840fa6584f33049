/* Decoded blocks: stored once per (physical PC, execution state), looked up by virtual PC through
 * a per-core jump cache, invalidated by physical page (stores into code, DMA, IC IVAU) or entirely
 * (IC IALLU). Knows no instruction set: exec/block_build.c decodes through the front ends. */
#include <stdlib.h>
#include <string.h>

#include "mem/code_cache.h"
#include "mem/mem.h"

enum { PAGES_SIZE = 1 << 16 };

int block_end_op(arm_cpu *c, const a64_op *op) {
    c->pc += (uint64_t)op->pc_half << 1;
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
    return cl->blocks && cl->ops && cl->pages;
}

void block_cache_free(cpu_cluster *cl) {
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
        if (cl->jit_block_dead_hook) cl->jit_block_dead_hook(cl, b);
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
    if (cl->jit_flush_hook) cl->jit_flush_hook(cl);
    for (unsigned i = 0; i < cl->n; i++) {
        jump_cache_flush(cl->cores[i]);
        /* Drop the code-page write flags with everything else. */
        tlb_flush_all(cl->cores[i]);
    }
}

/* Must match block_lookup_cached in code_cache.h. */
void block_cache_ic_iallu(cpu_cluster *cl) {
    if ((cl->perf_off & PERF_NO_LAZY_IC) || cl->has_rom_blocks) {
        block_cache_flush(cl);
        cl->has_rom_blocks = false;
        return;
    }
    cl->ic_iallu_elided++;
}

code_block *block_alloc(cpu_cluster *cl) {
    if (cl->n_blocks >= MAX_BLOCKS || cl->n_ops + MAX_BLOCK_INSNS + 1 > MAX_OPS ||
        cl->pages_used > cl->pages_size / 2 || cl->jit_full)
        block_cache_flush(cl);
    code_block *b = &cl->blocks[cl->n_blocks++];
    b->ops = &cl->ops[cl->n_ops];
    return b;
}

void block_unalloc(cpu_cluster *cl, code_block *b) {
    (void)b;
    cl->n_blocks--;
}

void block_insert(cpu_cluster *cl, code_block *b) {
    uint64_t pa = b->pa;
    cl->n_ops += b->n_insns + 1u;
    b->dead = false;
    b->succ[0] = b->succ[1] = NULL;
    b->jit_code = NULL;
    b->jit_chain_entry = NULL;
    b->jit_hop[0].patch = b->jit_hop[1].patch = 0;
    b->runs = 0;
    b->jit_failed = false;
    unsigned h = block_hash(pa, b->flags);
    b->hash_next = cl->hash[h];
    cl->hash[h] = b;
    code_page *pg = page_slot(cl, pa & PAGE_MASK, true);
    if (!pg->blocks) tlb_protect_code_page(cl, pa & PAGE_MASK);
    b->page_next = pg->blocks;
    pg->blocks = b;
}

code_block *block_find(cpu_cluster *cl, uint64_t pc, uint64_t pa, uint32_t flags) {
    code_block *b;
    for (b = cl->hash[block_hash(pa, flags)]; b; b = b->hash_next)
        if (b->pa == pa && b->flags == flags && b->pc == pc) break;
    return b;
}
