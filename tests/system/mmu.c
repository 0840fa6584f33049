/* Stage-1 translation at EL1: identity map with the 4K and 64K granules, MMU off/on round trip,
   each data/instruction fault kind with its DFSC/IFSC level, FAR and WnR, TLBI after a change,
   AT S1E1R/W and S1E0R into PAR_EL1, and the board's policy for unmapped physical addresses. */
#include "systest.h"

#define EC_IABT_LOWER    0x20
#define EC_IABT_CUR      0x21
#define EC_DABT_LOWER    0x24
#define EC_DABT_CUR      0x25
#define FSC_ADDR_SIZE(l) (0x00 + (l))
#define FSC_TRANS(l)     (0x04 + (l))
#define FSC_AF(l)        (0x08 + (l))
#define FSC_PERM(l)      (0x0c + (l))
#define FSC_ALIGN        0x21

#define TEST_VA 0x80000000ull /* L1 index 2: nothing mapped there by pt_identity */

static struct exc_rec *last(void) {
    return &exc_last[0];
}
static uint64_t *root;
static volatile uint64_t probe_var = 0x5eed;

/* EL0 helpers without stack use (EL0 cannot touch the EL1-only RAM its stack lives in). */
uint64_t el0_load(uint64_t va);
uint64_t el0_store(uint64_t va);
uint64_t el0_call(uint64_t va);
extern char el0_call_resume[];
__asm__(".text\n"
        "el0_load: ldr x0, [x0]\n ret\n"
        "el0_store: str xzr, [x0]\n mov x0, #0\n ret\n"
        "el0_call: mov x9, x30\n blr x0\nel0_call_resume: mov x30, x9\n ret\n");

static uint64_t load64(uint64_t va) {
    return *(volatile uint64_t *)va;
}
static void store64(uint64_t va, uint64_t v) {
    *(volatile uint64_t *)va = v;
}

static void tlbi_va(uint64_t va) {
    __asm__ volatile("dsb ishst\n tlbi vae1, %0\n dsb ish\n isb" ::"r"(va >> 12) : "memory");
}

static void set_pte(uint64_t va, uint64_t pte) {
    *pt_slot(root, va, 3) = pte;
    tlbi_va(va);
}

/* The last exception was a data/instruction abort with this EC, FSC, WnR and FAR. */
static int abort_is(const char *what, uint64_t ec, uint64_t fsc, int wnr, uint64_t far) {
    uint64_t esr = last()->esr;
    int ok = esr_ec(esr) == ec && (esr & 0x3f) == fsc &&
             (wnr < 0 || ((esr >> 6) & 1) == (uint64_t)wnr) && last()->far == far;
    if (!ok)
        printf_("  %s: esr %x far %x, want ec %x fsc %x wnr %d far %x\n", what, esr, last()->far,
                ec, fsc, (int64_t)wnr, far);
    return ok;
}

static uint64_t par_of(const char *op, uint64_t va) {
    if (op[0] == 'r')
        __asm__ volatile("at s1e1r, %0\n isb" ::"r"(va) : "memory");
    else if (op[0] == 'w')
        __asm__ volatile("at s1e1w, %0\n isb" ::"r"(va) : "memory");
    else
        __asm__ volatile("at s1e0r, %0\n isb" ::"r"(va) : "memory");
    return SYS_READ(par_el1);
}

static void granule_64k(void);

static uint64_t el1_main(uint64_t arg) {
    uint64_t *page_a = page_alloc(4096), *page_b = page_alloc(4096), *page_c = page_alloc(4096);
    page_a[0] = 0xaaaa;
    page_b[0] = 0xbbbb;
    page_c[0] = 0xcccc;

    /* ---- on, off, on ---- */
    root = pt_identity();
    mmu_on_el1(root);
    check("mmu_on", (SYS_READ(sctlr_el1) & 1) && probe_var == 0x5eed);
    probe_var = 0x600d;
    mmu_off_el1();
    check("mmu_off_sees_write", !(SYS_READ(sctlr_el1) & 1) && probe_var == 0x600d);
    mmu_on_el1(root);
    check_eq("mmu_on_again", probe_var, 0x600d);

    /* ---- translation faults at levels 1, 2, 3 ---- */
    exc_expect();
    load64(TEST_VA);
    check("trans_fault_l1", abort_is("l1", EC_DABT_CUR, FSC_TRANS(1), 0, TEST_VA));
    pt_slot(root, TEST_VA, 2); /* creates the level-2 table: level 2 entry invalid */
    tlbi_all_el1();
    exc_expect();
    load64(TEST_VA + 0x200008);
    check("trans_fault_l2", abort_is("l2", EC_DABT_CUR, FSC_TRANS(2), 0, TEST_VA + 0x200008));
    set_pte(TEST_VA, (uint64_t)page_a | PTE_NORMAL | PTE_TABLE);
    check_eq("page_mapped_read", load64(TEST_VA), 0xaaaa);
    exc_expect();
    store64(TEST_VA + 0x1010, 1);
    check("trans_fault_l3_write", abort_is("l3", EC_DABT_CUR, FSC_TRANS(3), 1, TEST_VA + 0x1010));

    /* ---- TLBI after a change: remap TEST_VA from page A to page B ---- */
    set_pte(TEST_VA, (uint64_t)page_b | PTE_NORMAL | PTE_TABLE);
    check_eq("tlbi_remap_takes_effect", load64(TEST_VA), 0xbbbb);

    /* ---- access flag ---- */
    set_pte(TEST_VA + 0x1000, (uint64_t)page_c | (PTE_NORMAL & ~PTE_AF) | PTE_TABLE);
    exc_expect();
    load64(TEST_VA + 0x1000);
    check("access_flag_fault", abort_is("af", EC_DABT_CUR, FSC_AF(3), 0, TEST_VA + 0x1000));
    exc_expect();
    load64(TEST_VA + 0x1000); /* never cached: faults again */
    check("access_flag_fault_again", abort_is("af2", EC_DABT_CUR, FSC_AF(3), 0, TEST_VA + 0x1000));
    set_pte(TEST_VA + 0x1000, (uint64_t)page_c | PTE_NORMAL | PTE_TABLE);
    check_eq("access_flag_set_reads", load64(TEST_VA + 0x1000), 0xcccc);

    /* ---- permissions ---- */
    set_pte(TEST_VA + 0x2000, (uint64_t)page_a | PTE_NORMAL | PTE_AP_RO_EL1 | PTE_TABLE);
    check_eq("ro_page_read", load64(TEST_VA + 0x2000), 0xaaaa);
    exc_expect();
    store64(TEST_VA + 0x2008, 7);
    check("ro_page_write_perm_fault",
          abort_is("ro", EC_DABT_CUR, FSC_PERM(3), 1, TEST_VA + 0x2008));
    check_eq("ro_page_unchanged", page_a[1], 0);

    /* EL0: an EL1-only page faults (lower-EL data abort); an EL0 RW page works; EL0 RO rejects
       writes. TEST_VA + 0x2000 is RO_EL1, TEST_VA (page B) is RW_EL1. */
    exc_expect();
    run_lower(0, el0_load, TEST_VA + 0x10, 0);
    check("el0_priv_page_fault",
          last()->vec == 8 && abort_is("el0priv", EC_DABT_LOWER, FSC_PERM(3), 0, TEST_VA + 0x10));
    set_pte(TEST_VA + 0x3000, (uint64_t)page_b | PTE_NORMAL | PTE_AP_RW_ALL | PTE_PXN | PTE_TABLE);
    check_eq("el0_user_page_read", run_lower(0, el0_load, TEST_VA + 0x3000, 0), 0xbbbb);
    set_pte(TEST_VA + 0x4000, (uint64_t)page_c | PTE_NORMAL | PTE_AP_RO_ALL | PTE_TABLE);
    check_eq("el0_user_ro_read", run_lower(0, el0_load, TEST_VA + 0x4000, 0), 0xcccc);
    exc_expect();
    run_lower(0, el0_store, TEST_VA + 0x4000, 0);
    check("el0_user_ro_write_fault",
          abort_is("el0ro", EC_DABT_LOWER, FSC_PERM(3), 1, TEST_VA + 0x4000));

    /* ---- execute permissions: a page holding "mov x0, #42; ret" ---- */
    uint32_t *code = page_alloc(4096);
    code[0] = 0xd2800540; /* mov x0, #42 */
    code[1] = 0xd65f03c0; /* ret */
    __asm__ volatile("dc cvau, %0\n dsb ish\n ic iallu\n dsb ish\n isb" ::"r"(code) : "memory");
    set_pte(TEST_VA + 0x5000, (uint64_t)code | PTE_NORMAL | PTE_AP_RO_EL1 | PTE_TABLE);
    uint64_t r = ((uint64_t(*)(void))(TEST_VA + 0x5000))();
    check_eq("exec_page_runs", r, 42);
    set_pte(TEST_VA + 0x5000, (uint64_t)code | PTE_NORMAL | PTE_AP_RO_EL1 | PTE_PXN | PTE_TABLE);
    uint64_t resume;
    exc_expect();
    __asm__ volatile("adr %0, 1f\n str %0, [%1]\n blr %2\n1:"
                     : "=&r"(resume)
                     : "r"(&exc_resume_at[0]), "r"(TEST_VA + 0x5000)
                     : "x30", "memory");
    check("pxn_exec_fault", abort_is("pxn", EC_IABT_CUR, FSC_PERM(3), -1, TEST_VA + 0x5000) &&
                                last()->elr == TEST_VA + 0x5000);
    /* EL0 may run it (UXN = 0, AP EL0-none does not forbid EL0 execution on v8.0)... */
    set_pte(TEST_VA + 0x5000, (uint64_t)code | PTE_NORMAL | PTE_AP_RO_ALL | PTE_PXN | PTE_TABLE);
    check_eq("el0_exec_page_runs", run_lower(0, el0_call, TEST_VA + 0x5000, 0), 42);
    /* ...unless UXN. */
    set_pte(TEST_VA + 0x5000, (uint64_t)code | PTE_NORMAL | PTE_AP_RO_ALL | PTE_UXN | PTE_TABLE);
    exc_expect();
    exc_resume_at[0] = (uint64_t)el0_call_resume;
    run_lower(0, el0_call, TEST_VA + 0x5000, 0);
    check("uxn_exec_fault", abort_is("uxn", EC_IABT_LOWER, FSC_PERM(3), -1, TEST_VA + 0x5000));

    /* ---- alignment ---- */
    uint64_t misaligned = (uint64_t)page_b + 1;
    check_eq("unaligned_normal_ok_with_A0", load64(misaligned) & 0xff, 0xbb);
    SYS_WRITE(sctlr_el1, SYS_READ(sctlr_el1) | 2); /* A */
    ISB();
    exc_expect();
    load64(misaligned);
    check("align_fault_sctlr_a", abort_is("align", EC_DABT_CUR, FSC_ALIGN, 0, misaligned));
    SYS_WRITE(sctlr_el1, SYS_READ(sctlr_el1) & ~2ull);
    ISB();
    /* An exclusive access must be aligned regardless of SCTLR.A. */
    exc_expect();
    __asm__ volatile("ldxr x9, [%0]" ::"r"(misaligned) : "x9", "memory");
    check("align_fault_exclusive", abort_is("ldxr", EC_DABT_CUR, FSC_ALIGN, 0, misaligned));
    /* Device memory: any misaligned access faults (PM_RSTS + 1). */
    exc_expect();
    (void)*(volatile uint32_t *)0x3F100021ul;
    check("align_fault_device", abort_is("dev", EC_DABT_CUR, FSC_ALIGN, 0, 0x3F100021ul));

    /* ---- address size: output address above PARange/IPS (40 bits) ---- */
    set_pte(TEST_VA + 0x6000, (1ull << 40) | (uint64_t)page_a | PTE_NORMAL | PTE_TABLE);
    exc_expect();
    load64(TEST_VA + 0x6000);
    check("addr_size_fault", abort_is("as", EC_DABT_CUR, FSC_ADDR_SIZE(3), 0, TEST_VA + 0x6000));

    /* ---- unmapped physical address: rpi3 says unmapped = raz (no external abort) ---- */
    set_pte(TEST_VA + 0x7000, 0x60000000ull | PTE_DEVICE | PTE_TABLE);
    uint64_t n = last()->count;
    uint32_t v = *(volatile uint32_t *)(TEST_VA + 0x7000);
    *(volatile uint32_t *)(TEST_VA + 0x7000) = 0x1234;
    uint32_t v2 = *(volatile uint32_t *)(TEST_VA + 0x7000);
    check("unmapped_pa_raz_wi", v == 0 && v2 == 0 && last()->count == n);

    /* ---- AT into PAR_EL1 ---- */
    uint64_t par = par_of("r", TEST_VA + 0x3123);
    check("at_s1e1r_ok", !(par & 1) && (par & 0xfffffffff000ull) == (uint64_t)page_b);
    par = par_of("r", TEST_VA + 0x100000);
    check("at_s1e1r_trans_fault", (par & 1) && ((par >> 1) & 0x3f) == FSC_TRANS(3));
    par = par_of("w", TEST_VA + 0x2000);
    check("at_s1e1w_perm_fault", (par & 1) && ((par >> 1) & 0x3f) == FSC_PERM(3));
    par = par_of("0", TEST_VA + 0x10);
    check("at_s1e0r_priv_fault", (par & 1) && ((par >> 1) & 0x3f) == FSC_PERM(3));
    par = par_of("0", TEST_VA + 0x3000);
    check("at_s1e0r_user_ok", !(par & 1) && (par & 0xfffffffff000ull) == (uint64_t)page_b);
    check_eq("no_leftover_expectations", exc_pending_expect(), 0);

    mmu_off_el1();
    granule_64k();
    return 0;
}

/* 64 KiB granule, 42-bit VA (T0SZ = 22): walks start at level 2 (512 MiB blocks, 8192 entries);
   level 3 maps 64 KiB pages. */
static void granule_64k(void) {
    uint64_t *l2 = page_alloc(65536);
    uint64_t *l3 = page_alloc(65536);  /* 0x20000000..0x3fffffff in 64 KiB pages */
    uint64_t *l3b = page_alloc(65536); /* TEST_VA's 512 MiB */
    uint64_t *page = page_alloc(65536);
    page[0] = 0x64c0;
    page[8192 - 1] = 0x64c1; /* last word of the 64 KiB page */
    l2[0] = 0 | PTE_NORMAL | PTE_BLOCK;
    for (uint64_t a = 0x20000000; a < 0x40000000; a += 0x10000)
        l3[(a >> 16) & 8191] = a | (a < 0x3f000000 ? PTE_NORMAL : PTE_DEVICE) | PTE_TABLE;
    l2[1] = (uint64_t)l3 | PTE_TABLE;
    l2[2] = 0x40000000 | PTE_DEVICE | PTE_BLOCK;
    l2[(TEST_VA >> 29) & 8191] = (uint64_t)l3b | PTE_TABLE;
    l3b[1] = (uint64_t)page | PTE_NORMAL | PTE_TABLE; /* TEST_VA + 0x10000 */
    DSB();
    SYS_WRITE(mair_el1, MAIR_VALUE);
    SYS_WRITE(tcr_el1, 22 | (1ull << 8) | (1ull << 10) | (3ull << 12) | (1ull << 14) |
                           (1ull << 23) | (2ull << 32));
    SYS_WRITE(ttbr0_el1, (uint64_t)l2);
    ISB();
    tlbi_all_el1();
    SYS_WRITE(sctlr_el1, SYS_READ(sctlr_el1) | 1 | (1 << 2) | (1 << 12));
    ISB();
    check("g64k_identity_runs", (SYS_READ(sctlr_el1) & 1) && probe_var == 0x600d);
    check_eq("g64k_page_first", load64(TEST_VA + 0x10000), 0x64c0);
    check_eq("g64k_page_last", load64(TEST_VA + 0x1fff8), 0x64c1);
    exc_expect();
    load64(TEST_VA + 0x20000);
    check("g64k_trans_fault_l3",
          abort_is("g64k3", EC_DABT_CUR, FSC_TRANS(3), 0, TEST_VA + 0x20000));
    exc_expect();
    load64(0xA0000000ull);
    check("g64k_trans_fault_l2", abort_is("g64k2", EC_DABT_CUR, FSC_TRANS(2), 0, 0xA0000000ull));
    uint64_t par = par_of("r", TEST_VA + 0x1abcd);
    check("g64k_at_s1e1r", !(par & 1) && (par & 0xffffffff0000ull) == (uint64_t)page);
    mmu_off_el1();
}

void systest_main(void) {
    setup_lower_els();
    run_lower(1, el1_main, 0, 0);
    systest_finish();
}
