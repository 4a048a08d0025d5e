/*
 * check_perm.c - what another user may and may not do, and who owns what
 * that user creates (including the setgid-directory group rule).
 *
 * The other user is a forked child with uid and gid 65534 and no
 * supplementary groups. The check's directory is made 0777 so that the
 * child reaches everything it should; the child works with relative paths
 * from there, so the directories above need not be searchable.
 */
#include "conf.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void denied_as_other(void *arg)
{
    char buf[16];
    struct stat st;
    (void)arg;
    note("as %d: euid=%u egid=%u", UNPRIV_ID, (unsigned)geteuid(), (unsigned)getegid());

    ERR(open("secret", O_RDONLY), EACCES);
    ERR(open("secret", O_WRONLY), EACCES);
    int fd = OK(open("pub", O_RDONLY));
    if (fd >= 0) {
        VAL(read(fd, buf, sizeof buf), 3);
        close(fd);
    }
    ERR(open("pub", O_WRONLY), EACCES);
    ERR(open("pub", O_RDWR | O_TRUNC), EACCES);
    ERR(truncate("pub", 0), EACCES);

    /* A 0755 directory of root's: readable, not writable. */
    ERR(open("closed/new", O_CREAT | O_WRONLY, 0644), EACCES);
    ERR(mkdir("closed/sub", 0755), EACCES);
    ERR(unlink("closed/inner"), EACCES);
    ERR(rename("closed/inner", "moved"), EACCES);
    ERR(rename("pub", "closed/pub"), EACCES);
    fd = OK(open("closed/inner", O_RDONLY));
    if (fd >= 0)
        close(fd);
    DIR *d = opendir("closed");
    ck_yes("opendir closed", d != NULL);
    if (d)
        closedir(d);

    /* A 0700 directory: no search, no read. */
    ERR(stat("private/x", &st), EACCES);
    ERR(open("private", O_RDONLY | O_DIRECTORY), EACCES);
    OK(stat("private", &st));

    /* Attributes of someone else's file. */
    ERR(chmod("pub", 0666), EPERM);
    ERR(chown("shared", UNPRIV_ID, UNPRIV_ID), EPERM);
    ERR(chown("pub", 0, 0), EPERM);
    OK(utimensat(AT_FDCWD, "shared", NULL, 0)); /* write access suffices */
    struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
    ERR(utimensat(AT_FDCWD, "shared", ts, 0), EPERM);
    ERR(utimensat(AT_FDCWD, "pub", NULL, 0), EACCES);
    fd = OK(open("shared", O_WRONLY));
    if (fd >= 0) {
        VAL(write(fd, "w", 1), 1);
        close(fd);
    }

    /* Sticky directory: only the owner may remove or rename an entry. */
    ERR(unlink("sticky/rootfile"), EPERM);
    ERR(rename("sticky/rootfile", "sticky/other"), EPERM);
    make_file("sticky/mine", 0644, "m", 1);
    OK(unlink("sticky/mine"));
}

void check_perm_deny(void)
{
    OK(chmod(".", 0777));
    make_file("secret", 0600, "s", 1);
    make_file("pub", 0644, "pub", 3);
    make_file("shared", 0666, "", 0);
    OK(mkdir("closed", 0755));
    make_file("closed/inner", 0644, "in", 2);
    OK(mkdir("private", 0700));
    make_file("private/x", 0644, "", 0);
    OK(mkdir("sticky", 01777));
    make_file("sticky/rootfile", 0666, "r", 1);

    run_as(UNPRIV_ID, UNPRIV_ID, denied_as_other, NULL);

    /* Nothing the child was denied happened. */
    expect_stat("secret", S_IFREG, 0600, 1, 1);
    expect_stat("pub", S_IFREG, 0644, 1, 3);
    expect_stat("closed/inner", S_IFREG, 0644, 1, 2);
    expect_stat("sticky/rootfile", S_IFREG, 0666, 1, 1);
    expect_stat("shared", S_IFREG, 0666, 1, 1);
    struct stat st;
    ERR(stat("closed/new", &st), ENOENT);
    ERR(stat("moved", &st), ENOENT);
}

static void create_as_other(void *arg)
{
    struct stat st;
    (void)arg;
    int fd = OK(open("mine", O_CREAT | O_EXCL | O_WRONLY, 0640));
    if (fd >= 0)
        close(fd);
    OK(mkdir("mydir", 0750));
    make_file("mydir/inner", 0600, "x", 1);
    OK(chmod("mine", 0604)); /* the owner may */
    OK(chown("mine", (uid_t)-1, UNPRIV_ID));
    ERR(chown("mine", 0, (gid_t)-1), EPERM);
    ERR(chown("mine", (uid_t)-1, 0), EPERM);
    struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
    OK(utimensat(AT_FDCWD, "mine", ts, 0));
    get_stat("mine", &st);
    ck_eq("mtime set by owner", st.st_mtim.tv_sec, 1000000000);
}

void check_owner_create(void)
{
    OK(chmod(".", 0777));
    run_as(UNPRIV_ID, UNPRIV_ID, create_as_other, NULL);
    struct stat st;
    if (get_stat("mine", &st) == 0) {
        note_stat("mine", &st);
        ck_eq("mine uid", st.st_uid, UNPRIV_ID);
        ck_eq("mine gid", st.st_gid, UNPRIV_ID);
        ck_mode("mine mode", st.st_mode & 07777, 0604);
    }
    if (get_stat("mydir", &st) == 0) {
        note_stat("mydir", &st);
        ck_eq("mydir uid", st.st_uid, UNPRIV_ID);
        ck_eq("mydir gid", st.st_gid, UNPRIV_ID);
        ck_mode("mydir mode", st.st_mode & 07777, 0750);
    }
    if (get_stat("mydir/inner", &st) == 0)
        ck_eq("mydir/inner uid", st.st_uid, UNPRIV_ID);
    /* Root's own files stay root's. */
    make_file("rootfile", 0644, "", 0);
    get_stat("rootfile", &st);
    ck_eq("rootfile uid", st.st_uid, 0);
    ck_eq("rootfile gid", st.st_gid, 0);
}

static void create_in_setgid(void *arg)
{
    (void)arg;
    make_file("sg/f", 0644, "f", 1);
    OK(mkdir("sg/d", 0755));
    /* Not a member of group 1234: setgid is stripped from a new group-
     * executable file (the kernel does this before the file system sees it). */
    int fd = OK(open("sg/x", O_CREAT | O_EXCL | O_WRONLY, 02755));
    if (fd >= 0)
        close(fd);
}

void check_setgid_dir(void)
{
    struct stat st;
    OK(chmod(".", 0777));
    OK(mkdir("sg", 0777));
    OK(chown("sg", 0, 1234));
    OK(chmod("sg", 02777));
    expect_stat("sg", S_IFDIR, 02777, 2, -1);
    get_stat("sg", &st);
    ck_eq("sg gid", st.st_gid, 1234);

    run_as(UNPRIV_ID, UNPRIV_ID, create_in_setgid, NULL);
    if (get_stat("sg/f", &st) == 0) {
        note_stat("sg/f", &st);
        ck_eq("sg/f uid", st.st_uid, UNPRIV_ID);
        ck_eq("sg/f gid (from the directory)", st.st_gid, 1234);
        ck_mode("sg/f mode", st.st_mode & 07777, 0644);
    }
    if (get_stat("sg/d", &st) == 0) {
        note_stat("sg/d", &st);
        ck_eq("sg/d uid", st.st_uid, UNPRIV_ID);
        ck_eq("sg/d gid (from the directory)", st.st_gid, 1234);
        ck_mode("sg/d mode (S_ISGID inherited)", st.st_mode & 07777, 02755);
    }
    if (get_stat("sg/x", &st) == 0) {
        note_stat("sg/x", &st);
        ck_eq("sg/x gid", st.st_gid, 1234);
        ck_mode("sg/x mode (setgid stripped)", st.st_mode & 07777, 0755);
    }

    /* Root creating there: same group rule; a nested mkdir inherits again. */
    make_file("sg/rf", 0644, "", 0);
    get_stat("sg/rf", &st);
    ck_eq("sg/rf uid", st.st_uid, 0);
    ck_eq("sg/rf gid", st.st_gid, 1234);
    OK(mkdir("sg/rd", 0700));
    OK(mkdir("sg/rd/nested", 0711));
    expect_stat("sg/rd/nested", S_IFDIR, 02711, 2, -1);
    get_stat("sg/rd/nested", &st);
    ck_eq("sg/rd/nested gid", st.st_gid, 1234);

    /* Outside the setgid directory the creator's group applies. */
    make_file("plain", 0644, "", 0);
    get_stat("plain", &st);
    ck_eq("plain gid", st.st_gid, 0);
}
