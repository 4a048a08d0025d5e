#!/usr/bin/env bash
# guard.sh - what a native file system is promised about how it is called,
# checked with tests/tools/guardfs, which counts and reports it:
#   the operation guard: FINE lets Reads run together while Open, Create and
#     ReadDirectory never meet a Rename or an Overwrite (an open with
#     O_TRUNC); COARSE runs one operation at a time;
#   per file: GetFileInfo (an fstat-like GETATTR through an open file) never
#     meets a SetFileSize of that file, nor do writes and attribute changes;
#   FileContext: the file (default), a per-open descriptor
#     (UmFileContextIsUserContext2) or a FSP_FSCTL_TRANSACT_FULL_CONTEXT
#     (UmFileContextIsFullContext), always what Open/Create gave; every
#     open is Closed;
#   PostCleanupWhenModifiedOnly: no Cleanup without flags;
#   DispatcherStopped: Normally 1 after SIGTERM (FspFileSystemStopDispatcher),
#     0 when the volume is unmounted from outside.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

GUARDFS=$FSP_BUILD/tests/guardfs
if [ ! -x "$GUARDFS" ]; then
    fail "guard: $GUARDFS is built"
    fsp_done
fi
M=$FSP_TMP/mnt

# workload DIR: two readers of two files at once, then a rename with
# lookups and listings sent while it runs, then an open with O_TRUNC
# (Overwrite) with listings sent while it runs, then a write, a truncation
# and a delete.
workload() {
    local m=$1 r1 r2 mv ow
    echo one >"$m/a" && echo two >"$m/b" && echo three >"$m/c" || return 1
    cat "$m/a" >/dev/null &
    r1=$!
    cat "$m/b" >/dev/null &
    r2=$!
    wait "$r1" "$r2"
    mv "$m/c" "$m/d" &
    mv=$!
    sleep 0.1
    for _ in 1 2 3; do
        stat "$m/a" >/dev/null
        ls "$m" >/dev/null
    done
    wait "$mv"
    [ "$(cat "$m/d")" = three ] || return 1
    : >"$m/b" &
    ow=$!
    sleep 0.1
    for _ in 1 2 3; do
        ls "$m" >/dev/null
    done
    wait "$ow"
    [ ! -s "$m/b" ] || return 1
    echo more >>"$m/a" && truncate -s 1 "$m/b" && rm "$m/d"
}

# size_race DIR STOPFILE: truncations of one file while another process
# reads it past its end through an open descriptor until STOPFILE exists (at
# least 200 times, so that the count of size queries checked below does not
# depend on how the two processes were scheduled; at most 10^6). Each such read makes the kernel ask for the size first,
# with a GETATTR carrying the handle (guardfs caches no attributes), and
# without the inode lock a truncation holds (lseek SEEK_END takes it).
size_race() {
    local m=$1 stop=$2 seeker rc=0 i
    echo data >"$m/e" || return 1
    perl -e 'open(my $f, "<", $ARGV[0]) or die "$ARGV[0]: $!\n"; sysseek($f, 4096, 0);
        for (1 .. 1000000) { last if $_ > 200 && -e $ARGV[1]; defined sysread($f, my $b, 1) or die "read: $!\n" }' \
        "$m/e" "$stop" &
    seeker=$!
    for ((i = 0; i < 40; i++)); do truncate -s $((i % 7)) "$m/e" || rc=1; done
    : >"$stop"
    wait "$seeker" || rc=1
    rm "$m/e" && return $rc
}

# run LABEL STOP OPTIONS...: mount guardfs, run the workload, stop it by
# SIGTERM (STOP=term) or by umount (STOP=umount); its report lands in $rep.
run() {
    local label=$1 stop=$2
    shift 2
    rep=$FSP_TMP/report
    if ! fsp_start_fs "$M" sh -c 'out=$1; shift; exec "$@" >"$out"' sh "$rep" "$GUARDFS" "$@" \
        -m "$M"; then
        fail "guard: guardfs $* mounts"
        return 1
    fi
    check "guard: the workload runs ($label)" timeout 60 bash -c "$(declare -f workload); workload '$M'"
    rm -f "$FSP_TMP/stop"
    check "guard: truncations race size queries ($label)" \
        timeout 60 bash -c "$(declare -f size_race); size_race '$M' '$FSP_TMP/stop'"
    if [ "$stop" = term ]; then
        check "guard: guardfs stops on SIGTERM ($label)" stop_with TERM "$FSP_PID" "$M"
    else
        timeout 10 umount "$M"
        fsp_wait_exit "$FSP_PID" 10
        check "guard: guardfs ends when unmounted from outside ($label)" test "$RC" -eq 0
    fi
}

# value KEY: one number of the last report.
value() { sed -n "s/^$1=//p" "$rep"; }

expect() { # expect LABEL KEY OP NUMBER
    local v
    v=$(value "$2")
    if [ -n "$v" ] && [ "$v" "$3" "$4" ]; then pass "guard: $2 $3 $4 ($1): $v"; else
        fail "guard: $2 $3 $4 ($1): got '$v'"
    fi
}

common() { # the promises every configuration keeps
    expect "$1" bad_contexts -eq 0
    expect "$1" excl_overlaps -eq 0
    expect "$1" file_overlaps -eq 0
    expect "$1" file_infos -gt 100 # the size queries did reach GetFileInfo
    expect "$1" opens -gt 0
    fsp_same "guard: every open is Closed ($1)" "$(value opens)" "$(value closes)"
}

if run "FINE" term -g fine; then
    common "FINE"
    expect "FINE" max_reads -eq 2
    expect "FINE" cleanups_plain -gt 0
    expect "FINE" stopped -eq 1
fi
if run "COARSE" term -g coarse; then
    common "COARSE"
    expect "COARSE" max_active -eq 1
fi
if run "UmFileContextIsUserContext2" umount -c user2; then
    common "UmFileContextIsUserContext2"
    expect "UmFileContextIsUserContext2" stopped -eq 0
fi
if run "UmFileContextIsFullContext, PostCleanupWhenModifiedOnly" term -c full -p; then
    common "UmFileContextIsFullContext"
    expect "PostCleanupWhenModifiedOnly" cleanups_plain -eq 0
    expect "PostCleanupWhenModifiedOnly" cleanups_flagged -gt 0
fi
if run "COARSE, UmFileContextIsFullContext" term -g coarse -c full; then
    common "COARSE, UmFileContextIsFullContext"
    expect "COARSE, UmFileContextIsFullContext" max_active -eq 1
fi
fsp_done
