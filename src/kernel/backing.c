/*
 * backing.c - FUSE passthrough: backing files registered with the kernel.
 *
 * With FUSE_PASSTHROUGH negotiated, a file system may answer OPEN or CREATE
 * with FOPEN_PASSTHROUGH and a backing id; the kernel then sends that open
 * file's reads, writes, splices and mmap straight to the backing file, and
 * the daemon sees no READ or WRITE for it. The id comes from an ioctl on the
 * session's /dev/fuse fd, which the kernel allows only with CAP_SYS_ADMIN.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kernel/internal.h"

static bool passthrough_on(struct fsp_session *se)
{
    return atomic_load_explicit(&se->got_init, memory_order_acquire) &&
           (se->conn.want & FUSE_PASSTHROUGH);
}

int fsp_session_backing_open(struct fsp_session *se, int fd)
{
    if (!passthrough_on(se))
        return -EOPNOTSUPP;
    if (fd < 0)
        return -EBADF;
    struct fuse_backing_map map;
    memset(&map, 0, sizeof(map));
    map.fd = fd;
    int id = ioctl(se->fd, FUSE_DEV_IOC_BACKING_OPEN, &map);
    if (id < 0) {
        int e = errno;
        if (fsp_debug(se))
            fsp_log("fsp: backing open of fd %d refused: %s", fd, strerror(e));
        return -e;
    }
    if (id == 0) /* never a valid id */
        return -EIO;
    if (fsp_debug(se))
        fsp_log("fsp: backing id %d for fd %d", id, fd);
    return id;
}

int fsp_session_backing_close(struct fsp_session *se, int backing_id)
{
    if (!passthrough_on(se))
        return -EOPNOTSUPP;
    uint32_t id = (uint32_t)backing_id;
    if (backing_id <= 0)
        return -EINVAL;
    if (ioctl(se->fd, FUSE_DEV_IOC_BACKING_CLOSE, &id) != 0)
        return -errno;
    if (fsp_debug(se))
        fsp_log("fsp: backing id %d closed", backing_id);
    return 0;
}

int fsp_open_out_passthrough(struct fsp_session *se, struct fuse_open_out *out, int backing_id)
{
    if (!passthrough_on(se) || backing_id <= 0)
        return -EOPNOTSUPP;
    out->open_flags |= FOPEN_PASSTHROUGH;
    out->backing_id = backing_id;
    return 0;
}
