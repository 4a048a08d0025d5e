/*
 * tests_file.c - the file_* tests: metadata operations on --files files
 * named fsbench-file<N> (or directories fsbench-dir<N>) in the current
 * directory.
 *
 * WinFsp's fsbench runs these in a fixed order that shares state (create
 * makes the files that open, overwrite, attr and the list tests use, and
 * delete removes them). Here each test stands alone: an untimed setup makes
 * the files the loop needs, and an untimed teardown checks that they are
 * (or, after delete and rmdir, are not) there and removes them. Thread t of
 * n works on its own share of the names; file_list splits its listings.
 */
#include "fsbench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILE_PREFIX "fsbench-file"
#define DIR_PREFIX  "fsbench-dir"

/* What the current directory holds before or after the timed loop. */
enum state {
    NOTHING, /* none of the test's names */
    FILES,   /* the --files files */
    DIRS,    /* the --files directories */
};

struct ctx;

/* One step of a timed loop: the test's operation on item i (the i-th name,
 * or for file_list the i-th listing) in pass p. Returns 0, or -1 after
 * reporting the failure with fsb_fail. */
typedef int (*step_fn)(struct ctx *c, uint64_t i, unsigned p);

struct ctx {
    const struct fsb_opts *o;
    step_fn step;
    uint64_t items;  /* items shared among the threads */
    unsigned passes; /* repetitions of the loop over a thread's items */
    int dirfd;       /* the current directory, for the *at calls */
    unsigned nonce;  /* makes file_list_none's names unique to this run */
};

static void name_of(char *buf, size_t size, const char *prefix, uint64_t i)
{
    snprintf(buf, size, "%s%llu", prefix, (unsigned long long)i);
}

/* --- The timed loops ------------------------------------------------------ */

/* Every test's loop: passes over this thread's share of the items. */
static int work(void *ctx, unsigned tid, unsigned n)
{
    struct ctx *c = ctx;
    uint64_t begin, end;

    fsb_share(c->items, tid, n, &begin, &end);
    for (unsigned p = 0; p < c->passes; p++)
        for (uint64_t i = begin; i < end; i++)
            if (c->step(c, i, p) < 0)
                return -1;
    return 0;
}

static int open_close(const char *name, int flags)
{
    int fd = open(name, flags, 0644);
    if (fd < 0)
        return fsb_fail("open %s:", name);
    if (close(fd) < 0)
        return fsb_fail("close %s:", name);
    return 0;
}

static int open_file(uint64_t i, int flags)
{
    char name[64];
    name_of(name, sizeof(name), FILE_PREFIX, i);
    return open_close(name, flags);
}

static int step_create(struct ctx *c, uint64_t i, unsigned p)
{
    return open_file(i, O_CREAT | O_EXCL | O_WRONLY);
}

static int step_open(struct ctx *c, uint64_t i, unsigned p)
{
    return open_file(i, O_RDONLY);
}

static int step_overwrite(struct ctx *c, uint64_t i, unsigned p)
{
    return open_file(i, O_CREAT | O_TRUNC | O_WRONLY);
}

static int step_attr(struct ctx *c, uint64_t i, unsigned p)
{
    struct stat st;
    char name[64];

    name_of(name, sizeof(name), FILE_PREFIX, i);
    if (stat(name, &st) < 0)
        return fsb_fail("stat %s:", name);
    return 0;
}

/* Listing i of the directory must show every file. */
static int step_list(struct ctx *c, uint64_t i, unsigned p)
{
    DIR *d = opendir(".");
    if (d == NULL)
        return fsb_fail("opendir .:");
    uint64_t seen = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        seen += strncmp(e->d_name, FILE_PREFIX, sizeof(FILE_PREFIX) - 1) == 0;
        errno = 0;
    }
    int err = errno;
    closedir(d);
    if (err != 0) {
        errno = err;
        return fsb_fail("readdir .:");
    }
    if (seen != c->o->files)
        return fsb_fail("listing %llu saw %llu of %u files", (unsigned long long)i,
                        (unsigned long long)seen, c->o->files);
    return 0;
}

static int step_list_single(struct ctx *c, uint64_t i, unsigned p)
{
    struct stat st;
    char name[64];

    name_of(name, sizeof(name), FILE_PREFIX, i);
    if (fstatat(c->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return fsb_fail("fstatat %s:", name);
    return 0;
}

static int step_list_none(struct ctx *c, uint64_t i, unsigned p)
{
    struct stat st;
    char name[64];

    /* A name never looked up before, as WinFsp's fresh GUIDs are. */
    snprintf(name, sizeof(name), "fsbench-none-%08x-%u-%llu", c->nonce, p, (unsigned long long)i);
    if (fstatat(c->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return fsb_fail("fstatat %s: found a file that should not exist", name);
    if (errno != ENOENT)
        return fsb_fail("fstatat %s:", name);
    return 0;
}

static int step_delete(struct ctx *c, uint64_t i, unsigned p)
{
    char name[64];

    name_of(name, sizeof(name), FILE_PREFIX, i);
    if (unlink(name) < 0)
        return fsb_fail("unlink %s:", name);
    return 0;
}

static int step_mkdir(struct ctx *c, uint64_t i, unsigned p)
{
    char name[64];

    name_of(name, sizeof(name), DIR_PREFIX, i);
    if (mkdir(name, 0755) < 0)
        return fsb_fail("mkdir %s:", name);
    return 0;
}

static int step_rmdir(struct ctx *c, uint64_t i, unsigned p)
{
    char name[64];

    name_of(name, sizeof(name), DIR_PREFIX, i);
    if (rmdir(name) < 0)
        return fsb_fail("rmdir %s:", name);
    return 0;
}

/* --- Setup and teardown (untimed) ----------------------------------------- */

static int make_all(const struct fsb_opts *o, enum state what)
{
    char name[64];

    for (unsigned i = 0; i < o->files; i++) {
        if (what == FILES) {
            name_of(name, sizeof(name), FILE_PREFIX, i);
            if (open_close(name, O_CREAT | O_EXCL | O_WRONLY) < 0)
                return -1;
        } else {
            name_of(name, sizeof(name), DIR_PREFIX, i);
            if (mkdir(name, 0755) < 0)
                return fsb_fail("setup: mkdir %s:", name);
        }
    }
    return 0;
}

/* Removes the test's names; with strict, reports any name whose presence
 * differs from expect (the loop's result). Returns -1 if it found any. */
static int remove_all(const struct fsb_opts *o, enum state expect, int strict)
{
    int rc = 0;
    char name[64];

    for (unsigned i = 0; i < o->files; i++) {
        name_of(name, sizeof(name), FILE_PREFIX, i);
        int gone = unlink(name) < 0 && errno == ENOENT;
        if (strict && gone != (expect != FILES))
            rc = fsb_fail("%s %s after the test", name, gone ? "missing" : "present");
        name_of(name, sizeof(name), DIR_PREFIX, i);
        gone = rmdir(name) < 0 && errno == ENOENT;
        if (strict && gone != (expect != DIRS))
            rc = fsb_fail("%s %s after the test", name, gone ? "missing" : "present");
    }
    return rc;
}

/* Runs a test: the untimed setup makes before, the timed loop does step on
 * items (shared among the threads) passes times, and the untimed teardown
 * checks that after is what remains. */
static enum fsb_status run(const struct fsb_opts *o, double *seconds, enum state before,
                           step_fn step, uint64_t items, unsigned passes, enum state after)
{
    struct ctx c = {o, step, items, passes, -1, (unsigned)getpid() ^ (unsigned)time(NULL)};
    enum fsb_status status = FSB_ERROR;

    c.dirfd = open(".", O_RDONLY | O_DIRECTORY);
    if (c.dirfd < 0) {
        fsb_fail("open .:");
        return FSB_ERROR;
    }
    if (before != NOTHING && make_all(o, before) < 0)
        goto out;
    if (o->empty_cache && fsb_empty_cache(NULL, 0) < 0)
        goto out;
    *seconds = fsb_run_threads(o->threads, work, &c);
    if (*seconds >= 0)
        status = FSB_OK;
out:
    /* Check the loop's result only if it ran to the end. */
    if (remove_all(o, after, status == FSB_OK) < 0)
        status = FSB_ERROR;
    close(c.dirfd);
    return status;
}

/* --- The tests ------------------------------------------------------------ */

enum fsb_status fsb_file_create(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, NOTHING, step_create, o->files, 1, FILES);
}

enum fsb_status fsb_file_open(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, FILES, step_open, o->files, o->open, FILES);
}

enum fsb_status fsb_file_overwrite(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, FILES, step_overwrite, o->files, 1, FILES);
}

enum fsb_status fsb_file_attr(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, FILES, step_attr, o->files, o->open, FILES);
}

enum fsb_status fsb_file_list(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, FILES, step_list, o->list, 1, FILES);
}

enum fsb_status fsb_file_list_single(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, FILES, step_list_single, o->files, o->open, FILES);
}

enum fsb_status fsb_file_list_none(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, FILES, step_list_none, o->files, o->open, FILES);
}

enum fsb_status fsb_file_delete(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, FILES, step_delete, o->files, 1, NOTHING);
}

enum fsb_status fsb_file_mkdir(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, NOTHING, step_mkdir, o->files, 1, DIRS);
}

enum fsb_status fsb_file_rmdir(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, DIRS, step_rmdir, o->files, 1, NOTHING);
}
