#!/usr/bin/env bash
# kpassthrough.sh - FUSE passthrough (backing files, kernel 6.9+) through the
# session API, with tests/tools/ptfs over a tmpfs backing directory:
#  - with passthrough, reads, writes, partial overwrites and shared-mapping
#    writes through the mount give the same bytes as the backing file, and the
#    daemon sees no READ or WRITE request at all (counted in its -d trace);
#  - the same operations without passthrough do reach the daemon (so the
#    count above can fail), with the same results;
#  - refusals fall back cleanly: the writeback cache asked for (passthrough
#    dropped at INIT), and a backing file on a passthrough FUSE mount (the
#    kernel refuses its backing id: stack too deep) are served through
#    READ/WRITE with correct data.
. "$(dirname "$0")/../lib.sh"

PTFS=$FSP_BUILD/tests/ptfs
OPS=$FSP_BUILD/tests/fileops
BACK=$FSP_TMP/back
fsp_need_built kpassthrough "$PTFS" "$OPS"
fsp_need_tmpfs "tmpfs for the backing directory" "$BACK" ptback size=64m
head -c $((4 << 20)) /dev/urandom >"$BACK/big"
"$OPS" pattern 3M >"$FSP_TMP/pattern3"
"$OPS" pattern 1M >"$FSP_TMP/pattern1"

# wait_init LOG: INIT is answered after the mount appears; wait (bounded)
# for its trace and make sure the mount has served a request.
wait_init() {
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q 'INIT: using' "$1" && return 0
        sleep 0.05
    done
    return 1
}
count_op() { grep -c " $1(" "$2"; } # count_op READ LOG: requests of that opcode

# io_checks LABEL DIR BACKDIR: the data paths through DIR match BACKDIR.
io_checks() {
    local label=$1 m=$2 b=$3
    check "$label: read equals the backing file" cmp "$m/big" "$b/big"
    rm -f "$b/new" "$b/mm"
    check "$label: a written file lands in the backing file" \
        bash -c "cat '$FSP_TMP/pattern3' >'$m/new' && cmp '$b/new' '$FSP_TMP/pattern3'"
    check "$label: it reads back through the mount" cmp "$m/new" "$FSP_TMP/pattern3"
    check "$label: a partial overwrite matches" bash -c \
        "printf 'OVERWRITE' | dd of='$m/new' bs=1 seek=4093 conv=notrunc status=none &&
         cp '$FSP_TMP/pattern3' '$FSP_TMP/expect' &&
         printf 'OVERWRITE' | dd of='$FSP_TMP/expect' bs=1 seek=4093 conv=notrunc status=none &&
         cmp '$b/new' '$FSP_TMP/expect' && cmp '$m/new' '$FSP_TMP/expect'"
    check "$label: a shared-mapping write lands in the backing file" \
        bash -c "'$OPS' mmap-write '$m/mm' 1M && cmp '$b/mm' '$FSP_TMP/pattern1'"
    check "$label: the mapped file reads back" cmp "$m/mm" "$FSP_TMP/pattern1"
    # The kernel keeps one backing file per inode: opens while another is
    # open must share it.
    check "$label: opens while the file is open elsewhere" bash -c \
        "exec 3<'$m/big' 4>>'$m/new' && cmp '$m/big' '$b/big' && printf tail >>'$m/new' &&
         cmp <(cat '$FSP_TMP/expect'; printf tail) '$b/new'"
}

# --- Passthrough on: no READ/WRITE reaches the daemon ----------------------------
M=$FSP_TMP/pt
LOG=$FSP_TMP/pt.log
if fsp_start_fs "$M" "$PTFS" -d "$BACK" "$M" 2>"$LOG"; then
    stat "$M" >/dev/null
    wait_init "$LOG"
    if ! grep -q 'INIT: kernel .*PASSTHROUGH' "$LOG"; then
        echo "SKIP kernel does not offer FUSE_PASSTHROUGH"
        fsp_stop_fs "$FSP_PID" "$M"
        fsp_done
    fi
    check "passthrough negotiated" grep -q 'INIT: using 7\.4[0-9].*PASSTHROUGH' "$LOG"
    io_checks passthrough "$M" "$BACK"
    check "files were opened (OPEN/CREATE seen)" \
        test "$(($(count_op OPEN "$LOG") + $(count_op CREATE "$LOG")))" -ge 4
    check "backing ids were registered" grep -q 'backing id [0-9]* for fd' "$LOG"
    check "the daemon saw no READ" test "$(count_op READ "$LOG")" -eq 0
    check "the daemon saw no WRITE" test "$(count_op WRITE "$LOG")" -eq 0
    check "SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount ptfs with passthrough"
fi

# --- Passthrough off: the same I/O goes through the daemon ------------------------
M=$FSP_TMP/nopt
LOG=$FSP_TMP/nopt.log
if fsp_start_fs "$M" "$PTFS" -d --no-passthrough "$BACK" "$M" 2>"$LOG"; then
    stat "$M" >/dev/null
    check "no-passthrough: INIT traced" wait_init "$LOG"
    check "no passthrough negotiated" bash -c "! grep -q 'INIT: using.*PASSTHROUGH' '$LOG'"
    io_checks no-passthrough "$M" "$BACK"
    check "no-passthrough: the daemon served READs" test "$(count_op READ "$LOG")" -gt 0
    check "no-passthrough: the daemon served WRITEs" test "$(count_op WRITE "$LOG")" -gt 0
    check "no-passthrough: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount ptfs without passthrough"
fi

# --- Refused at INIT: the writeback cache excludes passthrough --------------------
M=$FSP_TMP/wb
LOG=$FSP_TMP/wb.log
if fsp_start_fs "$M" "$PTFS" -d --writeback "$BACK" "$M" 2>"$LOG"; then
    stat "$M" >/dev/null
    check "writeback: INIT traced" wait_init "$LOG"
    check "writeback: passthrough dropped with a message" \
        grep -q 'passthrough and the writeback cache exclude each other' "$LOG"
    check "writeback: INIT without PASSTHROUGH" bash -c "! grep -q 'INIT: using.*PASSTHROUGH' '$LOG'"
    io_checks writeback "$M" "$BACK"
    check "writeback: the daemon served READs" test "$(count_op READ "$LOG")" -gt 0
    check "writeback: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount ptfs with the writeback cache"
fi

# --- Refused per file: backing files on a passthrough FUSE mount ------------------
# The inner mount has stack depth 1, which is what the outer one allows
# under its backing files, so the kernel refuses the outer backing ids.
INNER=$FSP_TMP/inner
M=$FSP_TMP/outer
LOG=$FSP_TMP/outer.log
if fsp_start_fs "$INNER" "$PTFS" "$BACK" "$INNER" 2>"$FSP_TMP/inner.log"; then
    INNER_PID=$FSP_PID
    if fsp_start_fs "$M" "$PTFS" -d "$INNER" "$M" 2>"$LOG"; then
        io_checks stacked "$M" "$BACK"
        check "stacked: the kernel refused the backing files" \
            grep -q 'no passthrough for this file' "$LOG"
        check "stacked: the daemon served READs instead" test "$(count_op READ "$LOG")" -gt 0
        check "stacked: the daemon served WRITEs instead" test "$(count_op WRITE "$LOG")" -gt 0
        check "stacked: SIGTERM unmounts the outer mount" stop_with TERM "$FSP_PID" "$M"
    else
        fail "mount ptfs over a ptfs mount"
    fi
    check "inner: SIGTERM unmounts and exits 0" stop_with TERM "$INNER_PID" "$INNER"
else
    fail "mount the inner ptfs"
fi
fsp_done
