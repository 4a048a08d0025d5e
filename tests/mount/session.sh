#!/usr/bin/env bash
# session.sh - the kernel session end to end, through hellofs (a file system
# written directly on the session's operations table): mount, read, listing,
# mount table entries, INIT negotiation in the debug log, deferred replies,
# parallel readers, clean stops on SIGTERM/SIGINT/SIGHUP, no mount left after
# SIGKILL, and the same as a non-root user through fusermount3.
. "$(dirname "$0")/../lib.sh"

HELLO=$FSP_BUILD/tests/hellofs
REF=$FSP_TMP/ref
printf 'Hello, FSP!\n' >"$REF"
fsp_need_built session "$HELLO"

# killed_leaves_no_mount PID DIR: SIGKILL, then the mount must vanish.
killed_leaves_no_mount() {
    local pid=$1 dir=$2
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    fsp_wait_unmounted "$dir" 5
}

listing_is_hello() { [ "$(ls -a "$1" | tr '\n' ' ')" = ". .. hello " ]; }
findmnt_shows() { [ "$(findmnt -rn -o SOURCE,FSTYPE "$1")" = "hellofs fuse.hellofs" ]; }
df_shows() { [ "$(df --output=source,fstype "$1" | tail -n 1 | tr -s ' ')" = "hellofs fuse.hellofs" ]; }

# --- Mount, read, list, mount table; SIGTERM -------------------------------
M=$FSP_TMP/basic
if fsp_start_fs "$M" "$HELLO" -m "$M"; then
    pass "mount hellofs"
    check "read hello" cmp -s "$M/hello" "$REF"
    check "ls shows hello" listing_is_hello "$M"
    check "findmnt shows fsname and type" findmnt_shows "$M"
    check "df shows fsname and type" df_shows "$M"
    check "write refused (read-only file)" bash -c "! echo x 2>/dev/null >'$M/hello'"
    check "missing name is ENOENT" bash -c "! stat '$M/nope' 2>&1 | grep -q 'No such file'; [ \${PIPESTATUS[0]} -ne 0 ]"
    check "SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount hellofs"
fi

# --- Debug log: INIT negotiation and request traces; SIGINT -----------------
M=$FSP_TMP/debug
LOG=$FSP_TMP/debug.log
if fsp_start_fs "$M" "$HELLO" -m "$M" -d 2>"$LOG"; then
    cat "$M/hello" >/dev/null
    check "debug: INIT offer logged" grep -q 'INIT: kernel 7\.[0-9]* .*flags=0x' "$LOG"
    check "debug: INIT max_pages logged" grep -q 'INIT: using 7\.[0-9]* max_write=1048576 max_pages=256' "$LOG"
    check "debug: INIT flags logged" grep -qE 'INIT: using .*\[.*ASYNC_READ.*MAX_PAGES.*\]' "$LOG"
    check "debug: request traced" grep -q 'READ(15) nodeid=2' "$LOG"
    check "debug: reply traced" grep -q -- '-> error=0 size=12' "$LOG"
    check "SIGINT unmounts and exits 0" stop_with INT "$FSP_PID" "$M"
else
    fail "mount hellofs -d"
fi

# --- Deferred replies (READ answered from another thread); SIGHUP ----------
M=$FSP_TMP/defer
if fsp_start_fs "$M" "$HELLO" -m "$M" --defer -T 2; then
    ok=1
    for ((i = 0; i < 50; i++)); do cmp -s "$M/hello" "$REF" || ok=0; done
    check "deferred reads return the data" [ "$ok" -eq 1 ]
    check "deferred reads with dd (1 byte blocks)" \
        bash -c "[ \"\$(dd if='$M/hello' bs=1 status=none)\" = 'Hello, FSP!' ]"
    check "SIGHUP unmounts and exits 0" stop_with HUP "$FSP_PID" "$M"
else
    fail "mount hellofs --defer"
fi

# --- Many parallel readers --------------------------------------------------
M=$FSP_TMP/parallel
if fsp_start_fs "$M" "$HELLO" -m "$M"; then
    bad=$FSP_TMP/parallel.bad
    : >"$bad"
    pids=()
    for ((p = 0; p < 8; p++)); do
        timeout 120 bash -c "for ((i = 0; i < 200; i++)); do cmp -s '$M/hello' '$REF' || echo x; done" >>"$bad" &
        pids+=($!)
    done
    rcs=0
    for pid in "${pids[@]}"; do wait "$pid" || rcs=1; done
    check "8 x 200 parallel reads all correct" [ "$rcs" -eq 0 -a ! -s "$bad" ]
    check "parallel: still mounted and sane" cmp -s "$M/hello" "$REF"
    check "stop after parallel load" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount hellofs (parallel)"
fi

# --- Unmounted from outside: the session ends cleanly ------------------------
M=$FSP_TMP/external
if fsp_start_fs "$M" "$HELLO" -m "$M"; then
    umount "$M"
    check "external umount ends hellofs with 0" stop_with 0 "$FSP_PID" "$M"
else
    fail "mount hellofs (external umount)"
fi

# --- Stop while a process keeps the mount busy (lazy unmount) -----------------
M=$FSP_TMP/busy
if fsp_start_fs "$M" "$HELLO" -m "$M"; then
    (cd "$M" && exec sleep 30) &
    holder=$!
    sleep 0.3
    check "SIGTERM with a busy mount still exits 0, no mount" stop_with TERM "$FSP_PID" "$M"
    kill "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
else
    fail "mount hellofs (busy)"
fi

# --- SIGKILL leaves no mount --------------------------------------------------
M=$FSP_TMP/killed
if fsp_start_fs "$M" "$HELLO" -m "$M"; then
    cat "$M/hello" >/dev/null
    check "SIGKILL leaves no mount (root)" killed_leaves_no_mount "$FSP_PID" "$M"
else
    fail "mount hellofs (kill)"
fi

# --- Non-root, through fusermount3 -------------------------------------------
# An array, not a function: fsp_start_fs must start hellofs itself (a
# function would run in a subshell, and signals would hit bash).
RUNAS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
if ! command -v fusermount3 >/dev/null; then
    fail "fusermount3 installed (apt-get install fuse3)"
elif [ "$(id -u)" -ne 0 ]; then
    echo "SKIP non-root tests need root to switch users"
else
    fsp_dev_fuse_for_users
    chmod 0711 "$FSP_TMP"
    U=$FSP_TMP/user
    mkdir -p "$U"
    chown 65534:65534 "$U"
    if fsp_start_fs "$U" "${RUNAS[@]}" "$HELLO" -m "$U"; then
        pass "non-root mount via fusermount3"
        check "non-root: fstype" grep -q " $U fuse.hellofs .*user_id=65534" /proc/self/mounts
        check "non-root: read hello" "${RUNAS[@]}" cmp -s "$U/hello" "$REF"
        check "non-root: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$U"
    else
        fail "non-root mount via fusermount3"
    fi
    if fsp_start_fs "$U" "${RUNAS[@]}" "$HELLO" -m "$U"; then
        "${RUNAS[@]}" cat "$U/hello" >/dev/null
        check "non-root: SIGKILL leaves no mount" killed_leaves_no_mount "$FSP_PID" "$U"
    else
        fail "non-root mount via fusermount3 (kill)"
    fi
fi

fsp_done
