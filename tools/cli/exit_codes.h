/* The exit status of socemu: what happened, for CI. One place, documented in --help, socemu.1 and
 * docs/cli.md; keep all three in step with this list. */
#ifndef SOCEMU_CLI_EXIT_CODES_H
#define SOCEMU_CLI_EXIT_CODES_H

enum {
    EXIT_PASSED = 0,         /* guest powered off cleanly, or --expect matched */
    EXIT_GUEST_FAILED = 1,   /* --fail matched, kernel panic, reset loop, guest hung */
    EXIT_USAGE = 2,          /* bad option, missing or corrupt input file */
    EXIT_TIMED_OUT = 3,      /* --timeout (host seconds) elapsed first */
    EXIT_EMULATOR_FAULT = 4, /* socemu itself failed */
};

#endif
