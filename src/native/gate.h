/*
 * native/gate.h - the user-mode access gate: Windows' access check for the
 * rights POSIX rwx cannot express (gate_rule.c decides, gate.c runs it on
 * requests), and the Create request the adapter shows a file system through
 * FspFileSystemGetOperationContext (createreq.c).
 */
#ifndef FSP_NATIVE_GATE_H
#define FSP_NATIVE_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "native/security.h"

/* --- The rule (gate_rule.c): pure functions over descriptors and a token. -- */

/* Rights the gate asks about. */
#define FSP_GATE_RIGHTS                                                                  \
    (FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_EXECUTE | FILE_READ_EA | \
     FILE_WRITE_EA | FILE_DELETE_CHILD | FILE_WRITE_ATTRIBUTES | DELETE | WRITE_DAC | WRITE_OWNER)

/* Is the descriptor (len bytes, valid or not) one the POSIX mapping could have
 * written, so that the kernel's check on its mode and POSIX ACL already says
 * everything an access check would? (NULL: no descriptor, no restrictions.) */
bool fsp_gate_sd_posix_exact(const void *sd, size_t len);
/* The same for a descriptor known to be valid (fsp_sd_length said so). */
bool fsp_gate_sd_posix_exact_valid(const void *sd, size_t len);

/* One object as the gate sees it: its descriptor (NULL: none) and whether
 * it is POSIX-exact. */
struct fsp_gate_obj {
    const void *sd;
    size_t len;
    bool exact;
};

/* May the caller (uid, token t) have `rights` on obj? STATUS_SUCCESS or
 * STATUS_ACCESS_DENIED. uid 0 and POSIX-exact objects pass without a look at
 * the token (which may then be NULL). */
NTSTATUS fsp_gate_decide(uint32_t uid, const FSP_TOKEN *t, const struct fsp_gate_obj *obj,
                         uint32_t rights);
/* May the caller delete obj from the directory parent? Windows' rule: DELETE
 * on obj, or FILE_DELETE_CHILD on parent. Passes at once for uid 0 and when
 * both are POSIX-exact (then the kernel's directory rule is the rule). */
NTSTATUS fsp_gate_decide_delete(uint32_t uid, const FSP_TOKEN *t, const struct fsp_gate_obj *obj,
                                const struct fsp_gate_obj *parent);
/* Would fsp_gate_decide need the token? */
static inline bool fsp_gate_needs_check(uint32_t uid, bool exact)
{
    return uid != 0 && !exact;
}

/* --- Running it on requests (gate.c) ----------------------------------------- */

struct fsp_native;
struct fsp_node;
struct fsp_req;

/* What fsp_node.gate holds: nothing known yet, or the verdict of
 * fsp_gate_sd_posix_exact on the node's descriptor as last seen. */
enum { FSP_GATE_UNKNOWN, FSP_GATE_EXACT, FSP_GATE_WINDOWS };

/* Is the gate on for this volume (GetSecurityByName, as WinFsp's DLL needs)? */
bool fsp_gate_on(struct fsp_native *nt);
/* The node's descriptor was just read (attr.c): remember whether it is exact. */
void fsp_gate_note(struct fsp_native *nt, struct fsp_node *node, const void *sd);
/* The node's descriptor may have changed: look again next time. */
void fsp_gate_forget(struct fsp_node *node);
/* `rights` on the request's node (or `node` when not NULL). */
NTSTATUS fsp_gate_node(struct fsp_req *req, struct fsp_node *node, uint32_t rights);
/* Adding an entry to dir: FILE_ADD_SUBDIRECTORY for a directory, else
 * FILE_ADD_FILE. */
NTSTATUS fsp_gate_add(struct fsp_req *req, struct fsp_node *dir, bool subdir);
/* Removing (dir, name), for unlink, rmdir and both ends of a rename. A name
 * that does not exist passes (the operation reports that). */
NTSTATUS fsp_gate_remove(struct fsp_req *req, struct fsp_node *dir, const WCHAR *name,
                         size_t namelen);
/* RENAME: remove the source, add to the target directory, and remove an
 * existing target (which ReplaceIfExists deletes). */
NTSTATUS fsp_gate_rename(struct fsp_req *req, struct fsp_node *olddir, const WCHAR *oldname,
                         size_t oldlen, struct fsp_node *newdir, const WCHAR *newname,
                         size_t newlen);
/* SETATTR: WRITE_DAC for a mode, WRITE_OWNER for an owner or group,
 * FILE_WRITE_DATA for a size (by name), FILE_WRITE_ATTRIBUTES for times. A
 * refusal of the first two, or of times set explicitly, is EPERM as Linux
 * answers a non-owner (STATUS_PRIVILEGE_NOT_HELD); the rest EACCES. */
NTSTATUS fsp_gate_setattr(struct fsp_req *req, uint32_t valid);

/* --- The Create request (createreq.c) ---------------------------------------- */

/* Room for a request with the longest path. */
#define FSP_CREATE_REQ_SIZE (sizeof(FSP_FSCTL_TRANSACT_REQ) + (4096 + 1) * sizeof(WCHAR))
struct fsp_create_req {
    _Alignas(8) uint8_t buf[FSP_CREATE_REQ_SIZE];
};

/* Fill a Create request for path (len WCHARs) as WinFsp's FSD would for the
 * caller of req: CreateOptions with the disposition in the high byte,
 * FileAttributes, AccessToken (pid << 32 | uid), DesiredAccess and
 * GrantedAccess, ShareAccess, privilege bits, CaseSensitive, NamedStream and
 * the name. Returns the request, to hand to fsp_opctx_set. */
FSP_FSCTL_TRANSACT_REQ *fsp_create_req_fill(struct fsp_create_req *cr, struct fsp_native *nt,
                                            struct fsp_req *req, const WCHAR *path, size_t len,
                                            uint32_t create_options, uint32_t attributes,
                                            uint32_t desired, uint32_t granted);
/* The same for an open of node by its path (NULL if it has none). */
FSP_FSCTL_TRANSACT_REQ *fsp_create_req_of_node(struct fsp_create_req *cr, struct fsp_native *nt,
                                               struct fsp_req *req, struct fsp_node *node,
                                               uint32_t create_options, uint32_t desired,
                                               uint32_t granted);
/* The disposition (FILE_OPEN ... FILE_OVERWRITE_IF) an open(2) with these
 * flags asks for. */
uint32_t fsp_disposition_of_flags(uint32_t flags);

#endif /* FSP_NATIVE_GATE_H */
