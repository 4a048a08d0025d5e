#!/usr/bin/env bash
# passthrough_backing.sh - passthrough-ll -o passthrough: FUSE passthrough
# (backing files, kernel 6.9+) through the FUSE 3 API (fuse_passthrough_open
# and fuse_passthrough_close), over a tmpfs source:
#  - the conformance suite gives the same transcript as tmpfs, killpriv
#    included; its run sends no READ or WRITE to the daemon (counted in the
#    -o debug trace) but for killpriv's files, which have setuid/setgid when
#    opened and are served through WRITE so that the daemon clears the bits;
#  - writes send no GETXATTR of security.capability (HANDLE_KILLPRIV_V2);
#  - reads, writes, partial overwrites, shared-mapping writes and opens of a
#    file already open (one backing id per inode, shared) give the source's
#    bytes with no READ or WRITE; the same I/O without the option does reach
#    the daemon (so the count can fail);
#  - refusals fall back to READ/WRITE with correct data: the writeback cache
#    asked for too, backing files on a passthrough mount (stack too deep),
#    and a daemon without CAP_SYS_ADMIN (a user namespace).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/conformance-lib.sh
. "$(dirname "$0")/../conformance-lib.sh"

PLL=$FSP_BUILD/passthrough-ll
CONF=$FSP_BUILD/tests/conformance
OPS=$FSP_BUILD/tests/fileops
RUN_LIMIT=150
fsp_need_built passthrough_backing "$PLL" "$CONF" "$OPS"

# mount_pll ID OPTIONS [SOURCE]: passthrough-ll -o OPTIONS over SOURCE (by
# default a fresh tmpfs $FSP_TMP/ID.src) on $FSP_TMP/ID, logging to
# $FSP_TMP/ID.log (sets SRC, M, LOG, FSP_PID).
mount_pll() {
    local id=$1 opts=$2
    M=$FSP_TMP/$id LOG=$FSP_TMP/$id.log SRC=${3:-$FSP_TMP/$id.src}
    if [ -z "${3:-}" ] && ! fsp_mount_tmpfs "$SRC" "fsp-ptb-$id" size=256m,mode=0755; then
        fail "$id: cannot mount the tmpfs source"
        return 1
    fi
    fsp_start_to_log "$id: passthrough-ll -o $opts mounts" "$M" "$PLL" -f -o "$opts" "$SRC" "$M" ||
        return 1
    stat "$M" >/dev/null # INIT is answered after the mount appears
}
count_op() { grep -c " $1(" "$2"; } # count_op READ LOG: requests of that opcode
negotiated() { grep -q 'INIT: using 7\.[0-9]* .*PASSTHROUGH' "$1"; }

"$OPS" pattern 3M >"$FSP_TMP/pattern3"
"$OPS" pattern 1M >"$FSP_TMP/pattern1"
head -c $((4 << 20)) /dev/urandom >"$FSP_TMP/big"

# io_checks LABEL DIR SRCDIR: the data paths through DIR match SRCDIR.
io_checks() {
    local label=$1 m=$2 s=$3
    cp "$FSP_TMP/big" "$s/big"
    check "$label: read equals the source file" cmp "$m/big" "$s/big"
    check "$label: a written file lands in the source" \
        bash -c "cat '$FSP_TMP/pattern3' >'$m/new' && cmp '$s/new' '$FSP_TMP/pattern3'"
    check "$label: it reads back through the mount" cmp "$m/new" "$FSP_TMP/pattern3"
    check "$label: a partial overwrite matches" bash -c \
        "printf 'OVERWRITE' | dd of='$m/new' bs=1 seek=4093 conv=notrunc status=none &&
         cp '$FSP_TMP/pattern3' '$FSP_TMP/expect' &&
         printf 'OVERWRITE' | dd of='$FSP_TMP/expect' bs=1 seek=4093 conv=notrunc status=none &&
         cmp '$s/new' '$FSP_TMP/expect' && cmp '$m/new' '$FSP_TMP/expect'"
    check "$label: a shared-mapping write lands in the source" \
        bash -c "'$OPS' mmap-write '$m/mm' 1M && cmp '$s/mm' '$FSP_TMP/pattern1'"
    check "$label: the mapped file reads back" cmp "$m/mm" "$FSP_TMP/pattern1"
    # The kernel keeps one backing file per inode: opens of a file that is
    # open elsewhere must share its backing id, or they fail.
    check "$label: opens while the file is open elsewhere" bash -c \
        "exec 3<'$m/big' 4>>'$m/new' && cmp '$m/big' '$s/big' && printf tail >>'$m/new' &&
         cmp <(cat '$FSP_TMP/expect'; printf tail) '$s/new'"
}

# --- Passthrough on: conformance, then no READ/WRITE ---------------------------
conf_reference || fsp_done
if mount_pll conf allow_other,debug,passthrough; then
    if ! grep -q 'INIT: kernel .*PASSTHROUGH' "$LOG"; then
        echo "SKIP the kernel does not offer FUSE_PASSTHROUGH"
        fsp_stop_fs "$FSP_PID" "$M"
        fsp_done
    fi
    check "passthrough negotiated" negotiated "$LOG"
    out=$FSP_TMP/conf.out
    (cd / && timeout -k 5 "$RUN_LIMIT" "$CONF" --skip killpriv "$M") >"$out" 2>"$out.err"
    rc=$?
    [ "$rc" -le 1 ] || fail "conformance/run (passthrough): exit status $rc"
    check "conformance: files were opened" test "$(count_op OPEN "$LOG")" -gt 0
    check "conformance: backing files served all I/O: no READ" test "$(count_op READ "$LOG")" -eq 0
    check "conformance: and no WRITE" test "$(count_op WRITE "$LOG")" -eq 0
    # killpriv writes files that have setuid/setgid: those are not passed
    # through (backing.c), their writes reach the daemon, which lets the
    # source clear the bits as tmpfs does.
    (cd / && timeout -k 5 "$RUN_LIMIT" "$CONF" --only killpriv "$M") >>"$out" 2>>"$out.err"
    rc=$?
    [ "$rc" -le 1 ] || fail "conformance/run killpriv (passthrough): exit status $rc"
    check "conformance: setuid/setgid files are written through WRITE" \
        test "$(count_op WRITE "$LOG")" -gt 0
    compare passthrough "$out" btime
    known_fails passthrough "$out" btime "$NO_BTIME"
    check "conformance: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    fsp_umount_tmpfs "$SRC"
fi

if mount_pll on allow_other,debug,passthrough; then
    io_checks passthrough "$M" "$SRC"
    check "passthrough: no READ reached the daemon" test "$(count_op READ "$LOG")" -eq 0
    check "passthrough: no WRITE reached the daemon" test "$(count_op WRITE "$LOG")" -eq 0
    check "passthrough: no refusal was reported" bash -c "! grep -q '^passthrough-ll:' '$LOG'"
    # Without HANDLE_KILLPRIV_V2 the kernel asks for security.capability
    # before every write (file_remove_privs); with it, once per inode.
    before=$(count_op GETXATTR "$LOG")
    check "passthrough: 64 writes of 4 KiB" \
        dd if=/dev/urandom of="$M/w64" bs=4k count=64 status=none
    check "passthrough: they sent at most one GETXATTR" \
        test "$(($(count_op GETXATTR "$LOG") - before))" -le 1
    check "passthrough: and no WRITE" test "$(count_op WRITE "$LOG")" -eq 0
    check "passthrough: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    fsp_umount_tmpfs "$SRC"
fi

# --- Without the option the same I/O reaches the daemon ----------------------------
if mount_pll off allow_other,debug; then
    check "off: passthrough not negotiated" bash -c "! grep -q 'INIT: using.*PASSTHROUGH' '$LOG'"
    io_checks off "$M" "$SRC"
    check "off: the daemon served READs" test "$(count_op READ "$LOG")" -gt 0
    check "off: the daemon served WRITEs" test "$(count_op WRITE "$LOG")" -gt 0
    check "off: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    fsp_umount_tmpfs "$SRC"
fi

# --- Refused at INIT: the writeback cache excludes passthrough --------------------
if mount_pll wb allow_other,debug,passthrough,writeback_cache; then
    check "writeback: passthrough dropped with a message" \
        grep -q 'passthrough and the writeback cache exclude each other' "$LOG"
    check "writeback: INIT without PASSTHROUGH" bash -c "! grep -q 'INIT: using.*PASSTHROUGH' '$LOG'"
    io_checks writeback "$M" "$SRC"
    check "writeback: the daemon served READs" test "$(count_op READ "$LOG")" -gt 0
    check "writeback: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    fsp_umount_tmpfs "$SRC"
fi

# --- Refused per file: the source is itself a passthrough FUSE mount --------------
# The inner mount has stack depth 1, which is all the outer one allows under
# its backing files, so the kernel refuses the outer backing ids (ELOOP).
if mount_pll inner allow_other,passthrough; then
    INNER=$M INNER_SRC=$SRC INNER_PID=$FSP_PID
    if mount_pll outer allow_other,debug,passthrough "$INNER"; then
        check "stacked: passthrough negotiated on the outer mount" negotiated "$LOG"
        io_checks stacked "$M" "$INNER_SRC"
        check "stacked: the kernel refused the backing files" \
            grep -q 'no passthrough for this file' "$LOG"
        check "stacked: the daemon served READs instead" test "$(count_op READ "$LOG")" -gt 0
        check "stacked: the daemon served WRITEs instead" test "$(count_op WRITE "$LOG")" -gt 0
        check "stacked: SIGTERM unmounts the outer mount" stop_with TERM "$FSP_PID" "$M"
    fi
    check "inner: SIGTERM unmounts and exits 0" stop_with TERM "$INNER_PID" "$INNER"
    fsp_umount_tmpfs "$INNER_SRC"
fi

# --- Refused for the mount: no CAP_SYS_ADMIN ---------------------------------------
# Root in a new user namespace may mount FUSE (in its own mount namespace)
# but lacks CAP_SYS_ADMIN in the initial one, which backing files need
# (EPERM). The mount is invisible from here, so the whole check runs inside;
# `timeout` bounds it and the namespace's end takes the mount with it.
SRC=$FSP_TMP/nocap.src M=$FSP_TMP/nocap LOG=$FSP_TMP/nocap.log
mkdir -p "$SRC" "$M"
cp "$FSP_TMP/big" "$SRC/big"
if unshare -U -r true 2>/dev/null; then
    # shellcheck disable=SC2016 # the inner shell expands its own variables
    out=$(timeout -k 5 60 unshare -U -r -m --propagation private bash -c '
        pll=$1 src=$2 m=$3 log=$4 pat=$5
        "$pll" -f -o debug,passthrough "$src" "$m" >"$log" 2>&1 &
        pid=$!
        for ((i = 0; i < 100; i++)); do
            grep -q " $m fuse" /proc/self/mounts && break
            sleep 0.05
        done
        cmp "$m/big" "$src/big" && echo read-ok
        cat "$pat" >"$m/new" && cmp "$src/new" "$pat" && echo write-ok
        kill -TERM "$pid"
        wait "$pid" && echo exit-ok' sh "$PLL" "$SRC" "$M" "$LOG" "$FSP_TMP/pattern3" 2>&1)
    check "no CAP_SYS_ADMIN: reads are right" grep -qx read-ok <<<"$out"
    check "no CAP_SYS_ADMIN: writes are right" grep -qx write-ok <<<"$out"
    check "no CAP_SYS_ADMIN: SIGTERM ends the daemon with 0" grep -qx exit-ok <<<"$out"
    check "no CAP_SYS_ADMIN: the refusal is reported" \
        grep -q 'refuses backing files (Operation not permitted)' "$LOG"
    check "no CAP_SYS_ADMIN: the daemon served READs" test "$(count_op READ "$LOG")" -gt 0
    check "no CAP_SYS_ADMIN: the daemon served WRITEs" test "$(count_op WRITE "$LOG")" -gt 0
else
    echo "SKIP no CAP_SYS_ADMIN: user namespaces are not available"
fi

fsp_done
