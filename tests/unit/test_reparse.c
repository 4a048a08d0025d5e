/*
 * test_reparse.c - special files as IO_REPARSE_TAG_NFS reparse data, and
 * WinFsp's reparse helpers (find, resolve, replace, validate) over a fake
 * file system.
 */
#include <errno.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "check.h"
#include "native/native.h"
#include "native/reparse.h"

static UINT32 le32(const UINT8 *p)
{
    return p[0] | (UINT32)p[1] << 8 | (UINT32)p[2] << 16 | (UINT32)p[3] << 24;
}

/* The wire layout, byte for byte (MS-FSCC 2.1.2.6). */
TEST(nfs_layout)
{
    struct fsp_reparse rp;
    CHECK_EQ_INT(fsp_special_encode(S_IFIFO | 0644, 0, &rp), 0);
    CHECK_EQ_INT(rp.size, 16);
    CHECK_EQ_INT(le32(rp.data), 0x80000014u);
    CHECK_EQ_INT(rp.data[4] | rp.data[5] << 8, 8);
    CHECK(memcmp(rp.data + 8, "FIFO\0\0\0\0", 8) == 0);

    CHECK_EQ_INT(fsp_special_encode(S_IFSOCK, 0, &rp), 0);
    CHECK(memcmp(rp.data + 8, "SOCK\0\0\0\0", 8) == 0);

    CHECK_EQ_INT(fsp_special_encode(S_IFCHR, (uint32_t)makedev(1, 3), &rp), 0);
    CHECK_EQ_INT(rp.size, 24);
    CHECK_EQ_INT(rp.data[4] | rp.data[5] << 8, 16);
    CHECK(memcmp(rp.data + 8, "CHR\0\0\0\0\0", 8) == 0);
    CHECK_EQ_INT(le32(rp.data + 16), 1);
    CHECK_EQ_INT(le32(rp.data + 20), 3);

    CHECK_EQ_INT(fsp_special_encode(S_IFBLK, (uint32_t)makedev(259, 70000), &rp), 0);
    CHECK(memcmp(rp.data + 8, "BLK\0\0\0\0\0", 8) == 0);
    CHECK_EQ_INT(le32(rp.data + 16), 259);
    CHECK_EQ_INT(le32(rp.data + 20), 70000);
}

TEST(nfs_roundtrip)
{
    static const uint32_t types[] = {S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK};
    struct fsp_reparse rp;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        bool dev = types[i] == S_IFCHR || types[i] == S_IFBLK;
        uint32_t rdev = dev ? (uint32_t)makedev(8, 17) : 0, type = 0, back = 1;
        CHECK_EQ_INT(fsp_special_encode(types[i] | 0600, rdev, &rp), 0);
        CHECK_EQ_INT(fsp_special_decode(rp.data, rp.size, &type, &back), 0);
        CHECK_EQ_INT(type, types[i]);
        CHECK_EQ_INT(back, rdev);
        if (dev) {
            CHECK_EQ_INT(major(back), 8);
            CHECK_EQ_INT(minor(back), 17);
        }
    }
}

TEST(nfs_rejects)
{
    struct fsp_reparse rp;
    uint32_t type, rdev;
    CHECK_EQ_INT(fsp_special_encode(S_IFREG, 0, &rp), EINVAL);
    CHECK_EQ_INT(fsp_special_encode(S_IFDIR, 0, &rp), EINVAL);
    CHECK_EQ_INT(fsp_special_encode(S_IFLNK, 0, &rp), EINVAL);

    CHECK_EQ_INT(fsp_special_encode(S_IFCHR, (uint32_t)makedev(4, 5), &rp), 0);
    for (size_t n = 0; n < rp.size; n++)
        CHECK(fsp_special_decode(rp.data, n, &type, &rdev) < 0);
    rp.data[0] ^= 1; /* not the NFS tag */
    CHECK(fsp_special_decode(rp.data, rp.size, &type, &rdev) < 0);
    rp.data[0] ^= 1;
    rp.data[4] = 8; /* a device without its numbers */
    CHECK(fsp_special_decode(rp.data, rp.size, &type, &rdev) < 0);
    rp.data[4] = 16;
    memcpy(rp.data + 8, "LNK\1\0\0\0\0", 8); /* NFS symlink: not a special file */
    CHECK(fsp_special_decode(rp.data, rp.size, &type, &rdev) < 0);
    memcpy(rp.data + 8, "XYZ\0\0\0\0\0", 8);
    CHECK(fsp_special_decode(rp.data, rp.size, &type, &rdev) < 0);

    /* A symlink's data is not a special file's, nor the reverse. */
    char target[16];
    CHECK_EQ_INT(fsp_symlink_encode("x", 2, &rp), 0);
    CHECK(fsp_special_decode(rp.data, rp.size, &type, &rdev) < 0);
    CHECK_EQ_INT(fsp_special_encode(S_IFIFO, 0, &rp), 0);
    CHECK(fsp_symlink_decode(rp.data, rp.size, target, sizeof target) < 0);
}

TEST(is_special)
{
    FSP_FSCTL_FILE_INFO info;
    memset(&info, 0, sizeof info);
    info.ReparseTag = IO_REPARSE_TAG_NFS;
    CHECK(!fsp_is_special(&info));
    info.FileAttributes = FILE_ATTRIBUTE_REPARSE_POINT;
    CHECK(fsp_is_special(&info));
    CHECK(!fsp_is_symlink(&info));
    info.ReparseTag = IO_REPARSE_TAG_SYMLINK;
    CHECK(!fsp_is_special(&info));
}

/* --- A fake volume for the resolution helpers ------------------------------- */

/* Each entry is one path. kind: 'd' directory, 'f' file, 'l' symlink to
 * target (flags), 't' another reparse point with tag. Paths are
 * case-sensitive; a path below a file is an error other than "not found". */
struct fake_entry {
    const char *path;
    char kind;
    const char *target;
    UINT32 flags; /* symlink flags, or the tag for 't' */
};

static const struct fake_entry *fake_volume;
static int fake_calls;

static void narrow(const WCHAR *w, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (char)w[i];
    out[n] = 0;
}

static size_t widen(const char *s, UINT8 *out)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = (UINT8)s[i];
        out[2 * i + 1] = 0;
    }
    return n * 2;
}

static size_t make_symlink(const char *target, UINT32 flags, UINT8 *buf)
{
    size_t bytes = widen(target, buf + 20);
    fsp_put_le32(buf, IO_REPARSE_TAG_SYMLINK);
    fsp_put_le16(buf + 4, (UINT16)(12 + bytes));
    fsp_put_le16(buf + 6, 0);
    fsp_put_le16(buf + 8, 0);
    fsp_put_le16(buf + 10, (UINT16)bytes);
    fsp_put_le16(buf + 12, 0);
    fsp_put_le16(buf + 14, (UINT16)bytes);
    fsp_put_le32(buf + 16, flags);
    return 20 + bytes;
}

static NTSTATUS fake_get(FSP_FILE_SYSTEM *fs, PVOID context, PWSTR name, BOOLEAN is_directory,
                         PVOID buffer, PSIZE_T psize)
{
    char path[512];
    size_t n = 0;
    while (name[n])
        n++;
    narrow(name, n, path);
    fake_calls++;
    CHECK(context == &fake_volume);
    for (const struct fake_entry *e = fake_volume; e->path; e++) {
        size_t len = strlen(e->path);
        if (e->kind == 'f' && strncmp(path, e->path, len) == 0 && path[len] == '\\')
            return STATUS_NOT_A_DIRECTORY;
        if (strcmp(path, e->path) != 0)
            continue;
        if (e->kind == 'd' || e->kind == 'f')
            return STATUS_NOT_A_REPARSE_POINT;
        UINT8 data[256];
        size_t size;
        if (e->kind == 'l') {
            size = make_symlink(e->target, e->flags, data);
        } else {
            size = 8 + 4;
            fsp_put_le32(data, e->flags);
            fsp_put_le16(data + 4, 4);
            fsp_put_le16(data + 6, 0);
            memcpy(data + 8, "DATA", 4);
        }
        if (buffer) {
            if (*psize < size)
                return STATUS_BUFFER_TOO_SMALL;
            memcpy(buffer, data, size);
            *psize = size;
        }
        return STATUS_SUCCESS;
    }
    return STATUS_OBJECT_NAME_NOT_FOUND;
}

/* Resolve `path` (ASCII) from `index`; the result path (ASCII) in out. */
static NTSTATUS resolve(const char *path, UINT32 index, BOOLEAN last, size_t bufsize,
                        IO_STATUS_BLOCK *iosb, char *out, UINT32 *flags)
{
    WCHAR wpath[512];
    size_t n = strlen(path);
    for (size_t i = 0; i <= n; i++)
        wpath[i] = (WCHAR)path[i];
    UINT8 buf[4096];
    SIZE_T size = bufsize;
    memset(iosb, 0, sizeof *iosb);
    out[0] = 0;
    NTSTATUS st = FspFileSystemResolveReparsePoints(NULL, fake_get, &fake_volume, wpath, index,
                                                    last, iosb, buf, &size);
    if (st == STATUS_REPARSE && iosb->Information == IO_REPARSE_TAG_SYMLINK) {
        CHECK_EQ_INT(fsp_get_le32(buf), IO_REPARSE_TAG_SYMLINK);
        size_t len = fsp_get_le16(buf + 10);
        CHECK_EQ_INT(fsp_get_le16(buf + 4), 12 + len);
        CHECK_EQ_INT(fsp_get_le16(buf + 14), len);
        CHECK_EQ_INT(size, 20 + len);
        WCHAR w[512];
        memcpy(w, buf + 20, len);
        narrow(w, len / 2, out);
        *flags = fsp_get_le32(buf + 16);
    } else if (st == STATUS_REPARSE) {
        memcpy(out, buf, size < 64 ? size : 64);
        *flags = (UINT32)size;
    }
    return st;
}

static const struct fake_entry volume[] = {
    {"\\d", 'd', NULL, 0},
    {"\\d\\f", 'f', NULL, 0},
    {"\\d\\sub", 'd', NULL, 0},
    {"\\d\\rel", 'l', "sub", SYMLINK_FLAG_RELATIVE},
    {"\\d\\up", 'l', "..\\e", SYMLINK_FLAG_RELATIVE},
    {"\\d\\dot", 'l', ".\\sub", SYMLINK_FLAG_RELATIVE},
    {"\\e", 'd', NULL, 0},
    {"\\vol", 'l', "\\d\\sub", SYMLINK_FLAG_RELATIVE},
    {"\\out", 'l', "\\??\\C:\\x", 0},
    {"\\c1", 'l', "c2", SYMLINK_FLAG_RELATIVE},
    {"\\c2", 'l', "d\\rel", SYMLINK_FLAG_RELATIVE},
    {"\\loop", 'l', "loop", SYMLINK_FLAG_RELATIVE},
    {"\\ping", 'l', "\\pong", SYMLINK_FLAG_RELATIVE},
    {"\\pong", 'l', "ping", SYMLINK_FLAG_RELATIVE},
    {"\\mnt", 't', NULL, IO_REPARSE_TAG_MOUNT_POINT},
    {"\\cust", 't', NULL, 0x9000101Au},
    {"\\dangling", 'l', "nothere", SYMLINK_FLAG_RELATIVE},
    {"\\tocust", 'l', "cust", SYMLINK_FLAG_RELATIVE},
    {NULL, 0, NULL, 0},
};

TEST(find_reparse_point)
{
    UINT32 index = 99;
    fake_volume = volume;
    WCHAR p1[] = u"\\d\\rel\\x\\y";
    CHECK(FspFileSystemFindReparsePoint(NULL, fake_get, &fake_volume, p1, &index));
    CHECK_EQ_INT(index, 3);
    CHECK(memcmp(p1, u"\\d\\rel\\x\\y", sizeof p1) == 0); /* the caller's name is untouched */
    WCHAR p2[] = u"\\d\\sub\\x";
    CHECK(!FspFileSystemFindReparsePoint(NULL, fake_get, &fake_volume, p2, &index));
    WCHAR p3[] = u"\\d\\rel"; /* the last component is never looked at */
    fake_calls = 0;
    CHECK(!FspFileSystemFindReparsePoint(NULL, fake_get, &fake_volume, p3, &index));
    CHECK_EQ_INT(fake_calls, 1);
    WCHAR p4[] = u"\\nothere\\rel\\x";
    CHECK(!FspFileSystemFindReparsePoint(NULL, fake_get, &fake_volume, p4, &index));
    WCHAR p5[] = u"\\loop\\x";
    CHECK(FspFileSystemFindReparsePoint(NULL, fake_get, &fake_volume, p5, NULL));
    WCHAR p6[] = u"\\d\\f:stream"; /* streams stop the walk */
    CHECK(!FspFileSystemFindReparsePoint(NULL, fake_get, &fake_volume, p6, &index));
    WCHAR p7[] = u"\\mnt\\\\x"; /* doubled separators */
    CHECK(FspFileSystemFindReparsePoint(NULL, fake_get, &fake_volume, p7, &index));
    CHECK_EQ_INT(index, 1);
}

TEST(resolve_relative_and_absolute)
{
    IO_STATUS_BLOCK iosb;
    char out[512];
    UINT32 flags = 99;
    fake_volume = volume;

    /* A relative target replaces the link's own component. */
    CHECK_EQ_INT(resolve("\\d\\rel\\x", 0, TRUE, 4096, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_INT(iosb.Status, STATUS_REPARSE);
    CHECK_EQ_INT(iosb.Information, IO_REPARSE_TAG_SYMLINK);
    CHECK_EQ_STR(out, "\\d\\sub\\x");
    CHECK_EQ_INT(flags, SYMLINK_FLAG_RELATIVE);
    /* Starting past the link leaves it alone. */
    CHECK_EQ_INT(resolve("\\d\\rel\\x", 7, TRUE, 4096, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\d\\rel\\x");
    /* A volume-rooted target replaces the whole path and is walked again. */
    CHECK_EQ_INT(resolve("\\vol\\x", 0, TRUE, 4096, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\d\\sub\\x");
    CHECK_EQ_INT(flags, SYMLINK_FLAG_RELATIVE);
    /* A rooted target without SYMLINK_FLAG_RELATIVE leaves the volume. */
    CHECK_EQ_INT(resolve("\\out\\x", 0, TRUE, 4096, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\??\\C:\\x\\x");
    CHECK_EQ_INT(flags, 0);
    /* ".." and "." in a target, and in the name itself. */
    CHECK_EQ_INT(resolve("\\d\\up\\z", 0, TRUE, 4096, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\e\\z");
    CHECK_EQ_INT(resolve("\\d\\dot\\z", 0, TRUE, 4096, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\d\\sub\\z");
    CHECK_EQ_INT(resolve("\\d\\.\\sub\\..\\rel", 0, TRUE, 4096, &iosb, out, &flags),
                 STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\d\\sub");
    CHECK_EQ_INT(resolve("\\..\\..\\d\\f", 0, TRUE, 4096, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\d\\f");
}

TEST(resolve_last_component)
{
    IO_STATUS_BLOCK iosb;
    char out[512];
    UINT32 flags;
    fake_volume = volume;

    CHECK_EQ_INT(resolve("\\d\\rel", 0, FALSE, 4096, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\d\\rel");
    CHECK_EQ_INT(resolve("\\d\\rel", 0, TRUE, 4096, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\d\\sub");
    /* A link met on the way is followed even when the last one is not:
     * c1 -> c2 -> d\rel, whose target's last component is rel again. */
    CHECK_EQ_INT(resolve("\\c1", 0, FALSE, 4096, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\c1");
    CHECK_EQ_INT(resolve("\\c1", 0, TRUE, 4096, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\d\\sub");
    CHECK_EQ_INT(resolve("\\c1\\q", 0, FALSE, 4096, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\d\\sub\\q");
    /* A missing last component is a result; a missing directory is not. */
    CHECK_EQ_INT(resolve("\\dangling", 0, TRUE, 4096, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\nothere");
    CHECK_EQ_INT(resolve("\\d\\new", 0, TRUE, 4096, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\d\\new");
    CHECK_EQ_INT(resolve("\\dangling\\x", 0, TRUE, 4096, &iosb, out, &flags),
                 STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK_EQ_INT(resolve("\\d\\f\\x\\y", 0, TRUE, 4096, &iosb, out, &flags),
                 STATUS_OBJECT_PATH_NOT_FOUND);
}

TEST(resolve_limits)
{
    IO_STATUS_BLOCK iosb;
    char out[512];
    UINT32 flags;
    fake_volume = volume;

    CHECK_EQ_INT(resolve("\\loop", 0, TRUE, 4096, &iosb, out, &flags),
                 STATUS_REPARSE_POINT_NOT_RESOLVED);
    CHECK_EQ_INT(resolve("\\ping\\x", 0, FALSE, 4096, &iosb, out, &flags),
                 STATUS_REPARSE_POINT_NOT_RESOLVED);
    /* The loop is never met when the last component is left alone. */
    CHECK_EQ_INT(resolve("\\loop", 0, FALSE, 4096, &iosb, out, &flags), STATUS_REPARSE);

    /* 31 links in a chain resolve; 32 do not. */
    static struct fake_entry chain[40];
    static char names[40][16], targets[40][16];
    for (int links = 31; links <= 32; links++) {
        int i;
        for (i = 0; i < links; i++) {
            snprintf(names[i], sizeof names[i], "\\n%d", i);
            snprintf(targets[i], sizeof targets[i], "n%d", i + 1);
            chain[i] = (struct fake_entry){names[i], 'l', targets[i], SYMLINK_FLAG_RELATIVE};
        }
        snprintf(names[i], sizeof names[i], "\\n%d", i);
        chain[i] = (struct fake_entry){names[i], 'f', NULL, 0};
        chain[i + 1] = (struct fake_entry){NULL, 0, NULL, 0};
        fake_volume = chain;
        NTSTATUS st = resolve("\\n0", 0, TRUE, 4096, &iosb, out, &flags);
        if (links == 31) {
            CHECK_EQ_INT(st, STATUS_REPARSE);
            CHECK_EQ_STR(out, "\\n31");
        } else {
            CHECK_EQ_INT(st, STATUS_REPARSE_POINT_NOT_RESOLVED);
        }
    }
    fake_volume = volume;

    /* The result must fit the buffer: 20 bytes of header plus the path and
     * its NUL. */
    CHECK_EQ_INT(resolve("\\c1", 0, TRUE, 20 + 7 * 2 - 1, &iosb, out, &flags),
                 STATUS_REPARSE_POINT_NOT_RESOLVED);
    CHECK_EQ_INT(resolve("\\c1", 0, TRUE, 20 + 7 * 2, &iosb, out, &flags), STATUS_REPARSE);
    CHECK_EQ_STR(out, "\\d\\sub");
    CHECK_EQ_INT(resolve("\\d\\x", 0, TRUE, 20 + 4 * 2, &iosb, out, &flags),
                 STATUS_REPARSE_POINT_NOT_RESOLVED);
}

TEST(resolve_other_tags)
{
    IO_STATUS_BLOCK iosb;
    char out[512];
    UINT32 size;
    fake_volume = volume;

    /* Any other reparse point is handed back as it is, with its tag. */
    CHECK_EQ_INT(resolve("\\cust\\a\\b", 0, TRUE, 4096, &iosb, out, &size), STATUS_REPARSE);
    CHECK_EQ_INT(iosb.Information, 0x9000101Au);
    CHECK_EQ_INT(size, 12);
    CHECK_EQ_INT(fsp_get_le32(out), 0x9000101Au);
    CHECK(memcmp(out + 8, "DATA", 4) == 0);
    /* A mount point tells in Reserved how much path is left after it. */
    CHECK_EQ_INT(resolve("\\mnt\\ab\\c", 0, TRUE, 4096, &iosb, out, &size), STATUS_REPARSE);
    CHECK_EQ_INT(iosb.Information, IO_REPARSE_TAG_MOUNT_POINT);
    CHECK_EQ_INT(fsp_get_le16(out + 6), 5 * 2);
    /* Reached through a symlink too; left alone as the last component. */
    CHECK_EQ_INT(resolve("\\tocust\\a", 0, FALSE, 4096, &iosb, out, &size), STATUS_REPARSE);
    CHECK_EQ_INT(iosb.Information, 0x9000101Au);
    CHECK_EQ_INT(resolve("\\cust", 0, FALSE, 4096, &iosb, out, &size), STATUS_REPARSE);
    CHECK_EQ_INT(iosb.Information, IO_REPARSE_TAG_SYMLINK);
    CHECK_EQ_STR(out, "\\cust");
}

static size_t guid_buffer(UINT32 tag, UINT8 guid_byte, UINT8 *buf)
{
    fsp_put_le32(buf, tag);
    fsp_put_le16(buf + 4, 3);
    fsp_put_le16(buf + 6, 0);
    memset(buf + 8, guid_byte, 16);
    memcpy(buf + 24, "abc", 3);
    return 27;
}

TEST(can_replace)
{
    UINT8 a[64], b[64];
    size_t na = make_symlink("x", SYMLINK_FLAG_RELATIVE, a);
    size_t nb = make_symlink("yy", 0, b);
    CHECK_EQ_INT(FspFileSystemCanReplaceReparsePoint(a, na, b, nb), STATUS_SUCCESS);
    fsp_put_le32(b, IO_REPARSE_TAG_MOUNT_POINT);
    CHECK_EQ_INT(FspFileSystemCanReplaceReparsePoint(a, na, b, nb), STATUS_IO_REPARSE_TAG_MISMATCH);
    CHECK_EQ_INT(FspFileSystemCanReplaceReparsePoint(a, 3, b, nb), STATUS_IO_REPARSE_DATA_INVALID);
    CHECK_EQ_INT(FspFileSystemCanReplaceReparsePoint(a, na, b, 0), STATUS_IO_REPARSE_DATA_INVALID);

    /* Third-party tags: the GUID must match too. */
    na = guid_buffer(0x00001234u, 7, a);
    nb = guid_buffer(0x00001234u, 7, b);
    memcpy(b + 24, "xyz", 3); /* the data may differ */
    CHECK_EQ_INT(FspFileSystemCanReplaceReparsePoint(a, na, b, nb), STATUS_SUCCESS);
    b[23] ^= 1;
    CHECK_EQ_INT(FspFileSystemCanReplaceReparsePoint(a, na, b, nb),
                 STATUS_REPARSE_ATTRIBUTE_CONFLICT);
    b[23] ^= 1;
    CHECK_EQ_INT(FspFileSystemCanReplaceReparsePoint(a, na, b, 20),
                 STATUS_REPARSE_ATTRIBUTE_CONFLICT);
    fsp_put_le32(b, 0x00001235u);
    CHECK_EQ_INT(FspFileSystemCanReplaceReparsePoint(a, na, b, nb), STATUS_IO_REPARSE_TAG_MISMATCH);
}

TEST(validate)
{
    UINT8 b[MAXIMUM_REPARSE_DATA_BUFFER_SIZE + 8];
    size_t n = make_symlink("target", SYMLINK_FLAG_RELATIVE, b);
    CHECK_EQ_INT(fsp_reparse_validate(b, n), STATUS_SUCCESS);
    CHECK_EQ_INT(fsp_reparse_validate(b, n - 1), STATUS_IO_REPARSE_DATA_INVALID);
    CHECK_EQ_INT(fsp_reparse_validate(b, n + 1), STATUS_IO_REPARSE_DATA_INVALID);
    CHECK_EQ_INT(fsp_reparse_validate(b, 7), STATUS_IO_REPARSE_DATA_INVALID);
    fsp_put_le16(b + 10, 100); /* a name past the data */
    CHECK_EQ_INT(fsp_reparse_validate(b, n), STATUS_IO_REPARSE_DATA_INVALID);
    fsp_put_le16(b + 10, 3); /* half a WCHAR */
    CHECK_EQ_INT(fsp_reparse_validate(b, n), STATUS_IO_REPARSE_DATA_INVALID);

    /* Microsoft tags: 8-byte header, any data. */
    fsp_put_le32(b, 0x80000023u);
    fsp_put_le16(b + 4, 0);
    CHECK_EQ_INT(fsp_reparse_validate(b, 8), STATUS_SUCCESS);
    /* Reserved tags and bits outside 0xF000FFFF. */
    for (UINT32 tag = 0; tag <= 2; tag++) {
        fsp_put_le32(b, tag);
        CHECK_EQ_INT(fsp_reparse_validate(b, 8), STATUS_IO_REPARSE_TAG_INVALID);
    }
    fsp_put_le32(b, 0x80010000u);
    CHECK_EQ_INT(fsp_reparse_validate(b, 8), STATUS_IO_REPARSE_TAG_INVALID);

    /* Third-party tags need the GUID, which ReparseDataLength does not count. */
    n = guid_buffer(0x00001234u, 1, b);
    CHECK_EQ_INT(fsp_reparse_validate(b, n), STATUS_SUCCESS);
    fsp_put_le16(b + 4, 0);
    CHECK_EQ_INT(fsp_reparse_validate(b, 24), STATUS_SUCCESS);
    CHECK_EQ_INT(fsp_reparse_validate(b, 8), STATUS_IO_REPARSE_DATA_INVALID);
    fsp_put_le16(b + 4, 19); /* counted as a Microsoft buffer would be */
    CHECK_EQ_INT(fsp_reparse_validate(b, 27), STATUS_IO_REPARSE_DATA_INVALID);

    /* At most 16 KiB. */
    fsp_put_le32(b, 0x80000023u);
    fsp_put_le16(b + 4, (UINT16)(MAXIMUM_REPARSE_DATA_BUFFER_SIZE - 8));
    CHECK_EQ_INT(fsp_reparse_validate(b, MAXIMUM_REPARSE_DATA_BUFFER_SIZE), STATUS_SUCCESS);
    fsp_put_le16(b + 4, (UINT16)(MAXIMUM_REPARSE_DATA_BUFFER_SIZE - 7));
    CHECK_EQ_INT(fsp_reparse_validate(b, MAXIMUM_REPARSE_DATA_BUFFER_SIZE + 1),
                 STATUS_IO_REPARSE_DATA_INVALID);
}

int main(void)
{
    RUN(nfs_layout);
    RUN(nfs_roundtrip);
    RUN(nfs_rejects);
    RUN(is_special);
    RUN(find_reparse_point);
    RUN(resolve_relative_and_absolute);
    RUN(resolve_last_component);
    RUN(resolve_limits);
    RUN(resolve_other_tags);
    RUN(can_replace);
    RUN(validate);
    return CHECK_DONE();
}
