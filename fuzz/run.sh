#!/usr/bin/env bash
# Builds the libFuzzer targets in their own clang build and runs each (fuzz/README.md).
#   fuzz/run.sh [--build DIR] [--time SECONDS] [--jobs N] [TARGET...]
# --build: the clang build directory (default build-fuzz/); --time: seconds per target
# (default 60; ctest's fuzz.smoke uses 4, the long runs 3600). Each target starts from its
# generated seeds (DIR/fuzz/seeds/T), the committed regression inputs (fuzz/corpus/T) and what
# earlier runs found (DIR/fuzz/corpus/T, where new inputs go). A crash, leak or sanitizer report
# leaves the input in DIR/fuzz/artifacts/ and the script exits 1 after the other targets ran.
# Exit 77 (ctest: skipped) when clang or its libFuzzer runtime is missing.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(dirname "$here")
build=$src/build-fuzz
time=60
targets=()
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --time) time=$2; shift 2 ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "fuzz/run.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
    esac
done
if [ ${#targets[@]} -eq 0 ]; then
    targets=(mbr fat config cmdline dtb dt_overlay elf kernel inflate board firmware)
fi

cc=${SOCEMU_FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null; then
    echo "fuzz/run.sh: $cc not found (tools/deps.txt names clang): skipped" >&2
    exit 77
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' >"$probe/p.c"
if ! "$cc" -fsanitize=fuzzer,address "$probe/p.c" -o "$probe/p" 2>"$probe/err"; then
    echo "fuzz/run.sh: $cc cannot build libFuzzer targets: $(head -1 "$probe/err"): skipped" >&2
    exit 77
fi

if [ ! -f "$build/build.ninja" ]; then
    cmake -S "$src" -B "$build" -G Ninja -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DSOCEMU_FUZZ=ON -DSOCEMU_TESTS=OFF >"$probe/cmake.log" 2>&1 || {
        cat "$probe/cmake.log" >&2
        echo "fuzz/run.sh: configuring $build failed" >&2
        exit 1
    }
fi
ninja -C "$build" ${SOCEMU_FUZZ_JOBS:+-j"$SOCEMU_FUZZ_JOBS"} fuzzers >"$probe/ninja.log" 2>&1 || {
    tail -40 "$probe/ninja.log" >&2
    echo "fuzz/run.sh: building the fuzzers in $build failed" >&2
    exit 1
}

status=0
mkdir -p "$build/fuzz/artifacts"
for t in "${targets[@]}"; do
    bin=$build/fuzz/fuzz_$t
    [ -x "$bin" ] || { echo "fuzz/run.sh: no target '$t'" >&2; exit 2; }
    corpus=$build/fuzz/corpus/$t
    mkdir -p "$corpus"
    dirs=("$corpus" "$build/fuzz/seeds/$t")
    [ -d "$here/corpus/$t" ] && dirs+=("$here/corpus/$t")
    log=$build/fuzz/$t.log
    start=$(date +%s)
    # -timeout: one input taking 25 s is a hang; -rss_limit_mb: a leak or a bomb. The time
    # limit is wall-clock: on a busy machine the CPU time (reported too) is what was fuzzed.
    TIMEFORMAT='%U %S'
    { time "$bin" -max_total_time="$time" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$build/fuzz/artifacts/$t-" "${dirs[@]}" >"$log" 2>&1; } 2>"$probe/time"
    rc=$?
    cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$probe/time")
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    line="fuzz_$t: $(($(date +%s) - start)) s wall, ${cpu:-?} s CPU, ${execs:-?} execs, ${cov:-cov: ?}"
    if [ $rc -eq 0 ]; then
        echo "$line: ok"
    else
        echo "$line: FAILED (exit $rc), log $log:"
        grep -m1 -B2 -A30 'ERROR\|runtime error\|==[0-9]*==' "$log" | head -50
        status=1
    fi
done
exit $status
