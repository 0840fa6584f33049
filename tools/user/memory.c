/* Guest memory: "physical" pages are offsets in one host reservation; the guest's address space
 * is real AArch64 translation tables in those pages (the core walks them), described by a sorted
 * list of areas (VMAs). Pages are mapped on first touch, as Linux does: mmap only records an area,
 * and a translation fault inside an area that allows the access maps a zero page. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "user.h"

#define PHYS_RESERVE (8ull << 30) /* host address space only; pages are committed on touch */
#define DESC_ADDR    0x0000fffffffff000ull
#define DESC_VALID   3ull /* valid + table/page */
#define ATTR_NORMAL  (0ull << 2)
#define ATTR_DEVICE  (1ull << 2)
#define AP_EL0_RW    (1ull << 6)
#define AP_RO        (2ull << 6) /* read-only at EL1; with bit 6 also at EL0 */
#define AP_EL0_RO    (3ull << 6)
#define SH_INNER     (3ull << 8)
#define DESC_AF      (1ull << 10)
#define DESC_NG      (1ull << 11)
#define DESC_PXN     (1ull << 53)
#define DESC_UXN     (1ull << 54)

bool mem_init(guest_memory *m) {
    memset(m, 0, sizeof *m);
    void *p = mmap(NULL, PHYS_RESERVE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return false;
    m->phys = p;
    m->phys_size = PHYS_RESERVE;
    m->phys_top = GUEST_PAGE; /* physical 0 stays unused: 0 means "no page" below */
    m->ttbr0 = phys_alloc_page(m);
    m->ttbr1 = phys_alloc_page(m);
    return m->ttbr0 && m->ttbr1;
}

void mem_free(guest_memory *m) {
    if (m->phys) munmap(m->phys, m->phys_size);
    free(m->free_pages);
    free(m->vmas);
    memset(m, 0, sizeof *m);
}

uint8_t *phys_host(guest_memory *m, uint64_t pa) {
    return m->phys + pa;
}

/* A zeroed physical page, 0 when the reservation is exhausted. */
uint64_t phys_alloc_page(guest_memory *m) {
    if (m->n_free) {
        uint64_t pa = m->free_pages[--m->n_free];
        memset(m->phys + pa, 0, GUEST_PAGE);
        /* the core may hold decoded blocks of what this page held before */
        if (m->cluster) cpu_cluster_invalidate_code(m->cluster, pa, GUEST_PAGE);
        return pa;
    }
    if (m->phys_top + GUEST_PAGE > m->phys_size) return 0;
    uint64_t pa = m->phys_top;
    m->phys_top += GUEST_PAGE;
    return pa;
}

static void phys_free_page(guest_memory *m, uint64_t pa) {
    if (m->n_free == m->cap_free) {
        size_t cap = m->cap_free ? m->cap_free * 2 : 1024;
        uint64_t *n = realloc(m->free_pages, cap * sizeof *n);
        if (!n) return; /* leaks one guest page; harmless */
        m->free_pages = n;
        m->cap_free = cap;
    }
    m->free_pages[m->n_free++] = pa;
}

/* The level-3 descriptor slot for va, creating intermediate tables when asked. */
static uint64_t *pte_slot(guest_memory *m, uint64_t root, uint64_t va, bool create) {
    uint64_t table = root;
    for (int level = 0; level < 3; level++) {
        uint64_t *e = (uint64_t *)phys_host(m, table) + ((va >> (39 - 9 * level)) & 511);
        if (!(*e & 1)) {
            if (!create) return NULL;
            uint64_t pa = phys_alloc_page(m);
            if (!pa) return NULL;
            *e = pa | DESC_VALID;
        }
        table = *e & DESC_ADDR;
    }
    return (uint64_t *)phys_host(m, table) + ((va >> 12) & 511);
}

static uint64_t user_desc(uint64_t pa, unsigned prot) {
    uint64_t d = pa | DESC_VALID | ATTR_NORMAL | SH_INNER | DESC_AF | DESC_NG | DESC_PXN;
    /* PROT_NONE keeps the page (mprotect back must find the data) but EL0 may not touch it */
    if (prot & PROT_W)
        d |= AP_EL0_RW;
    else if (prot)
        d |= AP_EL0_RO;
    if (!(prot & PROT_X)) d |= DESC_UXN;
    return d;
}

void mem_map_kernel_page(guest_memory *m, uint64_t va, uint64_t pa, bool device, bool executable) {
    uint64_t *slot = pte_slot(m, m->ttbr1, va, true);
    if (!slot) return;
    uint64_t d = pa | DESC_VALID | SH_INNER | DESC_AF | DESC_UXN | (device ? ATTR_DEVICE : 0);
    *slot = d | (executable ? AP_RO : DESC_PXN);
}

/* Calls fn on every present page descriptor in [start, end). */
static void for_each_pte(guest_memory *m, uint64_t start, uint64_t end,
                         void (*fn)(guest_memory *, uint64_t *, uint64_t, void *), void *arg) {
    for (uint64_t va = start; va < end;) {
        uint64_t *slot = pte_slot(m, m->ttbr0, va, false);
        if (!slot) { /* no level-3 table: skip its whole 2 MiB */
            va = (va | ((1ull << 21) - 1)) + 1;
            continue;
        }
        if (*slot & 1) fn(m, slot, va, arg);
        va += GUEST_PAGE;
    }
}

static void drop_pte(guest_memory *m, uint64_t *slot, uint64_t va, void *arg) {
    phys_free_page(m, *slot & DESC_ADDR);
    *slot = 0;
    m->tlb_stale = true;
}

static void reprotect_pte(guest_memory *m, uint64_t *slot, uint64_t va, void *arg) {
    *slot = user_desc(*slot & DESC_ADDR, *(const unsigned *)arg);
    m->tlb_stale = true;
}

user_vma *vma_find(guest_memory *m, uint64_t va) {
    size_t lo = 0, hi = m->n_vmas;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (va < m->vmas[mid].start)
            hi = mid;
        else if (va >= m->vmas[mid].end)
            lo = mid + 1;
        else
            return &m->vmas[mid];
    }
    return NULL;
}

bool vma_range_free(guest_memory *m, uint64_t start, uint64_t end) {
    for (size_t i = 0; i < m->n_vmas; i++)
        if (m->vmas[i].start < end && start < m->vmas[i].end) return false;
    return true;
}

static bool vma_insert_at(guest_memory *m, size_t i, user_vma v) {
    if (m->n_vmas == m->cap_vmas) {
        size_t cap = m->cap_vmas ? m->cap_vmas * 2 : 64;
        user_vma *n = realloc(m->vmas, cap * sizeof *n);
        if (!n) return false;
        m->vmas = n;
        m->cap_vmas = cap;
    }
    memmove(&m->vmas[i + 1], &m->vmas[i], (m->n_vmas - i) * sizeof *m->vmas);
    m->vmas[i] = v;
    m->n_vmas++;
    return true;
}

static void vma_remove_at(guest_memory *m, size_t i) {
    memmove(&m->vmas[i], &m->vmas[i + 1], (m->n_vmas - i - 1) * sizeof *m->vmas);
    m->n_vmas--;
}

/* Removes [start, end) from the area list, splitting areas that straddle it. */
static bool vma_carve(guest_memory *m, uint64_t start, uint64_t end) {
    for (size_t i = 0; i < m->n_vmas;) {
        user_vma *v = &m->vmas[i];
        if (v->end <= start || v->start >= end) {
            i++;
            continue;
        }
        if (v->start < start && v->end > end) { /* hole in the middle: split in two */
            user_vma tail = {end, v->end, v->prot};
            v->end = start;
            return vma_insert_at(m, i + 1, tail);
        }
        if (v->start < start)
            v->end = start, i++;
        else if (v->end > end)
            v->start = end, i++;
        else
            vma_remove_at(m, i);
    }
    return true;
}

static bool vma_insert(guest_memory *m, uint64_t start, uint64_t end, unsigned prot) {
    size_t i = 0;
    while (i < m->n_vmas && m->vmas[i].start < start)
        i++;
    /* merge with equal neighbours so brk growth and adjacent mmaps stay one area */
    if (i > 0 && m->vmas[i - 1].end == start && m->vmas[i - 1].prot == prot) {
        m->vmas[i - 1].end = end;
        if (i < m->n_vmas && m->vmas[i].start == end && m->vmas[i].prot == prot) {
            m->vmas[i - 1].end = m->vmas[i].end;
            vma_remove_at(m, i);
        }
        return true;
    }
    if (i < m->n_vmas && m->vmas[i].start == end && m->vmas[i].prot == prot) {
        m->vmas[i].start = start;
        return true;
    }
    return vma_insert_at(m, i, (user_vma){start, end, prot});
}

bool vma_map(guest_memory *m, uint64_t start, uint64_t end, unsigned prot, bool keep_pages) {
    if (keep_pages)
        for_each_pte(m, start, end, reprotect_pte, &prot);
    else
        for_each_pte(m, start, end, drop_pte, NULL);
    return vma_carve(m, start, end) && vma_insert(m, start, end, prot);
}

void vma_unmap(guest_memory *m, uint64_t start, uint64_t end) {
    for_each_pte(m, start, end, drop_pte, NULL);
    vma_carve(m, start, end);
}

/* mprotect: the whole range must be mapped (ENOMEM otherwise, checked here as false). */
bool vma_protect(guest_memory *m, uint64_t start, uint64_t end, unsigned prot) {
    for (uint64_t va = start; va < end;) {
        user_vma *v = vma_find(m, va);
        if (!v) return false;
        va = v->end;
    }
    return vma_map(m, start, end, prot, true);
}

/* MADV_DONTNEED on private anonymous memory: the next touch sees zeroes. */
void mem_discard_pages(guest_memory *m, uint64_t start, uint64_t end) {
    for_each_pte(m, start, end, drop_pte, NULL);
}

/* mremap: moves the page descriptors, not the data. Destination must be free. */
bool mem_move_pages(guest_memory *m, uint64_t from, uint64_t to, uint64_t len) {
    user_vma *v = vma_find(m, from);
    if (!v || v->end < from + len) return false;
    unsigned prot = v->prot;
    for (uint64_t off = 0; off < len; off += GUEST_PAGE) {
        uint64_t *src = pte_slot(m, m->ttbr0, from + off, false);
        if (!src || !(*src & 1)) continue;
        uint64_t desc = *src;
        *src = 0;
        uint64_t *dst = pte_slot(m, m->ttbr0, to + off, true);
        if (!dst) return false;
        *dst = desc;
    }
    m->tlb_stale = true;
    vma_carve(m, from, from + len);
    return vma_insert(m, to, to + len, prot);
}

/* Top-down search below MMAP_TOP, as Linux's default mmap layout does. */
uint64_t mem_find_hole(guest_memory *m, uint64_t len, uint64_t hint) {
    if (hint && !(hint & ~GUEST_PAGE_MASK) && hint + len > hint && hint + len <= MMAP_TOP &&
        vma_range_free(m, hint, hint + len))
        return hint;
    uint64_t top = MMAP_TOP;
    for (size_t i = m->n_vmas; i-- > 0;) {
        const user_vma *v = &m->vmas[i];
        if (v->start >= top) continue;
        if (v->end <= top && top - v->end >= len) return top - len;
        top = v->start;
    }
    return top - MMAP_BOTTOM >= len ? top - len : 0;
}

static bool access_allowed(unsigned prot, unsigned access) {
    if (access & PROT_W) return prot & PROT_W;
    if (access & PROT_X) return prot & PROT_X;
    return prot != 0; /* write and exec imply read on ARMv8.0 */
}

/* Host pointer to the byte at va, mapping its page if needed; NULL if the access is not allowed
 * (force: any page of an existing area, for the loader). */
static uint8_t *guest_byte(guest_memory *m, uint64_t va, unsigned access, bool force) {
    user_vma *v = vma_find(m, va);
    if (!v || (!force && !access_allowed(v->prot, access))) return NULL;
    uint64_t *slot = pte_slot(m, m->ttbr0, va, true);
    if (!slot) return NULL;
    if (!(*slot & 1)) {
        uint64_t pa = phys_alloc_page(m);
        if (!pa) return NULL;
        *slot = user_desc(pa, v->prot);
    }
    uint64_t pa = (*slot & DESC_ADDR) + (va & ~GUEST_PAGE_MASK);
    if ((access & PROT_W) && m->cluster) cpu_cluster_invalidate_code(m->cluster, pa, 1);
    return phys_host(m, pa);
}

bool mem_demand_page(guest_memory *m, uint64_t va, unsigned access) {
    user_vma *v = vma_find(m, va);
    if (!v || !access_allowed(v->prot, access)) return false;
    uint64_t *slot = pte_slot(m, m->ttbr0, va, false);
    if (slot && (*slot & 1)) return false; /* present: a real permission problem */
    return guest_byte(m, va, access, false) != NULL;
}

static uint64_t chunk_len(uint64_t va, uint64_t len) {
    uint64_t room = GUEST_PAGE - (va & ~GUEST_PAGE_MASK);
    return len < room ? len : room;
}

bool guest_read(guest_memory *m, void *dst, uint64_t va, uint64_t len) {
    uint8_t *d = dst;
    while (len) {
        uint64_t n = chunk_len(va, len);
        const uint8_t *s = guest_byte(m, va, PROT_R, false);
        if (!s) return false;
        memcpy(d, s, n);
        d += n, va += n, len -= n;
    }
    return true;
}

bool guest_write(guest_memory *m, uint64_t va, const void *src, uint64_t len, bool force) {
    const uint8_t *s = src;
    while (len) {
        uint64_t n = chunk_len(va, len);
        uint8_t *d = guest_byte(m, va, PROT_W, force);
        if (!d) return false;
        memcpy(d, s, n);
        s += n, va += n, len -= n;
    }
    return true;
}

bool guest_read_string(guest_memory *m, char *dst, uint64_t va, size_t max) {
    for (size_t i = 0; i < max; i++) {
        const uint8_t *s = guest_byte(m, va + i, PROT_R, false);
        if (!s) return false;
        dst[i] = (char)*s;
        if (!*s) return true;
    }
    return false;
}

bool guest_read_u64(guest_memory *m, uint64_t va, uint64_t *v) {
    return guest_read(m, v, va, 8);
}
bool guest_write_u64(guest_memory *m, uint64_t va, uint64_t v) {
    return guest_write(m, va, &v, 8, false);
}
