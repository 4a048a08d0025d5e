/*
 * posixacl.h - POSIX ACLs (system.posix_acl_access / _default) as parts of
 * a security descriptor's DACL (posixacl.c). The mapping is described at the
 * top of posixacl.c.
 */
#ifndef FSP_NATIVE_POSIXACL_H
#define FSP_NATIVE_POSIXACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "native/security.h"

#ifndef STATUS_NOT_FOUND
#define STATUS_NOT_FOUND ((NTSTATUS)0xC0000225L)
#endif

/* Entry tags, as in the kernel's xattr format (include/uapi/linux/posix_acl.h). */
#define FSP_PACL_USER_OBJ  0x01
#define FSP_PACL_USER      0x02
#define FSP_PACL_GROUP_OBJ 0x04
#define FSP_PACL_GROUP     0x08
#define FSP_PACL_MASK      0x10
#define FSP_PACL_OTHER     0x20
#define FSP_PACL_VERSION   2
/* Entries one ACL may have here (the kernel allows more; a descriptor
 * holding more named entries than this answers E2BIG). */
#define FSP_PACL_MAX 256

/* Marks in ACE masks (bits no file right uses, so no access check sees them):
 * the ACE for the NULL SID that holds the mask, and a named entry's ACE that
 * is a group's where the SID alone does not tell (see posixacl.c). */
#define FSP_PACL_MASK_MARK  0x00004000u
#define FSP_PACL_GROUP_MARK 0x00008000u
/* An entry's own permissions, before the mask: rwx in bits 9-11 with
 * FSP_PACL_PERM_MARK, in a named entry's allow ACE and (for group::) in
 * the mask ACE. */
#define FSP_PACL_PERM_MARK  0x00001000u
#define FSP_PACL_PERM_SHIFT 9

/* Is this the ACE that holds the mask of the access ACL (dflt false) or of
 * the default ACL (dflt true)? */
bool fsp_pacl_is_mask_ace(const FSP_ACE *ace, bool dflt);

struct fsp_pacl_entry {
    uint16_t tag, perm; /* perm: rwx as 4/2/1 */
    uint32_t id;        /* USER and GROUP only */
};

/* An ACL in the kernel's canonical order: USER_OBJ, USER (ids ascending),
 * GROUP_OBJ, GROUP (ids ascending), MASK, OTHER. */
struct fsp_pacl {
    unsigned count;
    struct fsp_pacl_entry e[FSP_PACL_MAX];
};

/* The xattr value (little-endian header + entries) <-> an ACL. from_xattr
 * checks what the kernel checks (posix_acl_valid) and sorts; -EINVAL if the
 * value is not a valid ACL, -E2BIG beyond FSP_PACL_MAX. to_xattr returns the
 * size needed and writes only if it fits in size. */
int fsp_pacl_from_xattr(const void *value, size_t size, struct fsp_pacl *acl);
size_t fsp_pacl_to_xattr(const struct fsp_pacl *acl, void *buf, size_t size);

/* The access ACL (dflt false) or the default ACL (dflt true) a descriptor
 * holds. STATUS_NOT_FOUND when there is none: no named entries and no mask
 * (the mode says everything), or no inheritable ACEs. */
NTSTATUS fsp_pacl_from_sd(const void *sd, size_t len, bool dflt, struct fsp_pacl *acl);
/* sd with its access or default ACL replaced by acl (NULL: removed), as a
 * malloc'd descriptor. Setting the access ACL sets the mode bits too. */
NTSTATUS fsp_pacl_to_sd(const void *sd, size_t len, bool dflt, const struct fsp_pacl *acl,
                        PSECURITY_DESCRIPTOR *psd, size_t *plen);
/* chmod/chown of a descriptor with an extended access ACL (a mask ACE): the
 * mode's group bits become the mask, as on Linux. Same contract as
 * fsp_posix_perms_to_sd, which calls it. */
NTSTATUS fsp_pacl_merge_perms(uint32_t uid, uint32_t gid, uint32_t mode, const void *existing,
                              size_t existing_len, PSECURITY_DESCRIPTOR *psd, size_t *plen);
/* The descriptor of a new file or directory made with mode (umask not
 * applied) under a parent whose descriptor holds a default ACL: the POSIX
 * rules (the default ACL masked by the mode; a directory also inherits the
 * default ACL). STATUS_NOT_FOUND when the parent has no default ACL. */
NTSTATUS fsp_pacl_inherit(const void *parent, size_t parent_len, uint32_t uid, uint32_t gid,
                          uint32_t mode, bool dir, PSECURITY_DESCRIPTOR *psd, size_t *plen);

/* --- The xattr requests (ops_posixacl.c) -------------------------------------- */
/* Like the winattr.h hooks: false when name is not a POSIX ACL name, true
 * when the request has been answered. */
struct fsp_req;
struct fsp_native;
bool fsp_posixacl_supported(struct fsp_native *nt);
bool fsp_posixacl_get(struct fsp_req *req, const char *name, uint32_t size);
/* kill_sgid: the kernel's FUSE_SETXATTR_ACL_KILL_SGID (clear setgid too). */
bool fsp_posixacl_set(struct fsp_req *req, const char *name, const void *value, size_t size,
                      bool kill_sgid);
bool fsp_posixacl_remove(struct fsp_req *req, const char *name);
/* For listxattr: the names of the ACLs the file has, NUL-terminated one
 * after the other, as tmpfs lists them (nothing without ACL support). */
#define FSP_PACL_LIST_MAX 64
NTSTATUS fsp_posixacl_list(struct fsp_req *req, char buf[FSP_PACL_LIST_MAX], size_t *plen);

#endif /* FSP_NATIVE_POSIXACL_H */
