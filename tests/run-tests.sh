#!/usr/bin/env bash
# run-tests.sh [--uring] BUILD_DIR - run every FSP test and print one
# closing tally.
#
# Each test prints "PASS name" / "FAIL name" lines (unit tests via check.h,
# mount tests via tests/lib.sh); this script runs them all, even after a
# failure, checks that no FSP mount was left behind, and ends with
# "N passed, N failed". Exit status is non-zero if anything failed.
#
# --uring: every FSP session serves FUSE over io_uring (FSP_IO_URING=1)
# instead of /dev/fuse, as libfuse runs its suite a second time. The kernel's
# enable_uring is turned on for the run and restored when it ends; a kernel
# without FUSE over io_uring is a failure here, not a silent /dev/fuse run.
set -u
uring=0
if [ "${1:-}" = --uring ]; then
    uring=1
    shift
fi
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
export FSP_BUILD="$TOP/$BUILD" FSP_TOP="$TOP"
passed=0 failed=0
log=$(mktemp)
FSP_TEST_ROOT=$(mktemp -d /tmp/fsp-run.XXXXXX)
chmod 0755 "$FSP_TEST_ROOT" # tests also run as other users below it
export FSP_TEST_ROOT
URING_PARAM=/sys/module/fuse/parameters/enable_uring
old_uring=
cleanup() {
    rm -f "$log"
    rmdir "$FSP_TEST_ROOT" 2>/dev/null
    [ -z "$old_uring" ] || echo "$old_uring" >"$URING_PARAM"
}
trap cleanup EXIT
if [ "$uring" = 1 ]; then
    if ! old_uring=$(cat "$URING_PARAM" 2>/dev/null) || ! echo Y >"$URING_PARAM"; then
        old_uring=
        echo "FAIL --uring: this kernel has no FUSE over io_uring ($URING_PARAM)"
        echo "0 passed, 1 failed"
        exit 1
    fi
    export FSP_IO_URING=1
    echo "== every session over FUSE io_uring (enable_uring was $old_uring)"
fi

# FUSE mounts under this run's directory: tests mount only below it.
fsp_mounts() { grep -E " $FSP_TEST_ROOT/[^ ]* fuse(\.[^ ]*)? " /proc/self/mounts || true; }

run_one() { # run_one LABEL CMD...
    local label=$1 rc; shift
    echo "== $label"
    local before; before=$(fsp_mounts)
    timeout -k 10 900 "$@" >"$log" 2>&1; rc=$?
    cat "$log"
    local p f
    p=$(grep -c '^PASS ' "$log"); f=$(grep -c '^FAIL ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $label (exit $rc)"; f=1
    fi
    passed=$((passed + p)); failed=$((failed + f))
    # A FUSE mount of this run that appeared during the test and is still
    # there is a defect of that test.
    local left; left=$(comm -13 <(echo "$before" | sort) <(fsp_mounts | sort) | grep . || true)
    if [ -n "$left" ]; then
        echo "FAIL $label left a mount behind: $left"; failed=$((failed + 1))
    fi
}

for t in "$FSP_BUILD"/tests/test_*; do
    [ -x "$t" ] && run_one "$(basename "$t")" "$t"
done
for t in "$TOP"/tests/mount/*.sh; do
    [ -f "$t" ] && run_one "$(basename "$t" .sh)" bash "$t"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
