/*
 * cuse.c - /dev/cuse and CUSE_INIT, the handshake of a character device server.
 *
 * On /dev/cuse the kernel opens with CUSE_INIT instead of FUSE_INIT; the
 * reply names the device (major, minor and "DEVNAME=..." among NUL-ended
 * info strings) and the sizes, and the kernel then creates the device and
 * sends its file operations as ordinary FUSE requests. Only the protocol
 * version, the sizes and CUSE_UNRESTRICTED_IOCTL are negotiated: none of
 * FUSE_INIT's feature flags apply to a device. The device is opened here
 * too (fsp_cuse_open), as mount.c opens /dev/fuse: no adapter touches the
 * kernel's devices itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/internal.h"

int fsp_cuse_open(void)
{
    int fd = open(FSP_CUSE_DEVICE, O_RDWR | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

int fsp_session_set_cuse(struct fsp_session *se, const struct fsp_cuse_info *ci)
{
    if (se->started || atomic_load(&se->got_init))
        return -EBUSY;
    if (!ci || ci->info_len > CUSE_INIT_INFO_MAX || (ci->info_len && !ci->info) ||
        (ci->info_len && ci->info[ci->info_len - 1] != '\0'))
        return -EINVAL;
    char *copy = malloc(ci->info_len ? ci->info_len : 1);
    if (!copy)
        return -ENOMEM;
    if (ci->info_len)
        memcpy(copy, ci->info, ci->info_len);
    free(se->cuse_strings);
    se->cuse_strings = copy;
    se->cuse_info = *ci;
    se->cuse_info.info = copy;
    se->cuse = true;
    return 0;
}

void fsp_do_cuse_init(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_session *se = req->se;
    struct fsp_conn *conn = &se->conn;
    struct cuse_init_in in;
    struct cuse_init_out out;

    memset(&in, 0, sizeof(in));
    memcpy(&in, arg, arglen < sizeof(in) ? arglen : sizeof(in));
    memset(&out, 0, sizeof(out));
    if (atomic_load(&se->got_init)) {
        fsp_log("fsp: second CUSE_INIT ignored");
        fsp_reply_err(req, EPROTO);
        return;
    }
    if (arglen < 8 || in.major != FUSE_KERNEL_VERSION) {
        fsp_log("fsp: CUSE protocol %u.%u not supported (need 7.x)", in.major, in.minor);
        fsp_reply_err(req, EPROTO);
        fsp_session_stop_async(se);
        return;
    }

    conn->proto_major = FUSE_KERNEL_VERSION;
    conn->proto_minor = in.minor < FSP_FUSE_MINOR ? in.minor : FSP_FUSE_MINOR;
    conn->kernel_flags = in.flags; /* CUSE_* flags, not FUSE_* ones */
    conn->want = 0;
    conn->max_write = se->max_write_cap;
    conn->max_readahead = 0;
    conn->max_pages = (uint16_t)(se->max_write_cap / 4096);
    conn->time_gran = 1;
    if (se->ops.init)
        se->ops.init(se->userdata, conn);
    /* Requests and READ replies must fit the buffers. */
    if (conn->max_write > se->max_write_cap || conn->max_write == 0)
        conn->max_write = se->max_write_cap;
    conn->want = se->cuse_info.flags & CUSE_UNRESTRICTED_IOCTL;

    out.major = FUSE_KERNEL_VERSION;
    out.minor = conn->proto_minor;
    out.flags = (uint32_t)conn->want;
    out.max_read = se->max_write_cap; /* a READ reply fits the scratch buffer */
    out.max_write = conn->max_write;
    out.dev_major = se->cuse_info.dev_major;
    out.dev_minor = se->cuse_info.dev_minor;
    if (fsp_debug(se))
        fsp_log("fsp: CUSE_INIT: kernel %u.%u flags=0x%x, using %u.%u flags=0x%x dev=%u:%u "
                "max_write=%u",
                in.major, in.minor, in.flags, out.major, out.minor, out.flags, out.dev_major,
                out.dev_minor, out.max_write);

    struct iovec iov[2] = {{&out, sizeof(out)},
                           {(void *)se->cuse_info.info, se->cuse_info.info_len}};
    atomic_store_explicit(&se->got_init, true, memory_order_release);
    int rc = fsp_reply_iov(req, iov, se->cuse_info.info_len ? 2 : 1);
    if (rc == 0 && se->ops.init_done)
        se->ops.init_done(se->userdata);
}
