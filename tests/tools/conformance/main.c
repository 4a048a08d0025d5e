/*
 * conformance - POSIX conformance checks for a mounted file system.
 *
 *   conformance [--list] [--only NAME[,NAME]] [--skip NAME[,...]]
 *               [--case-insensitive | --case-rename | --read-only] DIR
 *
 * Without a volume option the plain checks run, each in DIR/<check>/ which it
 * creates and removes; their transcript is meant to be identical on tmpfs and
 * on the file system under test. --case-insensitive runs the checks for a
 * case-insensitive volume instead, --read-only those for a read-only volume
 * (in DIR itself, which they cannot write). --case-rename runs the case-only
 * rename check on a case-insensitive FSP volume (rename(2) and the
 * system.fsp.name xattr). Exit status 1 if any check failed,
 * 2 on a usage error.
 */
#include "conf.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct check ck_table[] = {
    {"open_flags", check_open_flags, CK_PLAIN},
    {"errnos", check_errnos, CK_PLAIN},
    {"name_max_utf8", check_name_max_utf8, CK_PLAIN},
    {"rdwr", check_rdwr, CK_PLAIN},
    {"holes", check_holes, CK_PLAIN},
    {"truncate", check_truncate, CK_PLAIN},
    {"size_nlink", check_size_nlink, CK_PLAIN},
    {"unlink_open", check_unlink_open, CK_PLAIN},
    {"odirect", check_odirect, CK_PLAIN},
    {"readdir_large", check_readdir_large, CK_PLAIN},
    {"deep_nesting", check_deep_nesting, CK_PLAIN},
    {"dir_times_nlink", check_dir_times_nlink, CK_PLAIN},
    {"rename_file", check_rename_file, CK_PLAIN},
    {"rename_dir", check_rename_dir, CK_PLAIN},
    {"hard_links", check_hard_links, CK_PLAIN},
    {"utimens", check_utimens, CK_PLAIN},
    {"utimens_ns", check_utimens_ns, CK_PLAIN},
    {"chmod", check_chmod, CK_PLAIN},
    {"chown", check_chown, CK_PLAIN},
    {"btime", check_btime, CK_PLAIN},
    {"ctime_ops", check_ctime_ops, CK_PLAIN},
    {"killpriv", check_killpriv, CK_PLAIN},
    {"statfs", check_statfs, CK_PLAIN},
    {"perm_deny", check_perm_deny, CK_PLAIN},
    {"owner_create", check_owner_create, CK_PLAIN},
    {"setgid_dir", check_setgid_dir, CK_PLAIN},
    {"mmap", check_mmap, CK_PLAIN},
    {"cache_coherence", check_cache_coherence, CK_PLAIN},
    {"bigfile", check_bigfile, CK_PLAIN},
    {"threads_regions", check_threads_regions, CK_PLAIN},
    {"threads_append", check_threads_append, CK_PLAIN},
    {"case_insensitive", check_case_insensitive, CK_CASE},
    {"case_rename", check_case_rename, CK_CASE_RENAME},
    {"read_only", check_read_only, CK_RO},
    {NULL, NULL, 0},
};

/* A hung file system must not hang the suite: each check gets a bounded
 * time, and the report says which one hung. Only async-signal-safe calls. */
#define CHECK_TIMEOUT 150
static void on_alarm(int sig)
{
    static const char a[] = "FAIL ";
    static const char b[] = ": timed out\n";
    (void)sig;
    (void)!write(1, a, sizeof a - 1);
    (void)!write(1, ck_name, strlen(ck_name));
    (void)!write(1, b, sizeof b - 1);
    _exit(1);
}

static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

/* Every name in LIST must be a check: a typo must not silently select none. */
static int list_valid(const char *list)
{
    char *copy = strdup(list), *save = NULL;
    int ok = 1;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int found = 0;
        for (const struct check *c = ck_table; c->name; c++)
            found |= !strcmp(c->name, t);
        if (!found) {
            fprintf(stderr, "conformance: no check named '%s'\n", t);
            ok = 0;
        }
    }
    free(copy);
    return ok;
}

static void usage(void)
{
    fprintf(stderr, "usage: conformance [--list] [--only NAME[,NAME]] [--skip NAME[,...]]\n"
                    "                   [--case-insensitive | --case-rename | --read-only] DIR\n");
    exit(2);
}

/* Returns 1 if the check passed. */
static int run_check(const struct check *c, int topfd, unsigned kind)
{
    ck_name = c->name;
    ck_fails = 0;
    umask(0); /* modes in the transcript are exactly those requested */
    if (kind == CK_RO) {
        if (fchdir(topfd) != 0)
            failf("fchdir to DIR: %s", errname(errno));
    } else if (mkdirat(topfd, c->name, 0755) != 0) {
        failf("mkdir DIR/%s: %s", c->name, errname(errno));
        printf("FAIL %s\n", c->name);
        return 0;
    } else {
        int fd = openat(topfd, c->name, O_RDONLY | O_DIRECTORY);
        if (fd < 0 || fchdir(fd) != 0)
            failf("enter DIR/%s: %s", c->name, errname(errno));
        if (fd >= 0)
            close(fd);
    }
    if (ck_fails == 0) {
        alarm(CHECK_TIMEOUT);
        c->run();
        alarm(0);
    }
    if (fchdir(topfd) != 0)
        failf("fchdir back to DIR: %s", errname(errno));
    if (kind != CK_RO && remove_tree(topfd, c->name) != 0)
        failf("cleanup of DIR/%s: %s", c->name, errname(errno));
    if (ck_fails == 0)
        printf("PASS %s\n", c->name);
    return ck_fails == 0;
}

int main(int argc, char **argv)
{
    const char *only = NULL, *skip = NULL, *dir = NULL;
    unsigned kind = CK_PLAIN;
    int list = 0;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--list"))
            list = 1;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--skip") && i + 1 < argc)
            skip = argv[++i];
        else if (!strcmp(argv[i], "--case-insensitive"))
            kind = CK_CASE;
        else if (!strcmp(argv[i], "--case-rename"))
            kind = CK_CASE_RENAME;
        else if (!strcmp(argv[i], "--read-only"))
            kind = CK_RO;
        else if (argv[i][0] == '-' || dir)
            usage();
        else
            dir = argv[i];
    }
    if ((only && !list_valid(only)) || (skip && !list_valid(skip)))
        return 2;
    if (list) {
        for (const struct check *c = ck_table; c->name; c++)
            if (c->kind == kind)
                printf("%s\n", c->name);
        return 0;
    }
    if (!dir)
        usage();

    /* Line buffering: transcript lines stay in order with the lines of forked
     * children, and a timeout or crash loses nothing already observed. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGALRM, on_alarm);
    signal(SIGPIPE, SIG_IGN);
    int topfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (topfd < 0) {
        fprintf(stderr, "conformance: %s: %s\n", dir, errname(errno));
        return 2;
    }
    int passed = 0, failed = 0;
    for (const struct check *c = ck_table; c->name; c++) {
        if (c->kind != kind || (only && !in_list(only, c->name)) ||
            (skip && in_list(skip, c->name)))
            continue;
        if (run_check(c, topfd, kind))
            passed++;
        else
            failed++;
    }
    ck_name = "conformance";
    if (passed + failed == 0) {
        fprintf(stderr, "conformance: no check selected\n");
        return 2;
    }
    fprintf(stderr, "conformance: %d passed, %d failed\n", passed, failed);
    close(topfd);
    return failed ? 1 : 0;
}
