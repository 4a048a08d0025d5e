/*
 * check_special.c - checks for volumes that have no tmpfs twin: a
 * case-insensitive (case-preserving) volume as NTFS is, and a read-only one.
 * They assert the expectations only.
 */
#include "conf.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The directory's entries other than . and .., joined with ',' in readdir
 * order (a check keeps at most a few names in a directory). */
static void list_dir(const char *dir, char *out, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;
    out[0] = 0;
    if (!d) {
        snprintf(out, cap, "(opendir: %s)", errname(errno));
        return;
    }
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? "," : "", de->d_name);
    closedir(d);
}

static ino_t ino_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_ino : 0;
}

void check_case_insensitive(void)
{
    char names[256], buf[16];
    struct stat st;

    make_file("Foo.txt", 0644, "foo", 3);
    OK(stat("FOO.TXT", &st));
    OK(stat("foo.txt", &st));
    ino_t ino = ino_of("Foo.txt");
    ck_yes("FOO.TXT is Foo.txt", ino && ino_of("FOO.TXT") == ino);
    ck_yes("foo.txt is Foo.txt", ino && ino_of("foo.txt") == ino);
    list_dir(".", names, sizeof names);
    ck_str("readdir", names, "Foo.txt");
    ERR(open("FOO.TXT", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    ERR(mkdir("foo.TXT", 0755), EEXIST);
    int fd = OK(open("fOO.tXT", O_RDONLY));
    if (fd >= 0) {
        VAL(read(fd, buf, sizeof buf), 3);
        close(fd);
    }
    /* Opening by another case must not rename the file. */
    list_dir(".", names, sizeof names);
    ck_str("readdir after opening as fOO.tXT", names, "Foo.txt");

    expect_content("FOO.txt", "foo", 3);

    /* A name looked up before it existed must not stay missing once it exists
     * under another case (negative lookups cannot be cached per spelling). */
    ERR(stat("BAR.txt", &st), ENOENT);
    make_file("bar.txt", 0644, "bar", 3);
    OK(stat("BAR.txt", &st));
    ERR(open("Bar.Txt", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);

    /* Directories and paths through them. */
    OK(mkdir("Dir", 0755));
    ERR(mkdir("DIR", 0755), EEXIST);
    make_file("dir/Inner", 0644, "in", 2);
    expect_content("DIR/INNER", "in", 2);
    list_dir("Dir", names, sizeof names);
    ck_str("readdir Dir", names, "Inner");

    /* Removal by any spelling. */
    OK(unlink("DIR/INNER"));
    ERR(stat("Dir/Inner", &st), ENOENT);
    OK(rmdir("dIR"));
    OK(unlink("FOO.TXT"));
    OK(unlink("BAR.TXT"));
    list_dir(".", names, sizeof names);
    ck_str("readdir at the end", names, "");
}

/* The name system.fsp.name reports for path, or "(errno)". */
static void stored_name(const char *path, char *out, size_t cap)
{
    ssize_t n = getxattr(path, "system.fsp.name", out, cap - 1);
    if (n < 0)
        snprintf(out, cap, "(%s)", errname(errno));
    else
        out[n] = 0;
}

static int set_name(const char *path, const char *name)
{
    return setxattr(path, "system.fsp.name", name, strlen(name), 0);
}

/* A rename that changes only the case. rename(2) cannot ask for one on
 * Linux: the VFS finds one inode under both spellings and vfs_rename()
 * returns 0 without calling the file system, so the call succeeds and the
 * stored name stays (checked, so that a change of kernel or adapter shows
 * here). FSP's way is the system.fsp.name xattr (doc/windows-on-linux.md,
 * "Case-insensitive volumes"), which the rest uses. Selected by
 * --case-rename: it needs FSP's native adapter. */
void check_case_rename(void)
{
    char names[256];

    make_file("Foo.txt", 0644, "foo", 3);
    ino_t ino = ino_of("Foo.txt");
    OK(rename("Foo.txt", "foo.txt"));
    list_dir(".", names, sizeof names);
    ck_str("readdir after rename(2) to foo.txt (the VFS skips it)", names, "Foo.txt");

    stored_name("FOO.TXT", names, sizeof names);
    ck_str("system.fsp.name through another spelling", names, "Foo.txt");
    OK(set_name("FOO.TXT", "foo.txt"));
    list_dir(".", names, sizeof names);
    ck_str("readdir after system.fsp.name foo.txt", names, "foo.txt");
    stored_name("Foo.txt", names, sizeof names);
    ck_str("system.fsp.name after the change", names, "foo.txt");
    expect_content("FOO.txt", "foo", 3);
    ck_eq("same inode after the case change", ino_of("foo.txt") == ino, 1);

    /* Only another spelling of the same file: never a move or a replace. */
    make_file("bar.txt", 0644, "bar", 3);
    ERR(set_name("foo.txt", "BAR.TXT"), EINVAL);
    ERR(set_name("foo.txt", "baz.txt"), EINVAL);
    ERR(set_name("foo.txt", "x/foo.txt"), EINVAL);
    ERR(set_name("foo.txt", ".."), EINVAL);
    ERR(setxattr("foo.txt", "system.fsp.name", "Foo.txt", 7, XATTR_CREATE), EEXIST);
    ERR(removexattr("foo.txt", "system.fsp.name"), EPERM);
    expect_content("bar.txt", "bar", 3);

    /* Directories, and names below them. */
    OK(mkdir("Dir", 0755));
    make_file("dir/Inner", 0644, "in", 2);
    OK(set_name("DIR/inner", "iNNER"));
    list_dir("Dir", names, sizeof names);
    ck_str("readdir Dir after the case change", names, "iNNER");
    OK(set_name("dir", "DIR"));
    stored_name("dir", names, sizeof names);
    ck_str("system.fsp.name of the directory", names, "DIR");
    expect_content("dir/inner", "in", 2);
    OK(unlink("Dir/Inner"));
    OK(rmdir("Dir"));
    OK(unlink("foo.txt"));
    OK(unlink("BAR.txt"));
    list_dir(".", names, sizeof names);
    ck_str("readdir at the end", names, "");
}

/* The first regular file in the root, if any: the read-only checks that need
 * an existing file use it. */
static int find_file(char *name, size_t cap)
{
    DIR *d = opendir(".");
    struct dirent *de;
    struct stat st;
    int found = 0;
    if (!d)
        return 0;
    while (!found && (de = readdir(d)))
        if (stat(de->d_name, &st) == 0 && S_ISREG(st.st_mode)) {
            snprintf(name, cap, "%s", de->d_name);
            found = 1;
        }
    closedir(d);
    return found;
}

void check_read_only(void)
{
    struct stat st;
    struct statvfs sv;
    char name[256];

    /* Reading works. */
    struct stat root;
    OK(stat(".", &root));
    ck_yes("root is a directory", S_ISDIR(root.st_mode));
    DIR *d = opendir(".");
    ck_yes("opendir root", d != NULL);
    if (d) {
        errno = 0;
        while (readdir(d))
            ;
        ck_eq("readdir root ends without error", errno, 0);
        closedir(d);
    }
    if (OK(statvfs(".", &sv)) == 0)
        ck_yes("statvfs reports ST_RDONLY", (sv.f_flag & ST_RDONLY) != 0);

    /* Nothing can be created, and the root's attributes cannot change (the
     * values asked for are the current ones: run by mistake on a writable
     * directory, the check changes as little as it can). */
    ERR(open("newfile", O_CREAT | O_WRONLY, 0644), EROFS);
    ERR(open("newfile", O_CREAT | O_EXCL | O_RDWR, 0644), EROFS);
    ERR(mkdir("newdir", 0755), EROFS);
    ERR(chmod(".", root.st_mode & 07777), EROFS);
    ERR(chown(".", root.st_uid, root.st_gid), EROFS);
    ERR(utimensat(AT_FDCWD, ".", NULL, 0), EROFS);
    /* For a missing name, a read-only mount answers EROFS before looking the
     * name up; a file system enforcing it itself answers ENOENT. */
    ERR2(unlink("missing"), EROFS, ENOENT);
    ERR2(rename("missing", "other"), EROFS, ENOENT);
    ERR2(rmdir("missing"), EROFS, ENOENT);

    if (!find_file(name, sizeof name)) {
        note("no regular file in the root: open/truncate/unlink/rename of a file not checked");
        return;
    }
    note("regular file in the root: yes");
    int fd = OK(open(name, O_RDONLY));
    if (fd >= 0) {
        char buf[512];
        OK(read(fd, buf, sizeof buf));
        close(fd);
    }
    ERR(open(name, O_WRONLY), EROFS);
    ERR(open(name, O_RDWR | O_TRUNC), EROFS);
    ERR(truncate(name, 0), EROFS);
    ERR(unlink(name), EROFS);
    ERR(rename(name, "renamed"), EROFS);
    OK(stat(name, &st));
    ERR(chmod(name, st.st_mode & 07777), EROFS);
}
