/*
 * test_reparse.c - special files as IO_REPARSE_TAG_NFS reparse data.
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

int main(void)
{
    RUN(nfs_layout);
    RUN(nfs_roundtrip);
    RUN(nfs_rejects);
    RUN(is_special);
    return CHECK_DONE();
}
