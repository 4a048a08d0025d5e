#!/usr/bin/env bash
# pending.sh - asynchronous completion on the native API, through pendfs:
# Read, Write and ReadDirectory answer STATUS_PENDING and finish later with
# FspFileSystemSendResponse, either after the adapter parked the request
# (late), before it did (early), or not at all (sync, for comparison).
# For each mode: files of awkward sizes written and read back, concurrent
# readers and writers, concurrent O_APPEND, a 2,000-entry listing, truncate,
# and a clean exit on SIGTERM. Then a debug run's request trace.
. "$(dirname "$0")/../lib.sh"

PENDFS=$FSP_BUILD/tests/pendfs
fsp_need_built pending "$PENDFS"

# Every client command runs under a bound: a lost reply must fail the test,
# not hang it.
T="timeout -k 5 120"

# Random sources, shared by all modes.
SIZES=(0 1 4095 4096 $((1024 * 1024 + 1)) $((8 * 1024 * 1024)))
for s in "${SIZES[@]}"; do
    head -c "$s" /dev/urandom >"$FSP_TMP/src.$s"
done
head -c $((512 * 1024)) /dev/urandom >"$FSP_TMP/src.shared"

# sizes_roundtrip DIR: every size written with dd and with cp, read back.
sizes_roundtrip() {
    local m=$1 s ok=0
    for s in "${SIZES[@]}"; do
        $T dd if="$FSP_TMP/src.$s" of="$m/dd.$s" bs=65536 status=none || { echo "  dd $s"; ok=1; }
        $T cp "$FSP_TMP/src.$s" "$m/cp.$s" || { echo "  cp $s"; ok=1; }
        [ "$(stat -c %s "$m/dd.$s")" = "$s" ] || { echo "  size dd.$s"; ok=1; }
        $T cmp -s "$FSP_TMP/src.$s" "$m/dd.$s" || { echo "  cmp dd.$s"; ok=1; }
        $T cmp -s "$FSP_TMP/src.$s" "$m/cp.$s" || { echo "  cmp cp.$s"; ok=1; }
        # Odd block sizes: reads that straddle pages and end mid-file.
        $T dd if="$m/cp.$s" bs=3001 status=none | $T cmp -s - "$FSP_TMP/src.$s" ||
            { echo "  dd bs=3001 read $s"; ok=1; }
    done
    return $ok
}

# concurrent DIR: 8 jobs, each writing its own file and reading a shared one.
concurrent() {
    local m=$1 p pids=() rc=0 bad=$FSP_TMP/conc.bad
    : >"$bad"
    cp "$FSP_TMP/src.shared" "$m/shared"
    for ((p = 0; p < 8; p++)); do
        $T bash -c "
            for ((i = 0; i < 10; i++)); do
                dd if='$FSP_TMP/src.$((1024 * 1024 + 1))' of='$m/w.$p' bs=$((4096 * (p + 1) + p)) status=none || echo w$p
                cmp -s '$FSP_TMP/src.$((1024 * 1024 + 1))' '$m/w.$p' || echo r$p
                cmp -s '$FSP_TMP/src.shared' '$m/shared' || echo s$p
            done" >>"$bad" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    [ -s "$bad" ] && { echo "  failures: $(sort -u "$bad" | tr '\n' ' ')"; rc=1; }
    return $rc
}

# appenders DIR: 4 processes x 200 records of 64 bytes through O_APPEND; every
# record whole, present once, in each writer's own order.
appenders() {
    local m=$1 p pids=() rc=0 f=$1/append.log
    : >"$f"
    for ((p = 0; p < 4; p++)); do
        # One descriptor per writer; printf writes each record in one write(2).
        $T bash -c "exec 3>>'$f'
            for ((i = 0; i < 200; i++)); do
                printf 'writer %d record %04d %s\n' $p \$i 0123456789abcdefghijklmnopqrstuvwxyzABCDEF >&3
            done" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    [ "$(stat -c %s "$f")" = $((4 * 200 * 64)) ] || { echo "  size $(stat -c %s "$f")"; rc=1; }
    $T awk '
        !/^writer [0-3] record [0-9][0-9][0-9][0-9] 0123456789abcdefghijklmnopqrstuvwxyzABCDEF$/ { bad++; next }
        { w = $2; r = $4 + 0; if (r != next_[w] + 0) bad++; next_[w] = r + 1 }
        END { for (w = 0; w < 4; w++) if (next_[w] + 0 != 200) bad++; exit bad ? 1 : 0 }
    ' "$f" || { echo "  records out of order, torn or missing"; rc=1; }
    return $rc
}

# many_entries DIR: 2,000 files, each listed exactly once (several
# ReadDirectory calls, each one pending, continued by marker).
many_entries() {
    local m=$1 i rc=0 listing=$FSP_TMP/listing
    for ((i = 0; i < 2000; i++)); do
        : >"$m/entry_with_a_longish_name_$i" || return 1
    done
    # ls -f: the order and multiplicity the file system produced.
    $T ls -f "$m" >"$listing" || rc=1
    [ "$(grep -c '^entry_with_a_longish_name_' "$listing")" = 2000 ] ||
        { echo "  listed $(grep -c '^entry_' "$listing")"; rc=1; }
    [ -z "$(sort "$listing" | uniq -d)" ] || { echo "  duplicates"; rc=1; }
    for ((i = 0; i < 2000; i++)); do
        grep -qx "entry_with_a_longish_name_$i" "$listing" || { echo "  missing $i"; rc=1; break; }
    done
    [ "$($T find "$m" -name 'entry_with_a_longish_name_*' | wc -l)" = 2000 ] || rc=1
    $T find "$m" -name 'entry_with_a_longish_name_*' -delete || rc=1
    [ "$($T ls -f "$m" | grep -c '^entry_')" = 0 ] || { echo "  not all deleted"; rc=1; }
    return $rc
}

# truncation DIR: shrink, grow (zeros), to zero; contents checked each time.
truncation() {
    local m=$1 f=$1/trunc src=$FSP_TMP/src.$((1024 * 1024 + 1)) rc=0
    cp "$src" "$f" || return 1
    $T truncate -s 5000 "$f" || rc=1
    head -c 5000 "$src" | cmp -s - "$f" || { echo "  shrink"; rc=1; }
    $T truncate -s 300000 "$f" || rc=1
    { head -c 5000 "$src"; head -c 295000 /dev/zero; } | cmp -s - "$f" || { echo "  grow"; rc=1; }
    $T truncate -s 0 "$f" || rc=1
    [ "$(stat -c %s "$f")" = 0 ] && [ -z "$(cat "$f")" ] || { echo "  to zero"; rc=1; }
    # O_TRUNC through the shell (Open + Overwrite), then a fresh write.
    printf 'again\n' >"$f"
    [ "$(cat "$f")" = again ] || { echo "  O_TRUNC"; rc=1; }
    return $rc
}

for mode in late early sync; do
    M=$FSP_TMP/$mode
    if fsp_start_fs "$M" "$PENDFS" -m "$M" --mode=$mode; then
        pass "$mode: mount pendfs"
        check "$mode: sizes 0..8 MiB round trip (dd, cp)" sizes_roundtrip "$M"
        check "$mode: 8 concurrent readers and writers" concurrent "$M"
        check "$mode: concurrent O_APPEND records intact" appenders "$M"
        check "$mode: 2,000 entries listed exactly once" many_entries "$M"
        check "$mode: truncate shrink, grow, zero" truncation "$M"
        check "$mode: rename and unlink" bash -c "mv '$M/cp.1' '$M/renamed' &&
            cmp -s '$FSP_TMP/src.1' '$M/renamed' && rm '$M/renamed' && ! [ -e '$M/renamed' ]"
        check "$mode: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    else
        fail "$mode: mount pendfs"
    fi
done

# --- SIGTERM while requests are parked: the completion threads still answer,
# the process exits 0 and leaves no mount (and, sanitized, no leak) ----------
# The readers still hold files open when the session ends, so the adapter
# must close and free handles the kernel never released.
M=$FSP_TMP/busy
if fsp_start_fs "$M" "$PENDFS" -m "$M" --mode=late; then
    cp "$FSP_TMP/src.$((8 * 1024 * 1024))" "$M/big"
    load=()
    for ((p = 0; p < 4; p++)); do
        $T bash -c "while :; do cat '$M/big' >/dev/null 2>&1 || exit 0; \
            cp '$FSP_TMP/src.shared' '$M/c$p' 2>/dev/null || exit 0; done" &
        load+=($!)
    done
    sleep 1
    check "under load: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    for p in "${load[@]}"; do wait "$p" 2>/dev/null; done
else
    fail "busy: mount pendfs"
fi

# --- Debug log: one readable trace line per request and per reply -----------
M=$FSP_TMP/debug
LOG=$FSP_TMP/debug.log
if fsp_start_fs "$M" "$PENDFS" -m "$M" --mode=late -d 2>"$LOG"; then
    printf 'traced\n' >"$M/t"
    $T cat "$M/t" >/dev/null
    $T ls "$M" >/dev/null
    check "debug: WRITE request traced" grep -qE 'unique=[0-9]+ WRITE\(16\) nodeid=[0-9]+ ' "$LOG"
    check "debug: READ request traced" grep -qE 'unique=[0-9]+ READ\(15\) nodeid=[0-9]+ ' "$LOG"
    check "debug: READDIR request traced" grep -qE 'unique=[0-9]+ READDIR(PLUS)?\([0-9]+\) nodeid=1 ' "$LOG"
    # The pending READ's reply (7 bytes, sent from a completion thread) is
    # traced against the request's unique id.
    u=$(grep -oE 'unique=[0-9]+ READ\(15\)' "$LOG" | head -n 1 | grep -oE '[0-9]+' | head -n 1)
    check "debug: pending READ reply traced" grep -qE "unique=${u:-x} -> error=0 size=7\$" "$LOG"
    check "debug: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "debug: mount pendfs -d"
fi

fsp_done
