/*
 * check_rename.c - rename of files and directories over every kind of
 * target, renameat2(RENAME_NOREPLACE), and open files across renames.
 */
#include "conf.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void check_rename_file(void)
{
    struct stat st;
    char buf[32];

    make_file("a", 0644, "AAAA", 4);
    make_file("b", 0600, "BB", 2);
    OK(rename("a", "b"));
    ERR(stat("a", &st), ENOENT);
    expect_stat("b", S_IFREG, 0644, 1, 4);
    expect_content("b", "AAAA", 4);

    /* RENAME_NOREPLACE never replaces; to a free name it is a plain rename. */
    make_file("c", 0644, "CCC", 3);
    ERR(renameat2(AT_FDCWD, "c", AT_FDCWD, "b", RENAME_NOREPLACE), EEXIST);
    expect_content("b", "AAAA", 4);
    expect_content("c", "CCC", 3);
    OK(renameat2(AT_FDCWD, "c", AT_FDCWD, "c2", RENAME_NOREPLACE));
    ERR(stat("c", &st), ENOENT);
    expect_content("c2", "CCC", 3);

    /* Renaming a name onto itself succeeds and changes nothing. */
    OK(rename("b", "b"));
    expect_content("b", "AAAA", 4);
    ERR(rename("missing", "x"), ENOENT);
    ERR(rename("b", "nodir/x"), ENOENT);
    ERR(stat("x", &st), ENOENT);

    /* An open file follows its rename. */
    int fd = OK(open("b", O_RDWR));
    OK(rename("b", "d"));
    VAL(pwrite(fd, "ZZ", 2, 4), 2);
    expect_content("d", "AAAAZZ", 6);
    OK(close(fd));

    /* Replacing an open file: the old one lives on through its descriptor. */
    make_file("e", 0644, "old-e", 5);
    fd = OK(open("e", O_RDONLY));
    OK(rename("d", "e"));
    VAL(pread(fd, buf, sizeof buf, 0), 5);
    ck_yes("replaced file still readable", !memcmp(buf, "old-e", 5));
    if (get_fstat(fd, &st) == 0)
        ck_eq("replaced file nlink", (long long)st.st_nlink, 0);
    OK(close(fd));
    expect_content("e", "AAAAZZ", 6);
    ERR(stat("d", &st), ENOENT);
}

void check_rename_dir(void)
{
    struct stat st;

    /* Directory over an empty directory. */
    OK(mkdir("d1", 0755));
    make_file("d1/f", 0644, "in d1", 5);
    OK(mkdir("empty", 0700));
    OK(rename("d1", "empty"));
    ERR(stat("d1", &st), ENOENT);
    expect_stat("empty", S_IFDIR, 0755, 2, -1);
    expect_content("empty/f", "in d1", 5);

    /* Directory over a non-empty one: POSIX allows ENOTEMPTY or EEXIST. */
    OK(mkdir("g", 0755));
    make_file("g/x", 0644, "gx", 2);
    OK(mkdir("h", 0755));
    make_file("h/y", 0644, "hy", 2);
    ERR2(rename("g", "h"), ENOTEMPTY, EEXIST);
    expect_content("g/x", "gx", 2);
    expect_content("h/y", "hy", 2);

    /* Mismatched kinds. */
    make_file("file", 0644, "file", 4);
    ERR(rename("file", "h"), EISDIR);
    ERR(rename("h", "file"), ENOTDIR);
    OK(mkdir("e2", 0755));
    ERR(renameat2(AT_FDCWD, "g", AT_FDCWD, "e2", RENAME_NOREPLACE), EEXIST);
    expect_stat("file", S_IFREG, 0644, 1, 4);
    expect_stat("h", S_IFDIR, 0755, 2, -1);

    /* Into its own subtree. */
    OK(mkdir("h/sub", 0755));
    ERR(rename("h", "h/sub/x"), EINVAL);
    ERR(rename("h", "h/z"), EINVAL);
    expect_stat("h/sub", S_IFDIR, 0755, 2, -1);

    /* A tree moves as a whole, across parents too. */
    OK(mkdir("t", 0755));
    OK(mkdir("t/a", 0755));
    OK(mkdir("t/a/b", 0755));
    make_file("t/a/b/file", 0644, "deep", 4);
    OK(rename("t", "u"));
    expect_content("u/a/b/file", "deep", 4);
    ERR(stat("t/a", &st), ENOENT);
    OK(rename("u/a", "h/a"));
    expect_content("h/a/b/file", "deep", 4);
    expect_stat("h", S_IFDIR, 0755, 4, -1);
    expect_stat("u", S_IFDIR, 0755, 2, -1);
    ERR(stat("u/a", &st), ENOENT);

    /* A directory renamed while a descriptor is open on a file inside. */
    int fd = OK(open("h/a/b/file", O_RDWR));
    OK(rename("h/a", "moved"));
    VAL(pwrite(fd, "!", 1, 4), 1);
    OK(close(fd));
    expect_content("moved/b/file", "deep!", 5);
}
