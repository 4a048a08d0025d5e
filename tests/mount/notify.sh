#!/usr/bin/env bash
# notify.sh - change notifications (FspFileSystemNotify*, native/notify.c).
#
# samples/notifyfs caches everything for ever (FileInfoTimeout INFINITE) and
# changes its contents on commands from a FIFO. With notifications, stat, ls
# and cat through the mount see each change as soon as the command is done;
# with them off (-n) the kernel keeps showing the old state, which proves the
# checks can fail. Changes made through the mount raise inotify events by
# themselves (the kernel does that); they are compared with tmpfs's.
source "$(dirname "$0")/../lib.sh"
NOTIFYFS=$FSP_BUILD/notifyfs
INOTIFY=$FSP_BUILD/tests/fspinotify
M=$FSP_TMP/notify
CTL=$FSP_TMP/ctl
mkfifo "$CTL"
ncmd=0

# cmd ID LINE: send a command to the notifyfs started as ID; wait (bounded)
# for its "done N".
cmd() {
    local id=$1 i
    ncmd=$((ncmd + 1))
    echo "$2" >"$CTL"
    for ((i = 0; i < 100; i++)); do
        grep -q "^done $ncmd\$" "$FSP_TMP/$id.out" 2>/dev/null && return 0
        grep -q "^error $ncmd:" "$FSP_TMP/$id.out" 2>/dev/null && break
        sleep 0.05
    done
    echo "    command '$2' did not complete: $(tail -1 "$FSP_TMP/$id.out")"
    return 1
}

# watch DIR COUNT: start fspinotify on DIR in the background (output in
# $FSP_TMP/events), wait until its watch is set; WATCH_PID is its PID.
watch() {
    local i
    "$INOTIFY" -n "$2" -t 5000 "$1" >"$FSP_TMP/events" &
    WATCH_PID=$!
    _fsp_pids+=("$WATCH_PID")
    for ((i = 0; i < 100; i++)); do
        grep -q '^ready$' "$FSP_TMP/events" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# counter_moves FILE: the counter file changes from 0 within 5 s.
counter_moves() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(cat "$1")" != 0 ] && return 0
        sleep 0.05
    done
    return 1
}
# counter_stays FILE: still 0 after half a second (one look: the kernel may
# drop a cache under memory pressure, so the stale state is not watched).
counter_stays() {
    sleep 0.5
    [ "$(cat "$1")" = 0 ]
}

# events: wait (bounded) for the watcher, print the events it saw.
events() {
    fsp_wait_exit "$WATCH_PID" 10 >/dev/null
    grep -v '^ready$' "$FSP_TMP/events" | tr '\n' ' '
}

# --- With notifications --------------------------------------------------------
if fsp_start_logged on "$M" "$NOTIFYFS" -c "$CTL"; then
    check "a missing name is ENOENT (and cached as such)" bash -c "! stat '$M/a' 2>/dev/null"
    cmd on "write /a hello"
    check "a file added inside is found at once" test "$(cat "$M/a" 2>&1)" = "hello"
    check "ls lists it" test "$(ls "$M")" = "a"
    cmd on "write /a a longer text"
    check "new contents are read at once" test "$(cat "$M/a")" = "a longer text"
    check "the new size is seen at once" test "$(stat -c %s "$M/a")" = 13
    ino=$(stat -c %i "$M/a")
    exec 3<"$M/a"
    cmd on "rename /a /b"
    check "the old name is gone after a rename inside" bash -c "! stat '$M/a' 2>/dev/null"
    check "the new name has the file" test "$(cat "$M/b" 2>&1)" = "a longer text"
    check "the renamed file keeps its inode" test "$(stat -c %i "$M/b")" = "$ino"
    check "an open descriptor follows the rename" test "$(stat -L -c %h /proc/self/fd/3)" = 1
    cmd on "delete /b"
    check "a file removed inside is gone at once" bash -c "! stat '$M/b' 2>/dev/null"
    check "its open descriptor sees it unlinked (nlink 0)" \
        test "$(stat -L -c %h /proc/self/fd/3)" = 0
    check "the open descriptor still reads the old data" test "$(cat <&3)" = "a longer text"
    exec 3<&-
    check "ls shows the directory empty" test -z "$(ls -A "$M" 2>&1)"
    cmd on "mkdir /d"
    check "a missing name in a new directory is ENOENT" bash -c "! stat '$M/d/x' 2>/dev/null"
    cmd on "write /d/x inner"
    check "a file added in a subdirectory is found at once" test "$(cat "$M/d/x" 2>&1)" = "inner"
    cmd on "delete /d/x"
    cmd on "delete /d"
    check "a directory removed inside is gone at once" bash -c "! stat '$M/d' 2>/dev/null"
    cmd on "count /reads"
    cmd on "write /r x"
    check "the read counter starts at 0" test "$(cat "$M/reads")" = 0
    cat "$M/r" >/dev/null
    check "a notification from inside a Read callback arrives (helper thread)" \
        counter_moves "$M/reads"
    check "SIGTERM unmounts notifyfs and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount notifyfs"
fi

# --- Without notifications (-n): the same checks must fail -------------------
ncmd=0
if fsp_start_logged off "$M" "$NOTIFYFS" -c "$CTL" -n; then
    check "(no notify) a missing name is ENOENT" bash -c "! stat '$M/a' 2>/dev/null"
    cmd off "write /a hello"
    check "(no notify) the added file stays invisible: stale cache" \
        bash -c "! stat '$M/a' 2>/dev/null"
    cmd off "write /c first"
    check "(no notify) a name never looked up is found" test "$(cat "$M/c")" = "first"
    cmd off "write /c second text"
    check "(no notify) the old contents stay: stale cache" test "$(cat "$M/c")" = "first"
    cmd off "count /reads"
    check "(no notify) the read counter starts at 0" test "$(cat "$M/reads")" = 0
    cmd off "write /z fresh"
    check "(no notify) a fresh file is read" test "$(cat "$M/z")" = fresh
    check "(no notify) the read counter stays 0: stale cache" counter_stays "$M/reads"
    check "SIGTERM unmounts notifyfs -n and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount notifyfs -n"
fi

# --- Renames through the mount racing notifications on the same directory --
# A rename through the mount holds the directory's lock in the kernel while
# it waits for the file system, and the kernel needs that lock to apply a
# notification: notifyfs -w must get through both without deadlock.
ncmd=0
if fsp_start_logged rw "$M" "$NOTIFYFS" -c "$CTL" -w; then
    cmd rw "mkdir /d"
    cmd rw "write /d/a x"
    bash -c 'for ((i = 0; i < 300; i++)); do mv "$1/a" "$1/b" && mv "$1/b" "$1/a" || exit 1; done' \
        sh "$M/d" &
    renamer=$!
    _fsp_pids+=("$renamer")
    ok=1
    for ((k = 0; k < 100; k++)); do
        cmd rw "write /d/n$k v$k" || { ok=0; break; }
    done
    check "100 notifications while renaming in the same directory complete" test $ok = 1
    if fsp_wait_exit "$renamer" 60 && [ "$RC" = 0 ]; then
        pass "600 renames through the mount complete meanwhile"
    else
        fail "600 renames through the mount complete meanwhile (rc=${RC:-running})"
        ok=0
    fi
    # After a deadlock any access to the directory would hang for good (only
    # aborting the connection ends it): look no further then.
    if [ $ok = 1 ]; then
        check "the renamed file is still there" test "$(cat "$M/d/a")" = x
        check "the notified files are all there" test "$(ls "$M/d" | wc -l)" = 101
        check "SIGTERM unmounts notifyfs -w and exits 0" stop_with TERM "$FSP_PID" "$M"
    fi
else
    fail "mount notifyfs -w"
fi

# --- An outside unmount ends notifyfs by itself, with status 0 ---------------
ncmd=0
if fsp_start_logged out "$M" "$NOTIFYFS" -c "$CTL"; then
    umount "$M"
    if fsp_wait_exit "$FSP_PID" 10 && [ "$RC" -eq 0 ]; then
        pass "outside umount ends notifyfs with 0"
    else
        fail "outside umount ends notifyfs with 0 (rc=${RC:-running})"
    fi
else
    fail "mount notifyfs (outside umount)"
fi

# --- inotify on changes made through the mount: as on tmpfs ------------------
# Through the mount the kernel raises the events itself; the test runs the
# same operations on MEMFS (metadata cached for ever) and on tmpfs.
through_mount() { # DIR: create, modify, rename, delete; prints the events
    watch "$1" 5 || { echo "watcher did not start"; return; }
    : >"$1/f"
    echo data >>"$1/f"
    mv "$1/f" "$1/g"
    rm "$1/g"
    events
}
R=$FSP_TMP/ref
if [ "$(id -u)" = 0 ] && fsp_mount_tmpfs "$R" fsp-notify-ref size=8m; then
    want=$(through_mount "$R")
    fsp_umount_tmpfs "$R"
    if fsp_start_logged memfs "$M" "$FSP_BUILD/memfs" -t -1; then
        got=$(through_mount "$M")
        check "inotify through the mount: same events as tmpfs ($want)" test "$got" = "$want"
        check "the events are the expected ones" \
            test "$want" = "CREATE f MODIFY f MOVED_FROM f MOVED_TO g DELETE g "
        check "SIGTERM unmounts MEMFS" stop_with TERM "$FSP_PID" "$M"
    else
        fail "mount MEMFS"
    fi
else
    echo "SKIP inotify comparison with tmpfs (needs root)"
fi
fsp_done
