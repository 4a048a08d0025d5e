/*
 * check_rdwr.c - reads and writes at offsets, holes, truncation, sizes and
 * link counts, unlinked open files and O_DIRECT.
 */
#include "conf.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB (1024 * 1024)

static void *xmalloc(size_t n)
{
    void *p = calloc(1, n);
    if (!p)
        abort();
    return p;
}

void check_rdwr(void)
{
    char buf[128];
    struct stat st, before;
    int fd = OK(open("f", O_CREAT | O_EXCL | O_RDWR, 0644));

    VAL(pwrite(fd, "abcdefghij", 10, 0), 10);
    VAL(pwrite(fd, "XYZ", 3, 5), 3);
    VAL(pread(fd, buf, sizeof buf, 0), 10); /* short read at EOF */
    ck_yes("overwrite in the middle", !memcmp(buf, "abcdeXYZij", 10));
    VAL(pread(fd, buf, 4, 8), 2);
    VAL(pread(fd, buf, 4, 10), 0); /* at EOF */
    VAL(pread(fd, buf, 4, 1000), 0);
    VAL(pread(fd, buf, 0, 0), 0);
    VAL(read(fd, buf, 0), 0);

    /* A write past EOF leaves a gap that reads as zeros. */
    VAL(pwrite(fd, "END", 3, 20), 3);
    get_fstat(fd, &st);
    ck_eq("size after write at 20", st.st_size, 23);
    memset(buf, 0x55, sizeof buf);
    VAL(pread(fd, buf, sizeof buf, 0), 23);
    ck_yes("gap 10..20 reads as zeros", is_zero(buf + 10, 10));
    ck_yes("data at 20", !memcmp(buf + 20, "END", 3));

    /* The file offset: sequential write and read, lseek. */
    VAL(lseek(fd, 0, SEEK_END), 23);
    VAL(lseek(fd, -3, SEEK_END), 20);
    VAL(read(fd, buf, 10), 3);
    VAL(read(fd, buf, 10), 0);
    VAL(lseek(fd, 0, SEEK_SET), 0);
    VAL(write(fd, "12345", 5), 5);
    VAL(write(fd, "67890", 5), 5);
    VAL(lseek(fd, 0, SEEK_CUR), 10);
    VAL(lseek(fd, 0, SEEK_SET), 0);
    VAL(read(fd, buf, 10), 10);
    ck_yes("sequential writes", !memcmp(buf, "1234567890", 10));
    ERR(lseek(fd, -1, SEEK_SET), EINVAL);
    VAL(write(fd, buf, 0), 0);
    get_fstat(fd, &st);
    ck_eq("size after zero-length write", st.st_size, 23);
    OK(fsync(fd));
    OK(fdatasync(fd));

    /* Writing changes mtime and ctime. */
    get_fstat(fd, &before);
    tick();
    VAL(pwrite(fd, "w", 1, 0), 1);
    get_fstat(fd, &st);
    ck_time("mtime after write", &before.st_mtim, &st.st_mtim, T_CHANGED);
    ck_time("ctime after write", &before.st_ctim, &st.st_ctim, T_CHANGED);
    OK(close(fd));

    /* Unaligned I/O crossing page boundaries. */
    size_t n = 100000;
    char *data = xmalloc(n), *back = xmalloc(n + 4097);
    fill_pattern(data, n, 7);
    fd = OK(open("g", O_CREAT | O_EXCL | O_RDWR, 0644));
    VAL(pwrite_full(fd, data, n, 4097), (long)n);
    VAL(pread_full(fd, back, n + 4097, 0), (long)(n + 4097));
    ck_yes("unaligned data read back", !memcmp(back + 4097, data, n));
    ck_yes("leading gap reads as zeros", is_zero(back, 4097));
    note("csum of g = %016llx", (unsigned long long)csum(back, n + 4097));
    OK(close(fd));
    free(data);
    free(back);

    /* Reading a directory through read(2). */
    fd = OK(open(".", O_RDONLY | O_DIRECTORY));
    ERR(read(fd, buf, sizeof buf), EISDIR);
    OK(close(fd));
}

void check_holes(void)
{
    const size_t blk = 4096;
    char *data = xmalloc(blk), *back = xmalloc(MIB);
    struct stat st;

    fill_pattern(data, blk, 11);
    int fd = OK(open("h", O_CREAT | O_EXCL | O_RDWR, 0644));
    VAL(pwrite(fd, data, blk, MIB), (long)blk);
    /* With a write-back cache (ext4's delayed allocation, FUSE's writeback
     * cache) the blocks are counted once the data reaches the file system;
     * fdatasync makes that moment the same everywhere. */
    OK(fdatasync(fd));
    get_fstat(fd, &st);
    note_stat("after write at 1 MiB", &st);
    ck_eq("size", st.st_size, MIB + blk);
    VAL(pread_full(fd, back, MIB, 0), MIB);
    ck_yes("the first MiB reads as zeros", is_zero(back, MIB));
    VAL(pread(fd, back, blk, MIB), (long)blk);
    ck_yes("data at 1 MiB", !memcmp(back, data, blk));

    /* A second hole, after the data and before a single byte at 3 MiB + 7. */
    VAL(pwrite(fd, "z", 1, 3 * MIB + 7), 1);
    get_fstat(fd, &st);
    ck_eq("size after byte at 3 MiB + 7", st.st_size, 3 * MIB + 8);
    VAL(pread_full(fd, back, MIB, MIB + blk), MIB);
    ck_yes("second hole reads as zeros", is_zero(back, MIB));
    OK(close(fd));

    /* The whole file sums the same everywhere. */
    char *all = xmalloc(3 * MIB + 8);
    VAL(slurp("h", all, 3 * MIB + 8), 3 * MIB + 8);
    note("csum = %016llx", (unsigned long long)csum(all, 3 * MIB + 8));
    free(all);
    free(data);
    free(back);
}

void check_truncate(void)
{
    const size_t n = 100 * 1024;
    char *data = xmalloc(n), *back = xmalloc(n);
    struct stat st, before;

    fill_pattern(data, n, 3);
    make_file("t", 0644, data, n);
    int fd = OK(open("t", O_RDWR));

    /* Down with ftruncate, then up again: the cut-off part comes back zero. */
    age("t");
    get_fstat(fd, &before);
    tick();
    OK(ftruncate(fd, 50000));
    get_fstat(fd, &st);
    ck_eq("size after ftruncate down", st.st_size, 50000);
    ck_time("mtime after ftruncate", &before.st_mtim, &st.st_mtim, T_CHANGED);
    ck_time("ctime after ftruncate", &before.st_ctim, &st.st_ctim, T_CHANGED);
    OK(ftruncate(fd, (off_t)n));
    get_fstat(fd, &st);
    ck_eq("size after ftruncate up", st.st_size, (long long)n);
    VAL(pread_full(fd, back, n, 0), (long)n);
    ck_yes("data below the cut intact", !memcmp(back, data, 50000));
    ck_yes("re-extended part reads as zeros", is_zero(back + 50000, n - 50000));

    /* The same by path with truncate(2). */
    age("t");
    get_stat("t", &before);
    tick();
    OK(truncate("t", 10));
    get_stat("t", &st);
    ck_eq("size after truncate down", st.st_size, 10);
    ck_time("mtime after truncate", &before.st_mtim, &st.st_mtim, T_CHANGED);
    ck_time("ctime after truncate", &before.st_ctim, &st.st_ctim, T_CHANGED);
    OK(truncate("t", 20000));
    expect_stat("t", S_IFREG, 0644, 1, 20000);
    VAL(pread_full(fd, back, n, 0), 20000);
    ck_yes("first 10 bytes intact", !memcmp(back, data, 10));
    ck_yes("bytes 10..20000 read as zeros", is_zero(back + 10, 20000 - 10));

    /* Writing past a truncated end, through the open descriptor. */
    OK(ftruncate(fd, 0));
    VAL(pwrite(fd, "abc", 3, 5), 3);
    VAL(pread(fd, back, 100, 0), 8);
    ck_yes("zeros then data", is_zero(back, 5) && !memcmp(back + 5, "abc", 3));
    OK(close(fd));

    /* The errors. */
    OK(mkdir("d", 0755));
    ERR(truncate("d", 0), EISDIR);
    ERR(truncate("missing", 0), ENOENT);
    ERR(truncate("t", -1), EINVAL);
    fd = OK(open("t", O_RDONLY));
    ERR(ftruncate(fd, 0), EINVAL);
    OK(close(fd));
    expect_stat("t", S_IFREG, 0644, 1, 8);
    free(data);
    free(back);
}

void check_size_nlink(void)
{
    struct stat st;
    int fd = OK(open("s", O_CREAT | O_EXCL | O_RDWR, 0644));
    get_fstat(fd, &st);
    note_stat("new file", &st);
    ck_eq("nlink", st.st_nlink, 1);
    ck_eq("size", st.st_size, 0);
    VAL(write(fd, "12345", 5), 5);
    get_fstat(fd, &st);
    ck_eq("size after write 5", st.st_size, 5);
    OK(fdatasync(fd)); /* blocks count once the data is written back (see holes) */
    expect_stat("s", S_IFREG, 0644, 1, 5);
    VAL(pwrite(fd, "x", 1, 99), 1);
    get_fstat(fd, &st);
    ck_eq("size after write at 99", st.st_size, 100);
    OK(fdatasync(fd));
    expect_stat("s", S_IFREG, 0644, 1, 100);
    OK(ftruncate(fd, 3));
    expect_stat("s", S_IFREG, 0644, 1, 3);
    OK(unlink("s"));
    if (get_fstat(fd, &st) == 0) {
        ck_eq("nlink after unlink (fstat)", st.st_nlink, 0);
        ck_eq("size after unlink (fstat)", st.st_size, 3);
    }
    OK(close(fd));

    /* Directories: 2 links, plus one per subdirectory; files do not count. */
    OK(mkdir("d", 0755));
    expect_stat("d", S_IFDIR, 0755, 2, -1);
    OK(mkdir("d/a", 0755));
    OK(mkdir("d/b", 0755));
    make_file("d/f", 0644, "", 0);
    expect_stat("d", S_IFDIR, 0755, 4, -1);
    expect_stat("d/a", S_IFDIR, 0755, 2, -1);
    OK(rmdir("d/a"));
    expect_stat("d", S_IFDIR, 0755, 3, -1);
}

static int dir_has(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int found = 0;
    if (!d)
        return -1;
    while ((de = readdir(d)))
        found += !strcmp(de->d_name, name);
    closedir(d);
    return found;
}

void check_unlink_open(void)
{
    char buf[64];
    struct stat st;

    make_file("f", 0644, "data1234", 8);
    int fd = OK(open("f", O_RDWR));
    int fd2 = OK(open("f", O_RDONLY));
    OK(unlink("f"));
    ERR(stat("f", &st), ENOENT);
    ERR(open("f", O_RDONLY), ENOENT);
    ck_eq("readdir shows f", dir_has(".", "f"), 0);
    if (get_fstat(fd, &st) == 0) {
        note_stat("fstat after unlink", &st);
        ck_eq("nlink", st.st_nlink, 0);
    }

    /* Still readable and writable through the descriptors. */
    VAL(pread(fd, buf, sizeof buf, 0), 8);
    ck_yes("data readable", !memcmp(buf, "data1234", 8));
    VAL(pwrite(fd, "MORE", 4, 8), 4);
    if (get_fstat(fd, &st) == 0)
        ck_eq("size after write", st.st_size, 12);
    VAL(pread(fd2, buf, sizeof buf, 0), 12);
    ck_yes("other fd sees the write", !memcmp(buf, "data1234MORE", 12));
    OK(fchmod(fd, 0600));
    if (get_fstat(fd, &st) == 0)
        ck_mode("mode after fchmod of unlinked file", st.st_mode & 07777, 0600);
    OK(ftruncate(fd, 4));
    if (get_fstat(fd2, &st) == 0)
        ck_eq("size after ftruncate", st.st_size, 4);

    /* The name is free: a new file there is a different file. */
    int fd3 = OK(open("f", O_CREAT | O_EXCL | O_RDWR, 0644));
    VAL(write(fd3, "new", 3), 3);
    VAL(pread(fd, buf, sizeof buf, 0), 4);
    ck_yes("old file keeps its data", !memcmp(buf, "data", 4));
    OK(close(fd));
    VAL(pread(fd2, buf, sizeof buf, 0), 4);
    OK(close(fd2));
    OK(close(fd3));
    expect_content("f", "new", 3);
    ck_eq("readdir shows f once", dir_has(".", "f"), 1);

    /* Unlinking a directory's last entry while the file is open elsewhere. */
    OK(mkdir("d", 0755));
    make_file("d/x", 0644, "xx", 2);
    fd = OK(open("d/x", O_RDONLY));
    OK(unlink("d/x"));
    OK(rmdir("d"));
    VAL(pread(fd, buf, sizeof buf, 0), 2);
    OK(close(fd));
}

void check_odirect(void)
{
    const size_t n = 128 * 1024;
    void *wbuf = NULL, *rbuf = NULL;
    if (posix_memalign(&wbuf, 4096, n) || posix_memalign(&rbuf, 4096, n))
        abort();
    fill_pattern(wbuf, n, 21);
    uint64_t want = csum(wbuf, n);

    errno = 0;
    int fd = open("d", O_CREAT | O_EXCL | O_RDWR | O_DIRECT, 0644);
    if (fd < 0) {
        /* A file system may refuse O_DIRECT; that is recorded, not failed. */
        ck_err("open O_DIRECT", fd, errno, EINVAL, EINVAL);
        goto out;
    }
    note("open(\"d\", O_CREAT | O_EXCL | O_RDWR | O_DIRECT) = ok");
    ck_yes("F_GETFL has O_DIRECT", (fcntl(fd, F_GETFL) & O_DIRECT) != 0);
    VAL(pwrite(fd, wbuf, n / 2, 0), (long)(n / 2));
    VAL(pwrite(fd, (char *)wbuf + n / 2, n / 2, n / 2), (long)(n / 2));
    memset(rbuf, 0, n);
    VAL(pread(fd, rbuf, n, 0), (long)n);
    ck_yes("O_DIRECT read returns what O_DIRECT wrote", csum(rbuf, n) == want);
    struct stat st;
    get_fstat(fd, &st);
    ck_eq("size", st.st_size, (long long)n);
    VAL(pread(fd, rbuf, 4096, (off_t)n), 0);
    OK(close(fd));

    /* Buffered and direct access see the same data. */
    char *back = xmalloc(n);
    VAL(slurp("d", back, n), (long)n);
    ck_yes("buffered read sees direct writes", csum(back, n) == want);
    free(back);
    fd = OK(open("d", O_WRONLY));
    VAL(pwrite(fd, "buffered", 8, 4096), 8);
    OK(close(fd));
    fd = OK(open("d", O_RDONLY | O_DIRECT));
    VAL(pread(fd, rbuf, 8192, 0), 8192);
    ck_yes("direct read sees buffered write", !memcmp((char *)rbuf + 4096, "buffered", 8));
    OK(close(fd));
out:
    free(wbuf);
    free(rbuf);
}
