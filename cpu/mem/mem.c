/* The memory slow path: TLB refill through the stage-1 walk (cpu/mmu), MMIO, alignment and
 * page-crossing handling, data/instruction aborts, self-modifying-code detection. */
#include <stdio.h>

#include "a64/a64.h"
#include "exec/block_cache.h"
#include "mem/mem.h"

/* The VA bits a TLBI by VA compares (55:12). */
#define TLBI_VA_MASK 0x00FFFFFFFFFFF000ull
#include "mmu/mmu_walk.h"
#include "timer/generic_timer.h"

enum { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };

static unsigned regime_el(unsigned midx) {
    return midx == MMU_IDX_EL0 ? 1 : midx;
}

void mem_regime_snapshot(const arm_cpu *c, unsigned el, mmu_regime *r) {
    r->kind = el == 1 ? MMU_REGIME_EL10 : el == 2 ? MMU_REGIME_EL2 : MMU_REGIME_EL3;
    r->sctlr = c->sctlr[el];
    r->tcr = c->tcr[el];
    r->ttbr0 = c->ttbr0[el];
    r->ttbr1 = el == 1 ? c->ttbr1[1] : 0;
    r->mair = c->mair[el];
    r->secure = el == 3 || (el == 1 && !(c->scr_el3 & 1));
    r->granule_16k_implemented = false;
}

/* Translation tables live in RAM; a descriptor outside RAM is an external abort on the walk. */
bool mem_read_desc(void *opaque, uint64_t pa, uint64_t *desc) {
    const arm_cpu *c = opaque;
    uint64_t avail = 0;
    uint8_t *p = c->cluster->ports.ram_ptr(c->cluster->ports.opaque, pa, false, &avail);
    if (!p || avail < 8) return false;
    memcpy(desc, p, 8);
    return true;
}

static void data_abort(arm_cpu *c, const a64_op *op, uint64_t va, uint8_t fsc, bool write,
                       uint32_t flags, uint32_t iss, unsigned midx) {
    unsigned target = a64_sync_target_el(c);
    uint32_t ec = target == c->el ? EC_DABT_SAME : EC_DABT_LOWER;
    if (flags & (MEM_NO_ISV | MEM_EXCL)) iss = 0;
    /* ISV is only reported for faults other than on the walk; keep it simple: as given. */
    iss |= (write ? 1u << 6 : 0) | (flags & MEM_ATOMIC_RW ? 1u << 8 : 0) | fsc;
    if (cpu_tracing(c, TRACE_MMU))
        cpu_log(c, TRACE_MMU, "data abort va=0x%016llx fsc=0x%02x %s", (unsigned long long)va, fsc,
                write ? "write" : "read");
    (void)midx;
    a64_take_exception(c, target, EXC_SYNC, esr_value(ec, iss), true, va, op_pc(c, op));
}

/* Walks and fills the TLB entry for va. On a fault returns false with *fsc set. */
static bool tlb_fill(arm_cpu *c, uint64_t va, unsigned access, unsigned midx, uint8_t *fsc,
                     bool *device) {
    mmu_regime r;
    mem_regime_snapshot(c, regime_el(midx), &r);
    mmu_desc_reader reader = {mem_read_desc, c};
    mmu_translation tr;
    static const mmu_access_type acc_type[3] = {MMU_ACCESS_READ, MMU_ACCESS_WRITE, MMU_ACCESS_EXEC};
    bool unpriv = midx == MMU_IDX_EL0;
    mmu_fault f = mmu_translate(&r, va, acc_type[access], unpriv, &reader, &tr);
    if (f.type != MMU_FAULT_NONE) {
        *fsc = mmu_fault_status_code(f);
        return false;
    }
    uint64_t pa_page = tr.pa & PAGE_MASK, va_page = va & PAGE_MASK;
    const cpu_ports *p = &c->cluster->ports;
    uint64_t avail_r = 0, avail_w = 0;
    uint8_t *host_r = p->ram_ptr(p->opaque, pa_page, false, &avail_r);
    uint8_t *host_w = p->ram_ptr(p->opaque, pa_page, true, &avail_w);
    if (host_r && avail_r < PAGE_SIZE) host_r = NULL; /* partial page: byte-exact slow path */
    if (host_w && (avail_w < PAGE_SIZE || host_w != host_r)) host_w = NULL;
    bool is_device = tr.stage1_enabled && (tr.mair_attr & 0xf0) == 0;
    *device = is_device;
    tlb_entry *e = tlb_entry_for(c, midx, va);
    bool r_ok = mmu_check_permission(&tr, MMU_ACCESS_READ, unpriv).type == MMU_FAULT_NONE;
    bool w_ok = mmu_check_permission(&tr, MMU_ACCESS_WRITE, unpriv).type == MMU_FAULT_NONE;
    bool x_ok = mmu_check_permission(&tr, MMU_ACCESS_EXEC, unpriv).type == MMU_FAULT_NONE;
    /* Device memory: all data accesses go through the slow path (alignment faults). */
    uint64_t mmio_r = (host_r && !is_device) ? 0 : TLB_FLAG_MMIO;
    uint64_t mmio_w = (host_w && !is_device) ? 0 : TLB_FLAG_MMIO;
    /* SCTLR.A: misaligned data accesses fault, so none may take the fast path. */
    uint64_t align = (c->sctlr[regime_el(midx)] >> 1) & 1 ? TLB_FLAG_ALIGN : 0;
    e->tag_read = r_ok ? va_page | mmio_r | align : TLB_TAG_INVALID;
    e->tag_write = w_ok ? va_page | mmio_w | align : TLB_TAG_INVALID;
    if (w_ok && code_page_has_blocks(c->cluster, pa_page)) e->tag_write |= TLB_FLAG_CODE;
    if (w_ok) {
        unsigned f = tlb_pa_filter_bit(pa_page);
        c->tlb_write_pa_filter[midx][f / 64] |= (uint64_t)1 << (f % 64);
    }
    e->tag_exec = x_ok ? va_page | (host_r ? 0 : TLB_FLAG_MMIO) : TLB_TAG_INVALID;
    e->addend = host_r ? (uintptr_t)host_r - (uintptr_t)va_page : 0;
    e->pa_page = pa_page;
    e->attr = tr.mair_attr;
    e->size_log2 = tr.size_log2;
    e->ng = tr.not_global;
    e->asid = tr.not_global ? tr.asid : 0;
    if (tr.not_global) {
        c->tlb_has_ng[midx] = true;
        unsigned slot = (unsigned)(e - c->tlb[midx]);
        c->tlb_ng_slots[midx][slot / 64] |= (uint64_t)1 << (slot % 64);
        if (tr.asid != c->tlb_asid) { /* not expected: the walk used the current ASID */
            if (e->tag_read != TLB_TAG_INVALID) e->tag_read |= TLB_FLAG_PARKED;
            if (e->tag_write != TLB_TAG_INVALID) e->tag_write |= TLB_FLAG_PARKED;
            if (e->tag_exec != TLB_TAG_INVALID) e->tag_exec |= TLB_FLAG_PARKED;
        }
    }
    c->tlb_clean[midx] = false;
    c->tlb_fills++;
    if (tr.size_log2 > PAGE_BITS) {
        uint64_t lo = (va_page & TLBI_VA_MASK) & ~(((uint64_t)1 << tr.size_log2) - 1);
        uint64_t hi = lo + ((uint64_t)1 << tr.size_log2);
        if (!c->tlb_has_large[midx] || lo < c->tlb_large_lo[midx]) c->tlb_large_lo[midx] = lo;
        if (!c->tlb_has_large[midx] || hi > c->tlb_large_hi[midx]) c->tlb_large_hi[midx] = hi;
        c->tlb_has_large[midx] = true;
        unsigned slot = (unsigned)(e - c->tlb[midx]);
        c->tlb_large_slots[midx][slot / 64] |= (uint64_t)1 << (slot % 64);
        if (tr.size_log2 > 21) {
            c->tlb_has_huge[midx] = true;
        } else {
            unsigned g = tlb_granule_bit(lo);
            c->tlb_large_granules[midx][g / 64] |= (uint64_t)1 << (g % 64);
        }
    }
    if (cpu_tracing(c, TRACE_MMU))
        cpu_log(c, TRACE_MMU, "tlb fill idx%u va=0x%016llx pa=0x%010llx perms=%x attr=%02x", midx,
                (unsigned long long)va_page, (unsigned long long)pa_page, tr.perms, tr.mair_attr);
    return true;
}

static inline bool tag_matches(uint64_t tag, uint64_t va) {
    return !(tag & (TLB_FLAG_BAD | TLB_FLAG_PARKED)) && (tag & PAGE_MASK) == (va & PAGE_MASK);
}
static inline uint64_t *tag_for(tlb_entry *e, unsigned access) {
    return access == ACC_READ ? &e->tag_read : access == ACC_WRITE ? &e->tag_write : &e->tag_exec;
}

/* Makes the entry for va valid for the access; returns it or NULL with *fsc set. */
static tlb_entry *tlb_get(arm_cpu *c, uint64_t va, unsigned access, unsigned midx, uint8_t *fsc,
                          bool *device) {
    tlb_entry *e = tlb_entry_for(c, midx, va);
    if (tag_matches(*tag_for(e, access), va)) {
        *device = (e->attr & 0xf0) == 0 && (c->sctlr[regime_el(midx)] & 1);
        return e;
    }
    if (!tlb_fill(c, va, access, midx, fsc, device)) return NULL;
    return e;
}

static bool alignment_required(const arm_cpu *c, uint64_t va, unsigned size, unsigned midx,
                               uint32_t flags) {
    if (!(va & (size - 1))) return false;
    if (flags & MEM_ALIGNED) return true;
    return (c->sctlr[regime_el(midx)] >> 1) & 1; /* SCTLR.A */
}

static bool access_one(arm_cpu *c, const a64_op *op, uint64_t va, unsigned size, uint64_t *val,
                       bool write, unsigned midx, uint32_t flags, uint32_t iss);

/* Misaligned access crossing a page: byte by byte, all translations checked first so that a fault
 * leaves memory untouched. */
static bool access_split(arm_cpu *c, const a64_op *op, uint64_t va, unsigned size, uint64_t *val,
                         bool write, unsigned midx, uint32_t flags, uint32_t iss) {
    uint64_t pa, last = va + size - 1;
    if (!mem_translate(c, op, va, write, midx, &pa, true, flags)) return false;
    if (!mem_translate(c, op, last, write, midx, &pa, true, flags)) return false;
    uint64_t result = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t b = write ? (*val >> (8 * i)) & 0xff : 0;
        if (!access_one(c, op, va + i, 1, &b, write, midx, flags, iss)) return false;
        result |= b << (8 * i);
    }
    if (!write) *val = result;
    return true;
}

static bool access_one(arm_cpu *c, const a64_op *op, uint64_t va, unsigned size, uint64_t *val,
                       bool write, unsigned midx, uint32_t flags, uint32_t iss) {
    if (alignment_required(c, va, size, midx, flags)) {
        data_abort(c, op, va, 0x21, write, flags, iss, midx);
        return false;
    }
    if (((va & ~PAGE_MASK) + size) > PAGE_SIZE)
        return access_split(c, op, va, size, val, write, midx, flags, iss);
    uint8_t fsc = 0;
    bool device = false;
    tlb_entry *e = tlb_get(c, va, write ? ACC_WRITE : ACC_READ, midx, &fsc, &device);
    if (!e) {
        data_abort(c, op, va, fsc, write, flags, iss, midx);
        return false;
    }
    uint64_t tag = write ? e->tag_write : e->tag_read;
    uint64_t pa = e->pa_page | (va & ~PAGE_MASK);
    if (write && (tag & TLB_FLAG_CODE)) {
        /* Self-modifying code: drop the page's blocks, then let writes run fast again. */
        code_page_invalidate(c->cluster, e->pa_page);
        tag = e->tag_write;
    }
    if (tag & TLB_FLAG_MMIO) {
        if (device && (va & (size - 1))) {
            data_abort(c, op, va, 0x21, write, flags, iss, midx);
            return false;
        }
        const cpu_ports *p = &c->cluster->ports;
        if (write && c->cluster->excl_holders) excl_store_seen(c, pa);
        bool ok = write ? p->mmio_write(p->opaque, pa, size, *val)
                        : p->mmio_read(p->opaque, pa, size, val);
        if (!ok) {
            data_abort(c, op, va, 0x10, write, flags, iss, midx);
            return false;
        }
        if (!write && size < 8) *val &= (1ull << (8 * size)) - 1;
        if (!write)
            timer_note_mmio_poll(c, op_pc(c, op), c->total_insns + c->insns_slice + op->index, pa,
                                 *val);
        return true;
    }
    uint8_t *h = (uint8_t *)(uintptr_t)(va + e->addend);
    if (write) {
        if (c->cluster->excl_holders) excl_store_seen(c, pa);
        memcpy(h, val, size);
    } else {
        *val = 0;
        memcpy(val, h, size);
    }
    return true;
}

void mem_alignment_fault(arm_cpu *c, const a64_op *op, uint64_t va, bool write, uint32_t flags) {
    data_abort(c, op, va, 0x21, write, flags, 0, c->mmu_idx);
}

bool mem_read_slow(arm_cpu *c, const a64_op *op, uint64_t va, unsigned size, uint64_t *out,
                   unsigned midx, uint32_t flags, uint32_t iss) {
    c->mem_slow++;
    return access_one(c, op, va, size, out, false, midx, flags, iss);
}

bool mem_write_slow(arm_cpu *c, const a64_op *op, uint64_t va, unsigned size, uint64_t value,
                    unsigned midx, uint32_t flags, uint32_t iss) {
    c->mem_slow++;
    return access_one(c, op, va, size, &value, true, midx, flags, iss);
}

bool mem_translate(arm_cpu *c, const a64_op *op, uint64_t va, unsigned access, unsigned midx,
                   uint64_t *pa, bool take_fault, uint32_t flags) {
    uint8_t fsc = 0;
    bool device = false;
    tlb_entry *e = tlb_get(c, va, access, midx, &fsc, &device);
    if (!e) {
        if (take_fault) data_abort(c, op, va, fsc, access == ACC_WRITE, flags, 0, midx);
        return false;
    }
    *pa = e->pa_page | (va & ~PAGE_MASK);
    return true;
}

bool mem_translate_fetch(arm_cpu *c, uint64_t va, uint64_t *pa) {
    if (va & 3) {
        a64_take_exception(c, a64_sync_target_el(c), EXC_SYNC, esr_value(EC_PC_ALIGN, 0), true, va,
                           va);
        return false;
    }
    tlb_entry *e = tlb_entry_for(c, c->mmu_idx, va);
    if (likely(e->tag_exec == (va & PAGE_MASK))) {
        *pa = e->pa_page | (va & ~PAGE_MASK);
        return true;
    }
    uint8_t fsc = 0;
    bool device = false;
    e = tlb_get(c, va, ACC_EXEC, c->mmu_idx, &fsc, &device);
    if (!e) {
        unsigned target = a64_sync_target_el(c);
        uint32_t ec = target == c->el ? EC_IABT_SAME : EC_IABT_LOWER;
        if (cpu_tracing(c, TRACE_MMU))
            cpu_log(c, TRACE_MMU, "prefetch abort va=0x%016llx fsc=0x%02x", (unsigned long long)va,
                    fsc);
        a64_take_exception(c, target, EXC_SYNC, esr_value(ec, fsc), true, va, va);
        return false;
    }
    *pa = e->pa_page | (va & ~PAGE_MASK);
    return true;
}

void excl_store_seen(arm_cpu *c, uint64_t pa) {
    cpu_cluster *cl = c->cluster;
    uint64_t granule = pa >> 6;
    for (unsigned i = 0; i < cl->n; i++) {
        arm_cpu *o = cl->cores[i];
        if (o == c || !o->excl.valid || o->excl.pa_granule != granule) continue;
        o->excl.valid = false;
        cl->excl_holders--;
        /* Losing the monitor is a wake-up event (the __cmpwait LDXR + WFE idiom). */
        o->event_register = true;
        if (o->halted == HALT_WFE) o->halted = HALT_NONE;
    }
}

/* The jump cache needs no flush here: its entries are checked against the exec TLB. */
void tlb_flush_idx(arm_cpu *c, unsigned midx) {
    if (c->tlb_clean[midx]) {
        c->tlb_flushes_elided++;
        return;
    }
    c->tlb_flushes++;
    memset(c->tlb[midx], 0xff, sizeof c->tlb[midx]);
    c->tlb_has_large[midx] = false;
    memset(c->tlb_large_slots[midx], 0, sizeof c->tlb_large_slots[midx]);
    memset(c->tlb_large_granules[midx], 0, sizeof c->tlb_large_granules[midx]);
    c->tlb_has_huge[midx] = false;
    c->tlb_has_ng[midx] = false;
    memset(c->tlb_ng_slots[midx], 0, sizeof c->tlb_ng_slots[midx]);
    memset(c->tlb_write_pa_filter[midx], 0, sizeof c->tlb_write_pa_filter[midx]);
    c->tlb_clean[midx] = true;
}

void tlb_flush_all(arm_cpu *c) {
    for (unsigned i = 0; i < MMU_IDX_COUNT; i++)
        tlb_flush_idx(c, i);
}

static inline void entry_invalidate(tlb_entry *e) {
    memset(e, 0xff, sizeof *e);
}

/* The VA page an entry translates (from any valid tag); false for an empty entry. */
static inline bool entry_va(const tlb_entry *e, uint64_t *va) {
    uint64_t t = !(e->tag_read & TLB_FLAG_BAD)    ? e->tag_read
                 : !(e->tag_write & TLB_FLAG_BAD) ? e->tag_write
                 : !(e->tag_exec & TLB_FLAG_BAD)  ? e->tag_exec
                                                  : TLB_TAG_INVALID;
    *va = t & PAGE_MASK;
    return t != TLB_TAG_INVALID;
}

/* TLBI VA compares VA[55:12] (the argument holds no more). */

void tlb_flush_va(arm_cpu *c, unsigned midx, uint64_t va, bool all_asids, uint16_t asid) {
    va &= TLBI_VA_MASK;
    unsigned g = tlb_granule_bit(va);
    if (c->tlb_has_large[midx] && va >= c->tlb_large_lo[midx] && va < c->tlb_large_hi[midx] &&
        (c->tlb_has_huge[midx] || (c->tlb_large_granules[midx][g / 64] >> (g % 64) & 1))) {
        /* A block mapping spans many entries, each in the slot of the page it was filled for:
         * look at every slot that took a block since the last flush. */
        for (unsigned w = 0; w < TLB_SIZE / 64; w++) {
            for (uint64_t bits = c->tlb_large_slots[midx][w]; bits; bits &= bits - 1) {
                tlb_entry *e = &c->tlb[midx][w * 64 + (unsigned)__builtin_ctzll(bits)];
                uint64_t eva;
                if (!entry_va(e, &eva)) continue;
                uint64_t mask = TLBI_VA_MASK & ~(((uint64_t)1 << e->size_log2) - 1);
                if (((eva ^ va) & mask) || (!all_asids && e->ng && e->asid != asid)) continue;
                entry_invalidate(e);
            }
        }
    }
    /* A page entry for va can only sit in va's own slot. */
    tlb_entry *e = tlb_entry_for(c, midx, va);
    uint64_t eva;
    if (!entry_va(e, &eva) || ((eva ^ va) & TLBI_VA_MASK)) return;
    if (!all_asids && e->ng && e->asid != asid) return;
    entry_invalidate(e);
}

void tlb_flush_asid(arm_cpu *c, unsigned midx, uint16_t asid) {
    if (!c->tlb_has_ng[midx]) return;
    for (unsigned w = 0; w < TLB_SIZE / 64; w++)
        for (uint64_t bits = c->tlb_ng_slots[midx][w]; bits; bits &= bits - 1) {
            tlb_entry *e = &c->tlb[midx][w * 64 + (unsigned)__builtin_ctzll(bits)];
            if (e->ng == 1 && e->asid == asid) entry_invalidate(e);
        }
}

static inline void tag_park(uint64_t *t, bool park) {
    if (*t & TLB_FLAG_BAD) return;
    *t = park ? *t | TLB_FLAG_PARKED : *t & ~(uint64_t)TLB_FLAG_PARKED;
}

void tlb_set_asid(arm_cpu *c, uint16_t asid) {
    if (asid == c->tlb_asid) return;
    c->tlb_asid = asid;
    c->tlb_asid_switches++;
    static const unsigned idx[2] = {MMU_IDX_EL0, MMU_IDX_EL1};
    for (unsigned m = 0; m < 2; m++) {
        if (!c->tlb_has_ng[idx[m]]) continue;
        tlb_entry *t = c->tlb[idx[m]];
        for (unsigned w = 0; w < TLB_SIZE / 64; w++)
            for (uint64_t bits = c->tlb_ng_slots[idx[m]][w]; bits; bits &= bits - 1) {
                tlb_entry *e = &t[w * 64 + (unsigned)__builtin_ctzll(bits)];
                if (e->ng != 1) continue; /* global, or empty (0xff), since the fill */
                bool park = e->asid != asid;
                tag_park(&e->tag_read, park);
                tag_park(&e->tag_write, park);
                tag_park(&e->tag_exec, park);
            }
    }
}

static uint16_t current_asid(const arm_cpu *c) {
    uint64_t tcr = c->tcr[1];
    uint64_t ttbr = (tcr >> 22) & 1 ? c->ttbr1[1] : c->ttbr0[1]; /* TCR.A1 */
    uint16_t asid = (uint16_t)(ttbr >> 48);
    return (tcr >> 36) & 1 ? asid : (uint16_t)(asid & 0xff); /* TCR.AS */
}

void tlb_asid_update(arm_cpu *c) {
    if (c->cluster->perf_off & PERF_NO_ASID_TLB) {
        /* The old behaviour: drop everything on any change of the EL1&0 context. */
        tlb_flush_all(c);
        c->tlb_asid = current_asid(c);
        return;
    }
    tlb_set_asid(c, current_asid(c));
}

uint16_t tlb_asid_of_arg(const arm_cpu *c, uint64_t arg) {
    uint16_t asid = (uint16_t)(arg >> 48);
    return (c->tcr[1] >> 36) & 1 ? asid : (uint16_t)(asid & 0xff);
}

/* Sets or clears TLB_FLAG_CODE in every write tag of pa_page, on every core (empty TLBs skipped).
 */
static void code_page_flag(cpu_cluster *cl, uint64_t pa_page, bool set) {
    unsigned f = tlb_pa_filter_bit(pa_page);
    for (unsigned i = 0; i < cl->n; i++)
        for (unsigned m = 0; m < MMU_IDX_COUNT; m++) {
            arm_cpu *c = cl->cores[i];
            if (c->tlb_clean[m] || !(c->tlb_write_pa_filter[m][f / 64] >> (f % 64) & 1)) continue;
            tlb_entry *t = c->tlb[m];
            for (unsigned k = 0; k < TLB_SIZE; k++) {
                tlb_entry *e = &t[k];
                if (e->pa_page != pa_page || (e->tag_write & TLB_FLAG_BAD)) continue;
                if (set)
                    e->tag_write |= TLB_FLAG_CODE;
                else
                    e->tag_write &= ~(uint64_t)TLB_FLAG_CODE;
            }
        }
}

void tlb_protect_code_page(cpu_cluster *cl, uint64_t pa_page) {
    code_page_flag(cl, pa_page, true);
}

void tlb_unprotect_code_page(cpu_cluster *cl, uint64_t pa_page) {
    code_page_flag(cl, pa_page, false);
}
