/* The option table: socemu and QEMU spellings reach the same settings; bad values are refused
 * with one line naming the option. */
#include "check.h"
#include "options.h"

#define ARGS(...)          ((char *[]){"socemu", __VA_ARGS__, NULL})
#define ARGC(...)          ((int)(sizeof((char *[]){"socemu", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(o, err, ...) cli_parse(ARGC(__VA_ARGS__), ARGS(__VA_ARGS__), (o), err, sizeof err)

static void test_socemu_spellings(void) {
    cli_options o;
    char err[256] = "";
    CHECK(PARSE(&o, err, "--board", "rpi3", "--sd", "card.img", "--kernel", "k", "--dtb", "d",
                "--initrd", "i", "--append", "console=ttyS1", "--memory", "1G", "--smp", "2",
                "--timeout", "90", "--expect", "login:", "--fail", "oops", "--log", "l.txt",
                "--trace", "insn,int", "--realtime", "--no-reboot", "--seed", "42", "--icount",
                "-q") == 0);
    CHECK(strcmp(o.board, "rpi3") == 0);
    CHECK(strcmp(o.sd_image, "card.img") == 0);
    CHECK(strcmp(o.kernel, "k") == 0 && strcmp(o.dtb, "d") == 0 && strcmp(o.initrd, "i") == 0);
    CHECK(strcmp(o.append, "console=ttyS1") == 0);
    CHECK_EQ_U64(o.memory_bytes, 1ull << 30);
    CHECK_EQ_U64(o.smp, 2);
    CHECK(o.timeout_s == 90.0);
    CHECK(o.n_expect == 1 && strcmp(o.expect[0], "login:") == 0);
    CHECK(o.n_fail == 1 && strcmp(o.fail[0], "oops") == 0);
    CHECK(strcmp(o.log_path, "l.txt") == 0);
    CHECK(strcmp(o.trace_spec, "insn,int") == 0);
    CHECK(o.realtime && o.no_reboot && o.icount && o.quiet);
    CHECK_EQ_U64(o.seed, 42);
    CHECK(o.action == CLI_RUN);
}

static void test_qemu_spellings_match(void) {
    cli_options s, q;
    char err[256] = "";
    CHECK(PARSE(&s, err, "--board", "rpi3", "--kernel", "Image", "--dtb", "b.dtb", "--initrd", "rd",
                "--append", "root=/dev/mmcblk0p2", "--memory", "1024", "--smp", "4", "--sd",
                "card.img", "--display", "none", "--no-reboot", "--log", "x.log", "--trace",
                "insn,int,unimp", "--seed", "7") == 0);
    CHECK(PARSE(&q, err, "-M", "raspi3b", "-kernel", "Image", "-dtb", "b.dtb", "-initrd", "rd",
                "-append", "root=/dev/mmcblk0p2", "-m", "1G", "-smp", "4", "-drive",
                "if=sd,file=card.img,format=raw", "-nographic", "-no-reboot", "-D", "x.log", "-d",
                "in_asm,int,guest_errors", "-seed", "7") == 0);
    CHECK(strcmp(s.board, q.board) == 0);
    CHECK(strcmp(s.kernel, q.kernel) == 0 && strcmp(s.dtb, q.dtb) == 0);
    CHECK(strcmp(s.initrd, q.initrd) == 0 && strcmp(s.append, q.append) == 0);
    CHECK_EQ_U64(s.memory_bytes, q.memory_bytes);
    CHECK_EQ_U64(s.smp, q.smp);
    CHECK(strcmp(s.sd_image, q.sd_image) == 0);
    CHECK(s.display == q.display && s.display == CLI_DISPLAY_NONE);
    CHECK(s.no_reboot == q.no_reboot);
    CHECK(strcmp(s.log_path, q.log_path) == 0);
    CHECK(strcmp(s.trace_spec, q.trace_spec) == 0);
    CHECK_EQ_U64(s.seed, q.seed);

    /* more QEMU forms */
    CHECK(PARSE(&q, err, "-machine", "raspi3b,usb=on", "-smp", "cpus=2,sockets=1", "-m",
                "size=512M", "-s", "-S", "-icount", "shift=0", "-display", "sdl,gl=on", "-drive",
                "file=a,,b.img,if=sd") == 0);
    CHECK(strcmp(q.board, "rpi3") == 0);
    CHECK_EQ_U64(q.smp, 2);
    CHECK_EQ_U64(q.memory_bytes, 512ull << 20);
    CHECK(q.gdb && strcmp(q.gdb, "tcp::1234") == 0 && q.gdb_wait);
    CHECK(q.display == CLI_DISPLAY_SDL);
    CHECK(strcmp(q.sd_image, "a,b.img") == 0);
    CHECK(PARSE(&q, err, "-M", "help") == 0 && q.action == CLI_LIST_BOARDS);

    /* QEMU's raspi3b takes only -m 1G: that is the board as it is */
    CHECK(PARSE(&q, err, "-M", "raspi3b", "-m", "1G") == 0 && q.memory_from_qemu);
    CHECK(cli_qemu_memory_is_board_default(q.board, q.memory_bytes));
    CHECK(!cli_qemu_memory_is_board_default("rpi3", 512ull << 20));
    CHECK(PARSE(&q, err, "--memory", "1G") == 0 && !q.memory_from_qemu);
}

static void test_long_equals_and_actions(void) {
    cli_options o;
    char err[256] = "";
    CHECK(PARSE(&o, err, "--board=rpi3", "--timeout=2.5", "--memory=256M") == 0);
    CHECK(strcmp(o.board, "rpi3") == 0 && o.timeout_s == 2.5);
    CHECK_EQ_U64(o.memory_bytes, 256ull << 20);
    CHECK(PARSE(&o, err, "--timeout", "10m") == 0 && o.timeout_s == 600.0);
    CHECK(PARSE(&o, err, "--help") == 0 && o.action == CLI_HELP);
    CHECK(PARSE(&o, err, "-h") == 0 && o.action == CLI_HELP);
    CHECK(PARSE(&o, err, "--version") == 0 && o.action == CLI_VERSION);
    CHECK(PARSE(&o, err, "--list-boards") == 0 && o.action == CLI_LIST_BOARDS);
}

static void test_serial_orders(void) {
    cli_options o;
    char err[256] = "";
    CHECK(PARSE(&o, err, "--serial", "null", "--serial", "stdio") == 0);
    CHECK(o.n_serial == 2 && o.serial_order == CLI_SERIAL_BOARD_ORDER);
    CHECK(strcmp(o.serial[1], "stdio") == 0);
    CHECK(PARSE(&o, err, "-serial", "null", "-serial", "mon:stdio") == 0);
    CHECK(o.n_serial == 2 && o.serial_order == CLI_SERIAL_QEMU_ORDER);
    CHECK(PARSE(&o, err, "-serial", "null", "--serial", "stdio") == -1);
    CHECK_STR_CONTAINS(err, "--serial: cannot be mixed with -serial");
    /* QEMU's raspi3b numbers the PL011 first, then the mini UART */
    CHECK(strcmp(cli_qemu_serial_name("rpi3", 0), "uart0") == 0);
    CHECK(strcmp(cli_qemu_serial_name("rpi3", 1), "aux") == 0);
    CHECK(cli_qemu_serial_name("rpi3", 2) == NULL);
    CHECK(cli_qemu_serial_name("other", 0) == NULL);
}

static void test_errors(void) {
    cli_options o;
    char err[256];
    CHECK(PARSE(&o, err, "--frobnicate") == -1);
    CHECK(strcmp(err, "unknown option '--frobnicate' (try --help)") == 0);
    CHECK(PARSE(&o, err, "--kernel") == -1);
    CHECK(strcmp(err, "--kernel: missing argument FILE") == 0);
    CHECK(PARSE(&o, err, "--smp", "lots") == -1);
    CHECK(strcmp(err, "--smp: 'lots' is not a core count") == 0);
    CHECK(PARSE(&o, err, "--smp", "0") == -1);
    CHECK(PARSE(&o, err, "--memory", "12Q") == -1);
    CHECK(strcmp(err, "--memory: '12Q' is not a memory size (like 1G, 512M, 1024)") == 0);
    CHECK(PARSE(&o, err, "--memory", "0") == -1);
    CHECK(PARSE(&o, err, "--timeout", "-1") == -1);
    CHECK_STR_CONTAINS(err, "--timeout: '-1' is not a duration");
    CHECK(PARSE(&o, err, "--timeout", "0") == -1);
    CHECK(PARSE(&o, err, "--seed", "x") == -1);
    CHECK(strcmp(err, "--seed: 'x' is not a number") == 0);
    CHECK(PARSE(&o, err, "--display", "gtk") == -1);
    CHECK(strcmp(err, "--display: 'gtk' is not a display (sdl, none)") == 0);
    CHECK(PARSE(&o, err, "-drive", "if=virtio,file=x") == -1);
    CHECK_STR_CONTAINS(err, "only if=sd");
    CHECK(PARSE(&o, err, "-d", "in_asm,nonsense") == -1);
    CHECK_STR_CONTAINS(err, "-d: unknown log item 'nonsense'");
    CHECK(PARSE(&o, err, "--quiet=yes") == -1);
    CHECK(strcmp(err, "--quiet: takes no argument") == 0);
    CHECK(PARSE(&o, err, "card.img") == -1);
    CHECK(strcmp(err, "unexpected argument 'card.img' (try --help)") == 0);
}

static void test_sizes(void) {
    uint64_t b;
    CHECK(cli_parse_size("1024", &b) == 0 && b == 1ull << 30);
    CHECK(cli_parse_size("1G", &b) == 0 && b == 1ull << 30);
    CHECK(cli_parse_size("1GiB", &b) == 0 && b == 1ull << 30);
    CHECK(cli_parse_size("512M", &b) == 0 && b == 512ull << 20);
    CHECK(cli_parse_size("64k", &b) == 0 && b == 64ull << 10);
    CHECK(cli_parse_size("", &b) != 0);
    CHECK(cli_parse_size("G", &b) != 0);
    CHECK(cli_parse_size("99999999999999999999", &b) != 0);
}

static void test_help_mentions_everything(void) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cli_print_help(f);
    fclose(f);
    static const char *const words[] = {"--board",      "--list-boards", "--sd",
                                        "--kernel",     "--dtb",         "--initrd",
                                        "--append",     "--memory",      "--smp",
                                        "--serial",     "--display",     "--timeout",
                                        "--expect",     "--fail",        "--log",
                                        "--version",    "--gdb",         "-s ",
                                        "-S ",          "--trace",       "--realtime",
                                        "--no-reboot",  "--seed",        "--icount",
                                        "--quiet",      "-M ",           "-kernel",
                                        "-dtb",         "-initrd",       "-append",
                                        "-m ",          "-smp",          "-serial",
                                        "-nographic",   "-drive",        "-no-reboot",
                                        "Exit status",  "0  passed",     "1  guest failed",
                                        "2  bad input", "3  timed out",  "4  emulator fault"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        CHECK_STR_CONTAINS(text, words[i]);
    free(text);
}

int main(void) {
    test_socemu_spellings();
    test_qemu_spellings_match();
    test_long_equals_and_actions();
    test_serial_orders();
    test_errors();
    test_sizes();
    test_help_mentions_everything();
    return check_report("cli_options");
}
