#!/usr/bin/env bash
# fuse3_debian.sh - FUSE 3 programs from Debian, unmodified, on FSP's
# libfuse3.so.3 (through LD_LIBRARY_PATH): squashfuse serving an image made
# by mksquashfs must show the very tree it was made from, and fuse-overlayfs
# must merge a lower and an upper directory with writes landing in the
# upper one. Each time /proc/<pid>/maps must show that the process loaded
# FSP's library and not Debian's.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

OURS=$FSP_BUILD/libfuse3.so.3
fsp_need_tools fuse3_debian squashfuse mksquashfs fuse-overlayfs
# A sanitizer build of the library needs its runtime loaded first. Its
# leak check is off for these programs: squashfuse and fuse-overlayfs leak
# a little of their own at exit (the library's leaks are checked through
# FSP's own samples, which run under the sanitizers in full).
PRELOAD=$(ldd "$OURS" | awk '/lib(a|ub)san/ {print $3}' | tr '\n' ':')
[ -z "$PRELOAD" ] || export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

# start LABEL DIR CMD...: CMD on our library, mounting DIR; output in DIR.log.
start() {
    LD_PRELOAD=$PRELOAD LD_LIBRARY_PATH=$FSP_BUILD \
        fsp_start_to_log "$1: mounts on FSP's libfuse3" "${@:2}"
}

# loads_ours PID: PID mapped FSP's libfuse3 and no other libfuse3.
loads_ours() {
    local maps
    maps=$(grep 'libfuse3\.so' "/proc/$1/maps" | awk '{print $6}' | sort -u)
    [ -n "$maps" ] && ! grep -qv "^$(readlink -f "$OURS")\$" <<<"$maps"
}

# listing DIR: one line per object below DIR with what stat tells about it
# (a directory's size is the file system's own business: left out).
listing() {
    (cd "$1" && find . -mindepth 1 -print0 | sort -z |
        xargs -0 stat -c '%n|%F|%a|%u:%g|%h|%Y|%N|%s' |
        awk -F'|' -v OFS='|' '$2 == "directory" { $8 = "-" } 1')
}

# --- squashfuse ---------------------------------------------------------------------
check "squashfuse normally loads Debian's libfuse3" \
    bash -c "env -u LD_LIBRARY_PATH ldd \"\$(command -v squashfuse)\" | grep libfuse3.so.3 | grep -vq '$FSP_BUILD'"

T=$FSP_TMP/tree
mkdir -p "$T/dir/sub" "$T/sticky" "$T/many"
echo hello >"$T/hello"
head -c 3000000 /dev/urandom >"$T/dir/random" # several read requests
: >"$T/empty"
ln "$T/hello" "$T/dir/hardlink"
ln -s ../../hello "$T/dir/sub/link"
ln -s /nowhere "$T/dangling"
mkfifo "$T/fifo"
chmod 4755 "$T/hello"
chmod 0640 "$T/dir/random"
chmod 1777 "$T/sticky"
chown 1234:5678 "$T/dir/random"
long=$(printf 'n%.0s' {1..255})
echo long >"$T/$long"
for ((i = 0; i < 500; i++)); do : >"$T/many/file-$i"; done
setfattr -n user.color -v blue "$T/empty"
touch -d '2001-02-03 04:05:06' "$T/dir/sub"
IMG=$FSP_TMP/tree.sqfs
check "mksquashfs makes an image of the tree" \
    bash -c "mksquashfs '$T' '$IMG' -quiet -noappend -no-progress >/dev/null"

M=$FSP_TMP/squash
if start "squashfuse" "$M" squashfuse -f "$IMG" "$M"; then
    check "squashfuse: FSP's libfuse3 is loaded, Debian's is not" loads_ours "$FSP_PID"
    check "squashfuse: mounted as fuse.squashfuse" \
        bash -c "grep -q ' $M fuse.squashfuse ' /proc/self/mounts"
    check "squashfuse: diff -r finds the tree's contents" \
        diff -r --no-dereference -x fifo "$T" "$M"
    listing "$T" >"$FSP_TMP/tree.list"
    listing "$M" >"$FSP_TMP/squash.list"
    check "squashfuse: types, modes, owners, link counts, sizes, mtimes and link targets" \
        diff -u "$FSP_TMP/tree.list" "$FSP_TMP/squash.list"
    check "squashfuse: xattr" test "$(getfattr --only-values -n user.color "$M/empty" 2>/dev/null)" = blue
    # (squashfuse gives each name its own inode number, on Debian's
    # libfuse3 too; the listing above checks the link count.)
    check "squashfuse: a hard link reads the same" cmp "$M/hello" "$M/dir/hardlink"
    check "squashfuse: a symbolic link is followed" test "$(cat "$M/dir/sub/link")" = hello
    check "squashfuse: 500 entries listed" test "$(ls "$M/many" | wc -l)" = 500
    check "squashfuse: read-only" bash -c "! touch '$M/new' 2>/dev/null"
    check "squashfuse: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
fi

# --- fuse-overlayfs -----------------------------------------------------------------
O=$FSP_TMP/ovl
mkdir -p "$O/lower/dir" "$O/upper" "$O/work"
echo low >"$O/lower/file"
echo gone >"$O/lower/dir/doomed"
echo keep >"$O/lower/dir/kept"
M=$O/merged
if start "fuse-overlayfs" "$M" fuse-overlayfs -f \
    -o "lowerdir=$O/lower,upperdir=$O/upper,workdir=$O/work" "$M"; then
    check "fuse-overlayfs: FSP's libfuse3 is loaded, Debian's is not" loads_ours "$FSP_PID"
    check "fuse-overlayfs: the lower files show" test "$(cat "$M/file" "$M/dir/kept")" = "$(printf 'low\nkeep')"
    echo new >"$M/new"
    check "fuse-overlayfs: a new file lands in the upper directory" test "$(cat "$O/upper/new")" = new
    check "fuse-overlayfs: and not in the lower one" test ! -e "$O/lower/new"
    echo more >>"$M/file"
    check "fuse-overlayfs: a change to a lower file is copied up" \
        test "$(cat "$O/upper/file")" = "$(printf 'low\nmore')"
    check "fuse-overlayfs: the lower file stays as it was" test "$(cat "$O/lower/file")" = low
    check "fuse-overlayfs: the merged view shows the change" test "$(cat "$M/file")" = "$(printf 'low\nmore')"
    rm "$M/dir/doomed"
    check "fuse-overlayfs: a removed lower file is hidden" test ! -e "$M/dir/doomed"
    check "fuse-overlayfs: by a whiteout in the upper directory" \
        test "$(stat -c '%F %t:%T' "$O/upper/dir/doomed")" = "character special file 0:0"
    check "fuse-overlayfs: the lower file itself stays" test -e "$O/lower/dir/doomed"
    check "fuse-overlayfs: mkdir and rename" \
        bash -c "mkdir '$M/d2' && mv '$M/new' '$M/d2/renamed' && test \"\$(cat '$O/upper/d2/renamed')\" = new"
    check "fuse-overlayfs: listing" test "$(ls "$M" | tr '\n' ' ')" = "d2 dir file "
    # fuse-overlayfs ends with status 1 on SIGTERM (on Debian's libfuse3
    # too); an unmount is its clean stop.
    umount "$M"
    check "fuse-overlayfs: umount unmounts" fsp_wait_unmounted "$M" 5
    if fsp_wait_exit "$FSP_PID" 10; then
        check "fuse-overlayfs: exits 0 after umount" [ "$RC" -eq 0 ]
    else
        fail "fuse-overlayfs: exits after umount"
    fi
fi

fsp_done
