#!/bin/bash
# CPU-bound user programs on socemu-user vs qemu-aarch64-static -cpu cortex-a53, side by side.
# Usage: bench/cpu-user.sh [REPEATS]  (env BUILD=build dir, default build; PROGRAMS="int fp" picks
# some of src/*.c, default int memcpy memcpy_static memcpy_unaligned fp). Reports user CPU time
# (best of REPEATS; the machine is shared, so wall time is noisier), and socemu with its
# interpreter speed-ups switched off (SOCEMU_NO_CHAIN/SPECIALIZE) as the stage-0-ish reference.
# Every run is checked, not only timed: exit status 0 and stdout identical to the same C source
# built for the host (gcc) and run natively; a mismatch (a crash, wrong results) stops the script
# with exit 1 and both outputs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$here/../build}
reps=${1:-3}
user=$build/tools/user/socemu-user
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ ! -x "$user" ]; then
    echo "socemu-user not built at $user (ninja -C $build tools/user/socemu-user)" >&2
    exit 1
fi
check() { # check LABEL: the last run ($out/o, exit $rc) printed what the native build printed
    if [ "$rc" != 0 ] || ! cmp -s "$out/o" "$out/native.out"; then
        echo "cpu-user.sh: $p under $1: exit $rc (want 0) or stdout not the native build's: FAILED" >&2
        echo "  native: $(head -c 200 "$out/native.out")" >&2
        echo "  $1: $(head -c 200 "$out/o") $(tail -n 3 "$out/e")" >&2
        exit 1
    fi
}
best() { # best LABEL CMD...: best user time of CMD over $reps runs, each run's output checked
    local label=$1 b=
    shift
    for _ in $(seq "$reps"); do
        rc=0
        /usr/bin/time -f %U -o "$out/t" "$@" > "$out/o" 2> "$out/e" || rc=$?
        check "$label"
        local t; t=$(tail -1 "$out/t")
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
    done
    echo "$b"
}
printf '%-17s %10s %10s %14s %12s\n' program qemu_s socemu_s socemu_plain_s socemu/qemu
results=()
for p in ${PROGRAMS:-int memcpy memcpy_static memcpy_unaligned fp}; do
    aarch64-linux-gnu-gcc -static -O2 -o "$out/$p" "$here/src/$p.c"
    gcc -O2 -o "$out/$p.native" "$here/src/$p.c"
    "$out/$p.native" > "$out/native.out"
    q=$(best qemu-aarch64-static qemu-aarch64-static -cpu cortex-a53 "$out/$p")
    s=$(best socemu-user "$user" "$out/$p")
    plain=$(SOCEMU_NO_CHAIN=1 SOCEMU_NO_SPECIALIZE=1 best socemu-user-plain "$user" "$out/$p")
    printf '%-17s %10s %10s %14s %11.1fx\n' "$p" "$q" "$s" "$plain" "$(echo "$s / $q" | bc -l)"
    results+=("$p: $(cat "$out/native.out")")
done
echo "outputs identical (native, qemu, socemu-user, socemu-user plain): ${results[*]}"
