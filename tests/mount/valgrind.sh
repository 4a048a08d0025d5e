#!/usr/bin/env bash
# valgrind.sh - MEMFS under valgrind's memcheck: a subset of the conformance
# suite runs on it, then SIGTERM; MEMFS must exit 0, which under
# --error-exitcode means no memory error and no definite or indirect leak
# (every node, chunk and FSP object freed at shutdown). The mount watcher that
# FSP forks (it unmounts if MEMFS dies) is not checked: --child-silent-after-fork.
#
# Under ASan (FSP_BUILD = build-san) valgrind cannot run the binary; LSan
# checks leaks at exit there, so this test is skipped.
#
# Always over /dev/fuse, also in the suite's io_uring pass: valgrind runs one
# thread at a time and keeps that turn through io_uring_enter's wait, so a
# queue thread asleep in its ring would keep the other queues from ever
# registering (and the kernel holds every request until they all have).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
unset FSP_IO_URING

MEMFS=$FSP_BUILD/memfs
CONF=$FSP_BUILD/tests/conformance
CHECKS=open_flags,rdwr,truncate,rename_file,rename_dir,hard_links,unlink_open,readdir_large,chmod,owner_create
MOUNT_LIMIT=60 # seconds for MEMFS to mount under valgrind
RUN_LIMIT=400  # seconds for the conformance subset (it took over 150 s at load 10)
EXIT_LIMIT=60  # seconds from SIGTERM to exit (leak check included)

fsp_need_built valgrind "$MEMFS"
if [[ $FSP_BUILD == *-san ]] || grep -q __asan_init "$MEMFS"; then
    echo "note: valgrind.sh skipped under ASan (LSan covers leaks there)"
    exit 0
fi
fsp_need_tools valgrind valgrind
fsp_need_built valgrind "$CONF"

M=$FSP_TMP/mnt
VGLOG=$FSP_TMP/valgrind.log
LOG=$FSP_TMP/memfs.log
show_vglog() {
    echo "    valgrind log, last lines:"
    tail -40 "$VGLOG" 2>/dev/null | sed 's/^/    /'
}

# shellcheck disable=SC2054 # definite,indirect is one argument
VG=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99
    --track-fds=no --child-silent-after-fork=yes --log-file="$VGLOG")
# The same room as conformance.sh gives MEMFS (readdir_large makes 10,000 entries).
# shellcheck disable=SC2016 # $1 and $@ are the inner shell's
fsp_start_fs "$M" sh -c 'log=$1; shift; exec "$@" >"$log" 2>&1' sh "$LOG" \
    "${VG[@]}" "$MEMFS" -n 100000 -s 512M -m "$M"
# fsp_start_fs waits 10 s; valgrind may need longer to get there.
if ! fsp_wait_mounted "$M" "$MOUNT_LIMIT"; then
    fail "valgrind: memfs mounted within $MOUNT_LIMIT s"
    sed 's/^/    /' "$LOG"
    show_vglog
    fsp_done
fi
pass "valgrind: memfs mounted"

out=$FSP_TMP/conf.out
(cd / && timeout -k 5 "$RUN_LIMIT" "$CONF" --only "$CHECKS" "$M") >"$out" 2>"$out.err"
rc=$?
for c in ${CHECKS//,/ }; do
    if grep -qx "PASS $c" "$out"; then
        pass "valgrind: conformance/$c"
    else
        fail "valgrind: conformance/$c"
        grep -E "^((PASS|FAIL) )?$c(:|\$)" "$out" | head -20 | sed 's/^/    /'
    fi
done
case $rc in
0 | 1) ;;
124 | 137) fail "valgrind: the conformance subset did not finish within $RUN_LIMIT s" ;;
*) fail "valgrind: the conformance subset exited with status $rc" ;;
esac

# SIGTERM: unmount, free everything, exit; valgrind's verdict is the status.
kill -TERM "$FSP_PID"
if ! fsp_wait_exit "$FSP_PID" "$EXIT_LIMIT"; then
    fail "valgrind: memfs exits within $EXIT_LIMIT s of SIGTERM"
    show_vglog
    fsp_done # lib.sh's cleanup ends it and unmounts
fi
rc=$RC
check "valgrind: the mount is gone" fsp_wait_unmounted "$M" 5
if [ "$rc" -eq 0 ]; then
    pass "valgrind: memfs exits 0 (no memory errors, no definite/indirect leaks)"
else
    fail "valgrind: memfs exit status $rc (99: valgrind found errors or leaks)"
    grep -E 'definitely lost|indirectly lost|ERROR SUMMARY' "$VGLOG" | sed 's/^/    /'
    show_vglog
fi
grep -E '(definitely|indirectly|possibly) lost:|ERROR SUMMARY' "$VGLOG" | sed 's/^==[0-9]*== */note: /' | awk '!seen[$0]++'

fsp_done
