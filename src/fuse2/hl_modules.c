/*
 * hl_modules.c - FUSE 2's stacked modules: fuse_register_module() and the
 * modules= option of fuse_new().
 *
 * A FUSE 2 module works on FUSE 2's struct fuse_fs, so the program's own
 * modules (registered by FUSE_REGISTER_MODULE's constructor, or by loading
 * libfusemod_NAME.so, whose constructor registers it) are stacked here over
 * the FUSE 2 file system. The built-in ones (subdir, iconv) are FSP's FUSE 3
 * modules: they stack over the bridge (hl_bridge.c), that is above every
 * FUSE 2 module, so in modules=a:b:c the program's modules must come first
 * (which is where libfuse stacks them: nearest the file system).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse2/fuse2_i.h"

static pthread_mutex_t modules_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fuse2_module *modules; /* the latest registered first */

/* Called from constructors, before main() or at dlopen(). */
FSP_FUSE_EXPORT void fuse2_register_module(struct fuse2_module *mod)
{
    pthread_mutex_lock(&modules_lock);
    mod->next = modules;
    modules = mod;
    pthread_mutex_unlock(&modules_lock);
}

FUSE2_SYMBOL(fuse2_register_module, fuse_register_module, "FUSE_2.7");

static struct fuse2_module *find_registered(const char *name)
{
    pthread_mutex_lock(&modules_lock);
    struct fuse2_module *m = modules;
    while (m && strcmp(m->name, name) != 0)
        m = m->next;
    pthread_mutex_unlock(&modules_lock);
    return m;
}

/* A registered module, or one libfusemod_NAME.so registers when loaded
 * (which then stays loaded: its code serves the stack). */
static struct fuse2_module *find_module(const char *name)
{
    struct fuse2_module *m = find_registered(name);
    if (m)
        return m;
    char lib[256];
    snprintf(lib, sizeof(lib), "libfusemod_%s.so", name);
    void *so = dlopen(lib, RTLD_NOW);
    if (!so)
        return NULL;
    m = find_registered(name);
    if (!m)
        dlclose(so);
    return m;
}

static bool is_builtin(const char *name)
{
    return strcmp(name, "subdir") == 0 || strcmp(name, "iconv") == 0;
}

struct modules_opt {
    char *list;
};

static const struct fuse_opt modules_opts[] = {
    {"modules=%s", offsetof(struct modules_opt, list), 0},
    FUSE_OPT_END,
};

int fuse2_modules_stack(struct fuse2 *st, struct fuse_args *args)
{
    struct modules_opt o = {NULL};
    char *builtins = NULL;
    int res = 0;
    if (fuse_opt_parse(args, &o, modules_opts, NULL) == -1)
        return -1;
    if (!o.list)
        return 0;
    char *save = NULL;
    for (char *name = strtok_r(o.list, ":", &save); name && res == 0;
         name = strtok_r(NULL, ":", &save)) {
        struct fuse2_module *m = find_registered(name);
        if (!m && !is_builtin(name))
            m = find_module(name);
        if (!m && is_builtin(name)) {
            size_t len = builtins ? strlen(builtins) : 0;
            char *more = realloc(builtins, len + strlen(name) + 2);
            if (!more) {
                res = -1;
                break;
            }
            builtins = more;
            sprintf(builtins + len, "%s%s", len ? ":" : "", name);
        } else if (!m) {
            fuse_log(FUSE_LOG_ERR, "fuse: module '%s' not found\n", name);
            res = -1;
        } else if (builtins) {
            fuse_log(FUSE_LOG_ERR,
                     "fuse: module '%s' must be listed before the built-in modules (%s)\n", name,
                     builtins);
            res = -1;
        } else {
            struct fuse2_fs *next[2] = {st->fs, NULL};
            struct fuse2_fs *fs = m->factory(args, next);
            if (fs)
                st->fs = fs;
            else
                res = -1;
        }
    }
    if (res == 0 && builtins) {
        char *opt;
        if (asprintf(&opt, "-omodules=%s", builtins) < 0 || fuse_opt_add_arg(args, opt) == -1)
            res = -1;
        else
            free(opt);
    }
    free(builtins);
    free(o.list);
    return res;
}
