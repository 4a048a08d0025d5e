/*
 * check_dir.c - large directories with telldir/seekdir, deep nesting, and
 * the link counts and times of parent directories.
 */
#include "conf.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NENTRIES 10000

/* Entry names in the order one pass of readdir returned them. */
struct pass {
    char (*names)[16];
    long *pos; /* telldir before reading entry i */
    unsigned char *dtype;
    size_t count;
};

static void read_all(DIR *d, struct pass *p)
{
    struct dirent *de;
    p->count = 0;
    for (;;) {
        long pos = telldir(d);
        if (!(de = readdir(d)))
            break;
        if (p->count >= NENTRIES + 2)
            break; /* more than exist: a repeating stream; counted below */
        snprintf(p->names[p->count], sizeof p->names[0], "%.15s", de->d_name);
        p->pos[p->count] = pos;
        p->dtype[p->count] = de->d_type;
        p->count++;
    }
}

void check_readdir_large(void)
{
    char name[32];
    int created = 0;

    for (int i = 0; i < NENTRIES; i++) {
        snprintf(name, sizeof name, "e%05d", i);
        int fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (fd < 0) {
            failf("create %s: %s", name, errname(errno));
            break;
        }
        close(fd);
        created++;
    }
    ck_eq("entries created", created, NENTRIES);

    struct pass p = {
        .names = calloc(NENTRIES + 2, sizeof *p.names),
        .pos = calloc(NENTRIES + 2, sizeof *p.pos),
        .dtype = calloc(NENTRIES + 2, 1),
    };
    unsigned char *seen = calloc(NENTRIES, 1);
    if (!p.names || !p.pos || !p.dtype || !seen)
        abort();
    DIR *d = opendir(".");
    if (!d) {
        failf("opendir: %s", errname(errno));
        goto out;
    }
    read_all(d, &p);
    ck_eq("entries read (with . and ..)", (long long)p.count, NENTRIES + 2);

    /* Every name exactly once; "." and ".." once each. */
    int dots = 0, dotdots = 0, dups = 0, strays = 0, reg_types = 0, dir_types = 0;
    for (size_t i = 0; i < p.count; i++) {
        const char *n = p.names[i];
        if (!strcmp(n, ".")) {
            dots++;
            dir_types += p.dtype[i] == DT_DIR;
        } else if (!strcmp(n, "..")) {
            dotdots++;
            dir_types += p.dtype[i] == DT_DIR;
        } else {
            int k = n[0] == 'e' ? atoi(n + 1) : -1;
            if (k < 0 || k >= NENTRIES || strlen(n) != 6)
                strays++;
            else if (seen[k]++)
                dups++;
            reg_types += p.dtype[i] == DT_REG;
        }
    }
    int missing = 0;
    for (int k = 0; k < NENTRIES; k++)
        missing += !seen[k];
    ck_eq("'.' entries", dots, 1);
    ck_eq("'..' entries", dotdots, 1);
    ck_eq("missing names", missing, 0);
    ck_eq("duplicate names", dups, 0);
    ck_eq("unknown names", strays, 0);
    /* d_type may be DT_UNKNOWN by POSIX: recorded for comparison. */
    note("d_type DT_REG for files: %d of %d", reg_types, NENTRIES);
    note("d_type DT_DIR for . and ..: %d of 2", dir_types);

    /* seekdir to a position telldir gave returns the same entry and the same
     * ones after it, across getdents batches, in any order of seeking. */
    static const size_t at[] = {0, 1, 2, 100, 700, 1000, 4096, 5000, 7777, 9999, 10001};
    for (size_t j = sizeof at / sizeof at[0]; j-- > 0;) {
        size_t i = at[j];
        if (i >= p.count)
            continue;
        seekdir(d, p.pos[i]);
        int same = 1;
        for (size_t k = i; k < i + 3 && k < p.count; k++) {
            struct dirent *de = readdir(d);
            same &= de && !strcmp(de->d_name, p.names[k]);
        }
        char what[96];
        snprintf(what, sizeof what, "seekdir(telldir at entry %zu) gives the same entries", i);
        ck_yes(what, same);
    }
    if (p.count == NENTRIES + 2) {
        seekdir(d, p.pos[p.count - 1]);
        readdir(d);
        ck_yes("readdir after the last entry is the end", readdir(d) == NULL);
    }
    rewinddir(d);
    read_all(d, &p);
    ck_eq("entries after rewinddir", (long long)p.count, NENTRIES + 2);
    closedir(d);

    /* Removing them all leaves an empty directory. */
    int removed = 0;
    for (int i = 0; i < NENTRIES; i++) {
        snprintf(name, sizeof name, "e%05d", i);
        removed += unlink(name) == 0;
    }
    ck_eq("entries removed", removed, NENTRIES);
    d = opendir(".");
    if (d) {
        read_all(d, &p);
        closedir(d);
        ck_eq("entries left (. and ..)", (long long)p.count, 2);
    }
out:
    free(p.names);
    free(p.pos);
    free(p.dtype);
    free(seen);
}

#define DEPTH 100

/* Long component names make the deepest path about 3,100 bytes: near the
 * limits of a path-based file system, within PATH_MAX. */
static size_t deep_path(char *buf, size_t cap, int depth)
{
    size_t n = 0;
    for (int i = 0; i < depth; i++)
        n +=
            (size_t)snprintf(buf + n, cap - n, "%slevel-%03d-abcdefghijklmnopqrs", i ? "/" : "", i);
    return n;
}

void check_deep_nesting(void)
{
    static char path[4096], path2[4200];
    struct stat st;
    int made = 0;

    for (int i = 1; i <= DEPTH; i++) {
        deep_path(path, sizeof path, i);
        if (mkdir(path, 0755) != 0) {
            failf("mkdir at depth %d: %s", i, errname(errno));
            break;
        }
        made++;
    }
    ck_eq("directories made", made, DEPTH);
    size_t len = deep_path(path, sizeof path, DEPTH);
    note("deepest path length = %zu", len);
    expect_stat(path, S_IFDIR, 0755, 2, -1);
    snprintf(path2, sizeof path2, "%s/file", path);
    make_file(path2, 0644, "deep", 4);
    expect_content(path2, "deep", 4);
    expect_stat(path2, S_IFREG, 0644, 1, 4);

    /* Renaming the top changes every path below it. */
    OK(rename("level-000-abcdefghijklmnopqrs", "top"));
    memcpy(path2, "top", 3);
    memmove(path2 + 3, path2 + strlen("level-000-abcdefghijklmnopqrs"),
            strlen(path2) - strlen("level-000-abcdefghijklmnopqrs") + 1);
    expect_content(path2, "deep", 4);
    ERR(stat(path, &st), ENOENT);
    OK(rename("top", "level-000-abcdefghijklmnopqrs"));

    /* Remove from the bottom up. */
    snprintf(path2, sizeof path2, "%s/file", path);
    OK(unlink(path2));
    int removed = 0;
    for (int i = DEPTH; i >= 1; i--) {
        deep_path(path, sizeof path, i);
        if (rmdir(path) != 0) {
            failf("rmdir at depth %d: %s", i, errname(errno));
            break;
        }
        removed++;
    }
    ck_eq("directories removed", removed, DEPTH);
    ERR(stat("level-000-abcdefghijklmnopqrs", &st), ENOENT);
}

/* Ages DIR, waits a tick and returns its stat: the "before" of an operation. */
static void before_op(const char *dir, struct stat *st)
{
    age(dir);
    get_stat(dir, st);
    tick();
}

static void after_op(const char *dir, const struct stat *before, int want, long nlink)
{
    struct stat st;
    char what[64];
    get_stat(dir, &st);
    snprintf(what, sizeof what, "%s mtime", dir);
    ck_time(what, &before->st_mtim, &st.st_mtim, want);
    snprintf(what, sizeof what, "%s ctime", dir);
    ck_time(what, &before->st_ctim, &st.st_ctim, want);
    snprintf(what, sizeof what, "%s nlink", dir);
    ck_eq(what, (long long)st.st_nlink, nlink);
}

void check_dir_times_nlink(void)
{
    struct stat p0, q0, st, f0;

    OK(mkdir("p", 0755));
    OK(mkdir("q", 0755));

    before_op("p", &p0);
    make_file("p/f", 0644, "f", 1);
    after_op("p", &p0, T_CHANGED, 2);

    before_op("p", &p0);
    OK(mkdir("p/sub", 0755));
    after_op("p", &p0, T_CHANGED, 3);

    /* Writing, chmod and opening a file leave the parent alone. */
    before_op("p", &p0);
    int fd = OK(open("p/f", O_WRONLY));
    VAL(write(fd, "more", 4), 4);
    OK(close(fd));
    OK(chmod("p/f", 0600));
    after_op("p", &p0, T_UNCHANGED, 3);

    before_op("p", &p0);
    OK(unlink("p/f"));
    after_op("p", &p0, T_CHANGED, 3);

    /* Moving a directory moves a link from the old parent to the new one. */
    before_op("p", &p0);
    before_op("q", &q0);
    get_stat("p/sub", &f0);
    tick();
    OK(rename("p/sub", "q/sub"));
    after_op("p", &p0, T_CHANGED, 2);
    after_op("q", &q0, T_CHANGED, 3);
    get_stat("q/sub", &st);
    /* POSIX lets rename update the moved file's ctime; Linux does. */
    ck_time("moved dir ctime", &f0.st_ctim, &st.st_ctim, T_ANY);
    struct stat dotdot, q;
    get_stat("q/sub/..", &dotdot);
    get_stat("q", &q);
    ck_yes("q/sub/.. is q", dotdot.st_ino == q.st_ino);

    /* Moving a file between directories: both parents change, links do not. */
    make_file("p/g", 0644, "g", 1);
    before_op("p", &p0);
    before_op("q", &q0);
    get_stat("p/g", &f0);
    OK(rename("p/g", "q/g"));
    after_op("p", &p0, T_CHANGED, 2);
    after_op("q", &q0, T_CHANGED, 3);
    get_stat("q/g", &st);
    ck_time("moved file ctime", &f0.st_ctim, &st.st_ctim, T_ANY);
    ck_time("moved file mtime", &f0.st_mtim, &st.st_mtim, T_UNCHANGED);

    /* Rename within one directory. */
    before_op("q", &q0);
    OK(rename("q/sub", "q/sub2"));
    after_op("q", &q0, T_CHANGED, 3);

    before_op("q", &q0);
    OK(rmdir("q/sub2"));
    after_op("q", &q0, T_CHANGED, 2);

    /* A failed operation changes nothing. */
    before_op("q", &q0);
    ERR(mkdir("q/g", 0755), EEXIST);
    ERR(unlink("q/missing"), ENOENT);
    after_op("q", &q0, T_UNCHANGED, 2);
}
