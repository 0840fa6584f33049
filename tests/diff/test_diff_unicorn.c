/* Differential test: random instructions of one class, generated from the decoder's own
 * (mask, value) table, run for one instruction in socemu and in unicorn from identical state;
 * X0-X30, SP, NZCV, V0-V31, PC and a data window of memory must agree, or both must fault.
 * Fixed seeds; 1000 cases per encoding (20000 with SOCEMU_LONG_TESTS=1).
 * Filtered: encodings whose result is UNPREDICTABLE (writeback into the transfer register, LDP of
 * one register twice) and classes that trap or differ by design (system, exclusives, FP). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#include "a64_decode.h"
#include "cpu/cpu.h"

enum { RAM_SIZE = 4 << 20, WINDOW = 0x20000, VBAR = 0x200000, CODE = 0x300000 };

static uint8_t *ram;
static uint8_t window_template[WINDOW];

static uint8_t *ram_ptr(void *o, uint64_t pa, bool w, uint64_t *avail) {
    if (pa >= RAM_SIZE) return NULL;
    *avail = RAM_SIZE - pa;
    return ram + pa;
}
static bool mmio_rd(void *o, uint64_t pa, unsigned s, uint64_t *v) {
    return false;
}
static bool mmio_wr(void *o, uint64_t pa, unsigned s, uint64_t v) {
    return false;
}
static uint64_t now(void *o) {
    return 0;
}
static void log_line(void *o, const char *l) {
    fprintf(stderr, "%s\n", l);
}

static uint64_t rng_state;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t interesting(void) {
    static const uint64_t pool[] = {0,
                                    1,
                                    2,
                                    0x7fffffff,
                                    0x80000000,
                                    0xffffffff,
                                    0x100000000,
                                    0x7fffffffffffffffull,
                                    0x8000000000000000ull,
                                    ~0ull,
                                    ~1ull,
                                    63,
                                    64,
                                    31,
                                    32};
    switch (rnd() % 4) {
    case 0: return pool[rnd() % (sizeof pool / sizeof pool[0])];
    case 1: return rnd() & 0xffffffff;
    case 2: return rnd() % 256;
    default: return rnd();
    }
}

/* An FP operand of `width` bits: zeros, denormals, infinities, NaNs, extremes, and values near
 * integers, ties and the integer-conversion limits (exponents up to 2^65). */
static uint64_t fp_bits(unsigned width) {
    unsigned ebits = width == 64 ? 11 : width == 32 ? 8 : 5, fbits = width - 1 - ebits;
    uint64_t emax = (1ull << ebits) - 1, bias = emax >> 1, exp;
    uint64_t frac = rnd() & ((1ull << fbits) - 1);
    switch (rnd() % 8) {
    case 0: exp = 0; break;
    case 1: exp = emax; break;
    case 2: exp = 1 + rnd() % 2; break;
    case 3: exp = emax - 1 - rnd() % 2; break;
    default: exp = bias - 3 + rnd() % (width == 16 ? 18 : 70); break;
    }
    if (exp > emax) exp = emax;
    if (rnd() % 2) frac &= ~((1ull << (fbits - rnd() % 6)) - 1); /* few fraction bits: ties */
    return ((rnd() & 1) << (width - 1)) | (exp << fbits) | frac;
}
/* A vector register for FP tests: a D, S or H operand in the low bits (over random bits). */
static uint64_t fp_operand(void) {
    uint64_t r = rnd();
    switch (rnd() % 3) {
    case 0: return fp_bits(64);
    case 1: return (r & ~0xffffffffull) | fp_bits(32);
    default: return (r & ~0xffffull) | fp_bits(16);
    }
}

/* 64 bits of AdvSIMD operand: FP values per lane, or integer lanes at saturation edges. */
static uint64_t simd_operand(void) {
    static const uint64_t edges[] = {0,      1,      0x7f,       0x80,       0xff,      0x7fff,
                                     0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff};
    uint64_t r = 0;
    switch (rnd() % 5) {
    case 0: return fp_bits(64);
    case 1: return fp_bits(32) | fp_bits(32) << 32;
    case 2:
        for (unsigned i = 0; i < 64; i += 8 << (rnd() % 3))
            r |= edges[rnd() % (sizeof edges / sizeof edges[0])] << i;
        return r ^ (rnd() % 4 == 0 ? rnd() & 0x0101010101010101ull : 0);
    case 3: return rnd() & 0x8f8f8f8f8f8f8f8full; /* small shift counts, table indices */
    default: return rnd();
    }
}

typedef struct state {
    uint64_t x[31], sp, pc, nzcv, fpcr, fpsr;
    uint64_t v[32][2];
    bool faulted;
    int uc_err;
} state;

static bool skip_unpredictable(int enc, uint32_t insn, const state *in) {
    unsigned rt = insn & 31, rn = (insn >> 5) & 31, rt2 = (insn >> 10) & 31;
    if (enc == A64_ENC_LDAR_STLR) {
        /* ARMv8.0 faults on misaligned acquire/release; unicorn's QEMU does not check. */
        uint64_t addr = rn == 31 ? in->sp : in->x[rn];
        if (addr & ((1u << (insn >> 30)) - 1)) return true;
    }
    /* unicorn's CPU has the crypto extension; the BCM2837's A53 does not (PMULL 1Q UNDEFs). */
    if (enc == A64_ENC_SIMD_PMULL && ((insn >> 22) & 3) == 3) return true;
    if (enc == A64_ENC_LDST_PAIR) {
        bool load = (insn >> 22) & 1, wb = ((insn >> 23) & 3) == 1 || ((insn >> 23) & 3) == 3;
        bool v = (insn >> 26) & 1;
        if (load && rt == rt2) return true;
        if (wb && !v && rn != 31 && (rn == rt || rn == rt2)) return true;
    }
    if (enc == A64_ENC_LDST_IMM9) {
        unsigned mode = (insn >> 10) & 3;
        bool v = (insn >> 26) & 1;
        if ((mode == 1 || mode == 3) && !v && rn != 31 && rn == rt) return true;
        if (mode == 2) return true; /* LDTR/STTR: unicorn runs at EL1 with different defaults */
    }
    return false;
}

static void run_ours(cpu_cluster *cl, uint32_t insn, const state *in, state *out) {
    arm_cpu *c = cpu_cluster_core(cl, 0);
    cpu_set_el(c, 1);
    cpu_write_sysreg(c, "SCTLR_EL1", 0x00c50830); /* MMU off, no SP alignment checks */
    cpu_write_sysreg(c, "VBAR_EL1", VBAR);
    cpu_write_sysreg(c, "CPACR_EL1", 3u << 20);
    memcpy(ram + CODE, &insn, 4);
    cpu_cluster_invalidate_code(cl, CODE, 4);
    for (unsigned i = 0; i < 31; i++)
        cpu_set_xreg(c, i, in->x[i]);
    cpu_set_xreg(c, 31, in->sp);
    for (unsigned i = 0; i < 32; i++)
        cpu_set_vreg(c, i, in->v[i][0], in->v[i][1]);
    cpu_write_sysreg(c, "NZCV", in->nzcv);
    cpu_write_sysreg(c, "FPCR", in->fpcr);
    cpu_write_sysreg(c, "FPSR", 0);
    cpu_set_pc(c, CODE);
    cpu_write_sysreg(c, "ELR_EL1", 1); /* changes only if an exception is taken */
    cpu_run(c, 1);
    for (unsigned i = 0; i < 31; i++)
        out->x[i] = cpu_get_xreg(c, i);
    out->sp = cpu_get_xreg(c, 31);
    out->pc = cpu_get_pc(c);
    for (unsigned i = 0; i < 32; i++)
        cpu_get_vreg(c, i, &out->v[i][0], &out->v[i][1]);
    cpu_read_sysreg(c, "NZCV", &out->nzcv);
    cpu_read_sysreg(c, "FPSR", &out->fpsr);
    uint64_t elr = 1;
    cpu_read_sysreg(c, "ELR_EL1", &elr);
    out->faulted = elr != 1;
}

static void run_unicorn(uc_engine *uc, uint8_t *uc_window, uint32_t insn, const state *in,
                        state *out) {
    uc_mem_write(uc, CODE, &insn, 4);
    uc_ctl_remove_cache(uc, CODE, CODE + 4);
    for (unsigned i = 0; i < 29; i++)
        uc_reg_write(uc, UC_ARM64_REG_X0 + i, &in->x[i]);
    uc_reg_write(uc, UC_ARM64_REG_X29, &in->x[29]);
    uc_reg_write(uc, UC_ARM64_REG_X30, &in->x[30]);
    uc_reg_write(uc, UC_ARM64_REG_SP, &in->sp);
    uc_reg_write(uc, UC_ARM64_REG_NZCV, &in->nzcv);
    uint64_t fpsr_zero = 0;
    uc_reg_write(uc, UC_ARM64_REG_FPCR, &in->fpcr);
    uc_reg_write(uc, UC_ARM64_REG_FPSR, &fpsr_zero);
    for (unsigned i = 0; i < 32; i++) {
        uint64_t q[2] = {in->v[i][0], in->v[i][1]}; /* 16 bytes, little-endian */
        uc_reg_write(uc, UC_ARM64_REG_Q0 + i, q);
    }
    uc_err err = uc_emu_start(uc, CODE, 0xffffffffffffffffull, 0, 1);
    out->uc_err = err;
    /* A branch out of the buffer: unicorn stops on fetching the target, after the branch. */
    out->faulted = err != UC_ERR_OK && err != UC_ERR_FETCH_UNMAPPED;
    for (unsigned i = 0; i < 29; i++)
        uc_reg_read(uc, UC_ARM64_REG_X0 + i, &out->x[i]);
    uc_reg_read(uc, UC_ARM64_REG_X29, &out->x[29]);
    uc_reg_read(uc, UC_ARM64_REG_X30, &out->x[30]);
    uc_reg_read(uc, UC_ARM64_REG_SP, &out->sp);
    uc_reg_read(uc, UC_ARM64_REG_PC, &out->pc);
    uc_reg_read(uc, UC_ARM64_REG_NZCV, &out->nzcv);
    uc_reg_read(uc, UC_ARM64_REG_FPSR, &out->fpsr);
    for (unsigned i = 0; i < 32; i++) {
        uint64_t q[2];
        uc_reg_read(uc, UC_ARM64_REG_Q0 + i, q);
        out->v[i][0] = q[0];
        out->v[i][1] = q[1];
    }
    uc_mem_read(uc, 0, uc_window, WINDOW);
}

static int report_diff(const char *what, uint32_t insn, int enc, const state *in, const state *a,
                       const state *b) {
    fprintf(stderr,
            "MISMATCH %s: %s 0x%08x (socemu faulted=%d pc=0x%llx, unicorn faulted=%d "
            "pc=0x%llx)\n",
            what, a64_enc_names[enc], insn, a->faulted, (unsigned long long)a->pc, b->faulted,
            (unsigned long long)b->pc);
    for (unsigned i = 0; i < 31; i++)
        if (a->x[i] != b->x[i])
            fprintf(stderr, "  x%u: in 0x%llx socemu 0x%llx unicorn 0x%llx\n", i,
                    (unsigned long long)in->x[i], (unsigned long long)a->x[i],
                    (unsigned long long)b->x[i]);
    if (a->sp != b->sp)
        fprintf(stderr, "  sp: socemu 0x%llx unicorn 0x%llx\n", (unsigned long long)a->sp,
                (unsigned long long)b->sp);
    if (a->nzcv != b->nzcv)
        fprintf(stderr, "  nzcv: in %llx socemu %llx unicorn %llx\n",
                (unsigned long long)in->nzcv >> 28, (unsigned long long)a->nzcv >> 28,
                (unsigned long long)b->nzcv >> 28);
    if (a->fpsr != b->fpsr)
        fprintf(stderr, "  fpsr: fpcr %llx socemu %llx unicorn %llx\n",
                (unsigned long long)in->fpcr, (unsigned long long)a->fpsr,
                (unsigned long long)b->fpsr);
    for (unsigned i = 0; i < 32; i++)
        if (a->v[i][0] != b->v[i][0] || a->v[i][1] != b->v[i][1])
            fprintf(stderr,
                    "  v%u: in %016llx:%016llx socemu %016llx:%016llx unicorn %016llx:%016llx\n", i,
                    (unsigned long long)in->v[i][1], (unsigned long long)in->v[i][0],
                    (unsigned long long)a->v[i][1], (unsigned long long)a->v[i][0],
                    (unsigned long long)b->v[i][1], (unsigned long long)b->v[i][0]);
    return 1;
}

int main(int argc, char **argv) {
    const char *cls = argc > 1 ? argv[1] : "dpimm";
    bool is_ldst = !strncmp(cls, "ldst", 4); /* ldst, ldst_simd: memory compared */
    bool is_fp = !strncmp(cls, "fp_", 3);    /* FP operands, random FPCR, FPSR compared */
    bool is_simd = !strncmp(cls, "simd", 4); /* AdvSIMD: lane operands, random FPCR, QC */
    unsigned per_enc = getenv("SOCEMU_LONG_TESTS") ? 20000 : 1000;
    if (getenv("DIFF_CASES")) per_enc = (unsigned)atoi(getenv("DIFF_CASES"));
    ram = calloc(1, RAM_SIZE);
    cpu_ports ports = {NULL, ram_ptr, mmio_rd, mmio_wr, now, NULL, log_line};
    cpu_config cfg = {"cortex-a53", 1, 1,
                      getenv("DIFF_TRACE") ? (unsigned)atoi(getenv("DIFF_TRACE")) : 0};
    char err[128];
    cpu_cluster *cl = cpu_cluster_new(&cfg, &ports, err, sizeof err);
    if (!cl) return fprintf(stderr, "%s\n", err), 2;
    uc_engine *uc;
    if (uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc) != UC_ERR_OK)
        return fprintf(stderr, "uc_open\n"), 2;
    uc_mem_map(uc, 0, RAM_SIZE, UC_PROT_ALL);
    for (unsigned k = 0; k < 16; k++) {
        uint32_t b = 0x14000000;
        memcpy(ram + VBAR + 0x80 * k, &b, 4);
        uc_mem_write(uc, VBAR + 0x80 * k, &b, 4);
    }
    uint32_t self_loop = 0x14000000; /* b . after the instruction under test */
    memcpy(ram + CODE + 4, &self_loop, 4);
    uc_mem_write(uc, CODE + 4, &self_loop, 4);
    uint8_t *uc_window = malloc(WINDOW);
    rng_state = 0x9E3779B97F4A7C15ull ^ (uint64_t)strlen(cls) * 0x1234567;
    for (unsigned i = 0; i < WINDOW; i++)
        window_template[i] = (uint8_t)rnd();
    unsigned total = 0, skipped = 0, both_faulted = 0, mismatches = 0, encs = 0;
    for (int enc = 1; enc < A64_ENC_COUNT; enc++) {
        if (strcmp(a64_enc_classes[enc], cls) != 0) continue;
        encs++;
        unsigned enc_cases = 0, enc_mismatch = 0;
        /* FP encodings are mostly unallocated field values: there, count the cases that ran
         * (bounded), so each encoding gets per_enc executed cases and still checks the UNDEFs. */
        unsigned ran = 0;
        for (unsigned n = 0; (is_fp || is_simd ? ran : n) < per_enc && n < 50 * per_enc; n++) {
            uint32_t insn = a64_enc_value[enc] | ((uint32_t)rnd() & ~a64_enc_mask[enc]);
            if (a64_decode(insn) != enc) { /* an earlier line of an ordered group owns it */
                skipped++;
                continue;
            }
            state in = {0}, a = {0}, b = {0};
            for (unsigned i = 0; i < 31; i++)
                in.x[i] = is_ldst ? rnd() % 0x800 : interesting();
            in.sp = is_ldst ? 0x8000 : interesting() & ~15ull;
            in.nzcv = (rnd() & 0xf) << 28;
            for (unsigned i = 0; i < 32; i++)
                in.v[i][0] = is_simd ? simd_operand()
                             : is_fp ? fp_operand()
                                     : rnd(),
                in.v[i][1] = is_simd ? simd_operand() : rnd();
            /* FPCR: RMode, FZ, DN, AHP (bits 26:22) */
            in.fpcr = is_fp || is_simd ? (rnd() & 0x1f) << 22 : 0;
            if (skip_unpredictable(enc, insn, &in)) {
                skipped++;
                continue;
            }
            if (is_ldst) {
                memcpy(ram, window_template, WINDOW);
                uc_mem_write(uc, 0, window_template, WINDOW);
            }
            run_ours(cl, insn, &in, &a);
            run_unicorn(uc, uc_window, insn, &in, &b);
            total++;
            enc_cases++;
            ran++;
            if (a.faulted || b.faulted) {
                if (a.faulted == b.faulted) {
                    both_faulted++;
                    ran--;
                    continue;
                }
                if (mismatches < 20) report_diff("fault", insn, enc, &in, &a, &b);
                mismatches++;
                enc_mismatch++;
                continue;
            }
            bool same = a.pc == b.pc && a.sp == b.sp && a.nzcv == b.nzcv && a.fpsr == b.fpsr &&
                        !memcmp(a.x, b.x, sizeof a.x) && !memcmp(a.v, b.v, sizeof a.v);
            if (same && is_ldst && memcmp(ram, uc_window, WINDOW) != 0) {
                if (mismatches < 20) fprintf(stderr, "memory differs after 0x%08x\n", insn);
                same = false;
            }
            if (!same) {
                if (mismatches < 20) report_diff("state", insn, enc, &in, &a, &b);
                mismatches++;
                enc_mismatch++;
            }
        }
        printf("  %-14s %5u cases, %u mismatches\n", a64_enc_names[enc], enc_cases, enc_mismatch);
    }
    printf("diff_unicorn %s: %u encodings, %u cases (%u both faulted), %u skipped, %u mismatches\n",
           cls, encs, total, both_faulted, skipped, mismatches);
    uc_close(uc);
    cpu_cluster_free(cl);
    free(uc_window);
    free(ram);
    return mismatches || encs == 0 ? 1 : 0;
}
