#!/usr/bin/env bash
# Second command of the README: runs the whole test suite on the sanitizer build.
#   tools/test.sh [extra ctest arguments, e.g. -R assets]
# Installs missing deps (like tools/setup.sh), builds the guest assets (cached), configures and
# builds build-asan/ (AddressSanitizer + UBSan), runs ctest, and exits with ctest's status.
set -euo pipefail
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SOCEMU_ROOT"

# RelWithDebInfo (-O2 -g): sanitizer reports keep their line numbers, and guest boots and the
# differential CPU tests stay within the CI budget (Debug is several times slower).
# SOCEMU_TEST_BUILD_TYPE overrides.
BUILD_TYPE=${SOCEMU_TEST_BUILD_TYPE:-RelWithDebInfo}
BUILD_DIR=build-asan
JOBS=${SOCEMU_TEST_JOBS:-2}

socemu_install_deps

# --docker: the Docker card too (issue 18's boot test; built once, then cached like the rest).
tools/guest-assets.sh --quiet --docker >/dev/null
# Tests find the assets through SOCEMU_ASSETS_ENV (the file), or the exported variables.
export SOCEMU_ASSETS_ENV=$SOCEMU_CACHE/assets.env
set -a
# shellcheck source=/dev/null
. "$SOCEMU_ASSETS_ENV"
set +a
log "guest assets: $SOCEMU_ASSETS_ENV"

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DSOCEMU_SANITIZE=ON
ninja -C "$BUILD_DIR"

status=0
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$JOBS" "$@" || status=$?
exit "$status"
