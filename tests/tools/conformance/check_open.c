/*
 * check_open.c - open flags and the errno of common failing calls.
 */
#include "conf.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void check_open_flags(void)
{
    struct stat st, before;
    char buf[64];
    int fd;

    fd = OK(open("f", O_CREAT | O_EXCL | O_WRONLY, 0644));
    VAL(write(fd, "hello world", 11), 11);
    OK(close(fd));
    expect_stat("f", S_IFREG, 0644, 1, 11);
    ERR(open("f", O_CREAT | O_EXCL | O_WRONLY, 0600), EEXIST);
    ERR(open("f", O_CREAT | O_EXCL | O_RDONLY, 0600), EEXIST);

    /* O_CREAT without O_EXCL opens the existing file: content and mode stay. */
    fd = OK(open("f", O_CREAT | O_RDWR, 0600));
    VAL(pread(fd, buf, sizeof buf, 0), 11);
    OK(close(fd));
    expect_stat("f", S_IFREG, 0644, 1, 11);

    /* O_TRUNC empties the file and marks mtime and ctime for update. */
    age("f");
    get_stat("f", &before);
    tick();
    fd = OK(open("f", O_WRONLY | O_TRUNC));
    get_fstat(fd, &st);
    ck_eq("size after O_TRUNC", st.st_size, 0);
    ck_time("mtime after O_TRUNC", &before.st_mtim, &st.st_mtim, T_CHANGED);
    ck_time("ctime after O_TRUNC", &before.st_ctim, &st.st_ctim, T_CHANGED);
    VAL(write(fd, "0123456789", 10), 10);
    OK(close(fd));
    expect_stat("f", S_IFREG, 0644, 1, 10);

    /* O_APPEND: every write lands at the end, even after lseek. */
    fd = OK(open("f", O_WRONLY | O_APPEND));
    VAL(lseek(fd, 0, SEEK_CUR), 0);
    VAL(write(fd, "abc", 3), 3);
    VAL(lseek(fd, 0, SEEK_CUR), 13);
    VAL(lseek(fd, 2, SEEK_SET), 2);
    VAL(write(fd, "def", 3), 3);
    VAL(lseek(fd, 0, SEEK_CUR), 16);
    expect_content("f", "0123456789abcdef", 16);
    /* Linux documents that pwrite on an O_APPEND fd appends (POSIX is
     * silent): recorded for comparison only. */
    REC(pwrite(fd, "X", 1, 0));
    OK(close(fd));
    {
        char got[32];
        ssize_t n = slurp("f", got, sizeof got);
        note("after pwrite on the O_APPEND fd: %zd bytes csum=%016llx", n,
             (unsigned long long)csum(got, n > 0 ? (size_t)n : 0));
    }
    fd = OK(open("f", O_RDWR | O_APPEND));
    VAL(pread(fd, buf, 4, 0), 4);
    ck_yes("read through O_RDWR|O_APPEND fd reads from offset 0", !memcmp(buf, "0123", 4));
    OK(close(fd));

    /* O_DIRECTORY, O_NOFOLLOW, directories opened for writing. */
    ERR(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
    OK(mkdir("d", 0755));
    fd = OK(open("d", O_RDONLY | O_DIRECTORY));
    OK(close(fd));
    ERR(open("d", O_WRONLY), EISDIR);
    ERR(open("d", O_RDWR), EISDIR);
    ERR(open("d", O_CREAT | O_EXCL | O_RDONLY, 0644), EEXIST);
    fd = OK(open("f", O_RDONLY | O_NOFOLLOW));
    OK(close(fd));

    /* Missing names and non-directories in the middle of a path. */
    ERR(open("missing", O_RDONLY), ENOENT);
    ERR(open("missing", O_WRONLY | O_TRUNC), ENOENT);
    ERR(open("nodir/new", O_CREAT | O_WRONLY, 0644), ENOENT);
    ERR(open("f/x", O_RDONLY), ENOTDIR);
    ERR(open("f/x", O_CREAT | O_WRONLY, 0644), ENOTDIR);

    /* Access modes are enforced per descriptor. */
    fd = OK(open("f", O_RDONLY));
    ERR(write(fd, "x", 1), EBADF);
    OK(close(fd));
    fd = OK(open("f", O_WRONLY));
    ERR(read(fd, buf, 1), EBADF);
    OK(close(fd));

    /* The mode given to O_CREAT applies to later opens, not to the creating
     * descriptor: a 0444 file created O_RDWR is writable through that fd. */
    fd = OK(open("ro", O_CREAT | O_EXCL | O_RDWR, 0444));
    VAL(write(fd, "data", 4), 4);
    VAL(pread(fd, buf, 4, 0), 4);
    OK(close(fd));
    expect_stat("ro", S_IFREG, 0444, 1, 4);
    fd = OK(open("m0", O_CREAT | O_EXCL | O_WRONLY, 0));
    OK(close(fd));
    expect_stat("m0", S_IFREG, 0, 1, 0);
    fd = OK(open("m755", O_CREAT | O_EXCL | O_WRONLY, 0755));
    OK(close(fd));
    expect_stat("m755", S_IFREG, 0755, 1, 0);
}

void check_errnos(void)
{
    char name[300];
    struct stat st;

    OK(mkdir("d", 0755));
    make_file("d/f", 0644, "x", 1);
    make_file("file", 0644, "y", 1);

    ERR(mkdir("d", 0755), EEXIST);
    ERR(mkdir("file", 0755), EEXIST);
    ERR(rmdir("d"), ENOTEMPTY);
    ERR(rmdir("file"), ENOTDIR);
    ERR(unlink("d"), EISDIR);
    ERR(open("missing", O_RDONLY), ENOENT);
    ERR(stat("missing", &st), ENOENT);
    ERR(unlink("missing"), ENOENT);
    ERR(rmdir("missing"), ENOENT);
    ERR(mkdir("missing/sub", 0755), ENOENT);
    ERR(stat("file/x", &st), ENOTDIR);
    ERR(mkdir("file/x", 0755), ENOTDIR);
    ERR(rmdir("."), EINVAL);
    ERR(stat("", &st), ENOENT);

    /* NAME_MAX is 255 bytes: 255 works everywhere, 256 never does. */
    memset(name, 'n', 255);
    name[255] = 0;
    int fd = OK(open(name, O_CREAT | O_EXCL | O_WRONLY, 0644));
    if (fd >= 0)
        close(fd);
    expect_stat(name, S_IFREG, 0644, 1, 0);
    OK(unlink(name));
    OK(mkdir(name, 0755));
    OK(rmdir(name));
    name[255] = 'n';
    name[256] = 0;
    ERR(open(name, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
    ERR(open(name, O_RDONLY), ENAMETOOLONG);
    ERR(mkdir(name, 0755), ENAMETOOLONG);
    ERR(stat(name, &st), ENAMETOOLONG);
    ERR(rename("file", name), ENAMETOOLONG);
    ERR(unlink(name), ENAMETOOLONG);
    expect_stat("file", S_IFREG, 0644, 1, 1);

    /* Empty directory after its entries are gone can be removed. */
    OK(unlink("d/f"));
    OK(rmdir("d"));
    ERR(stat("d", &st), ENOENT);
}

/* NAME_MAX counts bytes, not characters: 128 two-byte UTF-8 characters are
 * 256 bytes and too long, though NTFS would count 128 UTF-16 units. */
void check_name_max_utf8(void)
{
    char name[600];
    struct stat st;
    size_t n = 0;

    for (int i = 0; i < 127; i++) {
        name[n++] = (char)0xc3; /* U+00E9 */
        name[n++] = (char)0xa9;
    }
    name[n++] = 'e';
    name[n] = 0; /* 255 bytes */
    int fd = OK(open(name, O_CREAT | O_EXCL | O_WRONLY, 0644));
    if (fd >= 0)
        close(fd);
    OK(stat(name, &st));
    OK(unlink(name));
    name[n - 1] = (char)0xc3;
    name[n++] = (char)0xa9;
    name[n] = 0; /* 256 bytes, 128 characters */
    ERR(open(name, O_CREAT | O_EXCL | O_WRONLY, 0644), ENAMETOOLONG);
    ERR(mkdir(name, 0755), ENAMETOOLONG);
}
