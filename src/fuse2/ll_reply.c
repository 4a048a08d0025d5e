/*
 * ll_reply.c - the FUSE 2 replies and request calls that differ from FUSE
 * 3's: open and create take FUSE 2's file info, the userdata is the FUSE 2
 * file system's, notifications name the mount by channel; and the 2.4
 * directory entry helpers.
 */
#include <errno.h>
#include <string.h>

#include "fuse2/fuse2_i.h"

/* What the file system may set in open/create, in FUSE 3's layout. */
static void fi3_of(struct fuse_file_info *fi3, const struct fuse2_file_info *fi2)
{
    memset(fi3, 0, sizeof(*fi3));
    fi3->flags = fi2->flags;
    fuse2_fi_to3(fi3, fi2);
}

FSP_FUSE_EXPORT int fuse2_reply_open(fuse_req_t req, const struct fuse2_file_info *fi)
{
    struct fuse_file_info fi3;
    fi3_of(&fi3, fi);
    return fsp3_fuse_reply_open(req, &fi3);
}

FSP_FUSE_EXPORT int fuse2_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
                                       const struct fuse2_file_info *fi)
{
    struct fuse_file_info fi3;
    fi3_of(&fi3, fi);
    return fsp3_fuse_reply_create(req, e, &fi3);
}

/* A high-level file system's requests carry its struct fuse (as in libfuse). */
FSP_FUSE_EXPORT void *fuse2_req_userdata(fuse_req_t req)
{
    struct fuse_session *se = req->se;
    void *ud = fsp3_fuse_req_userdata(req);
    if (se->cuse)
        return fuse2_cuse_userdata(se);
    return fuse2_is_ll_session(se) ? ((struct fuse2_ll *)ud)->userdata : ud;
}

/* --- Notifications ------------------------------------------------------------ */

/* The mounted session of a channel, or NULL (-ENOTCONN for the caller). */
static struct fuse_session *mounted(struct fuse_chan *ch)
{
    return ch ? ch->se : NULL;
}

FSP_FUSE_EXPORT int fuse2_lowlevel_notify_inval_inode(struct fuse_chan *ch, fuse_ino_t ino,
                                                      off_t off, off_t len)
{
    struct fuse_session *se = mounted(ch);
    return se ? fsp3_fuse_lowlevel_notify_inval_inode(se, ino, off, len) : -ENOTCONN;
}

FSP_FUSE_EXPORT int fuse2_lowlevel_notify_inval_entry(struct fuse_chan *ch, fuse_ino_t parent,
                                                      const char *name, size_t namelen)
{
    struct fuse_session *se = mounted(ch);
    return se ? fsp3_fuse_lowlevel_notify_inval_entry(se, parent, name, namelen) : -ENOTCONN;
}

FSP_FUSE_EXPORT int fuse2_lowlevel_notify_delete(struct fuse_chan *ch, fuse_ino_t parent,
                                                 fuse_ino_t child, const char *name, size_t namelen)
{
    struct fuse_session *se = mounted(ch);
    return se ? fsp3_fuse_lowlevel_notify_delete(se, parent, child, name, namelen) : -ENOTCONN;
}

FSP_FUSE_EXPORT int fuse2_lowlevel_notify_store(struct fuse_chan *ch, fuse_ino_t ino, off_t offset,
                                                struct fuse_bufvec *bufv,
                                                enum fuse_buf_copy_flags flags)
{
    struct fuse_session *se = mounted(ch);
    return se ? fsp3_fuse_lowlevel_notify_store(se, ino, offset, bufv, flags) : -ENOTCONN;
}

FSP_FUSE_EXPORT int fuse2_lowlevel_notify_retrieve(struct fuse_chan *ch, fuse_ino_t ino,
                                                   size_t size, off_t offset, void *cookie)
{
    struct fuse_session *se = mounted(ch);
    return se ? fsp3_fuse_lowlevel_notify_retrieve(se, ino, size, offset, cookie) : -ENOTCONN;
}

/* --- The 2.4 directory entry helpers ------------------------------------------------- */

FSP_FUSE_EXPORT size_t fuse2_dirent_size(size_t namelen)
{
    return FUSE_DIRENT_SIZE(namelen);
}

/* Writes the entry at buf (which must have room) and returns its end. */
FSP_FUSE_EXPORT char *fuse2_add_dirent(char *buf, const char *name, const struct stat *stbuf,
                                       off_t off)
{
    size_t size = FUSE_DIRENT_SIZE(strlen(name));
    return buf + fuse_add_direntry(NULL, buf, size, name, stbuf, off);
}

FUSE2_SYMBOL(fuse2_reply_open, fuse_reply_open, "FUSE_2.5");
FUSE2_SYMBOL(fuse2_reply_create, fuse_reply_create, "FUSE_2.5");
FUSE2_SYMBOL(fuse2_req_userdata, fuse_req_userdata, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_lowlevel_notify_inval_inode, fuse_lowlevel_notify_inval_inode, "FUSE_2.8");
FUSE2_SYMBOL(fuse2_lowlevel_notify_inval_entry, fuse_lowlevel_notify_inval_entry, "FUSE_2.8");
FUSE2_SYMBOL(fuse2_lowlevel_notify_delete, fuse_lowlevel_notify_delete, "FUSE_2.9");
FUSE2_SYMBOL(fuse2_lowlevel_notify_store, fuse_lowlevel_notify_store, "FUSE_2.9");
FUSE2_SYMBOL(fuse2_lowlevel_notify_retrieve, fuse_lowlevel_notify_retrieve, "FUSE_2.9");
FUSE2_SYMBOL(fuse2_dirent_size, fuse_dirent_size, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_add_dirent, fuse_add_dirent, "FUSE_2.4");
