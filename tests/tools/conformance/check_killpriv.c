/*
 * check_killpriv.c - when writing, truncating or chown clears setuid and
 * setgid.
 *
 * Linux clears S_ISUID on a write or truncation by a caller without
 * CAP_FSETID, and S_ISGID too when the file is group-executable or the
 * caller is not in the file's group; root keeps both. chown clears S_ISUID
 * even for root. On FUSE with FUSE_HANDLE_KILLPRIV_V2 it is the file system
 * that must do this, so each case is checked, and both the writer's fstat
 * (the kernel's cached mode) and a later stat are recorded.
 */
#include "conf.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* A file of root's with MODE and a few bytes, mode set after creation
 * (the umask and the create path's own setgid rule do not apply). */
static void make_priv(const char *path, mode_t mode)
{
    make_file(path, 0600, "abc", 3);
    char what[64];
    snprintf(what, sizeof what, "chmod(\"%s\", 0%04o)", path, (unsigned)mode);
    errno = 0;
    ck_ok(what, chmod(path, mode), errno);
}

static void mode_is(const char *path, mode_t want)
{
    struct stat st;
    char what[64];
    if (get_stat(path, &st) != 0)
        return;
    snprintf(what, sizeof what, "mode of %s", path);
    ck_mode(what, st.st_mode & 07777, want);
}

static void fmode_is(const char *label, int fd, mode_t want)
{
    struct stat st;
    char what[64];
    if (get_fstat(fd, &st) != 0)
        return;
    snprintf(what, sizeof what, "fstat mode of %s", label);
    ck_mode(what, st.st_mode & 07777, want);
}

/* The other user's writes: w* through write(2), t* through truncate,
 * o* through O_TRUNC, g* by a member of the file's group. */
static void as_other(void *arg)
{
    (void)arg;
    int fd = OK(open("w_ug", O_WRONLY));
    if (fd >= 0) {
        VAL(write(fd, "x", 1), 1);
        fmode_is("w_ug", fd, 0777);
        OK(close(fd));
    }
    fd = OK(open("w_g_noexec", O_WRONLY));
    if (fd >= 0) {
        VAL(pwrite(fd, "y", 1, 10), 1);
        fmode_is("w_g_noexec", fd, 0767);
        OK(close(fd));
    }
    fd = OK(open("w_plain", O_RDWR | O_APPEND));
    if (fd >= 0) {
        VAL(write(fd, "z", 1), 1);
        OK(close(fd));
    }
    OK(truncate("t_path", 1));
    fd = OK(open("t_fd", O_WRONLY));
    if (fd >= 0) {
        OK(ftruncate(fd, 100));
        fmode_is("t_fd", fd, 0777);
        OK(close(fd));
    }
    fd = OK(open("o_trunc", O_WRONLY | O_TRUNC));
    if (fd >= 0) {
        fmode_is("o_trunc", fd, 0777);
        OK(close(fd));
    }
    /* Writing nothing changes nothing. */
    fd = OK(open("w_empty", O_WRONLY));
    if (fd >= 0) {
        VAL(write(fd, "", 0), 0);
        OK(close(fd));
    }
    /* Touching is not writing: `touch -c` (both times now, allowed to a
     * writer), UTIME_OMIT for both, and a touch through a descriptor keep
     * the bits; setting explicit times is the owner's alone. */
    OK(utimensat(AT_FDCWD, "u_touch", NULL, 0));
    struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    OK(utimensat(AT_FDCWD, "u_omit", omit, 0));
    fd = OK(open("u_ftouch", O_WRONLY));
    if (fd >= 0) {
        OK(futimens(fd, NULL));
        fmode_is("u_ftouch", fd, 06777);
        OK(close(fd));
    }
    struct timespec set[2] = {{1000000000, 0}, {1000000000, 0}};
    ERR(utimensat(AT_FDCWD, "u_omit", set, 0), EPERM);
}

static void as_group_member(void *arg)
{
    (void)arg;
    int fd = OK(open("g_member", O_WRONLY));
    if (fd >= 0) {
        VAL(write(fd, "m", 1), 1);
        fmode_is("g_member", fd, 02767);
        OK(close(fd));
    }
    fd = OK(open("g_member_x", O_WRONLY));
    if (fd >= 0) {
        VAL(write(fd, "m", 1), 1);
        OK(close(fd));
    }
}

void check_killpriv(void)
{
    OK(chmod(".", 0777));
    make_priv("w_ug", 06777);
    make_priv("w_g_noexec", 06767);
    make_priv("w_plain", 0777);
    make_priv("t_path", 06777);
    make_priv("t_fd", 06777);
    make_priv("o_trunc", 06777);
    make_priv("w_empty", 06777);
    make_priv("u_touch", 06777);
    make_priv("u_omit", 06777);
    make_priv("u_ftouch", 06777);
    make_priv("g_member", 06767);
    OK(chown("g_member", 0, 4321));
    make_priv("g_member_x", 06777);
    OK(chown("g_member_x", 0, 4321));
    /* chown cleared the bits above (see check_chown); set them again. */
    OK(chmod("g_member", 06767));
    OK(chmod("g_member_x", 06777));

    run_as(UNPRIV_ID, UNPRIV_ID, as_other, NULL);
    mode_is("w_ug", 0777);
    mode_is("w_g_noexec", 0767);
    mode_is("w_plain", 0777);
    mode_is("t_path", 0777);
    mode_is("t_fd", 0777);
    mode_is("o_trunc", 0777);
    mode_is("w_empty", 06777);
    mode_is("u_touch", 06777);
    mode_is("u_omit", 06777);
    mode_is("u_ftouch", 06777);
    expect_content("w_ug", "xbc", 3);
    expect_content("t_path", "a", 1);

    run_as(UNPRIV_ID, 4321, as_group_member, NULL);
    mode_is("g_member", 02767);
    mode_is("g_member_x", 0777);

    /* Root (CAP_FSETID) keeps both bits on write and truncation. */
    make_priv("r_write", 06777);
    int fd = OK(open("r_write", O_WRONLY));
    if (fd >= 0) {
        VAL(write(fd, "r", 1), 1);
        fmode_is("r_write", fd, 06777);
        OK(ftruncate(fd, 50));
        OK(close(fd));
    }
    mode_is("r_write", 06777);
    make_priv("r_trunc", 06755);
    fd = OK(open("r_trunc", O_WRONLY | O_TRUNC));
    if (fd >= 0)
        OK(close(fd));
    mode_is("r_trunc", 06755);

    /* chown by root: setuid always goes; setgid goes only with group
     * execute (root is "in" every group). */
    make_priv("c_ug", 06755);
    OK(chown("c_ug", 1234, 5678));
    mode_is("c_ug", 0755);
    make_priv("c_g_noexec", 06745);
    OK(chown("c_g_noexec", 1234, 5678));
    mode_is("c_g_noexec", 02745);
    make_priv("c_fd", 04700);
    fd = OK(open("c_fd", O_RDONLY));
    if (fd >= 0) {
        OK(fchown(fd, 1, 1));
        fmode_is("c_fd", fd, 0700);
        OK(close(fd));
    }
    /* chown that changes nothing still clears them. */
    make_priv("c_none", 06755);
    OK(chown("c_none", (uid_t)-1, (gid_t)-1));
    mode_is("c_none", 0755);
    make_priv("c_none_g_noexec", 06745);
    fd = OK(open("c_none_g_noexec", O_RDONLY));
    if (fd >= 0) {
        OK(fchown(fd, (uid_t)-1, (gid_t)-1));
        fmode_is("c_none_g_noexec", fd, 02745);
        OK(close(fd));
    }
    /* Touches by root keep them too. */
    make_priv("r_touch", 06755);
    OK(utimensat(AT_FDCWD, "r_touch", NULL, 0));
    struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    OK(utimensat(AT_FDCWD, "r_touch", omit, 0));
    mode_is("r_touch", 06755);
    /* A directory keeps both. */
    OK(mkdir("d", 0755));
    OK(chmod("d", 06775));
    OK(chown("d", 1234, 5678));
    mode_is("d", 06775);
}
