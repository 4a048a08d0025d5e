/*
 * conf.h - shared declarations of the conformance suite.
 *
 * Every check runs in its own working directory (the current directory while
 * it runs) and reports through the helpers below. Each helper prints one
 * transcript line "<check>: <observation>" and, when the observation violates
 * the POSIX/Linux expectation, also "FAIL <check>: ...". The transcript is
 * compared line by line between a reference file system (tmpfs) and the one
 * under test, so it must not contain anything that differs between machines or
 * runs: no times, inode numbers, device ids, pids or user names.
 */
#ifndef FSP_CONFORMANCE_H
#define FSP_CONFORMANCE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/* Which volume a check is meant for: a plain POSIX volume (compared with
 * tmpfs), a case-insensitive one, or a read-only one. */
enum { CK_PLAIN = 1, CK_CASE = 2, CK_RO = 4, CK_CASE_RENAME = 8 };

struct check {
    const char *name;
    void (*run)(void);
    unsigned kind;
};

/* The table of all checks, defined in main.c. */
extern const struct check ck_table[];
extern const char *ck_name; /* the running check */
extern int ck_fails;        /* FAIL lines printed by the running check */

void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *errname(int e);

/* The call helpers record "<expr> = <outcome>" and check the outcome. They
 * are macros so that the expression text labels the line and errno is read
 * right after the call (a GNU statement expression: gnu11 is the standard). */
long ck_ok(const char *what, long r, int err);
long ck_val(const char *what, long r, int err, long want);
long ck_err(const char *what, long r, int err, int want1, int want2);
#define OK(e)                    \
    ({                           \
        errno = 0;               \
        long ck_r_ = (long)(e);  \
        ck_ok(#e, ck_r_, errno); \
    })
#define VAL(e, want)                      \
    ({                                    \
        errno = 0;                        \
        long ck_r_ = (long)(e);           \
        ck_val(#e, ck_r_, errno, (want)); \
    })
#define ERR(e, want)                              \
    ({                                            \
        errno = 0;                                \
        long ck_r_ = (long)(e);                   \
        ck_err(#e, ck_r_, errno, (want), (want)); \
    })
#define ERR2(e, want1, want2)                       \
    ({                                              \
        errno = 0;                                  \
        long ck_r_ = (long)(e);                     \
        ck_err(#e, ck_r_, errno, (want1), (want2)); \
    })
/* The outcome only, with no expectation: for behaviour POSIX leaves open,
 * where only the comparison with the reference can tell. */
#define REC(e)                    \
    ({                            \
        errno = 0;                \
        long ck_r_ = (long)(e);   \
        ck_rec(#e, ck_r_, errno); \
    })
long ck_rec(const char *what, long r, int err);

/* Value checks: print "<what> = <got>"; FAIL when it is not <want>. */
void ck_eq(const char *what, long long got, long long want);
void ck_mode(const char *what, mode_t got, mode_t want); /* permission bits, octal */
void ck_str(const char *what, const char *got, const char *want);
void ck_yes(const char *what, int cond); /* "<what>: yes|no", FAIL on no */

/* Time relations. A check sets a file's times to an old value or waits a
 * tick before the operation, so "changed" cannot be missed because the
 * clock is coarse. */
enum { T_UNCHANGED = 0, T_CHANGED = 1, T_ANY = 2 };
void ck_time(const char *what, const struct timespec *before, const struct timespec *after,
             int want);
void tick(void);
int ts_eq(const struct timespec *a, const struct timespec *b);

/* PATH, abbreviated when long, for transcript lines. */
const char *short_path(const char *path);
/* stat PATH, FAIL if it fails; returns 0 on success. */
int get_stat(const char *path, struct stat *st);
int get_fstat(int fd, struct stat *st);
/* Record type, permission bits, nlink, size, uid, gid and, for regular files,
 * whether blocks are allocated. */
void note_stat(const char *label, const struct stat *st);
/* Expect PATH to be a TYPE (S_IFREG/S_IFDIR) with mode bits MODE, NLINK and
 * (for regular files) SIZE; -1 skips a field. Records the stat line. */
void expect_stat(const char *path, mode_t type, int mode, long nlink, long long size);

/* Data helpers. */
uint64_t csum_update(uint64_t h, const void *p, size_t n);
uint64_t csum(const void *p, size_t n);
void fill_pattern(void *buf, size_t n, uint64_t seed);
ssize_t pread_full(int fd, void *buf, size_t n, off_t off);
ssize_t pwrite_full(int fd, const void *buf, size_t n, off_t off);
int is_zero(const void *p, size_t n);
/* Create PATH with MODE holding DATA; FAIL on error. */
int make_file(const char *path, mode_t mode, const void *data, size_t n);
/* Read PATH wholly into BUF (up to N); returns the length or -1. */
ssize_t slurp(const char *path, void *buf, size_t n);
/* Expect PATH to hold exactly DATA (records the outcome). */
void expect_content(const char *path, const void *data, size_t n);
/* Set a file's atime and mtime to an old fixed value (a clean "before"). */
void age(const char *path);

/* Run FN(ARG) in a forked child with uid/gid UID/GID (no supplementary
 * groups). The child reports like any check; its FAILs count for the check. */
void run_as(uid_t uid, gid_t gid, void (*fn)(void *), void *arg);

/* Recursively remove PATH (relative to DIRFD); returns 0 on success. */
int remove_tree(int dirfd, const char *path);

#define UNPRIV_ID 65534 /* "nobody": the other user of the permission checks */

/* The checks, by topic file. */
void check_open_flags(void);
void check_errnos(void);
void check_name_max_utf8(void);
void check_rdwr(void);
void check_holes(void);
void check_truncate(void);
void check_size_nlink(void);
void check_unlink_open(void);
void check_hard_links(void);
void check_odirect(void);
void check_readdir_large(void);
void check_deep_nesting(void);
void check_dir_times_nlink(void);
void check_rename_file(void);
void check_rename_dir(void);
void check_utimens(void);
void check_utimens_ns(void);
void check_chmod(void);
void check_chown(void);
void check_btime(void);
void check_ctime_ops(void);
void check_killpriv(void);
void check_statfs(void);
void check_perm_deny(void);
void check_owner_create(void);
void check_setgid_dir(void);
void check_mmap(void);
void check_cache_coherence(void);
void check_bigfile(void);
void check_threads_regions(void);
void check_threads_append(void);
void check_case_insensitive(void);
void check_case_rename(void);
void check_read_only(void);

#endif
