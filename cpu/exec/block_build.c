/* The block builder, the same for every instruction set: fetch unit by unit from RAM (or once
 * from a boot ROM behind a device), decode through the execution state's front end, stop at the
 * front end's block enders, the page end, MAX_BLOCK_INSNS or a breakpoint, then publish the block
 * in the store with an end op. */
#include <string.h>

#include "arch/exception.h"
#include "exec/block_build.h"
#include "exec/debug.h"
#include "exec/trace.h"
#include "mem/mem.h"

extern const isa_frontend a64_frontend;

/* Indexed by ISA_*; a missing entry is an execution state the core cannot run yet. */
static const isa_frontend *const frontends[ISA_COUNT] = {
    [ISA_A64] = &a64_frontend,
};

const isa_frontend *isa_frontend_of(unsigned isa) {
    return isa < ISA_COUNT ? frontends[isa] : NULL;
}

/* One fetch unit (2 or 4 bytes, little-endian) at byte offset off of the block. */
static bool fetch_unit(cpu_cluster *cl, const uint8_t *host, uint64_t pa, unsigned off,
                       unsigned unit, uint32_t *out) {
    if (host) {
        if (unit == 4) {
            memcpy(out, host + off, 4);
        } else {
            uint16_t h;
            memcpy(&h, host + off, 2);
            *out = h;
        }
        return true;
    }
    const cpu_ports *p = &cl->ports;
    uint64_t v = 0;
    /* Code outside RAM (a boot ROM behind a device): fetched once, at decode time. */
    if (!p->mmio_read(p->opaque, pa + off, unit, &v)) return false;
    *out = (uint32_t)v;
    cl->has_rom_blocks = true; /* no store tracking outside RAM: IC IALLU flushes */
    return true;
}

static code_block *build_block(arm_cpu *c, uint64_t pc, uint64_t pa, uint32_t flags) {
    cpu_cluster *cl = c->cluster;
    const isa_frontend *fe = isa_frontend_of(xs_isa(flags));
    if (unlikely(!fe)) {
        cpu_log(c, TRACE_UNIMP,
                "no front end for execution state 0x%03x (instruction set %u) at 0x%016llx: "
                "UNDEFINED",
                flags, xs_isa(flags), (unsigned long long)pc);
        arch_take_exception(c, AX_UNDEF, 0, false, 0, pc);
        return NULL;
    }
    code_block *b = block_alloc(cl);
    const cpu_ports *p = &cl->ports;
    uint64_t avail = 0;
    const uint8_t *host = p->ram_ptr(p->opaque, pa, false, &avail);
    const unsigned unit = fe->fetch_bytes;
    uint64_t room = PAGE_SIZE - (pa & ~PAGE_MASK); /* bytes to the page end */
    if (host && avail < room) room = avail;
    unsigned n = 0, off = 0, last = 0;
    bool breakpoint_first = false;
    while (n < MAX_BLOCK_INSNS && off + unit <= room) {
        /* Blocks end before a breakpointed PC; a block starting there is just the stop op. */
        if (unlikely(cl->n_breakpoints) && debug_breakpoint_at(cl, pc + off)) {
            breakpoint_first = n == 0;
            break;
        }
        uint32_t insn;
        if (!fetch_unit(cl, host, pa, off, unit, &insn)) {
            if (n == 0) {
                block_unalloc(cl, b);
                arch_take_exception(c, AX_IABT, 0x10, true, pc, pc); /* external abort */
                return NULL;
            }
            break;
        }
        unsigned len = fe->insn_bytes ? fe->insn_bytes(insn) : unit;
        if (len > unit) {
            /* A wide instruction (T32 32-bit) crossing the page end starts the next block. */
            if (off + len > room) break;
            bool ok = true;
            for (unsigned k = unit; ok && k < len; k += unit) {
                uint32_t more;
                ok = fetch_unit(cl, host, pa, off + k, unit, &more);
                insn = (insn << (8 * unit)) | more;
            }
            if (!ok) break;
        }
        a64_op *op = &b->ops[n];
        op->insn = insn;
        op->index = (uint8_t)n;
        op->pc_half = (uint8_t)(off >> 1);
        last = fe->decode(op, insn, cl->perf_off);
        n++;
        off += len;
        if (last & FE_STOP) break;
    }
    a64_op *end = &b->ops[n];
    end->fn = breakpoint_first ? debug_breakpoint_op : block_end_op;
    end->insn = 0;
    end->index = (uint8_t)n;
    end->pc_half = (uint8_t)(off >> 1);
    end->enc = 0;
    b->pc = pc;
    b->pa = pa;
    b->flags = flags;
    b->n_insns = (uint16_t)n;
    b->chainable = n > 0 && !(last & FE_NOCHAIN);
    block_insert(cl, b);
    if (cpu_tracing(c, TRACE_INSN)) trace_block(c, b);
    return b;
}

code_block *block_lookup(arm_cpu *c) {
    uint64_t pc = c->pc;
    uint32_t flags = c->xstate;
    code_block **slot = &c->jump_cache[jump_cache_index(pc)];
    c->cluster->jump_cache_misses++;
    uint64_t pa;
    if (!mem_translate_fetch(c, pc, &pa)) return NULL;
    code_block *b = block_find(c->cluster, pc, pa, flags);
    if (!b) b = build_block(c, pc, pa, flags);
    if (b) *slot = b;
    return b;
}
