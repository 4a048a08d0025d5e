#!/usr/bin/env bash
# links.sh - special files on MEMFS through the native adapter: FIFOs,
# character and block devices and sockets as IO_REPARSE_TAG_NFS reparse
# points (doc/design.md, "Special files"). mkfifo/mknod/bind make them,
# stat shows type, rdev and mode, readdir their d_type (ls -l, find -type),
# a FIFO carries data, rm removes them, and cp -a of a tree holding them
# gives the same tree as on tmpfs, both ways.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs
MKSOCK=$FSP_BUILD/tests/mksock
fsp_need_built links "$MEMFS" "$MKSOCK"

# The reference: a tmpfs when we may mount one (lib.sh unmounts it on
# exit), else the test's directory.
REF=$FSP_TMP/ref
mkdir -p "$REF"
[ "$(id -u)" -eq 0 ] && fsp_mount_tmpfs "$REF" fsp-links-ref size=16m 2>/dev/null

M=$FSP_TMP/mnt
fsp_need_logged "links: memfs mounts" memfs "$M" "$MEMFS"

# --- Making them -----------------------------------------------------------
root=$(id -u) # devices need CAP_MKNOD
check "mkfifo" mkfifo -m 0640 "$M/fifo"
check "socket (bind)" "$MKSOCK" "$M/sock"
if [ "$root" -eq 0 ]; then
    check "mknod c" mknod -m 0600 "$M/null" c 1 3
    check "mknod b (major 259, minor 70000)" mknod -m 0660 "$M/blk" b 259 70000
fi

fsp_same "stat: FIFO type and mode" "fifo 640" "$(stat -c '%F %a' "$M/fifo")"
fsp_same "stat: socket type" "socket" "$(stat -c '%F' "$M/sock")"
if [ "$root" -eq 0 ]; then
    fsp_same "stat: char device type, rdev, mode" "character special file 1 3 600" \
        "$(stat -c '%F %Hr %Lr %a' "$M/null")"
    fsp_same "stat: block device type, rdev, mode" "block special file 259 70000 660" \
        "$(stat -c '%F %Hr %Lr %a' "$M/blk")"
fi

# d_type from READDIR(PLUS): find -type reads it without stat where it can.
want="fifo p
sock s"
[ "$root" -eq 0 ] && want="blk b
fifo p
null c
sock s"
fsp_same "find -type (d_type)" "$want" "$(cd "$M" && find . -mindepth 1 -printf '%P %y\n' | sort)"
fsp_same "ls -l first column" "$(printf '%s\n' "$want" | awk '{print $2}' | tr '\n' ' ')" \
    "$(cd "$M" && ls -l | awk 'NR > 1 {print substr($1, 1, 1)}' | tr '\n' ' ')"
# After a remount-free cache drop the kernel must learn the types again.
echo 2 >/proc/sys/vm/drop_caches 2>/dev/null
fsp_same "stat after cache drop" "fifo" "$(stat -c '%F' "$M/fifo")"

# --- A FIFO works ------------------------------------------------------------
(echo "through the pipe" >"$M/fifo") &
wpid=$!
got=$(timeout 10 cat "$M/fifo")
wait "$wpid"
fsp_same "FIFO: writer -> reader" "through the pipe" "$got"

# chmod keeps the type
chmod 0604 "$M/fifo"
fsp_same "chmod of a FIFO keeps its type" "fifo 604" "$(stat -c '%F %a' "$M/fifo")"
# rename keeps the type
mv "$M/sock" "$M/sock2"
fsp_same "rename of a socket keeps its type" "socket" "$(stat -c '%F' "$M/sock2")"
mv "$M/sock2" "$M/sock"

# --- cp -a, both ways, compared with tmpfs ---------------------------------
mk_tree() { # mk_tree DIR
    mkdir -p "$1/t/sub"
    echo data >"$1/t/file"
    ln -s file "$1/t/link"
    mkfifo -m 0600 "$1/t/sub/fifo"
    "$MKSOCK" "$1/t/sub/sock"
    if [ "$root" -eq 0 ]; then
        mknod -m 0644 "$1/t/sub/zero" c 1 5
        mknod -m 0640 "$1/t/sub/loop" b 7 1
    fi
}
# Type, links, mode, size (not for directories: that is the file system's
# own business), name.
listing() {
    (cd "$1" && find . \( -type d -printf '%y %n %m - %p\n' \) -o -printf '%y %n %m %s %p\n' |
        sort -k5)
}
devs() { (cd "$1" && find . \( -type c -o -type b \) -exec stat -c '%n %Hr %Lr' {} + | sort) }
rm -rf "$REF/src" "$REF/back"
mkdir -p "$REF/src" "$M/src"
mk_tree "$REF/src"
mk_tree "$M/src"
fsp_same "tree made on MEMFS = tree made on tmpfs" "$(listing "$REF/src")" "$(listing "$M/src")"
check "cp -a tmpfs -> MEMFS" cp -a "$REF/src/t" "$M/copy"
check "cp -a MEMFS -> tmpfs" cp -a "$M/src/t" "$REF/back"
fsp_same "cp -a into MEMFS preserves types and modes" "$(listing "$REF/src/t")" "$(listing "$M/copy")"
fsp_same "cp -a out of MEMFS preserves types and modes" "$(listing "$M/src/t")" "$(listing "$REF/back")"
fsp_same "cp -a preserves device numbers" "$(devs "$REF/src/t")" "$(devs "$M/copy")"

# --- rm ------------------------------------------------------------------------
check "rm special files" rm -f "$M/fifo" "$M/sock" "$M/null" "$M/blk"
fsp_same "rm leaves nothing" "" "$(cd "$M" && ls -d fifo sock null blk 2>/dev/null)"
check "rm -r a tree with special files" rm -r "$M/src" "$M/copy"

fsp_stop_fs "$FSP_PID" "$M" || fail "links: memfs unmounts"
fsp_done
