#!/usr/bin/env bash
# conformance.sh - the conformance suite on MEMFS, compared with tmpfs.
#
# The suite (build/tests/conformance) prints a transcript of what each check
# observed and PASS/FAIL for its own POSIX expectations. It runs once on a
# tmpfs (the reference, as WinFsp compares with NTFS) and on MEMFS with
# FileInfoTimeout INFINITE (-t -1), INFINITE with the kernel's writeback
# cache (-t -1 -w) and 0 (-t 0). A check passes on MEMFS when
# its transcript lines equal the reference's and it passed on both; otherwise
# the diff (reference -> MEMFS) is shown. The case-insensitive (-i) and
# read-only (-r) volumes have no tmpfs twin: their checks assert only.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

CONF=$FSP_BUILD/tests/conformance
MEMFS=$FSP_BUILD/memfs
# Room for the 10,000-entry directory and the 256 MiB file.
MEMFS_OPTS=(-n 100000 -s 512M)
RUN_LIMIT=100    # seconds for one full run of the suite on MEMFS
SPECIAL_LIMIT=30 # seconds for a run of the special checks

# shellcheck source=tests/conformance-lib.sh
. "$(dirname "$0")/../conformance-lib.sh"

fsp_need_built conformance "$CONF"

# stop_memfs PID DIR LABEL: SIGTERM, bounded wait; MEMFS must exit 0 and
# leave no mount (lib.sh's fsp_stop_fs does not keep the exit status).
stop_memfs() {
    local pid=$1 dir=$2 label=$3
    kill -TERM "$pid" 2>/dev/null
    if ! fsp_wait_exit "$pid" 10; then
        fail "conformance/memfs-exit ($label): still running 10 s after SIGTERM"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid"
        RC=$?
    fi
    if [ "$RC" -eq 0 ]; then
        pass "conformance/memfs-exit ($label)"
    else
        fail "conformance/memfs-exit ($label): exit status $RC"
    fi
    fsp_wait_unmounted "$dir" 5 || fail "conformance/unmount ($label): $dir still mounted"
}

# memfs_run ID LABEL LIMIT "SUITE-OPTIONS" MEMFS-OPTIONS...: mount MEMFS, run
# the suite on it into $FSP_TMP/ID.out, stop MEMFS. Returns 1 if it did not
# mount. MEMFS's own output goes to a log shown when something fails.
memfs_run() {
    local id=$1 label=$2 limit=$3 opts=$4 rc
    shift 4
    local mnt=$FSP_TMP/mnt-$id out=$FSP_TMP/$id.out log=$FSP_TMP/$id.log
    # shellcheck disable=SC2016 # $1 and $@ are the inner shell's
    if ! fsp_start_fs "$mnt" sh -c 'log=$1; shift; exec "$@" >"$log" 2>&1' sh "$log" \
        "$MEMFS" "$@" -m "$mnt"; then
        fail "conformance/mount ($label): memfs $* -m $mnt did not mount within 10 s"
        sed 's/^/    /' "$log" 2>/dev/null | tail -20
        fsp_stop_fs "$FSP_PID" "$mnt"
        return 1
    fi
    # shellcheck disable=SC2086 # opts is a word list
    (cd / && timeout -k 5 "$limit" "$CONF" $opts "$mnt") >"$out" 2>"$out.err"
    rc=$?
    case $rc in
    0 | 1) ;;
    124 | 137) fail "conformance/run ($label): the suite did not finish within $limit s" ;;
    *) fail "conformance/run ($label): the suite exited with status $rc" ;;
    esac
    stop_memfs "$FSP_PID" "$mnt" "$label"
    if [ -s "$log" ] && { grep -q '^FAIL' "$out" || [ "$rc" -gt 1 ]; }; then
        echo "    memfs log ($label), last lines:"
        tail -20 "$log" | sed 's/^/    /'
    fi
    return 0
}

# requests_check ID LABEL WRITEBACK DIRCACHE MEMFS-OPTIONS...: what the kernel agreed
# to at INIT and what 64 small writes cost, from MEMFS's debug log. Every
# volume negotiates HANDLE_KILLPRIV_V2, so the kernel stops asking for
# security.capability before each write (at most once per file here); the
# writeback cache (WRITEBACK yes|no) gathers the writes into fewer WRITE
# requests. No close(2) costs a FLUSH: MEMFS has nothing to do then, so
# its opens say FOPEN_NOFLUSH, and under the writeback cache (which ignores
# that flag) its first FLUSH answers ENOSYS and the kernel asks no more.
# With FileInfoTimeout INFINITE (DIRCACHE yes) the kernel keeps the root's
# listing: three listings cost the requests of the first only.
requests_check() {
    local id=$1 label=$2 wb=$3 dircache=$4
    shift 4
    local mnt=$FSP_TMP/mnt-$id log=$FSP_TMP/$id.dbg flags nx nw nf nd i
    if ! fsp_start_logged "$id" "$mnt" "$MEMFS" "$@" -d -1 -D "$log"; then
        fail "conformance/requests ($label): memfs did not mount"
        fsp_stop_fs "$FSP_PID" "$mnt"
        return
    fi
    dd if=/dev/zero of="$mnt/f" bs=4k count=64 conv=fsync status=none ||
        fail "conformance/requests ($label): dd failed"
    for i in $(seq 16); do
        : <"$mnt/f" || fail "conformance/requests ($label): open $i failed"
    done
    for i in 1 2 3; do
        [ "$(ls -A "$mnt")" = f ] || fail "conformance/requests ($label): listing $i is not 'f'"
    done
    stop_memfs "$FSP_PID" "$mnt" "$label"
    flags=$(grep -m1 'INIT: using' "$log")
    nx=$(grep -c ' GETXATTR(' "$log")
    nw=$(grep -c ' WRITE(' "$log")
    nf=$(grep -c ' FLUSH(' "$log")
    nd=$(grep -cE ' READDIR(PLUS)?\(' "$log")
    echo "    $label: $nw WRITE, $nx GETXATTR for 64 writes of 4 KiB; $nf FLUSH for 17 opens; $nd READDIR for 3 listings"
    check "conformance/killpriv_v2 negotiated ($label)" grep -q 'HANDLE_KILLPRIV_V2' <<<"$flags"
    check "conformance/no GETXATTR per write ($label)" test "$nx" -le 2
    if [ "$dircache" = yes ]; then
        check "conformance/listing kept by the kernel ($label)" test "$nd" -ge 1 -a "$nd" -le 2
    else
        check "conformance/listing not kept ($label)" test "$nd" -ge 3
    fi
    if [ "$wb" = yes ]; then
        check "conformance/one FLUSH at most ($label)" test "$nf" -le 1
    else
        check "conformance/no FLUSH ($label)" test "$nf" -eq 0
    fi
    if [ "$wb" = yes ]; then
        check "conformance/writeback cache negotiated ($label)" grep -q 'WRITEBACK_CACHE' <<<"$flags"
        check "conformance/writes gathered ($label)" test "$nw" -ge 1 -a "$nw" -lt 64
    else
        check "conformance/no writeback cache ($label)" \
            bash -c '! grep -q WRITEBACK_CACHE <<<"$1"' sh "$flags"
        check "conformance/one WRITE per write ($label)" test "$nw" -ge 64
    fi
}

if [ -x "$MEMFS" ]; then
    requests_check rqw "memfs -t -1 -w" yes yes -t -1 -w
    requests_check rq-1 "memfs -t -1" no yes -t -1
    requests_check rq0 "memfs -t 0" no no -t 0
    # Asked for, but refused on a case-insensitive volume (see doc/design.md).
    requests_check rqi "memfs -i -w" no yes -i -t -1 -w
fi

# The reference.
conf_reference || fsp_done

fsp_need_built conformance "$MEMFS"

# The native API keeps times as FILETIME, 100 ns units, so single
# nanoseconds (utimens_ns) cannot survive on MEMFS by design; utimens checks
# exact round trips at that resolution. The case-only rename check
# (--case-rename) runs on the case-insensitive volume: rename(2) cannot change
# only the case on Linux (the VFS skips it), the system.fsp.name xattr does
# (doc/windows-on-linux.md, "Case-insensitive volumes").
NATIVE_SKIP=utimens_ns
memfs_run t-1 "memfs -t -1" "$RUN_LIMIT" "--skip $NATIVE_SKIP" -t -1 "${MEMFS_OPTS[@]}" &&
    compare "memfs -t -1" "$FSP_TMP/t-1.out" $NATIVE_SKIP
memfs_run wb "memfs -t -1 -w" "$RUN_LIMIT" "--skip $NATIVE_SKIP" -t -1 -w "${MEMFS_OPTS[@]}" &&
    compare "memfs -t -1 -w" "$FSP_TMP/wb.out" $NATIVE_SKIP
memfs_run t0 "memfs -t 0" "$RUN_LIMIT" "--skip $NATIVE_SKIP" -t 0 "${MEMFS_OPTS[@]}" &&
    compare "memfs -t 0" "$FSP_TMP/t0.out" $NATIVE_SKIP
# Every MEMFS feature on at once (hard links, EAs, security and reparse
# points are on by default): 'file:stream' names (-N), and slow I/O with
# half of the reads, writes and listings answered later from another thread
# (-M -P, STATUS_PENDING).
memfs_run all "memfs -N -M 2 -P 50" "$RUN_LIMIT" "--skip $NATIVE_SKIP" -N -M 2 -P 50 \
    "${MEMFS_OPTS[@]}" &&
    compare "memfs -N -M 2 -P 50" "$FSP_TMP/all.out" $NATIVE_SKIP
memfs_run ci "memfs -i" "$SPECIAL_LIMIT" --case-insensitive -i &&
    asserted "memfs -i" "$FSP_TMP/ci.out" --case-insensitive
memfs_run cr "memfs -i (case rename)" "$SPECIAL_LIMIT" --case-rename -i &&
    asserted "memfs -i (case rename)" "$FSP_TMP/cr.out" --case-rename
memfs_run ro "memfs -r" "$SPECIAL_LIMIT" --read-only -r &&
    asserted "memfs -r" "$FSP_TMP/ro.out" --read-only

fsp_done
