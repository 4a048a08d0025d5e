/*
 * killpriv_rule.h - which of setuid/setgid Linux clears after a write,
 * truncation, O_TRUNC open or chown, for adapters that take the job over
 * from the kernel (FUSE_HANDLE_KILLPRIV_V2).
 *
 * One rule for every adapter: the native one (src/native/killpriv.c) and the
 * FUSE high-level layer (src/fuse/hl_killpriv.c) both ask here, so file
 * systems on either API clear the same bits as tmpfs.
 */
#ifndef FSP_KERNEL_KILLPRIV_RULE_H
#define FSP_KERNEL_KILLPRIV_RULE_H

#include <stdbool.h>
#include <stdint.h>

/* The event after which the bits may go. */
enum fsp_killpriv_event {
    FSP_KILLPRIV_WRITE,      /* WRITE with FUSE_WRITE_KILL_SUIDGID */
    FSP_KILLPRIV_TRUNCATE,   /* SETATTR(size) with FATTR_KILL_SUIDGID */
    FSP_KILLPRIV_OPEN_TRUNC, /* OPEN/CREATE(O_TRUNC) with FUSE_OPEN_KILL_SUIDGID */
    FSP_KILLPRIV_CHOWN,      /* SETATTR(uid/gid), also chown(f, -1, -1) */
};

/* Who caused it: the request header's ids and thread. */
struct fsp_killpriv_caller {
    uint32_t uid, gid, pid;
};

/* Is the caller in group gid: its fsgid, or one of the supplementary groups
 * of its thread (read from /proc; unknown counts as "not a member", which
 * errs towards clearing). */
bool fsp_killpriv_in_group(const struct fsp_killpriv_caller *who, uint32_t gid);

/* The kernel flags writes, truncations and O_TRUNC opens only for callers
 * without CAP_FSETID, so those are never privileged; a chown is flagged for
 * everyone, and only root is taken as privileged then. */
bool fsp_killpriv_privileged(enum fsp_killpriv_event ev, const struct fsp_killpriv_caller *who);

/* MODE with setuid/setgid dropped as the VFS drops them: setuid always;
 * setgid when the file is group-executable (without group execute it marks
 * mandatory locking, not privilege) or when the caller is neither in the
 * file's group (file_gid) nor privileged. A directory (when MODE carries the
 * file type) keeps both. Other bits are returned unchanged. */
uint32_t fsp_killpriv_kept(uint32_t mode, uint32_t file_gid, const struct fsp_killpriv_caller *who,
                           bool privileged);

/* fsp_killpriv_kept with the privilege that the event implies. */
uint32_t fsp_killpriv_rule(enum fsp_killpriv_event ev, uint32_t mode, uint32_t file_gid,
                           const struct fsp_killpriv_caller *who);

#endif /* FSP_KERNEL_KILLPRIV_RULE_H */
