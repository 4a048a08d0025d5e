#!/usr/bin/env bash
# fuse2.sh - FSP's libfuse.so.2 (the FUSE 2 API) end to end:
#   (a) samples/memfs-fuse2 under the conformance suite, compared with tmpfs;
#       files of every kind, xattrs, times, truncation, rename;
#   (b) small FUSE 2 programs (high level and low level) built here with
#       `pkg-config --cflags --libs fuse` against FSP's tree;
#   (c) Debian's bindfs (a FUSE 2 program, linked with Debian's
#       libfuse.so.2) run unmodified on FSP's library through
#       LD_LIBRARY_PATH, checked against the directory below it and against
#       the same bindfs on Debian's libfuse; unionfs-fuse likewise, briefly.
#       /proc/PID/maps proves which library served.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/conformance-lib.sh
. "$(dirname "$0")/../conformance-lib.sh"

CONF=$FSP_BUILD/tests/conformance
MEMFS=$FSP_BUILD/memfs-fuse2
LIB=$FSP_BUILD/libfuse.so.2
RUN_LIMIT=100
export TZ=UTC # the times checks compare stat's text
BASE_OPTS=default_permissions,allow_other,use_ino
fsp_need_built fuse2 "$MEMFS" "$CONF"
[ -e "$LIB" ] || { fail "fuse2: $LIB is built"; fsp_done; }
# A sanitizer build of the library needs its runtime loaded first in
# programs that were not built with it.
PRELOAD=$(ldd "$LIB" | awk '/lib(a|ub)san/ {print $3}' | tr '\n' ':')

# start LABEL DIR CMD...: mount in the background, output to DIR.log.
start() { fsp_start_to_log "$1: mounts" "${@:2}"; }

# served_by_fsp PID: the process mapped FSP's libfuse.so.2 and not another.
served_by_fsp() {
    local maps
    maps=$(awk '$6 ~ /libfuse\.so/ {print $6}' "/proc/$1/maps" | sort -u)
    echo "$maps" | grep -qx "$(readlink -f "$LIB")" || { echo "    maps: $maps"; return 1; }
    [ "$(echo "$maps" | wc -l)" = 1 ] || { echo "    maps: $maps"; return 1; }
}

# --- (a) The conformance suite on memfs-fuse2, compared with tmpfs ------------
# Two checks meet limits of the FUSE 2 API itself, as on libfuse 2: rename
# has no flags (renameat2 RENAME_NOREPLACE to a free name fails EINVAL), and
# chmod has no file handle (fchmod of an unlinked open file cannot reach
# it). Those checks must fail exactly there and nowhere else.
KNOWN_FUSE2='FAIL unlink_open: fchmod(fd, 0600): expected success, got ENOENT
FAIL unlink_open: mode after fchmod of unlinked file: expected 0600, got 0644
FAIL rename_file: renameat2(AT_FDCWD, "c", AT_FDCWD, "c2", RENAME_NOREPLACE): expected success, got EINVAL
FAIL rename_file: stat("c", &st): expected ENOENT, but it succeeded
FAIL rename_file: read c2: ENOENT'
conf_reference || fsp_done
M=$FSP_TMP/conf
if start "conformance" "$M" "$MEMFS" -f -o "$BASE_OPTS,hard_remove" "$M"; then
    out=$FSP_TMP/conf.out
    (cd / && timeout -k 5 "$RUN_LIMIT" "$CONF" "$M") >"$out" 2>"$out.err"
    rc=$?
    [ "$rc" -le 1 ] || fail "conformance/run (memfs-fuse2): exit status $rc"
    check "conformance: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    echo "note: unlink_open and rename_file are held to FUSE 2's known limits instead:"
    compare memfs-fuse2 "$out" unlink_open rename_file btime
    known_fails memfs-fuse2 "$out" btime "$NO_BTIME"
    check "conformance/unlink_open and rename_file: only FUSE 2's known limits differ" \
        test "$(grep -E '^FAIL (unlink_open|rename_file):' "$out")" = "$KNOWN_FUSE2"
    grep -E '^FAIL (unlink_open|rename_file):' "$out" | sed 's/^/    /'
fi

# --- Files of every kind, times, sizes, renames ---------------------------------
M=$FSP_TMP/kinds
if start "kinds" "$M" "$MEMFS" -f -o "$BASE_OPTS" "$M"; then
    check "kinds: served by FSP's libfuse.so.2" served_by_fsp "$FSP_PID"
    echo data >"$M/f"
    check "hard link: ln" ln "$M/f" "$M/g"
    check "hard link: nlink 2, one inode" \
        test "$(stat -c '%h %i' "$M/f")" = "$(stat -c '%h %i' "$M/g")"
    check "symlink: ln -s and readlink" bash -c "ln -s f '$M/s' && test \"\$(readlink '$M/s')\" = f"
    check "symlink: followed" test "$(cat "$M/s")" = data
    check "mkfifo" bash -c "mkfifo '$M/fifo' && test \"\$(stat -c %F '$M/fifo')\" = fifo"
    check "mknod c 1:3" bash -c "mknod '$M/null' c 1 3 && test \"\$(stat -c '%F %t:%T' '$M/null')\" = 'character special file 1:3'"
    check "socket" bash -c "'$FSP_BUILD/tests/mksock' '$M/sock' && test \"\$(stat -c %F '$M/sock')\" = socket"
    check "xattr: set and get" bash -c "setfattr -n user.color -v blue '$M/f' &&
        test \"\$(getfattr --only-values -n user.color '$M/f' 2>/dev/null)\" = blue"
    check "xattr: remove" bash -c "setfattr -x user.color '$M/f' && ! getfattr -n user.color '$M/f' 2>/dev/null"
    check "chown and chmod" bash -c "chown 123:456 '$M/f' && chmod 640 '$M/f' &&
        test \"\$(stat -c '%u:%g %a' '$M/f')\" = '123:456 640'"
    check "utimens: explicit times (ns)" bash -c "touch -d '2001-02-03 04:05:06.123456789' '$M/f' &&
        test \"\$(stat -c '%x|%y' '$M/f')\" = '2001-02-03 04:05:06.123456789 +0000|2001-02-03 04:05:06.123456789 +0000'"
    check "utimens: mtime only leaves atime (UTIME_OMIT)" bash -c "touch -m -d '2010-01-01' '$M/f' &&
        test \"\$(stat -c '%x|%y' '$M/f')\" = '2001-02-03 04:05:06.123456789 +0000|2010-01-01 00:00:00.000000000 +0000'"
    # truncate(1) truncates through an open descriptor (ftruncate); the shell's
    # redirection through O_TRUNC.
    check "ftruncate grows with zeros" bash -c "truncate -s 10 '$M/g' && test \"\$(od -An -c '$M/g' | tr -s ' ')\" = ' d a t a \\n \\0 \\0 \\0 \\0 \\0'"
    check "ftruncate shrinks" bash -c "truncate -s 2 '$M/g' && test \"\$(cat '$M/g')\" = da"
    check "O_TRUNC" bash -c ": >'$M/g' && test \"\$(stat -c %s '$M/f')\" = 0"
    echo one >"$M/a"
    echo two >"$M/b"
    check "rename replaces" bash -c "mv '$M/a' '$M/b' && test \"\$(cat '$M/b')\" = one && test ! -e '$M/a'"
    mkdir -p "$M/d1/d2"
    echo x >"$M/d1/d2/x"
    check "rename a directory: paths below follow" bash -c "mv '$M/d1' '$M/e1' && test \"\$(cat '$M/e1/d2/x')\" = x"
    out=$("$FSP_BUILD/tests/renamex" --exchange "$M/b" "$M/f" 2>&1)
    check "RENAME_EXCHANGE: EINVAL (FUSE 2 renames have no flags)" grep -q 'Invalid argument' <<<"$out"
    check "kinds: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
fi

# --- fuse_main: -h, -V, options, no mount point ---------------------------------
out=$("$MEMFS" -V 2>&1)
check "-V names the FUSE 2 library" grep -q 'FUSE library version: 2.9.9 (FSP)' <<<"$out"
out=$("$MEMFS" -h 2>&1)
check "-h shows usage, mount and library options" \
    bash -c "grep -q '^usage: ' <<<\"\$1\" && grep -q allow_other <<<\"\$1\" && grep -q hard_remove <<<\"\$1\"" _ "$out"
"$MEMFS" >/dev/null 2>&1
check "no mount point: exit 1" [ $? -eq 1 ]
M=$FSP_TMP/badopt
mkdir -p "$M"
out=$(timeout 10 "$MEMFS" -f -o no_such_option "$M" 2>&1)
check "unknown -o option refused" [ $? -eq 1 ]
check "unknown -o option is named" grep -q "unknown option(s): \`-o no_such_option'" <<<"$out"
check "a refused start leaves no mount" bash -c "! grep -q ' $M fuse' /proc/self/mounts"
M=$FSP_TMP/fsopts
# FUSE 2's low-level and mount options that FUSE 3 dropped are accepted.
OPTS=$BASE_OPTS,big_writes,max_write=65536,max_readahead=65536,async_read,nonempty,large_read,fsname=memfs2test
if start "FUSE 2 options" "$M" "$MEMFS" -f -o "$OPTS" "$M"; then
    check "FUSE 2 options accepted: fsname= reaches the mount" \
        bash -c "grep -q '^memfs2test $M fuse' /proc/self/mounts"
    head -c 300000 /dev/urandom >"$FSP_TMP/rand"
    cp "$FSP_TMP/rand" "$M/rand"
    check "max_write=65536: large files still round-trip" cmp -s "$FSP_TMP/rand" "$M/rand"
    check "FUSE 2 options: SIGHUP unmounts and exits 0" stop_with HUP "$FSP_PID" "$M"
fi

# --- (b) FUSE 2 programs built with `pkg-config fuse` against FSP ----------------
export PKG_CONFIG_PATH=$FSP_BUILD/pkgconfig
check "pkg-config fuse: FSP's headers and library" \
    bash -c "pkg-config --cflags fuse | grep -q -- '-I$FSP_TOP/include/fuse' &&
        pkg-config --libs fuse | grep -q -- '-L$(cd "$FSP_BUILD" && pwd)'"
check "pkg-config fuse: version 2.9.9" test "$(pkg-config --modversion fuse)" = 2.9.9

# hello2: the classic manual FUSE 2 setup (fuse_parse_cmdline, fuse_mount,
# fuse_new, fuse_daemonize, signal handlers, fuse_loop_mt, teardown); its
# files show the caller's uid (fuse_get_context) and init()'s private data.
cat >"$FSP_TMP/hello2.c" <<'EOF'
#define FUSE_USE_VERSION 26
#include <fuse.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The layouts a binary built against libfuse 2.9 passes (x86-64). */
_Static_assert(sizeof(struct fuse_file_info) == 40, "fuse_file_info");
_Static_assert(offsetof(struct fuse_file_info, fh) == 24, "fuse_file_info.fh");
_Static_assert(sizeof(struct fuse_conn_info) == 128, "fuse_conn_info");
_Static_assert(offsetof(struct fuse_operations, ioctl) == 38 * sizeof(void *) + 8, "ops.ioctl");
_Static_assert(sizeof(struct fuse_operations) == 44 * sizeof(void *) + 8, "ops");

static const char *hello = "Hello from FUSE 2!\n";
static char ctx_text[64];

static int h_getattr(const char *path, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    if (strcmp(path, "/") == 0) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
    } else if (strcmp(path, "/hello") == 0 || strcmp(path, "/ctx") == 0) {
        st->st_mode = S_IFREG | 0444;
        st->st_nlink = 1;
        st->st_size = 4096;
    } else {
        return -ENOENT;
    }
    return 0;
}

static int h_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                     struct fuse_file_info *fi)
{
    (void)off, (void)fi;
    if (strcmp(path, "/") != 0)
        return -ENOENT;
    fill(buf, ".", NULL, 0);
    fill(buf, "..", NULL, 0);
    fill(buf, "hello", NULL, 0);
    fill(buf, "ctx", NULL, 0);
    return 0;
}

static int h_open(const char *path, struct fuse_file_info *fi)
{
    if (strcmp(path, "/hello") && strcmp(path, "/ctx"))
        return -ENOENT;
    if ((fi->flags & O_ACCMODE) != O_RDONLY)
        return -EACCES;
    fi->direct_io = 1; /* sizes are nominal: read returns the real length */
    return 0;
}

static int h_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)fi;
    const char *text = hello;
    if (strcmp(path, "/ctx") == 0) {
        struct fuse_context *c = fuse_get_context();
        snprintf(ctx_text, sizeof(ctx_text), "uid=%u data=%s\n", (unsigned)c->uid,
                 (const char *)c->private_data);
        text = ctx_text;
    }
    size_t len = strlen(text);
    if ((size_t)off >= len)
        return 0;
    if (size > len - (size_t)off)
        size = len - (size_t)off;
    memcpy(buf, text + off, size);
    return (int)size;
}

static void *h_init(struct fuse_conn_info *conn)
{
    return conn->proto_major == 7 ? "from-init" : "bad-proto";
}

static const struct fuse_operations ops = {
    .getattr = h_getattr, .readdir = h_readdir, .open = h_open, .read = h_read, .init = h_init,
};

int main(int argc, char *argv[])
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    char *mountpoint;
    int mt, fg;
    if (fuse_version() != 29 || fuse_parse_cmdline(&args, &mountpoint, &mt, &fg) != 0 ||
        !mountpoint)
        return 1;
    struct fuse_chan *ch = fuse_mount(mountpoint, &args);
    if (!ch)
        return 2;
    struct fuse *f = fuse_new(ch, &args, &ops, sizeof(ops), NULL);
    if (!f) {
        fuse_unmount(mountpoint, ch);
        return 3;
    }
    int res = 4;
    if (fuse_daemonize(fg) == 0 && fuse_set_signal_handlers(fuse_get_session(f)) == 0) {
        res = (mt ? fuse_loop_mt(f) : fuse_loop(f)) == 0 ? 0 : 5;
        fuse_remove_signal_handlers(fuse_get_session(f));
    }
    fuse_unmount(mountpoint, ch);
    fuse_destroy(f);
    free(mountpoint);
    fuse_opt_free_args(&args);
    return res;
}
EOF

# hello2ll: the low-level API (fuse_lowlevel_new, fuse_session_add_chan,
# fuse_session_loop, fuse_reply_*, fuse_add_direntry) with FUSE 2's file info.
cat >"$FSP_TMP/hello2ll.c" <<'EOF'
#define FUSE_USE_VERSION 29
#include <fuse_lowlevel.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *text = "low-level FUSE 2\n";

static int fill(fuse_ino_t ino, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_ino = ino;
    if (ino == 1) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
    } else if (ino == 2) {
        st->st_mode = S_IFREG | 0444;
        st->st_nlink = 1;
        st->st_size = (off_t)strlen(text);
    } else {
        return -1;
    }
    return 0;
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fuse_entry_param e;
    memset(&e, 0, sizeof(e));
    if (parent != 1 || strcmp(name, "file") != 0) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    e.ino = 2;
    e.attr_timeout = e.entry_timeout = 1.0;
    fill(2, &e.attr);
    fuse_reply_entry(req, &e);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)fi;
    struct stat st;
    if (fill(ino, &st) != 0)
        fuse_reply_err(req, ENOENT);
    else
        fuse_reply_attr(req, &st, 1.0);
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    (void)fi;
    if (ino != 1) {
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    static const char *names[] = {".", "..", "file"};
    static const fuse_ino_t inos[] = {1, 1, 2};
    char buf[1024];
    size_t used = 0;
    for (off_t i = off; i < 3; i++) {
        struct stat st = {.st_ino = inos[i], .st_mode = i == 2 ? S_IFREG : S_IFDIR};
        size_t n = fuse_add_direntry(req, buf + used, sizeof(buf) - used, names[i], &st, i + 1);
        if (n > sizeof(buf) - used || used + n > size)
            break;
        used += n;
    }
    fuse_reply_buf(req, buf, used);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    if (ino != 2)
        fuse_reply_err(req, EISDIR);
    else if ((fi->flags & O_ACCMODE) != O_RDONLY)
        fuse_reply_err(req, EACCES);
    else {
        fi->fh = 4242; /* comes back in read, in FUSE 2's layout */
        fi->keep_cache = 1;
        fuse_reply_open(req, fi);
    }
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    (void)ino;
    size_t len = strlen(text);
    if (fi->fh != 4242 || *(int *)fuse_req_userdata(req) != 7) {
        fuse_reply_err(req, EBADF);
        return;
    }
    if ((size_t)off >= len)
        len = off = 0;
    else
        len -= (size_t)off;
    fuse_reply_buf(req, text + off, len < size ? len : size);
}

static const struct fuse_lowlevel_ops ops = {
    .lookup = ll_lookup, .getattr = ll_getattr, .readdir = ll_readdir,
    .open = ll_open, .read = ll_read,
};

int main(int argc, char *argv[])
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    char *mountpoint;
    int err = -1, userdata = 7;
    if (fuse_parse_cmdline(&args, &mountpoint, NULL, NULL) != 0 || !mountpoint)
        return 1;
    struct fuse_chan *ch = fuse_mount(mountpoint, &args);
    if (ch) {
        struct fuse_session *se = fuse_lowlevel_new(&args, &ops, sizeof(ops), &userdata);
        if (se) {
            if (fuse_set_signal_handlers(se) == 0) {
                fuse_session_add_chan(se, ch);
                if (fuse_chan_fd(ch) >= 0 && fuse_session_next_chan(se, NULL) == ch)
                    err = fuse_session_loop(se);
                fuse_remove_signal_handlers(se);
                fuse_session_remove_chan(ch);
            }
            fuse_session_destroy(se);
        }
        fuse_unmount(mountpoint, ch);
    }
    free(mountpoint);
    fuse_opt_free_args(&args);
    return err ? 1 : 0;
}
EOF

FSP_LIBDIR=$(cd "$FSP_BUILD" && pwd)
for prog in hello2 hello2ll; do
    # shellcheck disable=SC2046 # pkg-config's flags are a word list
    if cc -Wall -Werror -o "$FSP_TMP/$prog" "$FSP_TMP/$prog.c" $(pkg-config --cflags --libs fuse) \
        -Wl,-rpath,"$FSP_LIBDIR" 2>"$FSP_TMP/$prog.err"; then
        pass "$prog builds with pkg-config fuse"
    else
        fail "$prog builds with pkg-config fuse"
        sed 's/^/    /' "$FSP_TMP/$prog.err"
    fi
done
if [ -x "$FSP_TMP/hello2" ]; then
    check "hello2 binds libfuse 2's versioned symbols" \
        bash -c "objdump -T '$FSP_TMP/hello2' | grep -q '(FUSE_2.6) *fuse_new$' &&
            objdump -T '$FSP_TMP/hello2' | grep -q '(FUSE_2.6) *fuse_mount$'"
    M=$FSP_TMP/mnt-hello2
    if start "hello2" "$M" "$FSP_TMP/hello2" -f -o allow_other "$M"; then
        check "hello2: served by FSP's libfuse.so.2" served_by_fsp "$FSP_PID"
        check "hello2: read" test "$(cat "$M/hello")" = "Hello from FUSE 2!"
        check "hello2: listing" test "$(ls "$M" | tr '\n' ' ')" = "ctx hello "
        check "hello2: fuse_get_context (caller's uid, init's private data)" \
            test "$(cd "$M" && setpriv --reuid=65534 --regid=65534 --clear-groups cat ctx 2>&1)" = \
            "uid=65534 data=from-init"
        check "hello2: write refused" bash -c "! echo x 2>/dev/null >'$M/hello'"
        check "hello2: SIGTERM ends fuse_loop_mt, teardown, exit 0" stop_with TERM "$FSP_PID" "$M"
    fi
    M=$FSP_TMP/mnt-hello2s
    if start "hello2 -s" "$M" "$FSP_TMP/hello2" -f -s "$M"; then
        check "hello2 -s (fuse_loop): read" test "$(cat "$M/hello")" = "Hello from FUSE 2!"
        check "hello2 -s: SIGHUP, exit 0" stop_with HUP "$FSP_PID" "$M"
    fi
    M=$FSP_TMP/mnt-hello2d
    mkdir -p "$M"
    _fsp_mounts+=("$M")
    if timeout 10 "$FSP_TMP/hello2" "$M"; then
        check "hello2 without -f: fuse_daemonize returns once mounted" is_mounted "$M"
        check "hello2 daemon serves" test "$(cat "$M/hello")" = "Hello from FUSE 2!"
        umount "$M"
        check "hello2 daemon: umount" fsp_wait_unmounted "$M" 5
    else
        fail "hello2 without -f mounts and returns 0"
    fi
fi
if [ -x "$FSP_TMP/hello2ll" ]; then
    M=$FSP_TMP/mnt-hello2ll
    if start "hello2ll" "$M" "$FSP_TMP/hello2ll" -f "$M"; then
        check "hello2ll: served by FSP's libfuse.so.2" served_by_fsp "$FSP_PID"
        check "hello2ll: listing" test "$(ls -a "$M" | tr '\n' ' ')" = ". .. file "
        check "hello2ll: read (fh and userdata through FUSE 2's layouts)" \
            test "$(cat "$M/file")" = "low-level FUSE 2"
        check "hello2ll: stat" test "$(stat -c '%s %A' "$M/file")" = "17 -r--r--r--"
        check "hello2ll: SIGTERM ends fuse_session_loop, exit 0" stop_with TERM "$FSP_PID" "$M"
    fi
fi
unset PKG_CONFIG_PATH

# --- (c) Debian's bindfs on FSP's libfuse.so.2 ------------------------------------
fsp_need_tools fuse2 bindfs
BINDFS=$(command -v bindfs)
check "bindfs normally loads Debian's libfuse.so.2" \
    bash -c "env -u LD_LIBRARY_PATH ldd '$BINDFS' | grep 'libfuse.so.2 ' | grep -vq '$FSP_LIBDIR'"
check "with LD_LIBRARY_PATH it resolves to FSP's" \
    bash -c "LD_LIBRARY_PATH='$FSP_LIBDIR' ldd '$BINDFS' | grep -q '$FSP_LIBDIR/libfuse.so.2'"

# The source tree: files, a directory, a symlink, odd permissions, owners.
SRC=$FSP_TMP/bindsrc
mkdir -p "$SRC/dir"
echo alpha >"$SRC/a"
echo beta >"$SRC/dir/b"
chmod 751 "$SRC/a"
chown 123:456 "$SRC/dir/b"
ln -s a "$SRC/link"
# bindfs shows every file as owned by nobody:nogroup, without write
# permission for group and others.
BOPTS=(-u nobody -g nogroup -p go-w)
listing() { (cd "$1" && find . -printf '%p %y %M %u %g %s %l\n' | sort); }

# The reference: the same bindfs on Debian's libfuse.
REF=$FSP_TMP/bindref
if start "bindfs on Debian's libfuse" "$REF" env -u LD_LIBRARY_PATH "$BINDFS" -f "${BOPTS[@]}" "$SRC" "$REF"; then
    listing "$REF" >"$FSP_TMP/bind.ref"
    stop_with TERM "$FSP_PID" "$REF" || fail "bindfs on Debian's libfuse: SIGTERM stop"
fi

M=$FSP_TMP/bind
if LD_PRELOAD=$PRELOAD LD_LIBRARY_PATH=$FSP_LIBDIR ASAN_OPTIONS=detect_leaks=0 \
    start "bindfs on FSP" "$M" "$BINDFS" -f "${BOPTS[@]}" "$SRC" "$M"; then
    check "bindfs: /proc/PID/maps shows FSP's libfuse.so.2 only" served_by_fsp "$FSP_PID"
    listing "$M" >"$FSP_TMP/bind.fsp"
    check "bindfs: the listing equals bindfs on Debian's libfuse" \
        diff -u "$FSP_TMP/bind.ref" "$FSP_TMP/bind.fsp"
    check "bindfs: owners and permissions mapped (nobody:nogroup, go-w)" \
        test "$(stat -c '%U:%G %a' "$M/a" "$M/dir/b" | tr '\n' ' ')" = "nobody:nogroup 751 nobody:nogroup 644 "
    check "bindfs: underlying owners unchanged" test "$(stat -c '%u:%g' "$SRC/dir/b")" = 123:456
    check "bindfs: read" test "$(cat "$M/dir/b")" = beta
    check "bindfs: symlink" test "$(readlink "$M/link")" = a
    echo gamma >"$M/new"
    check "bindfs: a file created through the mount appears below it" test "$(cat "$SRC/new")" = gamma
    head -c 200000 /dev/urandom >"$FSP_TMP/rand2"
    cp "$FSP_TMP/rand2" "$M/dir/big"
    check "bindfs: contents equal below (200 KB)" cmp -s "$FSP_TMP/rand2" "$SRC/dir/big"
    check "bindfs: mkdir and rename pass through" \
        bash -c "mkdir '$M/sub' && mv '$M/new' '$M/sub/moved' && test -f '$SRC/sub/moved' && test ! -e '$SRC/new'"
    check "bindfs: chmod passes through" bash -c "chmod 600 '$M/sub/moved' && test \"\$(stat -c %a '$SRC/sub/moved')\" = 600"
    check "bindfs: new file owned by the creator below, nobody above" \
        test "$(stat -c '%u' "$SRC/sub/moved") $(stat -c '%U' "$M/sub/moved")" = "0 nobody"
    check "bindfs: truncate" bash -c "truncate -s 3 '$M/dir/big' && test \"\$(stat -c %s '$SRC/dir/big')\" = 3"
    check "bindfs: unlink" bash -c "rm '$M/dir/big' && test ! -e '$SRC/dir/big'"
    check "bindfs: xattr passes through" bash -c "setfattr -n user.k -v v '$M/a' &&
        test \"\$(getfattr --only-values -n user.k '$SRC/a' 2>/dev/null)\" = v"
    check "bindfs: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
fi

# --- Debian's unionfs-fuse (another FUSE 2 program) on FSP's libfuse.so.2 ------------
fsp_need_tools fuse2 unionfs
UNIONFS=$(command -v unionfs)
RW=$FSP_TMP/union-rw
RO=$FSP_TMP/union-ro
mkdir -p "$RW" "$RO"
echo upper >"$RW/u"
echo lower >"$RO/l"
M=$FSP_TMP/union
if LD_PRELOAD=$PRELOAD LD_LIBRARY_PATH=$FSP_LIBDIR ASAN_OPTIONS=detect_leaks=0 \
    start "unionfs on FSP" "$M" "$UNIONFS" -f -o cow "$RW=RW:$RO=RO" "$M"; then
    check "unionfs: /proc/PID/maps shows FSP's libfuse.so.2 only" served_by_fsp "$FSP_PID"
    check "unionfs: both branches listed" test "$(ls "$M" | tr '\n' ' ')" = "l u "
    echo changed >"$M/l"
    check "unionfs: copy-on-write into the RW branch" \
        test "$(cat "$RW/l") $(cat "$RO/l") $(cat "$M/l")" = "changed lower changed"
    check "unionfs: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
fi

fsp_done
