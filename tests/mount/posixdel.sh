#!/usr/bin/env bash
# posixdel.sh - unlink and rename of open files on the native API, with and
# without VolumeParams.SupportsPosixUnlinkRename (doc/windows-on-linux.md,
# "Deleting and replacing open files"):
#   memfs      the flag set: the adapter deletes and replaces open files at
#              once (WinFsp's POSIX semantics), and reopens a file that lost
#              its name through /proc/PID/fd by sharing an open handle;
#   memfs -L   a legacy volume: open files are hidden and deleted at their
#              last close; MEMFS logs any delete or replacement of a file
#              still open elsewhere, which such a volume must never see;
#   memfs -C   CanDelete instead of SetDelete (and -L -C). MEMFS logs a
#              Cleanup with FspCleanupDelete that its SetDelete (or
#              CanDelete) did not allow first, and a CanDelete call when
#              SetDelete exists: WinFsp's DLL asks SetDelete when the
#              interface has it, else CanDelete, before every delete.
# Each runs a shell scenario (open descriptors kept over rm, mv and rmdir,
# fstat, I/O through the descriptors, /proc/self/fd reopen, the freed name
# reused, listings) compared with tmpfs, the conformance suite compared
# with tmpfs, and tests/tools/openrace: for 3 seconds, threads open and read
# one name while others unlink it and rename new files over it; every
# descriptor must read the very file it opened (its inode, size and bytes),
# and the open must reach the adapter's list of handles before a deletion
# can see "no other handle" (on -L, the log then shows a delete of a file
# open elsewhere). The logs must be free of the reports above.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs
CONF=$FSP_BUILD/tests/conformance
RACE=$FSP_BUILD/tests/openrace
if [ ! -x "$MEMFS" ] || [ ! -x "$CONF" ] || [ ! -x "$RACE" ]; then
    fail "posixdel: $MEMFS, $CONF and $RACE are built"
    fsp_done
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "skip posixdel: needs root for the tmpfs reference"
    fsp_done
fi
. "$(dirname "$0")/../conformance-lib.sh"

# scenario DIR: what a program sees of files deleted or replaced while open;
# run on tmpfs and on MEMFS, the transcripts must be equal.
scenario() {
    cd "$1" || return 1
    echo hello >f
    exec 3<>f 4<f
    rm f
    stat -L -c 'fstat after rm: nlink=%h size=%s' /dev/fd/3
    echo "listing after rm: $(ls -A | tr '\n' ' ')"
    [ -e f ] || echo "f is gone"
    echo more >&3
    echo "read through fd 4: $(tr '\n' . <&4)"
    echo "reopened through /proc: $(tr '\n' . </proc/self/fd/3)"
    echo again >>/proc/self/fd/3
    echo "after an append through /proc: $(tr '\n' . </dev/fd/3)"
    echo new >f
    echo "new f: $(cat f); listing: $(ls -A | tr '\n' ' ')"
    stat -L -c 'the old file: nlink=%h size=%s' /dev/fd/3
    echo a >t
    exec 5<t
    echo b >s
    mv s t
    echo "t after mv: $(cat t); fd 5: $(cat <&5); listing: $(ls -A | tr '\n' ' ')"
    stat -L -c 'the replaced target: nlink=%h' /dev/fd/5
    mkdir d
    echo x >d/x
    exec 6<d/x
    rm d/x
    rmdir d && echo "rmdir of a directory whose file is open: ok"
    echo "fd 6: $(cat <&6)"
    mkdir e
    exec 7<e
    rmdir e && echo "rmdir of an open directory: ok"
    stat -L -c 'the removed directory: nlink=%h' /dev/fd/7
    echo "listing: $(ls -A | tr '\n' ' ')"
    exec 3>&- 4<&- 5<&- 6<&- 7<&-
    rm f t
    echo "at the end: $(ls -A | wc -l) entries"
    cd / || return 1
}

REF=$FSP_TMP/ref
if ! fsp_mount_tmpfs "$REF" fsp-posixdel-ref size=64m,mode=0755; then
    fail "posixdel: mount the tmpfs reference"
    fsp_done
fi
want=$(scenario "$REF" 2>&1)
fsp_umount_tmpfs "$REF"
conf_reference || fsp_done

M=$FSP_TMP/mnt
for opts in "" "-L" "-C" "-L -C"; do
    label="memfs${opts:+ $opts}"
    id=memfs${opts// /}
    # shellcheck disable=SC2086 # opts is a word list
    if ! fsp_start_logged "$id" "$M" "$MEMFS" $opts -t -1 -n 100000 -s 512M; then
        fail "posixdel: $label mounts"
        continue
    fi
    fsp_same "posixdel: open files deleted and replaced ($label): as on tmpfs" "$want" \
        "$(scenario "$M" 2>&1)"
    (cd / && timeout -k 5 100 "$CONF" --skip utimens_ns "$M") >"$FSP_TMP/$id.conf" 2>&1
    compare "$label" "$FSP_TMP/$id.conf" utimens_ns
    reports='legacy volume|without (SetDelete|CanDelete)|CanDelete called'
    before=$(grep -cE "$reports" "$FSP_TMP/$id.err")
    check "posixdel: opens racing unlink and replacement read their own file ($label)" \
        timeout -k 5 60 "$RACE" "$M" 3
    fsp_same "posixdel: no report from MEMFS during the race ($label)" "$before" \
        "$(grep -cE "$reports" "$FSP_TMP/$id.err")"
    check "posixdel: $label exits 0 on SIGTERM and unmounts" stop_with TERM "$FSP_PID" "$M"
    fsp_same "posixdel: MEMFS saw only what WinFsp promises ($label)" "" \
        "$(grep -E "$reports" "$FSP_TMP/$id.err")"
done
fsp_done
