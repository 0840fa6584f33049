/* Board descriptor parsing: the built-in boards, good files, and every file in bad/ failing with
 * exactly the "file:line: message" its first line expects. */
#include <dirent.h>

#include "boards/descriptor.h"
#include "boards/machine.h"
#include "check.h"
#include "cpu/cpu.h"
#include "test_intc.h"

static const board_type_list extra = {test_types, 1};

static const board_memory *find_memory(const board_desc *d, const char *name) {
    for (unsigned i = 0; i < d->n_memories; i++)
        if (strcmp(d->memories[i].name, name) == 0) return &d->memories[i];
    return NULL;
}

static void test_builtin_rpi3(void) {
    char err[300] = "";
    board_desc *d = board_desc_load("rpi3", NULL, err, sizeof err);
    CHECK(d != NULL);
    if (!d) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK(strcmp(d->name, "rpi3") == 0);
    CHECK_STR_CONTAINS(d->description, "Raspberry Pi 3");
    CHECK(strcmp(d->cpu_model, "cortex-a53") == 0);
    CHECK_EQ_U64(d->cores, 4);
    CHECK_EQ_U64(d->unmapped, BUS_UNMAPPED_RAZ_WI);
    CHECK(d->has_spin_table && d->spin_table == 0xd8);
    CHECK_EQ_U64(d->sdram_size, 1ull << 30);
    const board_memory *ram = find_memory(d, "ram");
    CHECK(ram && ram->base == 0 && ram->size == 0x3f000000 && !ram->rom);
    int uart0 = board_desc_find_device(d, "uart0"), aux = board_desc_find_device(d, "aux");
    CHECK(uart0 >= 0 && aux >= 0);
    if (uart0 >= 0) {
        CHECK(strcmp(d->devices[uart0].type->name, "pl011") == 0);
        CHECK_EQ_U64(d->devices[uart0].reg_base[0], 0x3f201000);
        CHECK_STR_CONTAINS(d->devices[uart0].loc.file, "boards/bcm2837.board");
    }
    if (aux >= 0) {
        CHECK_EQ_U64(d->devices[aux].reg_size[0], 0x100);
        CHECK(strcmp(d->devices[aux].prop_values[0], "true") == 0); /* canonical boolean */
    }
    CHECK_EQ_U64(d->console, aux);
    CHECK_EQ_U64(d->n_serial, 2);
    CHECK_EQ_U64(d->serial[0], uart0);
    CHECK_EQ_U64(d->serial[1], aux);
    int i2c0 = board_desc_find_device(d, "i2c0");
    CHECK(i2c0 >= 0 && d->devices[i2c0].type == NULL); /* unimplemented block */
    board_desc_free(d);
    /* The listing. */
    CHECK(board_builtin_name(0) && strcmp(board_builtin_name(0), "rpi3") == 0);
    CHECK_STR_CONTAINS(board_builtin_description(0), "BCM2837");
    CHECK(board_builtin_name(1) == NULL); /* bcm2837.board is a fragment, not listed */
    d = board_desc_load("rpi9", NULL, err, sizeof err);
    CHECK(d == NULL);
    CHECK_STR_CONTAINS(err, "unknown board 'rpi9' (built-in: rpi3;");
}

static void test_good_files(void) {
    char err[300] = "";
    board_desc *d =
        board_desc_load(BOARDS_TEST_DIR "/good/extends-rpi3.board", &extra, err, sizeof err);
    CHECK(d != NULL);
    if (d) {
        CHECK(strcmp(d->name, "rpi3-small") == 0);
        CHECK_STR_CONTAINS(d->description, "Raspberry Pi 3"); /* inherited */
        CHECK_EQ_U64(find_memory(d, "ram")->size, 512ull << 20);
        int u5 = board_desc_find_device(d, "uart5");
        CHECK(u5 >= 0);
        if (u5 >= 0) {
            CHECK_EQ_U64(d->devices[u5].reg_size[0], 0x1000);
            CHECK(strcmp(d->devices[u5].prop_values[0], "3145728") == 0); /* 3M, canonical */
        }
        CHECK_EQ_U64(d->n_serial, 3);
        CHECK_EQ_U64(d->serial[2], u5);
        board_desc_free(d);
    } else {
        fprintf(stderr, "%s\n", err);
    }
    d = board_desc_load(BOARDS_TEST_DIR "/good/wired.board", &extra, err, sizeof err);
    CHECK(d != NULL);
    if (!d) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_EQ_U64(d->unmapped, BUS_UNMAPPED_ABORT);
    CHECK(find_memory(d, "rom")->rom);
    CHECK_EQ_U64(find_memory(d, "ram")->max_size, 32ull << 20);
    int intc = board_desc_find_device(d, "intc");
    const board_device *aux = &d->devices[board_desc_find_device(d, "aux")];
    CHECK_EQ_U64(aux->n_wires, 1);
    CHECK_EQ_U64(aux->wires[0].target.device, intc);
    CHECK_EQ_U64(aux->wires[0].target.line, 3);
    const board_device *ic = &d->devices[intc];
    CHECK_EQ_U64(ic->n_wires, 2);
    CHECK_EQ_U64(ic->wires[1].output, 1);
    CHECK_EQ_U64(ic->wires[1].target.device, (uint64_t)-1);
    CHECK_EQ_U64(ic->wires[1].target.cpu, 1);
    CHECK_EQ_U64(ic->wires[1].target.pin, BOARD_PIN_FIQ);
    CHECK_EQ_U64(d->n_timer_wires, 2);
    CHECK_EQ_U64(d->timer_wires[0].timer, CPU_TIMER_PHYS_NS);
    CHECK_EQ_U64(d->timer_wires[0].target.line, 10);
    CHECK_EQ_U64(d->timer_wires[0].target.core_stride, 2);
    CHECK_EQ_U64(d->timer_wires[1].timer, CPU_TIMER_VIRT);
    CHECK_EQ_U64(d->timer_wires[1].target.core_stride, 1);
    CHECK_EQ_U64(d->console, (uint64_t)-1);
    CHECK_EQ_U64(d->n_serial, 2); /* board order: uart0, aux */
    board_desc_free(d);
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_bad_files(void) {
    DIR *dir = opendir(BOARDS_TEST_DIR "/bad");
    CHECK(dir != NULL);
    if (!dir) return;
    char *names[256];
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) && n < 256) {
        size_t len = strlen(e->d_name);
        if (len > 6 && strcmp(e->d_name + len - 6, ".board") == 0) names[n++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof *names, by_name);
    CHECK(n >= 30);
    for (unsigned i = 0; i < n; i++) {
        char path[512], expect[300] = "", err[300] = "";
        snprintf(path, sizeof path, "%s/bad/%s", BOARDS_TEST_DIR, names[i]);
        FILE *f = fopen(path, "r");
        if (f && fgets(expect, sizeof expect, f)) expect[strcspn(expect, "\n")] = '\0';
        if (f) fclose(f);
        const char *want = strstr(expect, "; expect: ");
        CHECK(want != NULL);
        if (!want) continue;
        want += 10;
        board_desc *d = board_desc_load(path, &extra, err, sizeof err);
        CHECK(d == NULL);
        board_desc_free(d);
        /* The message is one line: "<dir>/bad/<file>:<line>: <message>". */
        CHECK(strchr(err, '\n') == NULL);
        if (!strstr(err, want)) fprintf(stderr, "  %s\n    got: %s\n", names[i], err);
        CHECK_STR_CONTAINS(err, want);
        free(names[i]);
    }
}

int main(void) {
    test_builtin_rpi3();
    test_good_files();
    test_bad_files();
    return check_report("boards_descriptor");
}
