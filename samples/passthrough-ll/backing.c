/*
 * backing.c - -o passthrough: the kernel does the I/O of open regular files.
 *
 * With FUSE passthrough (kernel 6.9+, libfuse 3.17+'s fuse_passthrough_open)
 * an OPEN or CREATE reply may name a "backing file", a descriptor of the
 * source file registered with the kernel; the kernel then serves read,
 * write and mmap of that open file on the source directly, and no READ or
 * WRITE request reaches us.
 *
 * The kernel allows an inode one backing file at a time, so the first open
 * of an inode registers a backing id and every later open of the inode
 * reuses it while any is open; the last release drops it. An open that got
 * passthrough carries PT_FH_PASSTHROUGH in its fi->fh, which is how release
 * knows whether it held a share of the id.
 *
 * The kernel may refuse: not offered at INIT (old kernel), the writeback
 * cache asked for as well (the two exclude each other), no CAP_SYS_ADMIN
 * (EPERM: passthrough stops for the whole mount), or a source file on a
 * stack of file systems too deep (that file only). A refused file is served
 * the ordinary way, through READ and WRITE, with one message on stderr.
 *
 * Setuid and setgid. Before every write to a file the kernel must know
 * whether the write clears setuid, setgid or security.capability. Unless
 * the daemon takes that job (FUSE_HANDLE_KILLPRIV_V2, which also lets the
 * kernel remember per inode that there is nothing to clear: SB_NOSEC and
 * S_NOSEC), it asks with a GETXATTR of security.capability before each
 * write, and a passed-through write pays that round trip although its data
 * never comes here. So with passthrough we take KILLPRIV_V2: the source
 * clears security.capability itself on a write, a truncation or a chown,
 * and the daemon's WRITE, SETATTR and O_TRUNC paths already let the source
 * judge setuid/setgid with the caller's credentials (killpriv.c). Only a
 * passed-through write would escape, as the kernel writes the source with
 * our credentials and sends no kill request: so a file that has setuid or
 * setgid when opened is not passed through but served with direct I/O
 * (which may coexist with passed-through opens of the same inode). Known
 * gap: bits set by chmod while a passed-through open for writing exists
 * survive that open's later writes by other users.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "pt_ll.h"

#ifdef FUSE_CAP_PASSTHROUGH

void pt_backing_init(struct pt_fs *fs, struct fuse_conn_info *conn)
{
    if (!fs->passthrough)
        return;
    if (!(conn->capable & FUSE_CAP_PASSTHROUGH)) {
        fprintf(stderr, "passthrough-ll: the kernel does not offer passthrough; "
                        "files are served through READ and WRITE\n");
        fs->passthrough = false;
    } else if (conn->want & FUSE_CAP_WRITEBACK_CACHE) {
        fprintf(stderr, "passthrough-ll: passthrough and the writeback cache exclude "
                        "each other; passthrough not used\n");
        fs->passthrough = false;
    } else {
        conn->want |= FUSE_CAP_PASSTHROUGH;
#ifdef FUSE_CAP_HANDLE_KILLPRIV_V2
        if (conn->capable & FUSE_CAP_HANDLE_KILLPRIV_V2)
            conn->want |= FUSE_CAP_HANDLE_KILLPRIV_V2;
#endif
    }
}

/* Would a write by another user have to clear bits of this open file? */
static bool has_suid_sgid(int fd)
{
    struct stat st;
    return fstat(fd, &st) != 0 || (st.st_mode & (S_ISUID | S_ISGID));
}

/* Refusals that will not change for another file of this mount. */
static bool refusal_is_global(int err)
{
    return err == EPERM || err == EOPNOTSUPP || err == ENOSYS || err == ENOTCONN;
}

void pt_backing_attach(fuse_req_t req, struct pt_inode *in, struct fuse_file_info *fi)
{
    struct pt_fs *fs = pt_fs(req);
    if (fs->passthrough && has_suid_sgid(pt_fh_fd(fi))) {
        fi->direct_io = 1; /* WRITE reaches us: see "Setuid and setgid" above */
        return;
    }
    pthread_mutex_lock(&fs->backing_lock);
    int id = in->backing_id;
    if (id == 0 && fs->passthrough) {
        id = fuse_passthrough_open(req, pt_fh_fd(fi));
        if (id <= 0) {
            int err = errno;
            id = 0;
            if (refusal_is_global(err)) {
                fs->passthrough = false;
                fprintf(stderr,
                        "passthrough-ll: the kernel refuses backing files (%s); "
                        "files are served through READ and WRITE\n",
                        strerror(err));
            } else {
                fprintf(stderr, "passthrough-ll: no passthrough for this file (%s); serving it\n",
                        strerror(err));
            }
        } else {
            in->backing_id = id;
        }
    }
    if (id > 0) {
        in->backing_users++;
        fi->backing_id = id;
        fi->fh |= PT_FH_PASSTHROUGH;
        /* Pages cached by an earlier non-passthrough open must not be
         * served in place of the backing file's. */
        fi->keep_cache = 0;
        fi->direct_io = 0; /* the kernel refuses passthrough with direct_io */
    }
    pthread_mutex_unlock(&fs->backing_lock);
}

void pt_backing_detach(fuse_req_t req, struct pt_inode *in, const struct fuse_file_info *fi)
{
    if (!(fi->fh & PT_FH_PASSTHROUGH))
        return;
    struct pt_fs *fs = pt_fs(req);
    pthread_mutex_lock(&fs->backing_lock);
    if (--in->backing_users == 0) {
        /* Open files keep their backing file; this only drops the id. */
        fuse_passthrough_close(req, in->backing_id);
        in->backing_id = 0;
    }
    pthread_mutex_unlock(&fs->backing_lock);
}

#else /* a libfuse older than 3.17: no passthrough API */

void pt_backing_init(struct pt_fs *fs, struct fuse_conn_info *conn)
{
    (void)conn;
    if (fs->passthrough)
        fprintf(stderr, "passthrough-ll: built against a libfuse without passthrough "
                        "(3.17+); files are served through READ and WRITE\n");
    fs->passthrough = false;
}

void pt_backing_attach(fuse_req_t req, struct pt_inode *in, struct fuse_file_info *fi)
{
    (void)req, (void)in, (void)fi;
}

void pt_backing_detach(fuse_req_t req, struct pt_inode *in, const struct fuse_file_info *fi)
{
    (void)req, (void)in, (void)fi;
}

#endif
