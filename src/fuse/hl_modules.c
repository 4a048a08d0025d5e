/*
 * hl_modules.c - stacked modules: -o modules=a:b puts module a over the
 * file system and b over a (the last one named is the one the kernel's
 * requests reach first), as libfuse does.
 *
 * A module is a factory: given the arguments and the file system below, it
 * takes its own options and returns a struct fuse_fs that calls the one
 * below through fuse_fs_*(). Names are looked up among the built-in modules
 * (subdir, iconv), then, as libfuse 3 does, as the variable
 * fuse_module_NAME_factory that FUSE_REGISTER_MODULE defines: first one
 * already visible in the process (a program that exports it, -rdynamic),
 * then in libfusemod_NAME.so found by dlopen(3). A loaded module library
 * stays loaded: the file systems it made may outlive any one struct fuse.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse/hl_i.h"
#include "fuse/modules.h"

static const struct {
    const char *name;
    fuse_module_factory_t factory;
} builtin[] = {
    {"subdir", hl_subdir_factory},
    {"iconv", hl_iconv_factory},
};

/* libfuse.so.2 builds this file too; its programs' modules are FUSE 2 ones,
 * registered with FUSE 2's fuse_register_module and stacked by src/fuse2,
 * so there only the built-in modules are looked up here. */
#ifndef FSP_FUSE_NO_SYMVER
static fuse_module_factory_t find_factory(void *handle, const char *name)
{
    char sym[256];
    snprintf(sym, sizeof(sym), "fuse_module_%s_factory", name);
    fuse_module_factory_t *var = dlsym(handle, sym);
    return var ? *var : NULL;
}
#endif

static fuse_module_factory_t find_module(const char *name)
{
    for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
        if (strcmp(builtin[i].name, name) == 0)
            return builtin[i].factory;
#ifndef FSP_FUSE_NO_SYMVER
    fuse_module_factory_t factory = find_factory(RTLD_DEFAULT, name);
    if (factory)
        return factory;
    char lib[256];
    snprintf(lib, sizeof(lib), "libfusemod_%s.so", name);
    void *so = dlopen(lib, RTLD_NOW);
    if (so) {
        factory = find_factory(so, name);
        if (factory)
            return factory;
        dlclose(so);
    }
#endif
    return NULL;
}

static int push_module(struct fuse *f, const char *name, struct fuse_args *args)
{
    fuse_module_factory_t factory = find_module(name);
    if (!factory) {
        fuse_log(FUSE_LOG_ERR, "fuse: module '%s' not found\n", name);
        return -1;
    }
    struct fuse_fs *next[2] = {f->fs, NULL};
    struct fuse_fs *fs = factory(args, next);
    if (!fs)
        return -1;
    f->fs = fs;
    return 0;
}

int hl_modules_stack(struct fuse *f, struct fuse_args *args)
{
    if (!f->conf.modules)
        return 0;
    char *list = strdup(f->conf.modules);
    if (!list) {
        fuse_log(FUSE_LOG_ERR, "fuse: out of memory\n");
        return -1;
    }
    int res = 0;
    char *save = NULL;
    for (char *name = strtok_r(list, ":", &save); name && res == 0;
         name = strtok_r(NULL, ":", &save))
        res = push_module(f, name, args);
    free(list);
    return res;
}

void hl_fs_shutdown(struct fuse *f)
{
    if (f->fs) {
        fuse_fs_destroy(f->fs);
        f->fs = NULL;
    }
}
