/*
 * check_link.c - hard links: link(2) and what every name of a file shares
 * (inode, data, metadata, link count), unlink and rename of one name, and
 * the errors (EEXIST, ENOENT, EPERM on a directory, a file without names).
 */
#include "conf.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int same_inode(const char *a, const char *b)
{
    struct stat sa, sb;
    return get_stat(a, &sa) == 0 && get_stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
           sa.st_dev == sb.st_dev;
}

void check_hard_links(void)
{
    struct stat st, before;

    make_file("f", 0644, "abc", 3);
    get_stat("f", &before);
    tick();
    OK(link("f", "g"));
    expect_stat("f", S_IFREG, 0644, 2, 3);
    expect_stat("g", S_IFREG, 0644, 2, 3);
    ck_yes("f and g are one inode", same_inode("f", "g"));
    if (get_stat("f", &st) == 0)
        ck_time("ctime after link", &before.st_ctim, &st.st_ctim, T_CHANGED);

    /* One file: data and metadata written through one name show in the other. */
    int fd = OK(open("g", O_WRONLY | O_APPEND));
    VAL(write(fd, "def", 3), 3);
    OK(close(fd));
    expect_content("f", "abcdef", 6);
    OK(chmod("g", 0600));
    expect_stat("f", S_IFREG, 0600, 2, 6);
    fd = OK(open("f", O_RDONLY));
    if (get_fstat(fd, &st) == 0)
        ck_eq("nlink (fstat through f)", st.st_nlink, 2);
    OK(close(fd));

    /* Errors. */
    ERR(link("f", "g"), EEXIST);
    ERR(link("missing", "x"), ENOENT);
    OK(mkdir("d", 0755));
    ERR(link("d", "dlink"), EPERM);

    /* Across directories; a directory's count is not a file's business. */
    OK(link("f", "d/h"));
    expect_stat("d/h", S_IFREG, 0600, 3, 6);
    expect_stat("d", S_IFDIR, 0755, 2, -1);
    ck_yes("d/h is f", same_inode("f", "d/h"));

    /* Unlink one name at a time: the others keep the file (whose link
     * count, and so ctime, changes). */
    get_stat("g", &before);
    tick();
    OK(unlink("f"));
    ERR(stat("f", &st), ENOENT);
    if (get_stat("g", &st) == 0)
        ck_time("ctime of g after unlink of f", &before.st_ctim, &st.st_ctim, T_CHANGED);
    expect_stat("g", S_IFREG, 0600, 2, 6);
    expect_content("d/h", "abcdef", 6);
    OK(unlink("d/h"));
    expect_stat("g", S_IFREG, 0600, 1, 6);

    /* A file whose last name is gone cannot get a new one. */
    fd = OK(open("g", O_RDWR));
    OK(unlink("g"));
    if (get_fstat(fd, &st) == 0)
        ck_eq("nlink of the open, unlinked file", st.st_nlink, 0);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    ERR(linkat(AT_FDCWD, proc, AT_FDCWD, "revived", AT_SYMLINK_FOLLOW), ENOENT);
    ERR(stat("revived", &st), ENOENT);
    OK(close(fd));

    /* A link to an open file: both names reach what the descriptor writes. */
    make_file("o", 0644, "", 0);
    fd = OK(open("o", O_RDWR));
    OK(link("o", "o2"));
    VAL(write(fd, "xyz", 3), 3);
    expect_content("o2", "xyz", 3);
    OK(unlink("o"));
    VAL(pwrite(fd, "Q", 1, 0), 1);
    OK(close(fd));
    expect_content("o2", "Qyz", 3);
    expect_stat("o2", S_IFREG, 0644, 1, 3);

    /* Rename over one name of a linked file replaces that name only. */
    make_file("a", 0644, "A", 1);
    OK(link("a", "b"));
    make_file("c", 0644, "CC", 2);
    get_stat("a", &before);
    tick();
    OK(rename("c", "b"));
    if (get_stat("a", &st) == 0)
        ck_time("ctime of a after rename over b", &before.st_ctim, &st.st_ctim, T_CHANGED);
    expect_stat("a", S_IFREG, 0644, 1, 1);
    expect_content("a", "A", 1);
    expect_content("b", "CC", 2);

    /* Rename of one linked name to another name: the link moves. */
    OK(link("a", "a2"));
    OK(rename("a2", "d/a3"));
    ck_yes("d/a3 is a", same_inode("a", "d/a3"));
    expect_stat("a", S_IFREG, 0644, 2, 1);

    /* Rename between two names of one file does nothing (POSIX). */
    OK(rename("a", "d/a3"));
    expect_stat("a", S_IFREG, 0644, 2, 1);
    expect_stat("d/a3", S_IFREG, 0644, 2, 1);
}
