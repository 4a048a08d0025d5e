/*
 * ops_posixacl.c - system.posix_acl_access and system.posix_acl_default on
 * the native adapter: the kernel asks for them (FUSE_POSIX_ACL) to check
 * permissions and for getfacl/setfacl; they are read from and written to the
 * file's security descriptor (posixacl.c). The VFS has already checked that
 * a setter owns the file, validated the ACL and refused default ACLs on
 * anything but directories; after a set it drops its cached attributes and
 * ACLs itself. The mode follows the access ACL (the descriptor holds both),
 * and setgid goes when the kernel says so (FUSE_SETXATTR_ACL_KILL_SGID).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "native.h"
#include "native/gate.h"
#include "native/posixacl.h"
#include "ops_util.h"

struct pa_call {
    bool dflt, set, kill_sgid;
    const struct fsp_pacl *acl; /* set: the new ACL, NULL to remove */
    uint8_t *out;               /* get: the xattr value (malloc'd) */
    size_t outlen;
};

static NTSTATUS pa_do(struct fsp_native *nt, PVOID ctx, struct pa_call *c)
{
    char sdbuf[1024];
    PSECURITY_DESCRIPTOR sd = NULL;
    NTSTATUS st = fsp_sd_query_open(nt, ctx, sdbuf, sizeof sdbuf, &sd);
    if (!NT_SUCCESS(st))
        return st;
    if (!sd)
        return STATUS_NOT_FOUND; /* no descriptor: the mode says everything */
    size_t len = fsp_sd_length(sd, FSP_SD_MAX_SIZE);
    if (!c->set) {
        struct fsp_pacl *acl = malloc(sizeof *acl);
        st = acl ? fsp_pacl_from_sd(sd, len, c->dflt, acl) : STATUS_INSUFFICIENT_RESOURCES;
        if (NT_SUCCESS(st)) {
            c->outlen = fsp_pacl_to_xattr(acl, NULL, 0);
            c->out = malloc(c->outlen);
            if (c->out)
                fsp_pacl_to_xattr(acl, c->out, c->outlen);
            else
                st = STATUS_INSUFFICIENT_RESOURCES;
        }
        free(acl);
    } else {
        PSECURITY_DESCRIPTOR nsd;
        size_t nlen;
        st = fsp_pacl_to_sd(sd, len, c->dflt, c->acl, &nsd, &nlen);
        uint32_t mode;
        if (NT_SUCCESS(st) && c->kill_sgid && !c->dflt &&
            NT_SUCCESS(fsp_posix_sd_to_perms(nsd, nlen, NULL, NULL, &mode)) && (mode & S_ISGID)) {
            PSECURITY_DESCRIPTOR killed;
            st = fsp_posix_perms_to_sd(0xffffffffu, 0xffffffffu, mode & ~(uint32_t)S_ISGID, nsd,
                                       nlen, &killed, NULL);
            free(nsd);
            nsd = NT_SUCCESS(st) ? killed : NULL;
        }
        if (NT_SUCCESS(st)) {
            fsp_guard_enter(nt, FSP_GUARD_NONE);
            st = nt->fs->Interface->SetSecurity(nt->fs, ctx, DACL_SECURITY_INFORMATION, nsd);
            fsp_guard_leave(nt, FSP_GUARD_NONE);
            free(nsd);
        }
    }
    fsp_sd_release(sd, sdbuf);
    return st;
}

/* Under the file's lock: shared to read, exclusive to change (the read and
 * the SetSecurity of a change must not interleave with another). */
static NTSTATUS pa_cb(struct fsp_native *nt, struct fsp_node *node, PVOID ctx, void *arg)
{
    struct pa_call *c = arg;
    if (c->set)
        pthread_rwlock_wrlock(&node->io_lock);
    else
        pthread_rwlock_rdlock(&node->io_lock);
    NTSTATUS st = pa_do(nt, ctx, c);
    pthread_rwlock_unlock(&node->io_lock);
    return st;
}

static bool pa_kind(const char *name, bool *dflt)
{
    if (!strcmp(name, "system.posix_acl_access"))
        *dflt = false;
    else if (!strcmp(name, "system.posix_acl_default"))
        *dflt = true;
    else
        return false;
    return true;
}

bool fsp_posixacl_supported(struct fsp_native *nt)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    return fi->Open && fi->GetSecurity && fi->SetSecurity;
}

bool fsp_posixacl_get(struct fsp_req *req, const char *name, uint32_t size)
{
    struct pa_call c = {.set = false};
    if (!pa_kind(name, &c.dflt))
        return false;
    if (!fsp_posixacl_supported(fsp_native_of(req))) {
        fsp_reply_err(req, EOPNOTSUPP);
        return true;
    }
    NTSTATUS st = fsp_with_file(req, READ_CONTROL, false, 0, pa_cb, &c);
    if (st == STATUS_NOT_FOUND)
        fsp_reply_err(req, ENODATA);
    else if (!NT_SUCCESS(st))
        fsp_reply_status(req, st);
    else
        fsp_reply_xattr(req, size, c.out, c.outlen);
    free(c.out);
    return true;
}

/* Probe both ACLs through one open and one read of the descriptor; names
 * of those present into buf. */
struct pa_list {
    char *buf;
    size_t len;
};

static NTSTATUS pa_list_cb(struct fsp_native *nt, struct fsp_node *node, PVOID ctx, void *arg)
{
    static const char *const names[2] = {"system.posix_acl_access", "system.posix_acl_default"};
    struct pa_list *l = arg;
    char sdbuf[1024];
    PSECURITY_DESCRIPTOR sd = NULL;
    struct fsp_pacl *acl = malloc(sizeof *acl);
    if (!acl)
        return STATUS_INSUFFICIENT_RESOURCES;
    pthread_rwlock_rdlock(&node->io_lock);
    NTSTATUS st = fsp_sd_query_open(nt, ctx, sdbuf, sizeof sdbuf, &sd);
    pthread_rwlock_unlock(&node->io_lock);
    size_t len = sd ? fsp_sd_length(sd, FSP_SD_MAX_SIZE) : 0;
    for (int i = 0; NT_SUCCESS(st) && sd && i < 2; i++) {
        NTSTATUS has = fsp_pacl_from_sd(sd, len, i == 1, acl);
        if (has == STATUS_NOT_FOUND)
            continue;
        if (!NT_SUCCESS(has)) {
            st = has;
            break;
        }
        size_t n = strlen(names[i]) + 1;
        memcpy(l->buf + l->len, names[i], n);
        l->len += n;
    }
    fsp_sd_release(sd, sdbuf);
    free(acl);
    return st;
}

NTSTATUS fsp_posixacl_list(struct fsp_req *req, char buf[FSP_PACL_LIST_MAX], size_t *plen)
{
    struct pa_list l = {buf, 0};
    *plen = 0;
    if (!fsp_posixacl_supported(fsp_native_of(req)))
        return STATUS_SUCCESS;
    NTSTATUS st = fsp_with_file(req, READ_CONTROL, false, 0, pa_list_cb, &l);
    *plen = l.len;
    return st;
}

static void pa_change(struct fsp_req *req, struct pa_call *c)
{
    struct fsp_native *nt = fsp_native_of(req);
    if (!fsp_posixacl_supported(nt))
        fsp_reply_err(req, EOPNOTSUPP);
    else if (nt->fs->VolumeParams.ReadOnlyVolume)
        fsp_reply_err(req, EROFS);
    else if (!NT_SUCCESS(fsp_gate_node(req, NULL, WRITE_DAC))) /* gate.c */
        fsp_reply_err(req, EPERM);
    else
        fsp_reply_status(req, fsp_with_file(req, READ_CONTROL | WRITE_DAC, true, 0, pa_cb, c));
}

bool fsp_posixacl_set(struct fsp_req *req, const char *name, const void *value, size_t size,
                      bool kill_sgid)
{
    struct pa_call c = {.set = true, .kill_sgid = kill_sgid};
    if (!pa_kind(name, &c.dflt))
        return false;
    struct fsp_pacl *acl = malloc(sizeof *acl);
    int err = acl ? fsp_pacl_from_xattr(value, size, acl) : -ENOMEM;
    if (err)
        fsp_reply_err(req, -err);
    else {
        c.acl = acl;
        pa_change(req, &c);
    }
    free(acl);
    return true;
}

bool fsp_posixacl_remove(struct fsp_req *req, const char *name)
{
    struct pa_call c = {.set = true, .acl = NULL};
    if (!pa_kind(name, &c.dflt))
        return false;
    pa_change(req, &c);
    return true;
}
