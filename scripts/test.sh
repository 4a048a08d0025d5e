#!/usr/bin/env bash
# scripts/test.sh - the README's test command.
#
# Builds FSP with gcc and runs the whole suite, over /dev/fuse and (where the
# kernel has it) over FUSE io_uring, then builds and runs it again under
# AddressSanitizer + UndefinedBehaviorSanitizer, and checks that clang builds
# it cleanly too. It first installs missing Debian packages
# (scripts/deps.sh, shared with scripts/demo.sh and CI). Must run as root:
# the tests mount file systems and drop privileges to check permissions.
# Prints one closing tally.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
jobs=$(nproc 2>/dev/null || echo 2)

scripts/deps.sh || exit 1

status=0
make -s -j"$jobs" CC=gcc all || exit 1
tests/run-tests.sh build | tee build/test.log || status=1
logs=(build/test.log)

# The suite again with every session on FUSE over io_uring, where the kernel
# has it (6.14+): a transport of its own, with its own request paths.
if [ -e /sys/module/fuse/parameters/enable_uring ]; then
    tests/run-tests.sh --uring build | tee build/test-uring.log || status=1
    logs+=(build/test-uring.log)
fi

make -s -j"$jobs" CC=clang BUILD=build-clang all || status=1
if ! make -s check-format >/dev/null 2>&1; then
    echo "FAIL format: run 'make format' (clang-format, .clang-format)"
    status=1
fi

make -s -j"$jobs" CC=gcc SANITIZE=1 all || exit 1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    tests/run-tests.sh build-san | tee build-san/test.log || status=1
logs+=(build-san/test.log)

# Each run ends with "N passed, M failed". A log without that line (a run
# that crashed, was killed or never started), or a run that passed nothing,
# counts as a failure, never as 0 passed, 0 failed.
p=0 f=0
for log in "${logs[@]}"; do
    tally=$(tail -n1 "$log" 2>/dev/null)
    if [[ $tally =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then
        p=$((p + BASH_REMATCH[1])) f=$((f + BASH_REMATCH[2]))
    else
        echo "FAIL $log: no closing tally, or nothing passed (the run did not finish)"
        f=$((f + 1)) status=1
    fi
done
[ "$f" -gt 0 ] && status=1
[ "$status" -ne 0 ] && [ "$f" -eq 0 ] && f=1
echo "$p passed, $f failed"
exit "$status"
