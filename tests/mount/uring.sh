#!/usr/bin/env bash
# uring.sh - FUSE over io_uring as the session's transport (kernel 6.14+,
# module parameter enable_uring, which this test sets and always restores).
#  - ptfs --uring: data through the mount is right, the kernel's own ring
#    counters (/proc/PID/fdinfo of the io_uring fds) show completions, the
#    session's trace counts the requests it served on the rings, and the
#    per-opcode profile (SIGUSR1, and at exit with -d) splits them by transport;
#  - pendfs (native API, every Read/Write/ReadDirectory answered later from
#    another thread) with FSP_IO_URING=1: deferred replies commit over the ring;
#  - MEMFS slow I/O (-P 100: each answered by a thread that ends at once)
#    over the ring: the rings keep every entry (io_uring cancels a command
#    whose submitting thread exits, so only the queue thread may submit);
#  - memfs-fuse3 -o io_uring (the FUSE 3 option): the conformance suite gives
#    the same verdicts as memfs-fuse3 over /dev/fuse, and matches tmpfs;
#  - with enable_uring off, -o io_uring falls back to /dev/fuse (no ring).
# It picks each mount's transport itself, so a run of the whole suite over
# io_uring (run-tests.sh --uring) does not choose for it.
. "$(dirname "$0")/../lib.sh"
unset FSP_IO_URING

PARAM=/sys/module/fuse/parameters/enable_uring
PTFS=$FSP_BUILD/tests/ptfs
PENDFS=$FSP_BUILD/tests/pendfs
MEMFS=$FSP_BUILD/memfs-fuse3
CONF=$FSP_BUILD/tests/conformance
RUN_LIMIT=150
BASE_OPTS=default_permissions,allow_other,use_ino,hard_remove
T="timeout -k 5 120"

if [ ! -w "$PARAM" ]; then
    echo "SKIP this kernel has no FUSE over io_uring ($PARAM)"
    fsp_done
fi
fsp_need_built uring "$PTFS" "$PENDFS" "$MEMFS" "$CONF" "$FSP_BUILD/memfs"
OLD_URING=$(cat "$PARAM")
# Restore the kernel setting on every exit path, then lib.sh's cleanup.
trap 'echo "$OLD_URING" >"$PARAM"; _fsp_cleanup' EXIT
echo Y >"$PARAM"

# shellcheck source=tests/conformance-lib.sh
. "$(dirname "$0")/../conformance-lib.sh"

# ring_completions PID: completions the kernel posted on PID's io_uring
# instances (CqTail in fdinfo), summed; 0 if it has none.
ring_completions() {
    local pid=$1 f sum=0 n
    for f in /proc/"$pid"/fd/*; do
        [[ $(readlink "$f" 2>/dev/null) == *io_uring* ]] || continue
        n=$(awk '/^CqTail:/ {print $2}' "/proc/$pid/fdinfo/${f##*/}" 2>/dev/null)
        sum=$((sum + ${n:-0}))
    done
    echo "$sum"
}
ring_count() { # ring_count PID: its io_uring fds
    local f n=0
    for f in /proc/"$1"/fd/*; do
        [[ $(readlink "$f" 2>/dev/null) == *io_uring* ]] && n=$((n + 1))
    done
    echo "$n"
}

# the process serving DIR when it was started through sh -c exec: FSP_PID.
head -c $((3 << 20)) /dev/urandom >"$FSP_TMP/src"

# pinned_queues PID: every ring's thread (fsp-uringN) of an online CPU N may
# run on CPU N only; prints how many there are, fails on one that may not.
pinned_queues() {
    local t comm qid cpus n=0
    for t in /proc/"$1"/task/*; do
        comm=$(cat "$t/comm" 2>/dev/null) || continue
        [[ $comm == fsp-uring* ]] || continue
        qid=${comm#fsp-uring}
        online_cpu "$qid" || continue
        cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status")
        [ "$cpus" = "$qid" ] || { echo "fsp-uring$qid may run on $cpus"; return 1; }
        n=$((n + 1))
    done
    echo "$n"
}

# online_cpu N: CPU N is in /sys/devices/system/cpu/online ("0-3,6").
online_cpu() {
    local r lo hi ranges
    IFS=, read -r -a ranges </sys/devices/system/cpu/online
    for r in "${ranges[@]}"; do
        lo=${r%-*} hi=${r#*-}
        [ "$1" -ge "$lo" ] && [ "$1" -le "$hi" ] && return 0
    done
    return 1
}

# --- ptfs over the ring ---------------------------------------------------------
BACK=$FSP_TMP/back
mkdir -p "$BACK"
cp "$FSP_TMP/src" "$BACK/big"
M=$FSP_TMP/pt
LOG=$FSP_TMP/pt.log
if fsp_start_fs "$M" "$PTFS" -d --uring --no-passthrough "$BACK" "$M" 2>"$LOG"; then
    check "ptfs: OVER_IO_URING negotiated" bash -c \
        "for i in \$(seq 100); do grep -q 'INIT: using.*OVER_IO_URING' '$LOG' && exit 0; sleep 0.05; done; exit 1"
    check "ptfs: one ring per CPU registered" grep -q "io_uring: $(($(cut -d- -f2 /sys/devices/system/cpu/possible) + 1)) queues" "$LOG"
    check "ptfs: read through the ring" $T cmp "$M/big" "$FSP_TMP/src"
    check "ptfs: write through the ring" bash -c \
        "$T cp '$FSP_TMP/src' '$M/copy' && cmp '$BACK/copy' '$FSP_TMP/src'"
    check "ptfs: listing" test "$(ls "$M" | tr '\n' ' ')" = "big copy "
    c=$(ring_completions "$FSP_PID")
    check "ptfs: the kernel completed ring commands ($c)" test "$c" -gt 20
    p=$(pinned_queues "$FSP_PID")
    check "ptfs: each online CPU's queue thread runs on that CPU only ($p)" \
        test "$p" -ge 1 -a "$p" -le "$(nproc --all)"
    # SIGUSR1: the per-opcode profile, READs counted on the ring.
    kill -USR1 "$FSP_PID"
    check "ptfs: SIGUSR1 logs the request profile" bash -c \
        "for i in \$(seq 100); do grep -q 'stats: .*READ  *[1-9][0-9]* requests' '$LOG' && exit 0; sleep 0.05; done; exit 1"
    check "ptfs: the profile counts requests over io_uring" \
        grep -qE 'stats: [0-9]+ requests \([0-9]+ over /dev/fuse, [1-9][0-9]* over io_uring\)' "$LOG"
    check "ptfs: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    check "ptfs: the profile is logged again at exit (debug)" \
        test "$(grep -c 'stats: [0-9]* requests (' "$LOG")" -eq 2
    served=$(sed -n 's/.*io_uring: served \([0-9]*\) requests.*/\1/p' "$LOG")
    check "ptfs: requests served on the rings (${served:-none})" test "${served:-0}" -gt 20
else
    fail "mount ptfs --uring"
fi

# --- Deferred replies over the ring: pendfs (native API) ------------------------
M=$FSP_TMP/pend
if fsp_start_fs "$M" env FSP_IO_URING=1 "$PENDFS" -m "$M" --mode=late 2>"$FSP_TMP/pend.log"; then
    ok=0
    for s in 0 1 4095 65537 $((3 << 20)); do
        head -c "$s" "$FSP_TMP/src" >"$FSP_TMP/part"
        $T cp "$FSP_TMP/part" "$M/f.$s" && $T cmp -s "$M/f.$s" "$FSP_TMP/part" || {
            echo "    size $s"
            ok=1
        }
    done
    check "pendfs: sizes round-trip with deferred replies over the ring" test "$ok" -eq 0
    pids=()
    for p in 1 2 3 4; do
        $T cmp -s "$M/f.$((3 << 20))" "$FSP_TMP/src" &
        pids+=($!)
    done
    ok=0
    for p in "${pids[@]}"; do wait "$p" || ok=1; done
    check "pendfs: concurrent readers" test "$ok" -eq 0
    check "pendfs: listing" test "$(ls "$M" | wc -l)" -eq 5
    # env execs pendfs, so FSP_PID is pendfs itself.
    c=$(ring_completions "$FSP_PID")
    check "pendfs: the kernel completed ring commands ($c)" test "$c" -gt 20
    check "pendfs: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount pendfs with FSP_IO_URING=1"
fi

# --- Deferred replies from threads that end: MEMFS slow I/O ----------------------
M=$FSP_TMP/slow
if fsp_start_fs "$M" env FSP_IO_URING=1 "$FSP_BUILD/memfs" -M 3 -P 100 -m "$M" 2>"$FSP_TMP/slow.log"; then
    ok=0 # the first failure ends the rounds: a lost entry stalls the rest
    for r in 1 2 3; do
        for s in 1 4095 65537 $((1 << 20)); do
            head -c "$s" "$FSP_TMP/src" >"$FSP_TMP/part"
            $T cp "$FSP_TMP/part" "$M/f.$s" && $T cmp -s "$M/f.$s" "$FSP_TMP/part" || {
                echo "    round $r, size $s"
                ok=1
                break 2
            }
        done
        $T ls "$M" >/dev/null || { ok=1; break; }
    done
    check "slow I/O: data round-trips, each reply from an ending thread" test "$ok" -eq 0
    check "slow I/O: the kernel kept every ring entry (none cancelled)" \
        bash -c "! grep 'entry refused' '$FSP_TMP/slow.log'"
    c=$(ring_completions "$FSP_PID")
    check "slow I/O: the kernel completed ring commands ($c)" test "$c" -gt 20
    check "slow I/O: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount memfs -M 3 -P 100 with FSP_IO_URING=1"
fi

# --- memfs-fuse3 -o io_uring: conformance as over /dev/fuse ---------------------
conf_reference || fsp_done
# run_conf ID OPTIONS: memfs-fuse3 -o OPTIONS, the suite into $FSP_TMP/ID.out;
# sets COMPLETIONS to the ring completions seen before unmounting.
run_conf() {
    local id=$1 opts=$2 m=$FSP_TMP/$1 rc
    COMPLETIONS=
    if ! fsp_start_fs "$m" "$MEMFS" -f -o "$opts" "$m" 2>"$FSP_TMP/$id.log"; then
        fail "$id: memfs-fuse3 -o $opts mounts"
        return 1
    fi
    (cd / && timeout -k 5 "$RUN_LIMIT" "$CONF" "$m") >"$FSP_TMP/$id.out" 2>"$FSP_TMP/$id.err"
    rc=$?
    [ "$rc" -le 1 ] || fail "$id: the suite exited with status $rc"
    COMPLETIONS=$(ring_completions "$FSP_PID")
    check "$id: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$m"
}
verdicts() { grep -E '^(PASS|FAIL) ' "$1"; }

if run_conf uring "$BASE_OPTS,io_uring"; then
    check "uring: the suite ran over the ring ($COMPLETIONS completions)" \
        test "${COMPLETIONS:-0}" -gt 1000
    compare "memfs-fuse3 -o io_uring" "$FSP_TMP/uring.out" btime
    known_fails "memfs-fuse3 -o io_uring" "$FSP_TMP/uring.out" btime "$NO_BTIME"
fi
if run_conf devfuse "$BASE_OPTS"; then
    check "devfuse: no ring without -o io_uring" test "${COMPLETIONS:-0}" -eq 0
    check "conformance verdicts over io_uring = over /dev/fuse" \
        diff <(verdicts "$FSP_TMP/devfuse.out") <(verdicts "$FSP_TMP/uring.out")
fi

# --- Fallback: enable_uring off ---------------------------------------------------
echo N >"$PARAM"
M=$FSP_TMP/off
if fsp_start_fs "$M" "$PTFS" -d --uring --no-passthrough "$BACK" "$M" 2>"$FSP_TMP/off.log"; then
    check "off: read through /dev/fuse" $T cmp "$M/big" "$FSP_TMP/src"
    check "off: no io_uring instance" test "$(ring_count "$FSP_PID")" -eq 0
    check "off: INIT without OVER_IO_URING" bash -c "! grep -q 'INIT: using.*OVER_IO_URING' '$FSP_TMP/off.log'"
    check "off: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount ptfs --uring with enable_uring off"
fi
fsp_done
