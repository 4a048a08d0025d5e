#!/usr/bin/env bash
# memfs.sh - MEMFS as a program, black box: its command line (help, usage
# errors), where and how it mounts (-m DIR, -m '*' or none, -F), how it stops
# (SIGTERM/SIGINT/SIGHUP, an outside umount, SIGKILL), its debug trace (-d,
# -D), its limits (-n, -s), -r and -i, and ordinary programs at work inside a
# mount: tar, git, save-by-rename, mmap, a sparse 1 GiB file, 100,000 files in
# one directory, cp -a of /usr/share/doc (with its symlinks; last, see there).
#
# Errnos that have no single right answer (the -n and -s limits) are printed
# as "note:" lines, so a change shows in the log.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs
FILEOPS=$FSP_BUILD/tests/fileops
FSP_STOP_LIMIT=30 # seconds for MEMFS to exit after a signal (freeing ~300 MB of data takes some)

fsp_need_built memfs "$MEMFS"

# shellcheck source=tests/memfs-lib.sh
. "$(dirname "$0")/../memfs-lib.sh" # fuse_mounts, start_memfs, bad_usage
matches() { [[ $1 =~ $2 ]]; } # matches STRING REGEX
quiet() { "$@" >/dev/null; }   # quiet CMD...: CMD's stdout discarded

# no_mount_left DIR: DIR is no mount at all, and usable (no "Transport
# endpoint is not connected" left behind).
no_mount_left() {
    local dir=$1
    fsp_wait_unmounted "$dir" 5 || { echo "    $dir still a FUSE mount"; return 1; }
    if grep -q " $dir " /proc/self/mounts; then
        echo "    $dir still in the mount table: $(grep " $dir " /proc/self/mounts)"
        return 1
    fi
    stat "$dir" >/dev/null && ls "$dir" >/dev/null
}

# ===========================================================================
# Command line
# ===========================================================================
out=$FSP_TMP/h.out err=$FSP_TMP/h.err
timeout 10 "$MEMFS" -h >"$out" 2>"$err"
rc=$?
check "memfs -h exits 0" [ "$rc" -eq 0 ]
check "memfs -h prints usage on stdout" grep -q '^usage: .*memfs \[options\]' "$out"
check "memfs -h lists every option" \
    bash -c "for o in m t n s i r F d D h; do grep -q \"^  -\$o \" '$out' || exit 1; done"
check "memfs -h writes nothing on stderr" [ ! -s "$err" ]

# Usage errors (memfs-lib.sh's bad_usage): exit 2, a message, nothing mounted.
D=$FSP_TMP/bad
bad_usage "unknown option -x" "unknown option -x" -x -m "$D"
bad_usage "missing argument of -t" "option -t needs a value" -m "$D" -t
bad_usage "missing argument of -m" "option -m needs a value" -m
bad_usage "-t abc" "bad FileInfoTimeout 'abc'" -t abc -m "$D"
bad_usage "-n -5" "bad MaxFileNodes '-5'" -n -5 -m "$D"
bad_usage "-s 10Q" "bad MaxFileSize '10Q'" -s 10Q -m "$D"
bad_usage "-n 0" "bad MaxFileNodes '0'" -n 0 -m "$D"
bad_usage "-F with a space" "bad FileSystemName" -F "a b" -m "$D"
bad_usage "stray argument" "unexpected argument 'extra'" -m "$D" extra

# A mount point that does not exist: exit 1 (a failed mount), no mount.
before=$(fuse_mounts)
timeout -k 2 10 "$MEMFS" -m "$FSP_TMP/does-not-exist" >/dev/null 2>"$FSP_TMP/nx.err"
rc=$?
check "missing mount point: exit 1 with a message, nothing mounted" \
    [ "$rc" -eq 1 -a -s "$FSP_TMP/nx.err" -a "$(fuse_mounts)" == "$before" ]

# ===========================================================================
# Mounting: -m DIR, -F, df
# ===========================================================================
M=$FSP_TMP/basic
if start_memfs basic "$M"; then
    pass "mount with -m DIR"
    check "stdout is the mount point" [ "$(cat "$FSP_TMP/basic.out")" == "$M" ]
    check "findmnt: source MEMFS, type fuse.memfs" \
        [ "$(findmnt -rn -o SOURCE,FSTYPE "$M")" == "MEMFS fuse.memfs" ]
    check "df shows MEMFS" \
        [ "$(df --output=source,fstype "$M" | tail -n 1 | tr -s ' ')" == "MEMFS fuse.memfs" ]
    # Documented: size = MaxFileNodes * MaxFileSize (1024 x 16 MiB by default).
    check "df: volume size is MaxFileNodes x MaxFileSize" \
        [ "$(stat -f -c '%b * %S' "$M" | xargs expr)" == $((1024 * 16 * 1024 * 1024)) ]
    echo hello >"$M/hello"
    check "a file written reads back" [ "$(cat "$M/hello")" == hello ]
    check "SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount with -m DIR"
fi

M=$FSP_TMP/named
if start_memfs named "$M" -F Foo.Bar-1; then
    src_type=$(findmnt -rn -o SOURCE,FSTYPE "$M")
    check "-F Foo.Bar-1: findmnt source is Foo.Bar-1 ($src_type)" [ "${src_type%% *}" == Foo.Bar-1 ]
    check "-F: df works and shows the name" \
        bash -c "df '$M' >/dev/null && [ \"\$(df --output=source '$M' | tail -n 1 | tr -d ' ')\" == Foo.Bar-1 ]"
    check "-F: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount with -F"
fi

# ===========================================================================
# No -m, or -m '*': MEMFS picks <runtime>/fsp/N, prints it, removes it after.
# ===========================================================================
XDG=$FSP_TMP/xdg
mkdir -p "$XDG"
chmod 0700 "$XDG"
# fresh_pick DIR OTHER: DIR is <runtime>/fsp/N, and not OTHER.
fresh_pick() { matches "$1" "^$XDG/fsp/[0-9]+\$" && [ "$1" != "$2" ]; }
# auto_start ID ARGS...: start MEMFS with XDG_RUNTIME_DIR=$XDG; wait (bounded)
# for the line it prints; sets AUTO_PID and AUTO_DIR.
auto_start() {
    local id=$1 i
    shift
    AUTO_DIR=
    XDG_RUNTIME_DIR=$XDG "$MEMFS" "$@" >"$FSP_TMP/$id.out" 2>"$FSP_TMP/$id.err" &
    AUTO_PID=$!
    _fsp_pids+=("$AUTO_PID")
    for ((i = 0; i < 200; i++)); do
        if [ -n "$(head -n 1 "$FSP_TMP/$id.out")" ]; then
            AUTO_DIR=$(head -n 1 "$FSP_TMP/$id.out")
            _fsp_mounts+=("$AUTO_DIR")
            return 0
        fi
        kill -0 "$AUTO_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "    memfs $* printed no mount point; stderr:"
    sed 's/^/    /' "$FSP_TMP/$id.err"
    return 1
}
if auto_start auto1; then
    A1_PID=$AUTO_PID A1=$AUTO_DIR
    check "no -m: prints a fresh directory under \$XDG_RUNTIME_DIR/fsp ($A1)" \
        fresh_pick "$A1" ""
    check "no -m: mounted there" fsp_wait_mounted "$A1" 5
    check "no -m: findmnt shows MEMFS" [ "$(findmnt -rn -o SOURCE,FSTYPE "$A1")" == "MEMFS fuse.memfs" ]
    if auto_start auto2 -m '*'; then
        A2_PID=$AUTO_PID A2=$AUTO_DIR
        check "-m '*' while another is mounted: a different fresh directory ($A2)" \
            fresh_pick "$A2" "$A1"
        check "-m '*': mounted there" fsp_wait_mounted "$A2" 5
        [ -d "$A2" ] && echo two >"$A2/f"
        check "-m '*': the two volumes are separate" [ ! -e "$A1/f" -a "$(cat "$A2/f")" == two ]
        check "-m '*': SIGTERM unmounts and exits 0" stop_with TERM "$A2_PID" "$A2"
        check "-m '*': the picked directory is removed" [ ! -e "$A2" ]
    else
        fail "-m '*' mounts"
    fi
    check "no -m: SIGTERM unmounts and exits 0" stop_with TERM "$A1_PID" "$A1"
    check "no -m: the picked directory is removed" [ ! -e "$A1" ]
else
    fail "no -m: mounts and prints the mount point"
fi

# ===========================================================================
# Stopping: signals, outside umount, SIGKILL
# ===========================================================================
for sig in TERM INT HUP; do
    M=$FSP_TMP/sig-$sig
    if start_memfs "sig-$sig" "$M"; then
        echo data >"$M/f"
        mkdir "$M/d"
        check "SIG$sig unmounts and exits 0" stop_with "$sig" "$FSP_PID" "$M"
        check "SIG$sig: mount point is a plain directory again" no_mount_left "$M"
    else
        fail "mount for SIG$sig"
    fi
done

M=$FSP_TMP/outside
if start_memfs outside "$M"; then
    echo data >"$M/f"
    if timeout 10 umount "$M"; then
        check "outside umount: MEMFS exits 0 by itself" stop_with 0 "$FSP_PID" "$M"
    else
        fail "outside umount: umount $M failed"
    fi
else
    fail "mount for outside umount"
fi

M=$FSP_TMP/busy
if start_memfs busy "$M"; then
    (cd "$M" && exec sleep 30) &
    holder=$!
    sleep 0.3
    check "SIGTERM with a busy mount still exits 0, no mount" stop_with TERM "$FSP_PID" "$M"
    kill "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
else
    fail "mount for busy stop"
fi

M=$FSP_TMP/killed
if start_memfs killed "$M"; then
    echo data >"$M/f"
    exec 3<"$M/f" # an open file on the volume when it dies
    kill -KILL "$FSP_PID"
    wait "$FSP_PID" 2>/dev/null
    exec 3<&-
    check "SIGKILL leaves no mount (neither live nor disconnected)" no_mount_left "$M"
else
    fail "mount for SIGKILL"
fi

# ===========================================================================
# Debug trace: -d -1 -D FILE and -D -
# ===========================================================================
# some_ops DIR: a few file operations that make LOOKUP/CREATE/WRITE/... requests.
some_ops() {
    echo data >"$1/traced"
    mkdir "$1/tdir"
    mv "$1/traced" "$1/tdir/moved"
    dd if="$1/tdir/moved" of=/dev/null iflag=direct status=none 2>/dev/null
    ls -l "$1/tdir" >/dev/null
    rm -r "$1/tdir"
}
# trace_has FILE: the trace names the operations some_ops made.
trace_has() {
    local op missing=
    for op in INIT LOOKUP CREATE WRITE READ MKDIR 'RENAME2?' UNLINK RMDIR GETATTR; do
        grep -qE "[0-9] $op\([0-9]+\) nodeid=" "$1" || missing="$missing $op"
    done
    grep -q -- '-> error=0' "$1" || missing="$missing replies"
    [ -z "$missing" ] || { echo "    not in the trace:$missing"; return 1; }
}
M=$FSP_TMP/trace
LOG=$FSP_TMP/trace.log
if start_memfs trace "$M" -d -1 -D "$LOG"; then
    some_ops "$M"
    check "-D FILE: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    check "-d -1 -D FILE: the trace names each request kind" trace_has "$LOG"
    check "-D FILE: nothing traced on stderr" [ ! -s "$FSP_TMP/trace.err" ]
else
    fail "mount with -d -1 -D FILE"
fi
M=$FSP_TMP/trace2
if start_memfs trace2 "$M" -d -1 -D -; then
    some_ops "$M"
    check "-D -: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    check "-d -1 -D -: the trace goes to stderr" trace_has "$FSP_TMP/trace2.err"
else
    fail "mount with -d -1 -D -"
fi
M=$FSP_TMP/trace3
if start_memfs trace3 "$M"; then
    some_ops "$M"
    check "no -d: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    check "no -d: no trace" [ ! -s "$FSP_TMP/trace3.err" ]
else
    fail "mount without -d"
fi

# ===========================================================================
# Limits: -n MaxFileNodes, -s MaxFileSize
# ===========================================================================
if [ ! -x "$FILEOPS" ]; then
    fail "tests/tools/fileops is built ($FILEOPS)"
fi
M=$FSP_TMP/nodes
if [ -x "$FILEOPS" ] && start_memfs nodes "$M" -n 10; then
    res=$(timeout 30 "$FILEOPS" fill "$M" 100)
    echo "note: -n 10: $res (tmpfs would give ENOSPC)"
    read -r _ created _ _ errname <<<"$res"
    # The root is one of the 10 nodes.
    check "-n 10: 9 files fit, the next fails with ENOSPC" [ "$created" == 9 -a "$errname" == ENOSPC ]
    check "-n 10: mkdir fails too" bash -c "! mkdir '$M/d' 2>/dev/null"
    check "-n 10: MEMFS keeps running" kill -0 "$FSP_PID"
    rm -f "$M/fill000000"
    check "-n 10: after a remove, a create works again" bash -c "touch '$M/again'"
    check "-n 10: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount with -n 10"
fi

M=$FSP_TMP/size
if start_memfs size "$M" -s 1M; then
    check "-s 1M: a file of exactly 1 MiB can be written" \
        bash -c "head -c 1M /dev/urandom >'$M/max' && [ \$(stat -c %s '$M/max') -eq 1048576 ]"
    head -c 2M /dev/zero 2>"$FSP_TMP/size.werr" >"$M/over"
    rc=$?
    werr=$(grep -o 'No space left on device\|File too large' "$FSP_TMP/size.werr" | head -n 1)
    echo "note: -s 1M: writing 2 MiB: exit $rc, '$werr' (size then $(stat -c %s "$M/over"))"
    check "-s 1M: writing 2 MiB fails with ENOSPC or EFBIG" [ "$rc" -ne 0 -a -n "$werr" ]
    check "-s 1M: the file stays within the limit" [ "$(stat -c %s "$M/over")" -le 1048576 ]
    truncate -s 2M "$M/trunc" 2>"$FSP_TMP/size.terr"
    rc=$?
    echo "note: -s 1M: truncate -s 2M: exit $rc, '$(grep -o 'No space left on device\|File too large' "$FSP_TMP/size.terr")'"
    check "-s 1M: truncate past the limit fails" [ "$rc" -ne 0 ]
    dd if=/dev/zero of="$M/seek" bs=1 count=1 seek=1048576 status=none 2>/dev/null
    check "-s 1M: writing 1 byte at offset 1 MiB fails" [ $? -ne 0 ]
    check "-s 1M: MEMFS keeps running, earlier data intact" \
        bash -c "kill -0 $FSP_PID && [ \$(stat -c %s '$M/max') -eq 1048576 ] && echo ok >'$M/small'"
    check "-s 1M: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount with -s 1M"
fi

# ===========================================================================
# -r read-only, -i case-insensitive
# ===========================================================================
M=$FSP_TMP/ro
if start_memfs ro "$M" -r; then
    check "-r: mounted read-only (findmnt ro)" \
        bash -c "findmnt -rn -o OPTIONS '$M' | grep -qE '(^|,)ro(,|\$)'"
    check "-r: create fails with EROFS" \
        bash -c "touch '$M/x' 2>&1 | grep -q 'Read-only file system' && [ ! -e '$M/x' ]"
    check "-r: mkdir fails with EROFS" bash -c "mkdir '$M/d' 2>&1 | grep -q 'Read-only file system'"
    check "-r: chmod of the root fails with EROFS" bash -c "chmod 700 '$M' 2>&1 | grep -q 'Read-only file system'"
    check "-r: listing works" quiet ls "$M"
    check "-r: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount with -r"
fi

M=$FSP_TMP/ci
if start_memfs ci "$M" -i; then
    echo content >"$M/Foo"
    check "-i: stat FOO finds Foo" quiet stat "$M/FOO"
    check "-i: FOO reads Foo's content" [ "$(cat "$M/FOO" 2>/dev/null)" == content ]
    check "-i: ls shows Foo (case preserved), once" [ "$(ls "$M")" == Foo ]
    check "-i: creating FOO opens Foo, no second file" \
        bash -c "echo more >>'$M/FOO' && [ \"\$(ls '$M')\" == Foo ] && [ \$(wc -l <'$M/foo') -eq 2 ]"
    check "-i: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount with -i"
fi

# ===========================================================================
# Ordinary programs inside one big mount
# ===========================================================================
M=$FSP_TMP/work
NFILES=100000
fsp_need_logged "mount for programs (-n 300000 -s 2G)" work "$M" "$MEMFS" -n 300000 -s 2G

# --- tar of /usr/include ----------------------------------------------------
if timeout 120 bash -c "set -o pipefail; tar -C / -cf - usr/include | tar -C '$M' -xf -" \
    2>"$FSP_TMP/tar.err"; then
    pass "tar -x of /usr/include into MEMFS"
else
    fail "tar -x of /usr/include into MEMFS"
    head -5 "$FSP_TMP/tar.err" | sed 's/^/    /'
fi
check "diff -r /usr/include and its copy" \
    timeout 120 diff -r --no-dereference /usr/include "$M/usr/include"

# --- git ---------------------------------------------------------------------
G=$M/repo
GIT=(git -c user.name=fsp -c user.email=fsp@example.invalid -c init.defaultBranch=main
    -c safe.directory='*' -c core.fsync=all -C "$G")
mkdir -p "$G"
cp -r "$FSP_TOP/include" "$FSP_TOP/tests/unit" "$FSP_TOP/tests/tools" "$G/"
git_ok() {
    "${GIT[@]}" init -q &&
        "${GIT[@]}" add -A &&
        "${GIT[@]}" commit -q -m first &&
        echo change >>"$G/include/winfsp/winfsp.h" &&
        "${GIT[@]}" commit -q -a -m second &&
        [ "$("${GIT[@]}" rev-list --count HEAD)" -eq 2 ] &&
        [ -z "$("${GIT[@]}" status --porcelain)" ] &&
        "${GIT[@]}" fsck --strict --no-progress 2>&1 &&
        "${GIT[@]}" diff --quiet HEAD~1 -- unit &&
        ! "${GIT[@]}" diff --quiet HEAD~1 -- include
} >"$FSP_TMP/git.log" 2>&1
if timeout 60 bash -c "$(declare -p GIT G FSP_TMP); $(declare -f git_ok); git_ok"; then
    pass "git init, add, commit, commit -a, fsck, status clean"
else
    fail "git init, add, commit, commit -a, fsck, status clean"
    tail -10 "$FSP_TMP/git.log" | sed 's/^/    /'
fi

# --- save by rename (editors) ---------------------------------------------------
S=$M/save
mkdir -p "$S"
printf 'old content\n' >"$S/doc.txt"
old_ino=$(stat -c %i "$S/doc.txt")
exec 4<"$S/doc.txt" # a reader that keeps the old version open
printf 'new content\nline 2\n' >"$S/.doc.txt.swp"
check "save-by-rename: fsync of the temporary file" \
    dd if=/dev/null of="$S/.doc.txt.swp" conv=notrunc,fsync status=none
new_ino=$(stat -c %i "$S/.doc.txt.swp")
check "save-by-rename: rename over the original" mv -f "$S/.doc.txt.swp" "$S/doc.txt"
check "save-by-rename: the file has the new content" \
    [ "$(cat "$S/doc.txt")" == "$(printf 'new content\nline 2\n')" ]
check "save-by-rename: the file has the new inode ($old_ino -> $new_ino)" \
    [ "$(stat -c %i "$S/doc.txt")" == "$new_ino" -a "$new_ino" != "$old_ino" ]
check "save-by-rename: the temporary name is gone" [ ! -e "$S/.doc.txt.swp" ]
check "save-by-rename: an open reader still reads the old version" \
    [ "$(cat <&4)" == "old content" ]
exec 4<&-
check "save-by-rename: one file left in the directory" [ "$(ls -A "$S")" == doc.txt ]

# --- mmap ---------------------------------------------------------------------
if [ -x "$FILEOPS" ]; then
    "$FILEOPS" pattern 3M >"$FSP_TMP/pattern"
    check "mmap: write 3 MiB through a shared mapping" "$FILEOPS" mmap-write "$M/mapped" 3M
    check "mmap: the data reached MEMFS (O_DIRECT read)" \
        bash -c "dd if='$M/mapped' bs=1M iflag=direct status=none | cmp - '$FSP_TMP/pattern'"
    check "mmap: read back through the page cache" cmp "$M/mapped" "$FSP_TMP/pattern"
fi

# --- sparse 1 GiB file ----------------------------------------------------------
B=$M/sparse
head -c 1M /dev/urandom >"$FSP_TMP/1m"
check "sparse: truncate -s 1G" truncate -s 1G "$B"
check "sparse: write 1 MiB at the end" \
    dd if="$FSP_TMP/1m" of="$B" bs=1M seek=1023 conv=notrunc,fsync status=none
check "sparse: size is exactly 1 GiB" [ "$(stat -c %s "$B")" -eq $((1 << 30)) ]
check "sparse: the last MiB reads back (O_DIRECT)" \
    bash -c "dd if='$B' bs=1M skip=1023 iflag=direct status=none | cmp - '$FSP_TMP/1m'"
check "sparse: the first 1023 MiB read as zeros" \
    timeout 60 cmp -n $((1023 << 20)) "$B" /dev/zero
echo "note: sparse: st_blocks of the 1 GiB file with 1 MiB written: $(stat -c %b "$B") (tmpfs: 2048)"
rm -f "$B"

# --- 100,000 files in one directory -------------------------------------------------
if [ -x "$FILEOPS" ]; then
    H=$M/many
    mkdir "$H"
    t0=$SECONDS
    check "100,000 files: created (bounded 60 s)" timeout 60 "$FILEOPS" mkfiles "$H" $NFILES
    check "100,000 files: readdir counts them all" \
        [ "$(timeout 30 "$FILEOPS" count "$H")" == $NFILES ]
    check "100,000 files: ls lists them all, sorted names unique" \
        [ "$(timeout 30 ls -f "$H" | grep -c '^f[0-9]\{6\}$')" == $NFILES ]
    check "100,000 files: stat of the last one" quiet stat "$H/f099999"
    check "100,000 files: all removed (bounded 60 s)" timeout 60 "$FILEOPS" rmfiles "$H" $NFILES
    check "100,000 files: the directory is empty and removable" rmdir "$H"
    echo "note: 100,000 files: $((SECONDS - t0)) s"
fi

# --- cp -a of /usr/share/doc, last (needs symlinks) ------------------------------------
# Relative symlinks in /usr/share/doc point outside it, so diff must compare
# links as links (--no-dereference), not follow them.
timeout 120 cp -a /usr/share/doc "$M/" 2>"$FSP_TMP/cp.err"
rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$FSP_TMP/cp.err" ]; then
    pass "cp -a /usr/share/doc into MEMFS"
else
    fail "cp -a /usr/share/doc into MEMFS (exit $rc, $(grep -c . "$FSP_TMP/cp.err") error lines)"
    head -5 "$FSP_TMP/cp.err" | sed 's/^/    /'
fi
check "diff -r --no-dereference /usr/share/doc and its copy" \
    timeout 120 diff -r --no-dereference /usr/share/doc "$M/doc"
# What cp -a preserves: type, mode, owner, mtime (to the second), link targets.
meta() { (cd "$1" && find . -printf '%p %y %m %U:%G %TY-%Tm-%Td_%TH:%TM:%.2TS %l\n' | LC_ALL=C sort); }
if diff <(meta /usr/share/doc) <(meta "$M/doc") >"$FSP_TMP/meta.diff"; then
    pass "cp -a kept type, mode, owner, mtime and link targets"
else
    fail "cp -a kept type, mode, owner, mtime and link targets"
    head -10 "$FSP_TMP/meta.diff" | sed 's/^/    /'
fi
# A symlink's st_size is the length of its target (POSIX; ls -l, realpath rely on it).
symlinks_sized() {
    local l bad=0 n=0
    while IFS= read -r -d '' l; do
        n=$((n + 1))
        if [ "$(stat -c %s "$l")" != "$(readlink "$l" | tr -d '\n' | wc -c)" ]; then
            [ "$bad" -lt 3 ] && echo "    $l: st_size $(stat -c %s "$l"), target '$(readlink "$l")'"
            bad=$((bad + 1))
        fi
    done < <(find "$M/doc" -type l -print0)
    [ "$n" -gt 0 ] && [ "$bad" -eq 0 ] || { echo "    $bad of $n symlinks"; return 1; }
}
check "symlinks: st_size is the length of the target" symlinks_sized

check "programs: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"

fsp_done
