#!/usr/bin/env bash
# readonly.sh - a FILE_ATTRIBUTE_READONLY file keeps its data, as an
# immutable file on ext4 does (chattr +i is READONLY on FSP, see
# doc/windows-on-linux.md): `fileops immutable` opens a file read-write,
# sets the flag, and tries write, pwrite and ftruncate through that
# descriptor, truncate, opens for writing and O_TRUNC, a read, and unlink.
# MEMFS must answer exactly as ext4 (EPERM for every change, writes through
# the old descriptor included; tmpfs lets those through). ext4's answers are
# written below and, where a loop device can be had, checked against a live
# ext4 so that they stay true.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs
FILEOPS=$FSP_BUILD/tests/fileops
if [ ! -x "$MEMFS" ] || [ ! -x "$FILEOPS" ]; then
    fail "readonly: $MEMFS and $FILEOPS are built"
    fsp_done
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "skip readonly: chattr +i needs root (CAP_LINUX_IMMUTABLE)"
    fsp_done
fi

ext4="write: EPERM
pwrite: EPERM
ftruncate: EPERM
truncate: EPERM
open O_WRONLY: EPERM
open O_RDWR: EPERM
open O_WRONLY|O_APPEND: EPERM
open O_RDONLY|O_TRUNC: EPERM
open O_RDONLY: ok
read: ok
unlink: EPERM
write after the flag is cleared: ok"

# A live ext4, when mkfs.ext4 and a loop device are there.
E=$FSP_TMP/ext4
if command -v mkfs.ext4 >/dev/null && truncate -s 16M "$FSP_TMP/ext4.img" &&
    mkfs.ext4 -q -F "$FSP_TMP/ext4.img" && mkdir -p "$E" &&
    timeout 10 mount -o loop "$FSP_TMP/ext4.img" "$E" 2>/dev/null; then
    echo abc >"$E/f"
    got=$("$FILEOPS" immutable "$E/f" 2>&1)
    timeout 10 umount "$E" || umount -l "$E"
    fsp_same "readonly: ext4's answers are the ones written here" "$ext4" "$got"
else
    echo "skip readonly: no loop-mounted ext4 here; using ext4's answers as written"
fi
rm -f "$FSP_TMP/ext4.img"

M=$FSP_TMP/mnt
for t in -1 0; do
    if ! fsp_start_logged memfs$t "$M" "$MEMFS" -t "$t"; then
        fail "readonly: memfs -t $t mounts"
        continue
    fi
    echo abc >"$M/f"
    fsp_same "readonly: a READONLY file's data is refused as ext4 refuses it (memfs -t $t)" \
        "$ext4" "$("$FILEOPS" immutable "$M/f" 2>&1)"
    fsp_same "readonly: only the write after clearing the flag changed it (memfs -t $t)" "ybc" \
        "$(cat "$M/f")"
    check "readonly: memfs -t $t exits 0 on SIGTERM and unmounts" stop_with TERM "$FSP_PID" "$M"
done
fsp_done
