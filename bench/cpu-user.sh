#!/bin/bash
# CPU-bound user programs on socemu-user vs qemu-aarch64-static -cpu cortex-a53, side by side.
# Usage: bench/cpu-user.sh [REPEATS]  (env BUILD=build dir, default build). Reports user CPU time
# (best of REPEATS; the machine is shared, so wall time is noisier), and socemu with its
# interpreter speed-ups switched off (SOCEMU_NO_CHAIN/SPECIALIZE) as the stage-0-ish reference.
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
best() { # best user time of "$@" over $reps runs
    local b=
    for _ in $(seq "$reps"); do
        /usr/bin/time -f %U -o "$out/t" "$@" > "$out/o" 2> /dev/null || true
        local t; t=$(tail -1 "$out/t")
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
    done
    echo "$b"
}
printf '%-8s %10s %10s %14s %12s\n' program qemu_s socemu_s socemu_plain_s socemu/qemu
for p in int memcpy fp; do
    aarch64-linux-gnu-gcc -static -O2 -o "$out/$p" "$here/src/$p.c"
    q=$(best qemu-aarch64-static -cpu cortex-a53 "$out/$p")
    s=$(best "$user" "$out/$p")
    plain=$(SOCEMU_NO_CHAIN=1 SOCEMU_NO_SPECIALIZE=1 best "$user" "$out/$p")
    printf '%-8s %10s %10s %14s %11.1fx\n' "$p" "$q" "$s" "$plain" "$(echo "$s / $q" | bc -l)"
done
