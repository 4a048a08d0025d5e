/*
 * test_fuse_modules.c - a module a program registers itself with
 * FUSE_REGISTER_MODULE (exported: this test links with -rdynamic) and
 * stacks with -o modules=: its factory gets the arguments (and takes its
 * own option out of them) and the file system below; its operations run
 * with its own private data in the context and reach the file system below
 * through fuse_fs_*(), which run with that one's; init and destroy go down
 * the stack. Also: an unknown module makes fuse_new fail.
 *
 * Needs root (mount(2)) or fusermount3; mounts with auto_unmount; alarm()
 * bounds the run.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 35
#include <fuse.h>
#include <fuse_lowlevel.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fuse_harness.h"

/* --- The file system below: one file, 5 bytes --------------------------------- */

static int below_data = 1; /* fuse_new's private data */
static int below_private_ok = 1;
static int below_destroyed;

static int b_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    (void)fi;
    if (fuse_get_context()->private_data != &below_data)
        below_private_ok = 0;
    memset(st, 0, sizeof(*st));
    if (!strcmp(path, "/")) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        return 0;
    }
    if (!strcmp(path, "/file")) {
        st->st_mode = S_IFREG | 0644;
        st->st_nlink = 1;
        st->st_size = 5;
        return 0;
    }
    return -ENOENT;
}

static void *b_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    (void)conn;
    (void)cfg;
    return fuse_get_context()->private_data;
}

static void b_destroy(void *data)
{
    if (data == &below_data)
        below_destroyed++;
}

static const struct fuse_operations below_ops = {
    .getattr = b_getattr,
    .init = b_init,
    .destroy = b_destroy,
};

/* --- The module "grow": adds its tag= value to every file's size ---------------- */

struct grow {
    struct fuse_fs *next;
    long add;
};

static struct grow *made; /* the factory's state, checked by main() */
static int grow_private_ok = 1;
static int grow_inits, grow_destroyed;
static char **factory_args_seen; /* did the factory get fuse_new's arguments? */

static int g_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    struct grow *g = fuse_get_context()->private_data;
    if (g != made)
        grow_private_ok = 0;
    int err = fuse_fs_getattr(g->next, path, st, fi);
    if (!err && S_ISREG(st->st_mode))
        st->st_size += g->add;
    return err;
}

static void *g_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    struct grow *g = fuse_get_context()->private_data;
    grow_inits++;
    fuse_fs_init(g->next, conn, cfg);
    return g;
}

static void g_destroy(void *data)
{
    struct grow *g = data;
    grow_destroyed++;
    fuse_fs_destroy(g->next);
    free(g);
}

static const struct fuse_operations grow_ops = {
    .getattr = g_getattr,
    .init = g_init,
    .destroy = g_destroy,
};

static const struct fuse_opt grow_opts[] = {
    {"grow_by=%ld", offsetof(struct grow, add), 0},
    FUSE_OPT_END,
};

static struct fuse_fs *grow_factory(struct fuse_args *args, struct fuse_fs *next[])
{
    factory_args_seen = args->argv;
    if (!next[0] || next[1])
        return NULL;
    struct grow *g = calloc(1, sizeof(*g));
    if (!g || fuse_opt_parse(args, g, grow_opts, NULL) == -1) {
        free(g);
        return NULL;
    }
    g->next = next[0];
    struct fuse_fs *fs = fuse_fs_new(&grow_ops, sizeof(grow_ops), g);
    if (!fs) {
        free(g);
        return NULL;
    }
    made = g;
    return fs;
}

FUSE_REGISTER_MODULE(grow, grow_factory);

/* --- Checks ---------------------------------------------------------------------- */

static char mnt[64];

TEST(module_changes_what_the_mount_shows)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/file", mnt);
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT(st.st_size, 5 + 1000);
    snprintf(path, sizeof(path), "%s/none", mnt);
    CHECK(stat(path, &st) == -1 && errno == ENOENT);
}

static void checks(void)
{
    RUN(module_changes_what_the_mount_shows);
}

TEST(unknown_module_fails)
{
    char *argv[] = {"test_fuse_modules", "-o", "modules=no_such_module"};
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);
    struct fuse *f = fuse_new(&args, &below_ops, sizeof(below_ops), &below_data);
    CHECK(f == NULL);
    if (f)
        fuse_destroy(f);
    fuse_opt_free_args(&args);
}

/* Stacked but never mounted: the module's destroy frees its state, the
 * program's file system gets no destroy() without init(). */
TEST(unmounted_stack_is_freed)
{
    char *argv[] = {"test_fuse_modules", "-o", "modules=grow,grow_by=7"};
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);
    int before = grow_destroyed;
    struct fuse *f = fuse_new(&args, &below_ops, sizeof(below_ops), &below_data);
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_INT(made->add, 7);
        fuse_destroy(f);
    }
    CHECK_EQ_INT(grow_destroyed, before + 1);
    CHECK_EQ_INT(below_destroyed, 0);
    fuse_opt_free_args(&args);
}

TEST(mounted_stack)
{
    snprintf(mnt, sizeof(mnt), "/tmp/fsp-modules.XXXXXX");
    CHECK(mkdtemp(mnt) != NULL);
    char *argv[] = {"test_fuse_modules", "-o", "auto_unmount,modules=grow,grow_by=1000"};
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);
    factory_args_seen = NULL;
    struct fuse *f = fuse_new(&args, &below_ops, sizeof(below_ops), &below_data);
    fuse_opt_free_args(&args);
    CHECK(f != NULL);
    CHECK(factory_args_seen != NULL);
    if (!f || fuse_mount(f, mnt) != 0) {
        CHECK(!"mounts");
        if (f)
            fuse_destroy(f);
        rmdir(mnt);
        return;
    }
    CHECK_EQ_INT(hl_run_checks(f, hl_loop, checks), 0);
    fuse_destroy(f);
    rmdir(mnt);
    CHECK_EQ_INT(grow_inits, 1);
    CHECK_EQ_INT(grow_destroyed, 2); /* this stack's and unmounted_stack_is_freed's */
    CHECK_EQ_INT(below_destroyed, 1);
    CHECK(grow_private_ok);
    CHECK(below_private_ok);
}

int main(void)
{
    alarm(60);
    RUN(unknown_module_fails);
    RUN(unmounted_stack_is_freed);
    RUN(mounted_stack);
    return CHECK_DONE();
}
