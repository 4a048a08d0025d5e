#!/usr/bin/env bash
# modules.sh - stacked modules of the high-level API (-o modules=), through
# samples/passthrough-fuse3 mirroring a tmpfs: subdir shows exactly one
# directory of the file system below (create, read, rename, symlink,
# readdir; rellinks), iconv converts names between character sets (the
# bytes stored below against those shown above), both stacked, a module in
# libfusemod_NAME.so found by name, and an unknown module refused. The
# FUSE 2 library: iconv over memfs-fuse2, and a FUSE 2 program's own module
# (FUSE_REGISTER_MODULE), alone and under subdir.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

PT=$FSP_BUILD/passthrough-fuse3
MEMFS2=$FSP_BUILD/memfs-fuse2
if [ ! -x "$PT" ] || [ ! -x "$MEMFS2" ]; then
    fail "passthrough-fuse3 and memfs-fuse2 are built"
    fsp_done
fi
SRC=$FSP_TMP/src
fsp_mount_tmpfs "$SRC" fsp-modules size=16m,mode=0755 || {
    fail "tmpfs for the source directory mounts"
    fsp_done
}

# start LABEL DIR CMD...: mount in the background, output to DIR.log.
start() {
    local label=$1 dir=$2
    shift 2
    # shellcheck disable=SC2016 # $1 and $@ are the inner shell's
    if fsp_start_fs "$dir" sh -c 'log=$1; shift; exec "$@" >"$log" 2>&1' sh "$dir.log" "$@"; then
        return 0
    fi
    fail "$label: mounts"
    sed 's/^/    /' "$dir.log" 2>/dev/null | tail -20
    fsp_stop_fs "$FSP_PID" "$dir"
    return 1
}

# listing DIR: its names (no . and ..), sorted, one line each.
listing() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort; }

# --- subdir ---------------------------------------------------------------------
mkdir -p "$SRC/sub/dir" "$SRC/other"
echo inside >"$SRC/sub/file"
echo outside >"$SRC/outfile"
echo nested >"$SRC/sub/dir/nested"
ln -s /sub/dir/nested "$SRC/sub/dir/abslink"
M=$FSP_TMP/subdir
if start "subdir" "$M" "$PT" -f -o "source=$SRC,modules=subdir,subdir=/sub,rellinks" "$M"; then
    check "subdir: the root lists exactly the subdirectory" \
        test "$(listing "$M")" = "$(listing "$SRC/sub")"
    check "subdir: reads a file of the subdirectory" test "$(cat "$M/file")" = inside
    check "subdir: nothing outside it is reachable" test ! -e "$M/outfile"
    check "subdir: a nested file" test "$(cat "$M/dir/nested")" = nested
    echo created >"$M/new"
    check "subdir: a created file lands in the subdirectory" test "$(cat "$SRC/sub/new")" = created
    check "subdir: rename inside the mount" mv "$M/new" "$M/dir/moved"
    check "subdir: ... moves it below" test -f "$SRC/sub/dir/moved" -a ! -e "$SRC/sub/new"
    check "subdir: symlink" ln -s file "$M/rel"
    check "subdir: ... is stored as given" test "$(readlink "$SRC/sub/rel")" = file
    check "subdir: ... and resolves" test "$(cat "$M/rel")" = inside
    check "subdir: rellinks makes an absolute target inside it relative" \
        test "$(readlink "$M/dir/abslink")" = "../dir/nested"
    check "subdir: ... which resolves inside the mount" test "$(cat "$M/dir/abslink")" = nested
    check "subdir: mkdir and rmdir" bash -c "mkdir '$M/d2' && test -d '$SRC/sub/d2' && rmdir '$M/d2' && test ! -e '$SRC/sub/d2'"
    check "subdir: unlink" bash -c "rm '$M/dir/moved' && test ! -e '$SRC/sub/dir/moved'"
    check "subdir: the listing after the changes" test "$(listing "$M")" = "$(listing "$SRC/sub")"
    check "subdir: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
fi
M=$FSP_TMP/norel
if start "subdir norellinks" "$M" "$PT" -f -o "source=$SRC,modules=subdir,subdir=/sub" "$M"; then
    check "subdir: without rellinks a target is left alone" \
        test "$(readlink "$M/dir/abslink")" = /sub/dir/nested
    check "subdir norellinks: SIGTERM unmounts" stop_with TERM "$FSP_PID" "$M"
fi

# --- iconv ---------------------------------------------------------------------
# Below: UTF-8 (from_code); above: ISO-8859-1 (to_code). "é" is c3 a9 below
# and e9 above.
E_UTF8=$(printf 'caf\xc3\xa9')
E_LATIN1=$(printf 'caf\xe9')
mkdir -p "$SRC/ic"
echo utf8 >"$SRC/ic/$E_UTF8"
M=$FSP_TMP/iconv
if start "iconv" "$M" "$PT" -f -o "source=$SRC/ic,modules=iconv,from_code=UTF-8,to_code=ISO-8859-1" "$M"; then
    check "iconv: a UTF-8 name below is listed in ISO-8859-1" \
        test "$(listing "$M" | od -An -tx1 | tr -d ' \n')" = "$(printf '%s' "$E_LATIN1" | od -An -tx1 | tr -d ' \n')0a"
    check "iconv: opened by its ISO-8859-1 name" test "$(cat "$M/$E_LATIN1")" = utf8
    check "iconv: the UTF-8 name is not there above" test ! -e "$M/$E_UTF8"
    N_LATIN1=$(printf 'na\xefve')
    N_UTF8=$(printf 'na\xc3\xafve')
    echo made >"$M/$N_LATIN1"
    check "iconv: a name created above is stored in UTF-8 below" test "$(cat "$SRC/ic/$N_UTF8")" = made
    check "iconv: rename converts both names" mv "$M/$N_LATIN1" "$M/$E_LATIN1.old"
    check "iconv: ... below" test -f "$SRC/ic/$E_UTF8.old"
    check "iconv: a symlink target is converted down" ln -s "$E_LATIN1" "$M/lnk"
    check "iconv: ... stored in UTF-8" test "$(readlink "$SRC/ic/lnk")" = "$E_UTF8"
    check "iconv: ... and read back in ISO-8859-1" test "$(readlink "$M/lnk")" = "$E_LATIN1"
    check "iconv: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
fi

# --- both, stacked: iconv over subdir (modules=subdir:iconv) ----------------------
M=$FSP_TMP/both
if start "subdir:iconv" "$M" "$PT" -f -o "source=$SRC,modules=subdir:iconv,subdir=/ic,from_code=UTF-8,to_code=ISO-8859-1" "$M"; then
    check "subdir:iconv: the subdirectory's names, converted" test "$(cat "$M/$E_LATIN1")" = utf8
    check "subdir:iconv: nothing else" test ! -e "$M/sub"
    check "subdir:iconv: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
fi

# --- FUSE 3: a module in libfusemod_NAME.so, found by dlopen ---------------------------
# The library's module "veil" hides names starting with "secret" (getattr and
# readdir through fuse_fs_*); passthrough-fuse3 knows nothing of it.
cat >"$FSP_TMP/veil.c" <<'CEOF'
#define FUSE_USE_VERSION 31
#include <fuse.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct veil { struct fuse_fs *next; };

static struct veil *self(void) { return fuse_get_context()->private_data; }

static int hidden(const char *path)
{
    const char *slash = strrchr(path, '/');
    return !strncmp(slash ? slash + 1 : path, "secret", 6);
}

static int v_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    struct veil *v = self();
    return hidden(path) ? -ENOENT : fuse_fs_getattr(v->next, path, st, fi);
}

struct fillctx { void *buf; fuse_fill_dir_t fill; };

static int v_fill(void *buf, const char *name, const struct stat *st, off_t off,
                  enum fuse_fill_dir_flags flags)
{
    struct fillctx *c = buf;
    return hidden(name) ? 0 : c->fill(c->buf, name, st, off, flags);
}

static int v_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                     struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    struct veil *v = self();
    struct fillctx c = {buf, fill};
    return fuse_fs_readdir(v->next, path, &c, v_fill, off, fi, flags);
}

static int v_open(const char *path, struct fuse_file_info *fi)
{
    return fuse_fs_open(self()->next, path, fi);
}

static int v_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    return fuse_fs_read(self()->next, path, buf, size, off, fi);
}

static int v_release(const char *path, struct fuse_file_info *fi)
{
    return fuse_fs_release(self()->next, path, fi);
}

static int v_opendir(const char *path, struct fuse_file_info *fi)
{
    return fuse_fs_opendir(self()->next, path, fi);
}

static int v_releasedir(const char *path, struct fuse_file_info *fi)
{
    return fuse_fs_releasedir(self()->next, path, fi);
}

static void *v_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    struct veil *v = self();
    fuse_fs_init(v->next, conn, cfg);
    return v;
}

static void v_destroy(void *data)
{
    struct veil *v = data;
    fuse_fs_destroy(v->next);
    free(v);
}

static const struct fuse_operations veil_ops = {
    .getattr = v_getattr, .open = v_open, .read = v_read, .release = v_release,
    .readdir = v_readdir, .opendir = v_opendir, .releasedir = v_releasedir,
    .init = v_init, .destroy = v_destroy};

static struct fuse_fs *veil_factory(struct fuse_args *args, struct fuse_fs *next[])
{
    (void)args;
    struct veil *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    v->next = next[0];
    struct fuse_fs *fs = fuse_fs_new(&veil_ops, sizeof(veil_ops), v);
    if (!fs)
        free(v);
    return fs;
}

FUSE_REGISTER_MODULE(veil, veil_factory);
CEOF
mkdir -p "$SRC/veiled"
echo pub >"$SRC/veiled/public"
echo sec >"$SRC/veiled/secret"
# shellcheck disable=SC2046 # pkg-config's flags are a word list
if cc -Wall -Werror -shared -fPIC -o "$FSP_TMP/libfusemod_veil.so" "$FSP_TMP/veil.c" \
    $(PKG_CONFIG_PATH=$FSP_BUILD/pkgconfig pkg-config --cflags --libs fuse3) 2>"$FSP_TMP/veil.err"; then
    M=$FSP_TMP/veil
    if start "libfusemod_veil.so" "$M" env LD_LIBRARY_PATH="$FSP_TMP" \
        "$PT" -f -o "source=$SRC/veiled,modules=veil" "$M"; then
        check "libfusemod_veil.so: the listing without the hidden name" test "$(listing "$M")" = public
        check "libfusemod_veil.so: the hidden name is not found" test ! -e "$M/secret"
        check "libfusemod_veil.so: the rest is" test "$(cat "$M/public")" = pub
        check "libfusemod_veil.so: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    fi
else
    fail "libfusemod_veil.so builds with pkg-config fuse3"
    sed 's/^/    /' "$FSP_TMP/veil.err"
fi

# --- errors -------------------------------------------------------------------------
M=$FSP_TMP/bad
mkdir -p "$M"
timeout -k 5 20 "$PT" -f -o "source=$SRC,modules=nosuchmod" "$M" >"$M.log" 2>&1
rc=$?
check "unknown module: fuse_main fails (exit 3)" test "$rc" -eq 3
check "unknown module: says which" grep -q "fuse: module 'nosuchmod' not found" "$M.log"
timeout -k 5 20 "$PT" -f -o "source=$SRC,modules=subdir" "$M" >"$M.log" 2>&1
check "subdir without subdir=: refused" grep -q "missing 'subdir' option" "$M.log"
timeout -k 5 20 "$PT" -f -o "source=$SRC,modules=iconv,from_code=NO-SUCH-SET" "$M" >"$M.log" 2>&1
check "iconv with an unknown charset: refused" grep -q "cannot convert" "$M.log"

# --- FUSE 2 (libfuse.so.2): iconv over memfs-fuse2 ---------------------------------
# Stored below in ISO-8859-1, shown in UTF-8: a name with a character
# Latin-1 lacks (the euro sign) cannot be created; one it has round-trips.
M=$FSP_TMP/fuse2
if start "FUSE 2 iconv" "$M" "$MEMFS2" -f -o "modules=iconv,from_code=ISO-8859-1,to_code=UTF-8" "$M"; then
    check "FUSE 2 iconv: a name Latin-1 can store" bash -c "echo x >'$M/$E_UTF8'"
    check "FUSE 2 iconv: ... is listed as created" test "$(listing "$M")" = "$E_UTF8"
    EURO=$(printf '\xe2\x82\xac')
    check "FUSE 2 iconv: a name Latin-1 cannot store fails (EILSEQ)" \
        bash -c "! echo x >'$M/$EURO'" 2>/dev/null
    check "FUSE 2 iconv: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
fi
M=$FSP_TMP/fuse2bad
mkdir -p "$M"
timeout -k 5 20 "$MEMFS2" -f -o modules=nosuchmod "$M" >"$M.log" 2>&1
check "FUSE 2 unknown module: says which" grep -q "fuse: module 'nosuchmod' not found" "$M.log"

# --- FUSE 2: a program's own module (FUSE_REGISTER_MODULE) -------------------------
# hidefs serves /public, /secret, /d/public, /d/secret; its module "hide"
# (registered by the macro's constructor) hides every name starting with
# "secret", through fuse_fs_getattr/fuse_fs_readdir on the file system below.
cat >"$FSP_TMP/hidefs.c" <<'CEOF'
#define FUSE_USE_VERSION 26
#include <fuse.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int fs_getattr(const char *path, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    if (!strcmp(path, "/") || !strcmp(path, "/d")) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        return 0;
    }
    const char *base = strncmp(path, "/d/", 3) ? path + 1 : path + 3;
    if (strchr(base, '/') || (strcmp(base, "public") && strcmp(base, "secret")))
        return -ENOENT;
    st->st_mode = S_IFREG | 0644;
    st->st_nlink = 1;
    return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                      struct fuse_file_info *fi)
{
    (void)off;
    (void)fi;
    if (strcmp(path, "/") && strcmp(path, "/d"))
        return -ENOENT;
    fill(buf, "public", NULL, 0);
    fill(buf, "secret", NULL, 0);
    if (!strcmp(path, "/"))
        fill(buf, "d", NULL, 0);
    return 0;
}

static struct fuse_operations fs_ops = {.getattr = fs_getattr, .readdir = fs_readdir};

/* The module. */
struct hide { struct fuse_fs *next; };

static struct hide *self(void) { return fuse_get_context()->private_data; }

static int hidden(const char *path)
{
    const char *slash = strrchr(path, '/');
    return !strncmp(slash ? slash + 1 : path, "secret", 6);
}

static int h_getattr(const char *path, struct stat *st)
{
    struct hide *h = self();
    return hidden(path) ? -ENOENT : fuse_fs_getattr(h->next, path, st);
}

struct fillctx { void *buf; fuse_fill_dir_t fill; };

static int h_fill(void *buf, const char *name, const struct stat *st, off_t off)
{
    struct fillctx *c = buf;
    return hidden(name) ? 0 : c->fill(c->buf, name, st, off);
}

static int h_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                     struct fuse_file_info *fi)
{
    struct hide *h = self();
    struct fillctx c = {buf, fill};
    return fuse_fs_readdir(h->next, path, &c, h_fill, off, fi);
}

static void *h_init(struct fuse_conn_info *conn)
{
    struct hide *h = self();
    fuse_fs_init(h->next, conn);
    return h;
}

static void h_destroy(void *data)
{
    struct hide *h = data;
    fuse_fs_destroy(h->next);
    free(h);
}

static struct fuse_operations hide_ops = {.getattr = h_getattr, .readdir = h_readdir,
                                          .init = h_init, .destroy = h_destroy};

static struct fuse_fs *hide_factory(struct fuse_args *args, struct fuse_fs *next[])
{
    (void)args;
    struct hide *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->next = next[0];
    struct fuse_fs *fs = fuse_fs_new(&hide_ops, sizeof(hide_ops), h);
    if (!fs)
        free(h);
    return fs;
}

FUSE_REGISTER_MODULE(hide, hide_factory);

int main(int argc, char *argv[])
{
    return fuse_main(argc, argv, &fs_ops, NULL);
}
CEOF
HIDEFS=$FSP_TMP/hidefs
FSP_LIBDIR=$(cd "$FSP_BUILD" && pwd)
# shellcheck disable=SC2046 # pkg-config's flags are a word list
if PKG_CONFIG_PATH=$FSP_BUILD/pkgconfig cc -Wall -Werror -o "$HIDEFS" "$FSP_TMP/hidefs.c" \
    $(PKG_CONFIG_PATH=$FSP_BUILD/pkgconfig pkg-config --cflags --libs fuse) \
    -Wl,-rpath,"$FSP_LIBDIR" 2>"$FSP_TMP/hidefs.err"; then
    M=$FSP_TMP/hide
    if start "FUSE 2 module" "$M" "$HIDEFS" -f -o modules=hide "$M"; then
        check "FUSE 2 module: the listing without the hidden name" test "$(listing "$M")" = "$(printf 'd\npublic')"
        check "FUSE 2 module: the hidden name is not found" test ! -e "$M/secret"
        check "FUSE 2 module: the rest is" test -f "$M/public"
        check "FUSE 2 module: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    fi
    M=$FSP_TMP/hidesub
    if start "FUSE 2 module under subdir" "$M" "$HIDEFS" -f -o modules=hide:subdir,subdir=/d "$M"; then
        check "FUSE 2 hide:subdir: the subdirectory, without the hidden name" \
            test "$(listing "$M")" = public
        check "FUSE 2 hide:subdir: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    fi
    M=$FSP_TMP/hidebad
    mkdir -p "$M"
    timeout -k 5 20 "$HIDEFS" -f -o modules=subdir:hide,subdir=/d "$M" >"$M.log" 2>&1
    check "FUSE 2: a program's module after a built-in one is refused, saying why" \
        grep -q "module 'hide' must be listed before the built-in modules" "$M.log"
else
    fail "hidefs (a FUSE 2 module program) builds with pkg-config fuse"
    sed 's/^/    /' "$FSP_TMP/hidefs.err"
fi

fsp_done
