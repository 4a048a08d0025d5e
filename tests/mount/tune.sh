#!/usr/bin/env bash
# tune.sh - FSP_TUNE (src/kernel/tune.h), the benchmark knobs, on a live
# MEMFS: each knob reaches the kernel (the INIT reply in the debug log),
# readdirplus=0 lists with READDIR, threads=N leaves N workers waiting in
# /dev/fuse, and a variable with a bad item is reported and ignored whole.
. "$(dirname "$0")/../lib.sh"
unset FSP_IO_URING # worker counts and READDIR/READDIRPLUS are /dev/fuse's here

MEMFS=$FSP_BUILD/memfs
fsp_need_built tune "$MEMFS"

# waiting_workers PID N: within 5 s, exactly N of PID's threads wait in
# /dev/fuse (the kernel's fuse_dev_do_read).
waiting_workers() {
    local pid=$1 want=$2 i t n
    for ((i = 0; i < 50; i++)); do
        n=0
        for t in /proc/"$pid"/task/*; do
            [ "$(cat "$t/wchan" 2>/dev/null)" = fuse_dev_do_read ] && n=$((n + 1))
        done
        [ "$n" -eq "$want" ] && return 0
        sleep 0.1
    done
    echo "    $n workers wait in /dev/fuse, expected $want"
    return 1
}
# run_tuned ID SPEC: MEMFS with FSP_TUNE=SPEC and the debug log in $FSP_TMP/ID.log,
# a file created and the root listed; leaves it mounted at $FSP_TMP/ID.
run_tuned() {
    local id=$1 spec=$2 m=$FSP_TMP/$1
    fsp_start_fs "$m" env FSP_TUNE="$spec" "$MEMFS" -d -1 -m "$m" 2>"$FSP_TMP/$id.log" || return 1
    touch "$m/a" && ls "$m" >/dev/null
}

if run_tuned tuned "threads=3,max_write=128K,readdirplus=0,parallel_dirops=0"; then
    L=$FSP_TMP/tuned.log
    check "tuned: max_write 128 KiB, max_pages 32" \
        bash -c "grep -m1 'INIT: using' '$L' | grep -q 'max_write=131072 max_pages=32 '"
    check "tuned: neither READDIRPLUS nor PARALLEL_DIROPS asked for" \
        bash -c "! grep -m1 'INIT: using' '$L' | grep -qE 'DO_READDIRPLUS|READDIRPLUS_AUTO|PARALLEL_DIROPS'"
    check "tuned: the listing came by READDIR" grep -q ' READDIR(28) ' "$L"
    check "tuned: no READDIRPLUS" bash -c "! grep -q ' READDIRPLUS(44) ' '$L'"
    check "tuned: threads=3 leaves 3 workers in /dev/fuse" waiting_workers "$FSP_PID" 3
    check "tuned: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$FSP_TMP/tuned"
else
    fail "mount MEMFS with FSP_TUNE"
fi

# The same with threads=1 only: every other choice is MEMFS's own.
if run_tuned one "threads=1"; then
    L=$FSP_TMP/one.log
    check "threads=1: 1 worker in /dev/fuse" waiting_workers "$FSP_PID" 1
    check "threads=1: max_write stays 1 MiB" bash -c "grep -m1 'INIT: using' '$L' | grep -q 'max_write=1048576 '"
    check "threads=1: READDIRPLUS and PARALLEL_DIROPS asked for" \
        bash -c "grep -m1 'INIT: using' '$L' | grep -q 'DO_READDIRPLUS' && grep -m1 'INIT: using' '$L' | grep -q 'PARALLEL_DIROPS'"
    check "threads=1: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$FSP_TMP/one"
else
    fail "mount MEMFS with FSP_TUNE=threads=1"
fi

# One bad item: reported, and nothing of the variable applies.
if run_tuned bad "max_write=128K,threads=0"; then
    L=$FSP_TMP/bad.log
    check "bad: reported" grep -q "FSP_TUNE: cannot use 'max_write=128K,threads=0' (at 'threads=0'); ignored" "$L"
    check "bad: max_write stays 1 MiB" bash -c "grep -m1 'INIT: using' '$L' | grep -q 'max_write=1048576 '"
    check "bad: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$FSP_TMP/bad"
else
    fail "mount MEMFS with a bad FSP_TUNE"
fi
fsp_done
