/*
 * proc_cred.h - a requesting thread's credentials as /proc/<pid>/status
 * shows them: file-system uid and gid and the supplementary groups.
 *
 * The FUSE request header carries the caller's fsuid, fsgid and thread id
 * but not its groups; every adapter that needs them (fuse_req_getgroups,
 * the setgid rule, the native access checks) reads them here, so there is
 * one parser of that file.
 */
#ifndef FSP_KERNEL_PROC_CRED_H
#define FSP_KERNEL_PROC_CRED_H

#include <stddef.h>
#include <stdint.h>

struct fsp_proc_cred {
    uint32_t fsuid, fsgid; /* the fourth ids of the Uid: and Gid: lines */
    uint32_t *groups;      /* the Groups: line, malloc'd */
    size_t ngroups;
};

/* Reads thread pid's status. Returns 0 (free the groups with
 * fsp_proc_cred_free) or -errno: the open's error (ENOENT once the thread
 * is gone), -ENOMEM, or -EIO when a line is missing. The caller compares
 * fsuid with the request's: a thread id may be reused, or its credentials
 * changed, since the request was sent. */
int fsp_proc_cred_read(uint32_t pid, struct fsp_proc_cred *cred);
void fsp_proc_cred_free(struct fsp_proc_cred *cred);

#endif /* FSP_KERNEL_PROC_CRED_H */
