#!/usr/bin/env bash
# hello.sh - the tutorial's file system (samples/hello) works as the
# tutorial says: it lists, reads, refuses writes and stops cleanly.
source "$(dirname "$0")/../lib.sh"
HELLO=$FSP_BUILD/hello
M=$FSP_TMP/hello

if fsp_start_fs "$M" "$HELLO" -m "$M"; then
    check "ls lists the two files" test "$(ls "$M" | tr '\n' ' ')" = "README hello.txt "
    check "hello.txt reads back" test "$(cat "$M/hello.txt")" = "Hello from FSP's native API!"
    check "files are r--r--r-- and owned by the mounter" \
        test "$(stat -c '%A %u' "$M/README")" = "-r--r--r-- $(id -u)"
    check "the root is a read-only directory" test "$(stat -c '%A' "$M")" = "dr-xr-xr-x"
    check "writes fail with EROFS" bash -c "(echo x >'$M/new') 2>&1 | grep -q 'Read-only file system'"
    check "a missing name is ENOENT" bash -c "cat '$M/nope' 2>&1 | grep -q 'No such file'"
    check "SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount hello"
fi

# An outside unmount ends the program by itself, with status 0.
if fsp_start_fs "$M" "$HELLO" -m "$M"; then
    umount "$M"
    if fsp_wait_exit "$FSP_PID" 10 && [ "$RC" -eq 0 ]; then
        pass "outside umount ends hello with 0"
    else
        fail "outside umount ends hello with 0 (rc=${RC:-running})"
    fi
else
    fail "mount hello (2)"
fi

# Bad command lines end at once: usage (2), a mount point that is not there
# (1), each with a message on stderr and nothing mounted.
timeout 10 "$HELLO" -x 2>"$FSP_TMP/usage.err"
rc=$?
check "a bad command line exits 2 with the usage" \
    bash -c "[ $rc = 2 ] && grep -q 'usage: hello -m MOUNTPOINT' '$FSP_TMP/usage.err'"
timeout 10 "$HELLO" -m "$FSP_TMP/absent" 2>"$FSP_TMP/absent.err"
rc=$?
check "a missing mount point exits 1 and says so" \
    bash -c "[ $rc = 1 ] && grep -q 'cannot mount on $FSP_TMP/absent' '$FSP_TMP/absent.err'"
fsp_done
