/*
 * mod_iconv.c - the built-in "iconv" module (-o modules=iconv): the file
 * system below stores names in one character set, the mount shows them in
 * another.
 *
 *   -o from_code=CHARSET  the names' encoding below (default UTF-8)
 *   -o to_code=CHARSET    their encoding in the mount (default: the
 *                         locale's, nl_langinfo(CODESET))
 *
 * Paths and symlink targets go down converted to from_code; listed names
 * and readlink's answer come up converted to to_code. A listed name that
 * to_code cannot represent is left out; a path that from_code cannot
 * represent fails with EILSEQ. Conversion is libc's iconv(3); a conversion
 * descriptor keeps state, so each direction has its own, under a lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <iconv.h>
#include <langinfo.h>
#include <locale.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse/mod_pathmap.h"
#include "fuse/modules.h"

struct iconv_mod {
    struct hl_pathmap pm; /* first: the module's private data is this */
    pthread_mutex_t lock;
    iconv_t down; /* to_code -> from_code */
    iconv_t up;   /* from_code -> to_code */
};

struct iconv_opts {
    char *from_code, *to_code;
};

static const struct fuse_opt iconv_opts[] = {
    {"from_code=%s", offsetof(struct iconv_opts, from_code), 0},
    {"to_code=%s", offsetof(struct iconv_opts, to_code), 0},
    FUSE_OPT_END,
};

/* in converted by cd into a malloc()ed, NUL-terminated *out: 0 or -errno
 * (EILSEQ: a character the target set lacks, or a malformed one). */
static int iconv_conv(struct iconv_mod *ic, iconv_t cd, const char *in, char **out)
{
    size_t inleft = strlen(in);
    size_t cap = inleft * 4 + 16; /* enough for most; grown below if not */
    char *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    char *inp = (char *)in, *outp = buf;
    size_t outleft = cap - 1;
    int err = 0;
    pthread_mutex_lock(&ic->lock);
    iconv(cd, NULL, NULL, NULL, NULL); /* a fresh shift state */
    bool flushing = false;             /* input done: emit the final shift sequence */
    for (;;) {
        size_t r = flushing ? iconv(cd, NULL, NULL, &outp, &outleft)
                            : iconv(cd, &inp, &inleft, &outp, &outleft);
        if (r != (size_t)-1) {
            if (flushing)
                break;
            flushing = true;
            continue;
        }
        if (errno != E2BIG) {
            err = errno == EINVAL ? -EILSEQ : -errno; /* EINVAL: a cut multibyte sequence */
            break;
        }
        size_t used = (size_t)(outp - buf);
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            err = -ENOMEM;
            break;
        }
        buf = bigger;
        cap *= 2;
        outp = buf + used;
        outleft = cap - 1 - used;
    }
    pthread_mutex_unlock(&ic->lock);
    if (err) {
        free(buf);
        return err;
    }
    *outp = '\0';
    *out = buf;
    return 0;
}

static int iconv_path(struct hl_pathmap *pm, const char *path, char **out)
{
    struct iconv_mod *ic = (struct iconv_mod *)pm;
    return iconv_conv(ic, ic->down, path, out);
}

static int iconv_target_down(struct hl_pathmap *pm, const char *target, char **out)
{
    return iconv_path(pm, target, out);
}

static int iconv_target_up(struct hl_pathmap *pm, const char *path, char *buf, size_t size)
{
    struct iconv_mod *ic = (struct iconv_mod *)pm;
    char *shown;
    (void)path;
    int err = iconv_conv(ic, ic->up, buf, &shown);
    if (err)
        return err;
    snprintf(buf, size, "%s", shown);
    free(shown);
    return 0;
}

static int iconv_name_up(struct hl_pathmap *pm, const char *name, char **out)
{
    struct iconv_mod *ic = (struct iconv_mod *)pm;
    return iconv_conv(ic, ic->up, name, out);
}

static void iconv_free(struct hl_pathmap *pm)
{
    struct iconv_mod *ic = (struct iconv_mod *)pm;
    if (ic->down != (iconv_t)-1)
        iconv_close(ic->down);
    if (ic->up != (iconv_t)-1)
        iconv_close(ic->up);
    pthread_mutex_destroy(&ic->lock);
    free(ic);
}

static const struct hl_pathmap_hooks iconv_hooks = {
    .path = iconv_path,
    .target_down = iconv_target_down,
    .target_up = iconv_target_up,
    .name_up = iconv_name_up,
    .free = iconv_free,
};

struct fuse_fs *hl_iconv_factory(struct fuse_args *args, struct fuse_fs *next[])
{
    struct iconv_opts o = {0};
    struct fuse_fs *fs = NULL;
    if (!next[0] || next[1]) {
        fuse_log(FUSE_LOG_ERR, "fuse-iconv: exactly one next filesystem required\n");
        return NULL;
    }
    if (fuse_opt_parse(args, &o, iconv_opts, NULL) == -1)
        return NULL;
    struct iconv_mod *ic = calloc(1, sizeof(*ic));
    if (!ic)
        goto out;
    pthread_mutex_init(&ic->lock, NULL);
    ic->pm.next = next[0];
    ic->pm.hooks = &iconv_hooks;
    const char *from = o.from_code ? o.from_code : "UTF-8";
    /* The locale's character set is what the program's user types and sees. */
    const char *old = setlocale(LC_CTYPE, NULL);
    char *saved = old ? strdup(old) : NULL;
    if (!o.to_code)
        setlocale(LC_CTYPE, "");
    const char *to = o.to_code ? o.to_code : nl_langinfo(CODESET);
    ic->down = iconv_open(from, to);
    ic->up = iconv_open(to, from);
    if (ic->down == (iconv_t)-1 || ic->up == (iconv_t)-1)
        fuse_log(FUSE_LOG_ERR, "fuse-iconv: cannot convert between %s and %s\n", from, to);
    if (saved) {
        setlocale(LC_CTYPE, saved);
        free(saved);
    }
    if (ic->down == (iconv_t)-1 || ic->up == (iconv_t)-1) {
        iconv_free(&ic->pm);
        goto out;
    }
    fs = hl_pathmap_fs(&ic->pm);
    if (!fs)
        iconv_free(&ic->pm);
out:
    free(o.from_code);
    free(o.to_code);
    return fs;
}
