/*
 * native/access.c - access tokens, Windows' access check, and the
 * FspAccessCheckEx that WinFsp's DLL runs on Create.
 *
 * Tokens
 * ======
 * FSP's requests carry no Windows token: Req.Create.AccessToken is
 * (pid << 32) | uid of the caller. The token is built from that: the user SID
 * is the uid's (posixsec.c mapping), the primary group and the member groups
 * are the process's fs gid and supplementary groups from /proc/<pid>/status
 * when that process still runs as uid (else the user's groups from the group
 * database), plus Everyone, and for every uid but 65534 (nobody)
 * Authenticated Users and Users; uid 0 is a member of Administrators.
 * Privileges come from the request's HasTraversePrivilege /
 * HasBackupPrivilege / HasRestorePrivilege bits (the adapter decides who has
 * them); backup and restore count only with FILE_OPEN_FOR_BACKUP_INTENT.
 *
 * The access check
 * ================
 * fsp_access_check follows Windows:
 * - desired generic rights are mapped; ACCESS_SYSTEM_SECURITY needs the
 *   security (or backup/restore) privilege, WRITE_OWNER is granted by the
 *   take-ownership privilege, and backup/restore grant their rights before
 *   the DACL is looked at;
 * - no DACL or a NULL DACL grants everything (GenericAll for
 *   MAXIMUM_ALLOWED); an empty DACL grants nothing but the owner's rights;
 * - the owner (user or a group of the token) is implicitly granted
 *   READ_CONTROL | WRITE_DAC, unless an effective ACE for OWNER RIGHTS
 *   (S-1-3-4) is present: then those ACEs apply to the owner instead;
 * - ACCESS_ALLOWED and ACCESS_DENIED ACEs whose SID is in the token are
 *   taken in order, inherit-only ACEs skipped, other ACE types ignored. A
 *   deny ACE for a right not yet granted denies the request at once (so a
 *   deny before an allow wins, an allow before a deny wins);
 * - MAXIMUM_ALLOWED collects every right allowed before being denied; the
 *   request fails if nothing at all (or not every other desired right) is
 *   granted.
 * Generic rights inside ACE masks are mapped as well: Windows maps them when
 * a descriptor is assigned, but descriptors a file system writes in SDDL by
 * hand ("(A;;GA;;;WD)") would otherwise grant nothing.
 *
 * FspAccessCheckEx
 * ================
 * Like WinFsp's DLL on Create: with GetSecurityByName (without it everything
 * is granted), for the name "\a\b\c":
 * 1. traverse: unless AllowTraverseCheck is FALSE or the caller has the
 *    traverse privilege, FILE_TRAVERSE on "\", "\a" and "\a\b" (only "\" and
 *    "\a" with CheckParentOrMain). A missing or non-directory component is
 *    STATUS_OBJECT_PATH_NOT_FOUND;
 * 2. the object: the name, or its parent "\a\b" with CheckParentOrMain (a
 *    missing or non-directory parent is STATUS_OBJECT_PATH_NOT_FOUND). On the
 *    name itself: FILE_DIRECTORY_FILE on a file is STATUS_NOT_A_DIRECTORY,
 *    FILE_NON_DIRECTORY_FILE on a directory STATUS_FILE_IS_A_DIRECTORY; a
 *    read-only file refuses FILE_WRITE_DATA / FILE_APPEND_DATA
 *    (STATUS_ACCESS_DENIED) and FILE_DELETE_ON_CLOSE (STATUS_CANNOT_DELETE);
 * 3. DELETE is also granted when the parent grants FILE_DELETE_CHILD, and
 *    FILE_READ_ATTRIBUTES when it grants FILE_LIST_DIRECTORY (Windows' rules).
 * STATUS_REPARSE from GetSecurityByName is returned with the reparse point
 * index in *PGrantedAccess; STATUS_BUFFER_OVERFLOW makes us retry with the
 * size the file system asked for.
 */
#include "kernel/proc_cred.h"
#include "native/security.h"
#include "native/utf.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const uint8_t fsp_sid_creator_owner[12] = {1, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0};
const uint8_t fsp_sid_creator_group[12] = {1, 1, 0, 0, 0, 0, 0, 3, 1, 0, 0, 0};
const uint8_t fsp_sid_owner_rights[12] = {1, 1, 0, 0, 0, 0, 0, 3, 4, 0, 0, 0};
const uint8_t fsp_sid_system[12] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
static const uint8_t sid_authenticated[12] = {1, 1, 0, 0, 0, 0, 0, 5, 11, 0, 0, 0};
static const uint8_t sid_users[16] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x21, 2, 0, 0};
static const uint8_t sid_admins[16] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0};

static const GENERIC_MAPPING file_mapping = {
    FILE_GENERIC_READ,
    FILE_GENERIC_WRITE,
    FILE_GENERIC_EXECUTE,
    FILE_ALL_ACCESS,
};

FSP_API PGENERIC_MAPPING FspGetFileGenericMapping(VOID)
{
    return (PGENERIC_MAPPING)&file_mapping;
}

uint32_t fsp_map_generic(uint32_t mask, const GENERIC_MAPPING *map)
{
    if (mask & GENERIC_READ)
        mask |= map->GenericRead;
    if (mask & GENERIC_WRITE)
        mask |= map->GenericWrite;
    if (mask & GENERIC_EXECUTE)
        mask |= map->GenericExecute;
    if (mask & GENERIC_ALL)
        mask |= map->GenericAll;
    return mask & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
}

/* --- Tokens ------------------------------------------------------------------------- */

void fsp_token_init(FSP_TOKEN *t, const void *user, const void *group)
{
    memset(t, 0, sizeof *t);
    memcpy(t->user, user, fsp_sid_length(user));
    memcpy(t->group, group, fsp_sid_length(group));
}

bool fsp_token_add_group(FSP_TOKEN *t, const void *sid)
{
    for (size_t i = 0; i < t->ngroups; i++)
        if (fsp_sid_equal(t->groups[i], sid))
            return true;
    if (t->ngroups == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        void *ng = realloc(t->groups, cap * sizeof t->groups[0]);
        if (!ng)
            return false;
        t->groups = ng;
        t->cap = cap;
    }
    memcpy(t->groups[t->ngroups++], sid, fsp_sid_length(sid));
    return true;
}

bool fsp_token_has_sid(const FSP_TOKEN *t, const void *sid)
{
    if (fsp_sid_equal(t->user, sid))
        return true;
    for (size_t i = 0; i < t->ngroups; i++)
        if (fsp_sid_equal(t->groups[i], sid))
            return true;
    return false;
}

void fsp_token_free(FSP_TOKEN *t)
{
    free(t->groups);
    t->groups = NULL;
    t->ngroups = t->cap = 0;
}

NTSTATUS fsp_token_from_ids(FSP_TOKEN *t, uint32_t uid, uint32_t gid, const uint32_t *groups,
                            size_t n)
{
    uint8_t user[FSP_SID_MAX_SIZE], group[FSP_SID_MAX_SIZE], sid[FSP_SID_MAX_SIZE];
    memset(t, 0, sizeof *t);
    if (!fsp_posix_uid_to_sid(uid, user))
        return STATUS_INVALID_PARAMETER;
    if (!fsp_posix_gid_to_sid(gid, group))
        memcpy(group, fsp_sid_nobody, sizeof fsp_sid_nobody);
    fsp_token_init(t, user, group);
    bool ok = fsp_token_add_group(t, group);
    for (size_t i = 0; i < n && ok; i++)
        if (fsp_posix_gid_to_sid(groups[i], sid))
            ok = fsp_token_add_group(t, sid);
    ok = ok && fsp_token_add_group(t, fsp_sid_everyone);
    if (uid != FSP_POSIX_ID_NOBODY)
        ok = ok && fsp_token_add_group(t, sid_authenticated) && fsp_token_add_group(t, sid_users);
    if (uid == 0)
        ok = ok && fsp_token_add_group(t, sid_admins);
    if (!ok) {
        fsp_token_free(t);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    return STATUS_SUCCESS;
}

/* gid and supplementary groups of pid if its fs uid is uid. *pgroups is malloc'd. */
static bool proc_groups(uint32_t pid, uint32_t uid, uint32_t *pgid, uint32_t **pgroups, size_t *pn)
{
    struct fsp_proc_cred cred;

    *pgroups = NULL;
    *pn = 0;
    if (!pid || fsp_proc_cred_read(pid, &cred) < 0)
        return false;
    if (cred.fsuid != uid) {
        fsp_proc_cred_free(&cred);
        return false;
    }
    *pgid = cred.fsgid;
    *pgroups = cred.groups; /* handed over: the caller frees it */
    *pn = cred.ngroups;
    return true;
}

/* uid's primary gid and groups from the user database. *pgroups is malloc'd. */
static bool db_groups(uint32_t uid, uint32_t *pgid, uint32_t **pgroups, size_t *pn)
{
    struct passwd pw, *res = NULL;
    char *buf = NULL;
    size_t size = 1024;
    bool ok = false;

    *pgroups = NULL;
    *pn = 0;
    for (;;) {
        char *nb = realloc(buf, size);
        if (!nb)
            break;
        buf = nb;
        int e = getpwuid_r((uid_t)uid, &pw, buf, size, &res);
        if (e == ERANGE && size < (1u << 20)) {
            size *= 2;
            continue;
        }
        if (e || !res)
            break;
        *pgid = (uint32_t)pw.pw_gid;
        int n = 32;
        for (int tries = 0; tries < 8; tries++) {
            gid_t *g = malloc((size_t)n * sizeof *g);
            if (!g)
                break;
            int want = n;
            if (getgrouplist(pw.pw_name, pw.pw_gid, g, &want) >= 0) {
                *pgroups = malloc(((size_t)want + 1) * sizeof **pgroups);
                if (*pgroups) {
                    for (int i = 0; i < want; i++)
                        (*pgroups)[i] = (uint32_t)g[i];
                    *pn = (size_t)want;
                    ok = true;
                }
                free(g);
                break;
            }
            free(g);
            n = want > n ? want : 2 * n;
        }
        break;
    }
    free(buf);
    return ok;
}

NTSTATUS fsp_token_from_access_token(FSP_TOKEN *t, uint64_t access_token)
{
    uint32_t pid = (uint32_t)(access_token >> 32), uid = (uint32_t)access_token;
    uint32_t gid = FSP_POSIX_ID_NOBODY, *groups = NULL;
    size_t n = 0;
    if (!proc_groups(pid, uid, &gid, &groups, &n) && !db_groups(uid, &gid, &groups, &n))
        gid = FSP_POSIX_ID_NOBODY;
    NTSTATUS st = fsp_token_from_ids(t, uid, gid, groups, n);
    free(groups);
    return st;
}

/* --- The access check ----------------------------------------------------------------- */

static bool ace_effective(const FSP_ACE *ace)
{
    return (ace->type == ACCESS_ALLOWED_ACE_TYPE || ace->type == ACCESS_DENIED_ACE_TYPE) &&
           ace->sid && !(ace->flags & INHERIT_ONLY_ACE);
}

/* Does an effective ACE's SID name the caller? */
static bool ace_matches(const FSP_ACE *ace, const FSP_TOKEN *t, bool is_owner)
{
    if (is_owner && fsp_sid_equal(ace->sid, fsp_sid_owner_rights))
        return true;
    return fsp_token_has_sid(t, ace->sid);
}

NTSTATUS fsp_access_check(const void *sd, size_t len, const FSP_TOKEN *token, uint32_t desired,
                          const GENERIC_MAPPING *map, uint32_t *pgranted)
{
    *pgranted = 0;
    if (!fsp_sd_valid(sd, len))
        return STATUS_INVALID_SECURITY_DESCR;
    bool max = (desired & MAXIMUM_ALLOWED) != 0;
    uint32_t want = fsp_map_generic(desired & ~MAXIMUM_ALLOWED, map), granted = 0;
    uint32_t privs = token->privileges;

    /* Privileges first: nothing in the DACL takes these away. */
    if (want & ACCESS_SYSTEM_SECURITY) {
        if (!(privs & (FSP_PRIV_SECURITY | FSP_PRIV_BACKUP | FSP_PRIV_RESTORE)))
            return STATUS_PRIVILEGE_NOT_HELD;
        granted |= ACCESS_SYSTEM_SECURITY;
    }
    if (privs & FSP_PRIV_TAKE_OWNERSHIP)
        granted |= WRITE_OWNER & (max ? ~0u : want);
    if (privs & FSP_PRIV_BACKUP)
        granted |= FSP_BACKUP_RIGHTS & ~ACCESS_SYSTEM_SECURITY & (max ? ~0u : want);
    if (privs & FSP_PRIV_RESTORE)
        granted |= FSP_RESTORE_RIGHTS & ~ACCESS_SYSTEM_SECURITY & (max ? ~0u : want);

    bool present;
    const void *dacl = fsp_sd_dacl(sd, len, &present);
    if (!dacl) {
        granted |= want | (max ? map->GenericAll : 0);
        *pgranted = granted;
        return STATUS_SUCCESS;
    }

    const void *owner = fsp_sd_owner(sd, len);
    bool is_owner = owner && fsp_token_has_sid(token, owner), owner_rights_ace = false;
    FSP_ACL_ITER it;
    FSP_ACE ace;
    if (is_owner) {
        fsp_acl_iter_init(&it, dacl);
        while (fsp_acl_iter_next(&it, &ace))
            if (ace_effective(&ace) && fsp_sid_equal(ace.sid, fsp_sid_owner_rights))
                owner_rights_ace = true;
    }
    if (is_owner && !owner_rights_ace)
        granted |= (READ_CONTROL | WRITE_DAC) & (max ? ~0u : want);

    if (max) {
        uint32_t denied = 0;
        fsp_acl_iter_init(&it, dacl);
        while (fsp_acl_iter_next(&it, &ace)) {
            if (!ace_effective(&ace) || !ace_matches(&ace, token, is_owner))
                continue;
            uint32_t m = fsp_map_generic(ace.mask, map);
            if (ace.type == ACCESS_ALLOWED_ACE_TYPE)
                granted |= m & ~denied;
            else
                denied |= m & ~granted;
        }
        if (!granted || (want & ~granted))
            return STATUS_ACCESS_DENIED;
        *pgranted = granted;
        return STATUS_SUCCESS;
    }

    uint32_t remaining = want & ~granted;
    fsp_acl_iter_init(&it, dacl);
    while (remaining && fsp_acl_iter_next(&it, &ace)) {
        if (!ace_effective(&ace) || !ace_matches(&ace, token, is_owner))
            continue;
        uint32_t m = fsp_map_generic(ace.mask, map);
        if (ace.type == ACCESS_DENIED_ACE_TYPE) {
            if (m & remaining)
                return STATUS_ACCESS_DENIED;
        } else
            remaining &= ~m;
    }
    if (remaining)
        return STATUS_ACCESS_DENIED;
    *pgranted = want;
    return STATUS_SUCCESS;
}

/* --- FspAccessCheckEx ----------------------------------------------------------------- */

/* GetSecurityByName with the retry WinFsp does on STATUS_BUFFER_OVERFLOW.
 * *psd is malloc'd (NULL if the file system gave no descriptor). */
static NTSTATUS get_security(FSP_FILE_SYSTEM *fs, PWSTR name, UINT32 *pattrs, void **psd,
                             size_t *plen)
{
    SIZE_T size = 1024;
    *psd = NULL;
    *plen = 0;
    for (int tries = 0; tries < 4; tries++) {
        void *buf = malloc(size);
        if (!buf)
            return STATUS_INSUFFICIENT_RESOURCES;
        SIZE_T got = size;
        *pattrs = 0;
        NTSTATUS st = fs->Interface->GetSecurityByName(fs, name, pattrs, buf, &got);
        if (st == STATUS_BUFFER_OVERFLOW && got > size && got <= FSP_SD_MAX_SIZE) {
            free(buf);
            size = got;
            continue;
        }
        if (!NT_SUCCESS(st) || st == STATUS_REPARSE) {
            free(buf);
            return st;
        }
        if (got == 0 || got > size) {
            free(buf); /* no descriptor: no restrictions */
            return st;
        }
        if (!fsp_sd_valid(buf, got)) {
            free(buf);
            return STATUS_INVALID_SECURITY_DESCR;
        }
        *psd = buf;
        *plen = got;
        return st;
    }
    return STATUS_BUFFER_OVERFLOW;
}

/* Check one object's descriptor (NULL: no restrictions). */
static NTSTATUS check_sd(const void *sd, size_t len, const FSP_TOKEN *token, uint32_t desired,
                         uint32_t *pgranted)
{
    if (!sd) {
        *pgranted =
            desired & MAXIMUM_ALLOWED ? FILE_ALL_ACCESS : fsp_map_generic(desired, &file_mapping);
        return STATUS_SUCCESS;
    }
    return fsp_access_check(sd, len, token, desired, &file_mapping, pgranted);
}

struct check_ctx {
    FSP_FILE_SYSTEM *fs;
    FSP_TOKEN token;
    PWSTR path; /* a modifiable copy of the name */
    size_t len; /* in WCHARs */
    UINT32 reparse_index;
};

/* GetSecurityByName on path[0..n) (n == 0 is the root). */
static NTSTATUS get_prefix(struct check_ctx *c, size_t n, UINT32 *pattrs, void **psd, size_t *plen)
{
    WCHAR saved = c->path[n ? n : 1];
    c->path[n ? n : 1] = 0;
    NTSTATUS st = get_security(c->fs, c->path, pattrs, psd, plen);
    c->path[n ? n : 1] = saved;
    if (st == STATUS_REPARSE)
        c->reparse_index = *pattrs;
    return st;
}

/* Offset of the separator before the last component (0: under the root). */
static size_t parent_end(const WCHAR *path, size_t len)
{
    size_t i = len;
    while (i > 0 && path[i - 1] == '\\')
        i--;
    while (i > 0 && path[i - 1] != '\\')
        i--;
    return i > 0 ? i - 1 : 0;
}

/* FILE_TRAVERSE on every directory strictly above path[0..end). */
static NTSTATUS traverse(struct check_ctx *c, size_t end)
{
    for (size_t i = 0; i < end; i++) {
        if (c->path[i] != '\\' || (i > 0 && c->path[i - 1] == '\\'))
            continue;
        UINT32 attrs, granted;
        void *sd;
        size_t len;
        NTSTATUS st = get_prefix(c, i, &attrs, &sd, &len);
        if (st == STATUS_OBJECT_NAME_NOT_FOUND)
            return STATUS_OBJECT_PATH_NOT_FOUND;
        if (!NT_SUCCESS(st) || st == STATUS_REPARSE)
            return st;
        if (!(attrs & FILE_ATTRIBUTE_DIRECTORY))
            st = STATUS_OBJECT_PATH_NOT_FOUND;
        else
            st = check_sd(sd, len, &c->token, FILE_TRAVERSE, &granted);
        free(sd);
        if (!NT_SUCCESS(st))
            return st == STATUS_PRIVILEGE_NOT_HELD ? STATUS_ACCESS_DENIED : st;
    }
    return STATUS_SUCCESS;
}

FSP_API NTSTATUS FspAccessCheckEx(FSP_FILE_SYSTEM *FileSystem, FSP_FSCTL_TRANSACT_REQ *Request,
                                  BOOLEAN CheckParentOrMain, BOOLEAN AllowTraverseCheck,
                                  UINT32 DesiredAccess, PUINT32 PGrantedAccess,
                                  PSECURITY_DESCRIPTOR *PSecurityDescriptor)
{
    struct check_ctx c;
    void *sd = NULL;
    size_t sdlen = 0;
    UINT32 attrs = 0, granted = 0;
    NTSTATUS st;

    *PGrantedAccess = 0;
    if (PSecurityDescriptor)
        *PSecurityDescriptor = NULL;
    if (!FileSystem || !Request || Request->Kind != FspFsctlTransactCreateKind)
        return STATUS_INVALID_PARAMETER;
    if (!FileSystem->Interface->GetSecurityByName) {
        *PGrantedAccess = DesiredAccess & MAXIMUM_ALLOWED
                              ? FILE_ALL_ACCESS
                              : fsp_map_generic(DesiredAccess, &file_mapping);
        return STATUS_SUCCESS;
    }

    /* The name: FileName.Size bytes at Buffer + FileName.Offset, up to a NUL. */
    size_t n = Request->FileName.Size / sizeof(WCHAR);
    const uint8_t *src = Request->Buffer + Request->FileName.Offset;
    memset(&c, 0, sizeof c);
    c.fs = FileSystem;
    c.path = malloc((n + 2) * sizeof(WCHAR));
    if (!c.path)
        return STATUS_INSUFFICIENT_RESOURCES;
    memcpy(c.path, src, n * sizeof(WCHAR));
    c.path[n] = 0;
    c.len = fsp_wcslen(c.path);
    if (!c.len || c.path[0] != '\\') {
        free(c.path);
        return STATUS_OBJECT_NAME_INVALID;
    }
    while (c.len > 1 && c.path[c.len - 1] == '\\') /* a trailing '\' names the same object */
        c.path[--c.len] = 0;
    c.path[c.len + 1] = 0;

    st = fsp_token_from_access_token(&c.token, Request->Req.Create.AccessToken);
    if (!NT_SUCCESS(st)) {
        free(c.path);
        return st;
    }
    UINT32 options = Request->Req.Create.CreateOptions;
    if (Request->Req.Create.HasTraversePrivilege)
        c.token.privileges |= FSP_PRIV_TRAVERSE;
    if (options & FILE_OPEN_FOR_BACKUP_INTENT) {
        if (Request->Req.Create.HasBackupPrivilege)
            c.token.privileges |= FSP_PRIV_BACKUP;
        if (Request->Req.Create.HasRestorePrivilege)
            c.token.privileges |= FSP_PRIV_RESTORE;
    }

    bool is_root = c.len == 1;
    size_t pend = parent_end(c.path, c.len);
    size_t target = CheckParentOrMain ? pend : c.len; /* 0 is the root */
    if (target == 1)
        target = 0;

    if (AllowTraverseCheck && !is_root && !(c.token.privileges & FSP_PRIV_TRAVERSE)) {
        st = traverse(&c, CheckParentOrMain ? pend : c.len);
        if (!NT_SUCCESS(st) || st == STATUS_REPARSE)
            goto out;
    }

    st = get_prefix(&c, target, &attrs, &sd, &sdlen);
    if (st == STATUS_OBJECT_NAME_NOT_FOUND && CheckParentOrMain)
        st = STATUS_OBJECT_PATH_NOT_FOUND;
    if (!NT_SUCCESS(st) || st == STATUS_REPARSE)
        goto out;
    bool is_dir = (attrs & FILE_ATTRIBUTE_DIRECTORY) != 0;
    if (CheckParentOrMain) {
        if (!is_dir) {
            st = STATUS_OBJECT_PATH_NOT_FOUND;
            goto out;
        }
    } else {
        if ((options & FILE_DIRECTORY_FILE) && !is_dir) {
            st = STATUS_NOT_A_DIRECTORY;
            goto out;
        }
        if ((options & FILE_NON_DIRECTORY_FILE) && is_dir) {
            st = STATUS_FILE_IS_A_DIRECTORY;
            goto out;
        }
        if (attrs & FILE_ATTRIBUTE_READONLY) {
            if (!is_dir && (fsp_map_generic(DesiredAccess, &file_mapping) &
                            (FILE_WRITE_DATA | FILE_APPEND_DATA))) {
                st = STATUS_ACCESS_DENIED;
                goto out;
            }
            if (options & FILE_DELETE_ON_CLOSE) {
                st = STATUS_CANNOT_DELETE;
                goto out;
            }
        }
    }

    st = check_sd(sd, sdlen, &c.token, DesiredAccess, &granted);
    /* Rights a parent directory confers on its entries. */
    uint32_t want = fsp_map_generic(DesiredAccess & ~MAXIMUM_ALLOWED, &file_mapping);
    const uint32_t from_parent = DELETE | FILE_READ_ATTRIBUTES;
    bool max = (DesiredAccess & MAXIMUM_ALLOWED) != 0;
    if (!CheckParentOrMain && !is_root &&
        ((st == STATUS_ACCESS_DENIED && (want & from_parent)) ||
         (NT_SUCCESS(st) && max && (~granted & from_parent)))) {
        void *psd;
        size_t plen;
        UINT32 pattrs, pgranted = 0, extra = 0;
        NTSTATUS pst = get_prefix(&c, pend, &pattrs, &psd, &plen);
        if (NT_SUCCESS(pst) && pst != STATUS_REPARSE &&
            NT_SUCCESS(check_sd(psd, plen, &c.token, MAXIMUM_ALLOWED, &pgranted))) {
            if (pgranted & FILE_DELETE_CHILD)
                extra |= DELETE;
            if (pgranted & FILE_LIST_DIRECTORY)
                extra |= FILE_READ_ATTRIBUTES;
        }
        free(psd);
        if (st == STATUS_ACCESS_DENIED && extra) {
            uint32_t rest = (want & ~extra) | (max ? MAXIMUM_ALLOWED : 0);
            if (rest)
                st = check_sd(sd, sdlen, &c.token, rest, &granted);
            else {
                st = STATUS_SUCCESS;
                granted = 0;
            }
            if (NT_SUCCESS(st))
                granted |= want & extra;
        }
        if (NT_SUCCESS(st) && max)
            granted |= extra;
    }
    if (NT_SUCCESS(st) && max && !CheckParentOrMain && !is_dir && (attrs & FILE_ATTRIBUTE_READONLY))
        granted &= ~(uint32_t)(FILE_WRITE_DATA | FILE_APPEND_DATA);

out:
    if (st == STATUS_REPARSE)
        *PGrantedAccess = c.reparse_index;
    else if (NT_SUCCESS(st))
        *PGrantedAccess = granted;
    if (NT_SUCCESS(st) && st != STATUS_REPARSE && PSecurityDescriptor)
        *PSecurityDescriptor = sd;
    else
        free(sd);
    fsp_token_free(&c.token);
    free(c.path);
    return st;
}
