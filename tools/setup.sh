#!/usr/bin/env bash
# First command on a fresh Debian 12 machine (as root, or a user with sudo):
#   tools/setup.sh
# 1. installs the packages of tools/deps.txt (skipped when all are installed),
# 2. configures and builds the Release build in build/,
# 3. builds the guest assets (tools/guest-assets.sh: Debian packages -> kernel, initramfs,
#    Raspberry Pi 3 SD card, in ${SOCEMU_CACHE:-~/.cache/socemu}),
# 4. boots the demo card on the emulated Raspberry Pi 3 and waits for the container's marker.
# Safe to re-run: every step skips the work that is already done.
set -euo pipefail
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SOCEMU_ROOT"

# >>> Step 4 switch. Set to 1 once `socemu --board rpi3 --sd` boots the demo card (CPU + rpi3
# board + firmware emulation done); SOCEMU_BOOT_DEMO=1 in the environment tries it earlier.
RPI3_SD_BOOT_READY=1
BOOT_DEMO=${SOCEMU_BOOT_DEMO:-$RPI3_SD_BOOT_READY}
BOOT_TIMEOUT=${SOCEMU_BOOT_TIMEOUT:-300}
# <<<

log "1/4 dependencies"
socemu_install_deps

log "2/4 Release build (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
ninja -C build

log "3/4 guest assets"
tools/guest-assets.sh --quiet >/dev/null
# shellcheck source=/dev/null
. "$SOCEMU_CACHE/assets.env"
CARD=$SOCEMU_RPI3_SDCARD

SOCEMU=build/tools/cli/socemu
BOOT_CMD=("$SOCEMU" --board rpi3 --sd "$CARD" --timeout "$BOOT_TIMEOUT" --expect 'SOCEMU-CONTAINER-OK')
log "4/4 boot the demo card"
if [[ $BOOT_DEMO != 1 ]]; then
    log "not booting: the Raspberry Pi 3 SD boot is not finished yet (RPI3_SD_BOOT_READY=0 in tools/setup.sh)"
    log "done so far:"
    log "  built:        $SOCEMU_ROOT/build ($([[ -x $SOCEMU ]] && echo "$SOCEMU" || echo "no $SOCEMU binary yet"))"
    log "  demo card:    $CARD ($(du -h --apparent-size "$CARD" | cut -f1))"
    log "  kernel/initrd for --kernel/--initrd boots: $SOCEMU_RPI3_KERNEL, $SOCEMU_RPI3_INITRD"
    log "  all paths:    $SOCEMU_CACHE/assets.env"
    log "the boot, once ready: ${BOOT_CMD[*]}"
    exit 0
fi
if [[ ! -x $SOCEMU ]]; then
    log "not booting: $SOCEMU was not built (the CLI is not in the build yet); demo card: $CARD"
    exit 0
fi
if ! "$SOCEMU" --list-boards 2>/dev/null | grep -qw rpi3; then
    log "not booting: this socemu has no rpi3 board yet ($SOCEMU --list-boards); demo card: $CARD"
    exit 0
fi
# The boot is done on a copy-on-write view of the card by socemu itself; the card is not modified.
log "${BOOT_CMD[*]}"
status=0
"${BOOT_CMD[@]}" || status=$?
case $status in
    0) log "demo boot passed: the container ran on the emulated Raspberry Pi 3" ;;
    1) log "demo boot FAILED: the guest failed (panic, --fail match or hang)" ;;
    2) log "demo boot FAILED: socemu rejected the input" ;;
    3) log "demo boot FAILED: timed out after ${BOOT_TIMEOUT} s without SOCEMU-CONTAINER-OK" ;;
    *) log "demo boot FAILED: socemu exited with $status (emulator fault)" ;;
esac
exit "$status"
