#!/usr/bin/env bash
# fuse3_hl.sh - FSP's FUSE 3 high-level API (fuse.h) end to end, through
# samples/memfs-fuse3: the conformance suite compared with tmpfs (as
# conformance.sh does for MEMFS), hard links, symlinks, special files,
# xattrs, unlink of open files with and without hard_remove, fuse_new's -o
# options, fuse_main's -h/-V and daemon mode, SIGTERM/SIGKILL, and binary
# compatibility: memfs-fuse3 built against Debian's libfuse3 runs on ours.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/conformance-lib.sh
. "$(dirname "$0")/../conformance-lib.sh"

CONF=$FSP_BUILD/tests/conformance
MEMFS=$FSP_BUILD/memfs-fuse3
SRC=$FSP_TOP/samples/memfs-fuse3/memfs_fuse3.c
SRC_TREE=$FSP_TOP/samples/memfs-common # the file system it serves, linked in
RUN_LIMIT=100
# As tmpfs behaves for root: the kernel checks permissions, other users may
# enter (the suite switches users), inode numbers are the file system's.
BASE_OPTS=default_permissions,allow_other,use_ino
fsp_need_built fuse3_hl "$MEMFS" "$CONF"

# start LABEL DIR CMD...: mount in the background, output to DIR.log.
start() { fsp_start_to_log "$1: mounts" "${@:2}"; }

# --- The conformance suite, compared with tmpfs ------------------------------
conf_reference || fsp_done
M=$FSP_TMP/conf
if start "conformance" "$M" "$MEMFS" -f -o "$BASE_OPTS,hard_remove" "$M"; then
    out=$FSP_TMP/conf.out
    (cd / && timeout -k 5 "$RUN_LIMIT" "$CONF" "$M") >"$out" 2>"$out.err"
    rc=$?
    [ "$rc" -le 1 ] || fail "conformance/run (memfs-fuse3): exit status $rc"
    check "conformance: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    compare memfs-fuse3 "$out" btime
    known_fails memfs-fuse3 "$out" btime "$NO_BTIME"
fi

# --- Who clears setuid/setgid: INIT as the debug log shows it -----------------
# The high-level layer asks for HANDLE_KILLPRIV_V2 (and clears the bits
# itself, compared above); a 3.14 low-level program cannot see the kernel's
# flags, so the library must not ask for it on hello-ll's behalf.
M=$FSP_TMP/init-hl
if start "INIT (memfs-fuse3 -d)" "$M" "$MEMFS" -d -f -o "$BASE_OPTS" "$M"; then
    stat "$M" >/dev/null
    stop_with TERM "$FSP_PID" "$M" || fail "INIT (memfs-fuse3 -d): SIGTERM stop"
    check "INIT: the high level negotiates HANDLE_KILLPRIV_V2" \
        grep -q 'INIT: using .*HANDLE_KILLPRIV_V2' "$M.log"
fi
M=$FSP_TMP/init-ll
if start "INIT (hello-ll -d)" "$M" "$FSP_BUILD/hello-ll" -d -f "$M"; then
    stat "$M" >/dev/null
    stop_with TERM "$FSP_PID" "$M" || fail "INIT (hello-ll -d): SIGTERM stop"
    check "INIT: a low-level program gets no HANDLE_KILLPRIV_V2" \
        bash -c "grep -q 'INIT: using' '$M.log' && ! grep -q 'INIT: using .*KILLPRIV' '$M.log'"
fi

# The same for the listing checks with a file system that lists without
# offsets (the library keeps the whole listing per open directory).
ONLY=readdir_large,rename_dir,deep_nesting,unlink_open
M=$FSP_TMP/plain
if start "plain readdir" "$M" "$MEMFS" --plain-readdir -f -o "$BASE_OPTS,hard_remove" "$M"; then
    out=$FSP_TMP/plain.out
    (cd / && timeout -k 5 "$RUN_LIMIT" "$CONF" --only "$ONLY" "$M") >"$out" 2>"$out.err"
    stop_with TERM "$FSP_PID" "$M" || fail "plain readdir: SIGTERM stop"
    # shellcheck disable=SC2046 # a word list
    compare "memfs-fuse3 --plain-readdir" "$out" $("$CONF" --list | grep -vxE "${ONLY//,/|}")
fi

# --- Files of every kind --------------------------------------------------------
M=$FSP_TMP/kinds
if start "kinds" "$M" "$MEMFS" -f -o "$BASE_OPTS" "$M"; then
    echo data >"$M/f"
    check "hard link: ln" ln "$M/f" "$M/g"
    check "hard link: nlink 2 on both names" \
        test "$(stat -c %h "$M/f") $(stat -c %h "$M/g")" = "2 2"
    check "hard link: one inode number (use_ino)" test "$(stat -c %i "$M/f")" = "$(stat -c %i "$M/g")"
    echo more >>"$M/g"
    check "hard link: a write through one name shows in the other" \
        test "$(cat "$M/f")" = "$(printf 'data\nmore')"
    rm "$M/g"
    check "hard link: nlink 1 after unlink" test "$(stat -c %h "$M/f")" = 1
    check "symlink: ln -s" ln -s f "$M/s"
    check "symlink: readlink" test "$(readlink "$M/s")" = f
    check "symlink: followed" test "$(cat "$M/s")" = "$(cat "$M/f")"
    check "symlink: lstat type" test "$(stat -c %F "$M/s")" = "symbolic link"
    check "mkfifo" mkfifo "$M/fifo"
    check "fifo type" test "$(stat -c %F "$M/fifo")" = fifo
    check "mknod c" mknod "$M/null" c 1 3
    check "char device numbers" test "$(stat -c '%F %t:%T' "$M/null")" = "character special file 1:3"
    check "mknod b" mknod "$M/blk" b 7 0
    check "block device type" test "$(stat -c %F "$M/blk")" = "block special file"
    check "socket: bind" "$FSP_BUILD/tests/mksock" "$M/sock"
    check "socket type" test "$(stat -c %F "$M/sock")" = socket
    check "setfattr" setfattr -n user.color -v blue "$M/f"
    check "getfattr" test "$(getfattr --only-values -n user.color "$M/f" 2>/dev/null)" = blue
    check "listxattr" bash -c "getfattr -d '$M/f' 2>/dev/null | grep -qx 'user.color=\"blue\"'"
    check "removexattr" setfattr -x user.color "$M/f"
    check "removed xattr is gone" bash -c "! getfattr -n user.color '$M/f' 2>/dev/null"
    mkdir -p "$M/d1/d2"
    echo x >"$M/d1/d2/x"
    check "rename a directory: paths below follow" bash -c "mv '$M/d1' '$M/e1' && test \"\$(cat '$M/e1/d2/x')\" = x"
    # renameat2(RENAME_EXCHANGE) (RENAME_NOREPLACE is in the conformance suite).
    echo y >"$M/y"
    check "rename RENAME_EXCHANGE swaps two files" bash -c "'$FSP_BUILD/tests/renamex' --exchange '$M/f' '$M/y' &&
        test \"\$(cat '$M/f')\" = y && test \"\$(cat '$M/y')\" = \"\$(printf 'data\\nmore')\""
    check "RENAME_EXCHANGE: the swapped names keep working" \
        bash -c "test \"\$(cat '$M/s')\" = y && rm '$M/y' '$M/s' && test -e '$M/f'"
    check "kinds: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
fi

# --- Unlink of open files: hidden until closed, or gone at once ---------------
# hidden_count DIR: how many .fuse_hidden files DIR lists.
hidden_count() { find "$1" -maxdepth 1 -name '.fuse_hidden*' | wc -l; }
wait_hidden_gone() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(hidden_count "$1")" = 0 ] && return 0
        sleep 0.05
    done
    return 1
}
M=$FSP_TMP/hide
if start "hide" "$M" "$MEMFS" -f -o "$BASE_OPTS" "$M"; then
    echo kept >"$M/open"
    exec 3<"$M/open"
    rm "$M/open"
    check "without hard_remove: the open file is renamed .fuse_hidden*" test "$(hidden_count "$M")" = 1
    check "without hard_remove: its name is gone" test ! -e "$M/open"
    check "without hard_remove: still readable" test "$(cat <&3)" = kept
    exec 3<&-
    check "without hard_remove: removed at the last close" wait_hidden_gone "$M"
    stop_with TERM "$FSP_PID" "$M" || fail "hide: SIGTERM stop"
fi
M=$FSP_TMP/hard
if start "hard_remove" "$M" "$MEMFS" -f -o "$BASE_OPTS,hard_remove" "$M"; then
    echo kept >"$M/open"
    exec 3<"$M/open"
    rm "$M/open"
    check "hard_remove: no .fuse_hidden file" test "$(hidden_count "$M")" = 0
    check "hard_remove: still readable" test "$(cat <&3)" = kept
    check "hard_remove: fstat says nlink 0" test "$(stat -L -c %h /dev/fd/3)" = 0
    exec 3<&-
    stop_with TERM "$FSP_PID" "$M" || fail "hard_remove: SIGTERM stop"
fi

# --- fuse_new's options ------------------------------------------------------------
M=$FSP_TMP/opts
OPTS=entry_timeout=0.5,attr_timeout=0.5,negative_timeout=1,ac_attr_timeout=1,auto_cache
OPTS=$OPTS,umask=027,uid=123,gid=456,readdir_ino,direct_io,nullpath_ok,intr,noforget,kernel_cache
if start "options" "$M" "$MEMFS" -f -o "$OPTS" "$M"; then
    pass "options accepted: $OPTS"
    echo abc >"$M/file"
    check "umask= sets the permissions" test "$(stat -c %a "$M/file")" = 750
    check "uid= and gid= set the owner" test "$(stat -c %u:%g "$M/file")" = 123:456
    check "direct_io: reads and writes work" test "$(cat "$M/file")" = abc
    check "readdir_ino: ls -i works" bash -c "ls -i '$M' | grep -q file"
    stop_with TERM "$FSP_PID" "$M" || fail "options: SIGTERM stop"
fi
M=$FSP_TMP/badopt
mkdir -p "$M"
# modules= itself: tests/mount/modules.sh. A module without its option:
out=$(timeout 10 "$MEMFS" -f -o modules=subdir "$M" 2>&1)
rc=$?
check "modules=subdir without subdir= refused (exit 3)" [ "$rc" -eq 3 ]
check "modules=subdir refusal says why" grep -q "missing 'subdir' option" <<<"$out"
out=$(timeout 10 "$MEMFS" -f -o no_such_option "$M" 2>&1)
rc=$?
check "unknown -o option refused (exit 3)" [ "$rc" -eq 3 ]
check "unknown -o option is named" grep -q "unknown option(s): \`-o no_such_option'" <<<"$out"
out=$(timeout 10 "$MEMFS" -f -o attr_timeout=abc "$M" 2>&1)
check "attr_timeout=abc refused" [ $? -ne 0 ]
check "bad options leave no mount" bash -c "! grep -q ' $M fuse' /proc/self/mounts"

# --- fuse_main: -h, -V, no mount point, daemon mode ---------------------------------
out=$("$MEMFS" -h 2>&1)
check "-h exits 0" [ $? -eq 0 ]
check "-h shows usage and high-level options" \
    bash -c "grep -q '^usage: ' <<<\"\$1\" && grep -q hard_remove <<<\"\$1\" && grep -q allow_other <<<\"\$1\"" _ "$out"
out=$("$MEMFS" -V 2>&1)
check "-V exits 0" [ $? -eq 0 ]
check "-V names the library version" grep -q 'FUSE library version 3.14.0' <<<"$out"
"$MEMFS" >/dev/null 2>&1
check "no mount point: exit 2" [ $? -eq 2 ]

M=$FSP_TMP/daemon
mkdir -p "$M"
_fsp_mounts+=("$M")
if timeout 10 "$MEMFS" -o "$BASE_OPTS" "$M"; then
    check "without -f: the parent returns once mounted" is_mounted "$M"
    echo bg >"$M/x"
    check "daemon serves" test "$(cat "$M/x")" = bg
    dpid=$(pgrep -f "^$MEMFS -o $BASE_OPTS $M\$" | head -1)
    check "daemon runs detached" test -n "$dpid"
    umount "$M"
    check "daemon: umount" fsp_wait_unmounted "$M" 5
    for ((i = 0; i < 100; i++)); do
        [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null || break
        sleep 0.05
    done
    check "daemon exits after umount" bash -c "! kill -0 '${dpid:-0}' 2>/dev/null"
else
    fail "without -f: memfs-fuse3 mounts and returns 0"
fi

# --- Signals --------------------------------------------------------------------------
M=$FSP_TMP/killed
if start "auto_unmount" "$M" "$MEMFS" -f -o "$BASE_OPTS,auto_unmount" "$M"; then
    echo x >"$M/x"
    kill -KILL "$FSP_PID" 2>/dev/null
    wait "$FSP_PID" 2>/dev/null
    check "SIGKILL with auto_unmount leaves no mount" fsp_wait_unmounted "$M" 5
fi
M=$FSP_TMP/hup
if start "SIGHUP" "$M" "$MEMFS" -f -s -o "$BASE_OPTS" "$M"; then
    echo x >"$M/x"
    check "-s: SIGHUP unmounts and exits 0" stop_with HUP "$FSP_PID" "$M"
fi

# --- Binary compatibility with Debian's libfuse3 ----------------------------------------
DEB=$FSP_TMP/memfs-fuse3-debian
if [ -f /usr/include/fuse3/fuse.h ] && command -v pkg-config >/dev/null &&
    env -u PKG_CONFIG_PATH pkg-config --exists fuse3; then
    # shellcheck disable=SC2046 # pkg-config's flags are a word list
    if env -u PKG_CONFIG_PATH cc -o "$DEB" "$SRC" "$SRC_TREE"/*.c $(env -u PKG_CONFIG_PATH pkg-config --cflags --libs fuse3) \
        2>"$FSP_TMP/deb.err"; then
        pass "memfs-fuse3 builds against Debian's libfuse3"
        check "Debian build references libfuse's versioned fuse_main_real" \
            bash -c "objdump -T '$DEB' | grep -q 'FUSE_3.0.*fuse_main_real$'"
        check "Debian build normally loads the system libfuse3" \
            bash -c "env -u LD_LIBRARY_PATH ldd '$DEB' | grep 'libfuse3.so.3' | grep -vq '$FSP_BUILD'"
        check "with LD_LIBRARY_PATH it loads ours" \
            bash -c "LD_LIBRARY_PATH='$FSP_BUILD' ldd '$DEB' | grep -q '$FSP_BUILD/libfuse3.so.3'"
        # A sanitizer build of the library needs its runtime loaded first.
        PRELOAD=$(ldd "$FSP_BUILD/libfuse3.so.3" | awk '/lib(a|ub)san/ {print $3}' | tr '\n' ':')
        check "Debian build runs on ours (-V names FSP)" \
            bash -c "LD_PRELOAD='$PRELOAD' LD_LIBRARY_PATH='$FSP_BUILD' '$DEB' -V | grep -q '(FSP)'"
        M=$FSP_TMP/debian
        if LD_PRELOAD=$PRELOAD LD_LIBRARY_PATH=$FSP_BUILD start "Debian build" "$M" "$DEB" -f -o "$BASE_OPTS" "$M"; then
            pass "Debian build mounts on our libfuse3"
            echo hello >"$M/a"
            mkdir "$M/d"
            check "debian: write and read" test "$(cat "$M/a")" = hello
            check "debian: link and rename" bash -c "ln '$M/a' '$M/d/b' && mv '$M/d/b' '$M/c' && test \"\$(stat -c %h '$M/a')\" = 2"
            check "debian: xattr" bash -c "setfattr -n user.k -v v '$M/a' && test \"\$(getfattr --only-values -n user.k '$M/a' 2>/dev/null)\" = v"
            check "debian: listing" test "$(ls "$M" | tr '\n' ' ')" = "a c d "
            check "debian: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
        fi
    else
        fail "memfs-fuse3 builds against Debian's libfuse3"
        cat "$FSP_TMP/deb.err"
    fi
else
    fail "Debian's libfuse3-dev installed (apt-get install libfuse3-dev pkg-config)"
fi

fsp_done
