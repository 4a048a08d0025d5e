/*
 * native/posixacl.c - POSIX ACLs <-> the DACL of a security descriptor.
 *
 * The descriptor is the only store: an ACL set with setfacl becomes ACEs,
 * and getfacl reads them back, so Windows (system.fsp.sddl, GetSecurity)
 * and Linux see one set of permissions. The mode mapping of posixsec.c
 * covers the owner, group and other classes; this file adds what a POSIX ACL
 * has beyond them.
 *
 * Access ACL (system.posix_acl_access)
 * ====================================
 * The base entries are the mode mapping (user::, group::, other:: are the
 * owner, group and Everyone ACEs of posixsec.c). An extended ACL adds, for
 * each named entry with effective permissions p (its perm & mask):
 *
 *   DENY  SID   core(7 & ~p)              user entries, if not empty
 *   DENY  SID   core(other & ~p) | G      group entries, if not empty
 *   ALLOW SID   BASE | core(p) [| G]      G = FSP_PACL_GROUP_MARK for groups
 *
 * and the mask as ALLOW NULL SID with FSP_PACL_MASK_MARK | mask, flagged
 * INHERIT_ONLY without OI/CI: an ACE that no access check applies and no
 * child inherits. The group bits of the mode are the mask (as on Linux),
 * and the group ACE grants group:: & mask. The deny ACEs make a Windows
 * access check agree with the POSIX one: a named user gets exactly its
 * entry, as POSIX says, whatever Everyone has; a group member gets no more
 * than its groups' entries through Everyone.
 *
 * SIDs: uids and gids map to SIDs as in posixsec.c. S-1-22-1-N is a user,
 * S-1-22-2-N a group; in the ranges where a uid and a gid share one SID
 * (WinFsp's: 0..511, 1000, 65534, ...) the group form is told by
 * FSP_PACL_GROUP_MARK in the ACE's mask (a bit no file right uses). SIDs
 * that map to no id are not shown.
 *
 * Reading: the named entries are the SIDs of the effective allow and deny
 * ACEs other than the owner, group, Everyone, NULL, CREATOR OWNER/GROUP and
 * OWNER RIGHTS; each one's permissions are what an access check in ACE
 * order grants the SID together with Everyone. So a deny ACE set from
 * Windows for one user ((D;;FR;;;S-1-22-1-1234)) shows as user:1234:-wx and
 * the kernel enforces it. The mask is the mask ACE's, or without one the
 * union of the group class. A descriptor without named entries or a mask
 * has no access ACL (ENODATA): its mode says everything.
 *
 * Stored permissions are effective ones: after a chmod narrows the mask, an
 * entry is cut down to it for good (Linux keeps the entry and shows
 * "#effective:"). A Windows access check could not honour a mask otherwise.
 *
 * Default ACL (system.posix_acl_default)
 * ======================================
 * Inheritable ACEs (OBJECT_INHERIT | CONTAINER_INHERIT | INHERIT_ONLY), so
 * Windows inheritance (FspCreateSecurityDescriptor) gives new files much the
 * same as Linux does: user:: is CREATOR OWNER, group:: CREATOR GROUP (with
 * group:: & mask), other:: Everyone, named entries as above, the mask as the
 * NULL SID ACE with FSP_PACL_MASK_MARK. Reading takes every ACE with OI or
 * CI, if one of them is for CREATOR OWNER (every default ACL has a user::
 * entry; inheritable ACEs without one are Windows' and stay Windows'):
 * setting replaces them, except those for SIDs without a uid or gid (an
 * ACE both effective and inheritable keeps only its effective part).
 * Files made through Linux get the POSIX rules
 * (fsp_pacl_inherit): the default ACL masked by the create mode, the umask
 * ignored.
 */
#include "native/posixacl.h"
#include "native/le.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define INHERITABLE (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE)
#define DEFAULT_ACE (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE | INHERIT_ONLY_ACE)

/* --- The xattr format ------------------------------------------------------------ */

static int entry_cmp(const void *a, const void *b)
{
    const struct fsp_pacl_entry *x = a, *y = b;
    if (x->tag != y->tag)
        return x->tag < y->tag ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void pacl_sort(struct fsp_pacl *acl)
{
    qsort(acl->e, acl->count, sizeof acl->e[0], entry_cmp);
}

/* The kernel's posix_acl_valid on a sorted ACL. */
static bool pacl_valid(const struct fsp_pacl *acl)
{
    unsigned n[0x40] = {0};
    bool named = false;
    for (unsigned i = 0; i < acl->count; i++) {
        const struct fsp_pacl_entry *e = &acl->e[i];
        if (e->perm & ~7u)
            return false;
        switch (e->tag) {
        case FSP_PACL_USER:
        case FSP_PACL_GROUP:
            named = true;
            if (i > 0 && acl->e[i - 1].tag == e->tag && acl->e[i - 1].id == e->id)
                return false;
            break;
        case FSP_PACL_USER_OBJ:
        case FSP_PACL_GROUP_OBJ:
        case FSP_PACL_MASK:
        case FSP_PACL_OTHER:
            if (n[e->tag]++)
                return false;
            break;
        default:
            return false;
        }
    }
    if (!n[FSP_PACL_USER_OBJ] || !n[FSP_PACL_GROUP_OBJ] || !n[FSP_PACL_OTHER])
        return false;
    return !named || n[FSP_PACL_MASK];
}

int fsp_pacl_from_xattr(const void *value, size_t size, struct fsp_pacl *acl)
{
    const uint8_t *p = value;
    acl->count = 0;
    if (size < 4 || (size - 4) % 8 || fsp_get_le32(p) != FSP_PACL_VERSION)
        return -EINVAL;
    size_t n = (size - 4) / 8;
    if (n > FSP_PACL_MAX)
        return -E2BIG;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *q = p + 4 + 8 * i;
        struct fsp_pacl_entry *e = &acl->e[i];
        e->tag = fsp_get_le16(q);
        e->perm = fsp_get_le16(q + 2);
        e->id = (e->tag == FSP_PACL_USER || e->tag == FSP_PACL_GROUP) ? fsp_get_le32(q + 4) : 0;
    }
    acl->count = (unsigned)n;
    pacl_sort(acl);
    return pacl_valid(acl) ? 0 : -EINVAL;
}

size_t fsp_pacl_to_xattr(const struct fsp_pacl *acl, void *buf, size_t size)
{
    size_t need = 4 + 8 * (size_t)acl->count;
    if (!buf || size < need)
        return need;
    uint8_t *p = buf;
    fsp_put_le32(p, FSP_PACL_VERSION);
    for (unsigned i = 0; i < acl->count; i++) {
        uint8_t *q = p + 4 + 8 * i;
        const struct fsp_pacl_entry *e = &acl->e[i];
        fsp_put_le16(q, e->tag);
        fsp_put_le16(q + 2, e->perm);
        fsp_put_le32(q + 4,
                     (e->tag == FSP_PACL_USER || e->tag == FSP_PACL_GROUP) ? e->id : 0xffffffffu);
    }
    return need;
}

static struct fsp_pacl_entry *pacl_find(struct fsp_pacl *acl, uint16_t tag)
{
    for (unsigned i = 0; i < acl->count; i++)
        if (acl->e[i].tag == tag)
            return &acl->e[i];
    return NULL;
}

static bool pacl_add(struct fsp_pacl *acl, uint16_t tag, uint16_t perm, uint32_t id)
{
    if (acl->count >= FSP_PACL_MAX)
        return false;
    acl->e[acl->count++] = (struct fsp_pacl_entry){tag, perm, id};
    return true;
}

/* --- Reading a DACL ----------------------------------------------------------------- */

bool fsp_pacl_is_mask_ace(const FSP_ACE *ace, bool dflt)
{
    if (ace->type != ACCESS_ALLOWED_ACE_TYPE || !ace->sid || !(ace->mask & FSP_PACL_MASK_MARK) ||
        !fsp_sid_equal(ace->sid, fsp_sid_null))
        return false;
    if (dflt)
        return (ace->flags & INHERITABLE) != 0;
    return (ace->flags & (INHERIT_ONLY_ACE | INHERITABLE)) == INHERIT_ONLY_ACE;
}

/* Does the ACE belong to the access view (dflt false) or the default view? */
static bool in_view(const FSP_ACE *ace, bool dflt)
{
    if ((ace->type != ACCESS_ALLOWED_ACE_TYPE && ace->type != ACCESS_DENIED_ACE_TYPE) || !ace->sid)
        return false;
    return dflt ? (ace->flags & INHERITABLE) != 0 : !(ace->flags & INHERIT_ONLY_ACE);
}

/* What an access check over the view's ACEs for sid (and Everyone, if
 * with_everyone) grants, as rwx. after_owner: sid is the owner's too, and
 * only its ACEs after the owner's first allow ACE are the group's (the
 * split posixsec.c makes). */
static uint32_t eval_sid(const void *dacl, bool dflt, const void *sid, bool with_everyone,
                         bool after_owner)
{
    uint32_t granted = 0, denied = 0;
    bool skipping = after_owner;
    FSP_ACL_ITER it;
    FSP_ACE ace;
    fsp_acl_iter_init(&it, dacl);
    while (fsp_acl_iter_next(&it, &ace)) {
        if (!in_view(&ace, dflt) || (ace.mask & FSP_PACL_MASK_MARK))
            continue;
        bool mine = fsp_sid_equal(ace.sid, sid);
        if (mine && skipping) {
            if (ace.type == ACCESS_ALLOWED_ACE_TYPE)
                skipping = false;
            continue;
        }
        if (!mine && !(with_everyone && fsp_sid_equal(ace.sid, fsp_sid_everyone)))
            continue;
        uint32_t m = fsp_map_generic_file_mask(ace.mask);
        if (ace.type == ACCESS_ALLOWED_ACE_TYPE)
            granted |= m & ~denied;
        else
            denied |= m & ~granted;
    }
    return fsp_posix_rights_rwx(granted);
}

/* Is sid one of those the base entries or the markers use? */
static bool special_sid(const void *sid, const void *owner, const void *group)
{
    return (owner && fsp_sid_equal(sid, owner)) || (group && fsp_sid_equal(sid, group)) ||
           fsp_sid_equal(sid, fsp_sid_everyone) || fsp_sid_equal(sid, fsp_sid_null) ||
           fsp_sid_equal(sid, fsp_sid_creator_owner) || fsp_sid_equal(sid, fsp_sid_creator_group) ||
           fsp_sid_equal(sid, fsp_sid_owner_rights);
}

/* The entry a named SID stands for: tag and id; false if it maps to no id. */
static bool sid_entry(const void *sid, uint32_t mask, uint16_t *ptag, uint32_t *pid)
{
    uint32_t id = fsp_posix_sid_to_id(sid);
    if (id == FSP_POSIX_ID_NOBODY && !fsp_sid_equal(sid, fsp_sid_nobody))
        return false;
    bool group = (mask & FSP_PACL_GROUP_MARK) != 0;
    if (fsp_sid_authority(sid) == FSP_SID_AUTHORITY_UNIX_NFS && fsp_sid_sub_count(sid) == 2)
        group = fsp_sid_sub(sid, 0) == 2;
    *ptag = group ? FSP_PACL_GROUP : FSP_PACL_USER;
    *pid = id;
    return true;
}

#define NO_PERM 0xffffffffu

/* The unmasked permissions recorded in sid's allow ACE, or NO_PERM. */
static uint32_t marked_perm(const void *dacl, bool dflt, const void *sid)
{
    FSP_ACL_ITER it;
    FSP_ACE ace;
    fsp_acl_iter_init(&it, dacl);
    while (fsp_acl_iter_next(&it, &ace))
        if (in_view(&ace, dflt) && ace.type == ACCESS_ALLOWED_ACE_TYPE &&
            (ace.mask & FSP_PACL_PERM_MARK) && fsp_sid_equal(ace.sid, sid))
            return ace.mask >> FSP_PACL_PERM_SHIFT & 7;
    return NO_PERM;
}

/* Add the named entries of the view; the group class's union in *punion. */
static NTSTATUS add_named(struct fsp_pacl *acl, const void *dacl, bool dflt, const void *owner,
                          const void *group, uint32_t *punion)
{
    FSP_ACL_ITER it;
    FSP_ACE ace;
    fsp_acl_iter_init(&it, dacl);
    while (fsp_acl_iter_next(&it, &ace)) {
        if (!in_view(&ace, dflt) || special_sid(ace.sid, owner, group))
            continue;
        uint16_t tag;
        uint32_t id;
        if (!sid_entry(ace.sid, ace.mask, &tag, &id))
            continue;
        bool seen = false;
        for (unsigned i = 0; i < acl->count && !seen; i++)
            seen = acl->e[i].tag == tag && acl->e[i].id == id;
        if (seen)
            continue;
        uint16_t perm = (uint16_t)eval_sid(dacl, dflt, ace.sid, true, false);
        uint32_t own = marked_perm(dacl, dflt, ace.sid);
        if (own != NO_PERM)
            perm = (uint16_t)own;
        if (!pacl_add(acl, tag, perm, id))
            return STATUS_BUFFER_OVERFLOW;
        *punion |= perm;
    }
    return STATUS_SUCCESS;
}

NTSTATUS fsp_pacl_from_sd(const void *sd, size_t len, bool dflt, struct fsp_pacl *acl)
{
    acl->count = 0;
    if (!fsp_sd_valid(sd, len))
        return STATUS_INVALID_SECURITY_DESCR;
    const void *owner = fsp_sd_owner(sd, len), *group = fsp_sd_group(sd, len);
    const void *dacl = fsp_sd_dacl(sd, len, NULL);
    if (!dacl)
        return STATUS_NOT_FOUND;

    bool has_mask = false, any = false;
    uint32_t mask = 0, gunion = 0, gown = NO_PERM;
    FSP_ACL_ITER it;
    FSP_ACE ace;
    fsp_acl_iter_init(&it, dacl);
    while (fsp_acl_iter_next(&it, &ace)) {
        if (fsp_pacl_is_mask_ace(&ace, dflt)) {
            has_mask = true;
            mask = ace.mask & 7;
            if (ace.mask & FSP_PACL_PERM_MARK)
                gown = ace.mask >> FSP_PACL_PERM_SHIFT & 7;
        }
        /* A default ACL always has user::, which is CREATOR OWNER: without
         * one, inheritable ACEs are Windows' own and not a default ACL
         * (reading one would make new files unreadable to their owner). */
        if (dflt && in_view(&ace, true) && fsp_sid_equal(ace.sid, fsp_sid_creator_owner))
            any = true;
    }
    if (dflt && !any)
        return STATUS_NOT_FOUND;

    uint32_t uobj, gobj, other;
    if (dflt) {
        uobj = eval_sid(dacl, true, fsp_sid_creator_owner, false, false);
        gobj = eval_sid(dacl, true, fsp_sid_creator_group, false, false);
        other = eval_sid(dacl, true, fsp_sid_everyone, false, false);
    } else {
        uint32_t mode;
        fsp_posix_sd_to_perms(sd, len, NULL, NULL, &mode);
        uobj = mode >> 6 & 7;
        other = mode & 7;
        gobj = group ? eval_sid(dacl, false, group, true, owner && fsp_sid_equal(owner, group)) : 0;
    }
    if (gown != NO_PERM)
        gobj = gown;
    pacl_add(acl, FSP_PACL_USER_OBJ, (uint16_t)uobj, 0);
    pacl_add(acl, FSP_PACL_GROUP_OBJ, (uint16_t)gobj, 0);
    pacl_add(acl, FSP_PACL_OTHER, (uint16_t)other, 0);
    NTSTATUS st = add_named(acl, dacl, dflt, dflt ? NULL : owner, dflt ? NULL : group, &gunion);
    if (!NT_SUCCESS(st))
        return st;
    bool named = acl->count > 3;
    if (!dflt && !named && !has_mask)
        return STATUS_NOT_FOUND;
    if (has_mask || named)
        pacl_add(acl, FSP_PACL_MASK, (uint16_t)(has_mask ? mask : gunion | gobj), 0);
    pacl_sort(acl);
    return STATUS_SUCCESS;
}

/* --- Writing a DACL ----------------------------------------------------------------- */

/* The ACEs of acl's named entries and mask, with flags. */
static NTSTATUS add_acl_aces(FSP_ACL_BUILDER *b, const struct fsp_pacl *acl, uint8_t flags)
{
    struct fsp_pacl_entry *m = pacl_find((struct fsp_pacl *)acl, FSP_PACL_MASK);
    struct fsp_pacl_entry *o = pacl_find((struct fsp_pacl *)acl, FSP_PACL_OTHER);
    uint32_t mask = m ? m->perm : 7, other = o ? o->perm : 0;
    uint8_t sid[FSP_SID_MAX_SIZE];

    /* Denies first, where an access check expects them. */
    for (int pass = 0; pass < 2; pass++)
        for (unsigned i = 0; i < acl->count; i++) {
            const struct fsp_pacl_entry *e = &acl->e[i];
            if (e->tag != FSP_PACL_USER && e->tag != FSP_PACL_GROUP)
                continue;
            bool grp = e->tag == FSP_PACL_GROUP;
            uint32_t p = e->perm & mask, mark = grp ? FSP_PACL_GROUP_MARK : 0;
            if (grp)
                fsp_posix_gid_to_sid(e->id, sid);
            else
                fsp_posix_uid_to_sid(e->id, sid);
            uint32_t deny = grp ? other & ~p : 7 & ~p;
            if (pass == 0 && deny)
                fsp_acl_builder_add(b, ACCESS_DENIED_ACE_TYPE, flags,
                                    fsp_posix_rwx_rights(deny, false, true) | mark, sid);
            if (pass == 1)
                fsp_acl_builder_add(b, ACCESS_ALLOWED_ACE_TYPE, flags,
                                    FSP_POSIX_BASE_RIGHTS | fsp_posix_rwx_rights(p, true, true) |
                                        mark | FSP_PACL_PERM_MARK |
                                        (uint32_t)e->perm << FSP_PACL_PERM_SHIFT,
                                    sid);
        }
    if (m) {
        const struct fsp_pacl_entry *g = pacl_find((struct fsp_pacl *)acl, FSP_PACL_GROUP_OBJ);
        fsp_acl_builder_add(b, ACCESS_ALLOWED_ACE_TYPE, flags ? flags : INHERIT_ONLY_ACE,
                            FSP_PACL_MASK_MARK | m->perm | FSP_PACL_PERM_MARK |
                                (uint32_t)g->perm << FSP_PACL_PERM_SHIFT,
                            fsp_sid_null);
    }
    return STATUS_SUCCESS;
}

/* Does the POSIX view show this SID as a named entry? (Others, SIDs that
 * map to no uid or gid, are invisible to it and left alone.) */
static bool named_sid(const FSP_ACE *ace, const void *owner, const void *group)
{
    uint16_t tag;
    uint32_t id;
    return !special_sid(ace->sid, owner, group) && sid_entry(ace->sid, ace->mask, &tag, &id);
}

/* Copy the existing DACL's ACEs that the new ACL does not replace. */
static void keep_aces(FSP_ACL_BUILDER *b, const void *dacl, bool dflt, const void *owner,
                      const void *group)
{
    FSP_ACL_ITER it;
    FSP_ACE ace;
    fsp_acl_iter_init(&it, dacl);
    while (fsp_acl_iter_next(&it, &ace)) {
        if (fsp_pacl_is_mask_ace(&ace, dflt))
            continue;
        bool simple =
            (ace.type == ACCESS_ALLOWED_ACE_TYPE || ace.type == ACCESS_DENIED_ACE_TYPE) && ace.sid;
        bool inheritable = (ace.flags & INHERITABLE) != 0;
        bool inherit_only = (ace.flags & INHERIT_ONLY_ACE) != 0;
        if (!simple) {
            fsp_acl_builder_add_raw(b, &ace);
            continue;
        }
        if (dflt) {
            /* The default ACL's ACEs: CREATOR OWNER/GROUP, Everyone and
             * named SIDs that are inheritable go; the access part stays. */
            bool replaced = inheritable && (named_sid(&ace, NULL, NULL) ||
                                            fsp_sid_equal(ace.sid, fsp_sid_creator_owner) ||
                                            fsp_sid_equal(ace.sid, fsp_sid_creator_group) ||
                                            fsp_sid_equal(ace.sid, fsp_sid_everyone));
            if (!replaced)
                fsp_acl_builder_add_raw(b, &ace);
            else if (!inherit_only) /* effective too: keep that part */
                fsp_acl_builder_add(b, ace.type,
                                    ace.flags & ~(INHERITABLE | NO_PROPAGATE_INHERIT_ACE), ace.mask,
                                    ace.sid);
            continue;
        }
        /* The access ACL: named SIDs' effective ACEs go (their inheritable
         * part stays); the base ones are left for posixsec.c to rebuild from
         * the mode. */
        if (inherit_only || !named_sid(&ace, owner, group))
            fsp_acl_builder_add_raw(b, &ace);
        else if (inheritable)
            fsp_acl_builder_add(b, ace.type, ace.flags | INHERIT_ONLY_ACE, ace.mask, ace.sid);
    }
}

NTSTATUS fsp_pacl_to_sd(const void *sd, size_t len, bool dflt, const struct fsp_pacl *acl,
                        PSECURITY_DESCRIPTOR *psd, size_t *plen)
{
    *psd = NULL;
    if (!fsp_sd_valid(sd, len))
        return STATUS_INVALID_SECURITY_DESCR;
    if (acl && !pacl_valid(acl))
        return STATUS_INVALID_PARAMETER;
    const void *owner = fsp_sd_owner(sd, len), *group = fsp_sd_group(sd, len);
    bool sacl_present;
    const void *dacl = fsp_sd_dacl(sd, len, NULL), *sacl = fsp_sd_sacl(sd, len, &sacl_present);
    uint16_t control =
        fsp_sd_control(sd) &
        (SE_DACL_AUTO_INHERITED | SE_DACL_PROTECTED | SE_SACL_AUTO_INHERITED | SE_SACL_PROTECTED |
         SE_SACL_DEFAULTED | (sacl_present ? SE_SACL_PRESENT : 0));
    FSP_ACL_BUILDER b;
    NTSTATUS st;
    uint32_t mode = 0;

    if (!dflt) {
        fsp_posix_sd_to_perms(sd, len, NULL, NULL, &mode);
        if (acl) {
            const struct fsp_pacl_entry *m = pacl_find((struct fsp_pacl *)acl, FSP_PACL_MASK);
            uint32_t u = pacl_find((struct fsp_pacl *)acl, FSP_PACL_USER_OBJ)->perm;
            uint32_t g = pacl_find((struct fsp_pacl *)acl, FSP_PACL_GROUP_OBJ)->perm;
            uint32_t o = pacl_find((struct fsp_pacl *)acl, FSP_PACL_OTHER)->perm;
            if (m)
                g &= m->perm;
            mode = (mode & 07000) | u << 6 | g << 3 | o;
        }
    }

    fsp_acl_builder_init(&b);
    if (acl && (dflt || acl->count > 3)) {
        if (dflt) {
            const struct fsp_pacl_entry *m = pacl_find((struct fsp_pacl *)acl, FSP_PACL_MASK);
            uint32_t u = pacl_find((struct fsp_pacl *)acl, FSP_PACL_USER_OBJ)->perm;
            uint32_t g = pacl_find((struct fsp_pacl *)acl, FSP_PACL_GROUP_OBJ)->perm;
            uint32_t o = pacl_find((struct fsp_pacl *)acl, FSP_PACL_OTHER)->perm;
            keep_aces(&b, dacl, true, owner, group);
            add_acl_aces(&b, acl, DEFAULT_ACE);
            fsp_acl_builder_add(&b, ACCESS_ALLOWED_ACE_TYPE, DEFAULT_ACE,
                                FSP_POSIX_OWNER_RIGHTS | fsp_posix_rwx_rights(u, true, true),
                                fsp_sid_creator_owner);
            fsp_acl_builder_add(&b, ACCESS_ALLOWED_ACE_TYPE, DEFAULT_ACE,
                                FSP_POSIX_BASE_RIGHTS |
                                    fsp_posix_rwx_rights(g & (m ? m->perm : 7), true, true),
                                fsp_sid_creator_group);
            fsp_acl_builder_add(&b, ACCESS_ALLOWED_ACE_TYPE, DEFAULT_ACE,
                                FSP_POSIX_BASE_RIGHTS | fsp_posix_rwx_rights(o, true, true),
                                fsp_sid_everyone);
        } else {
            add_acl_aces(&b, acl, 0);
            keep_aces(&b, dacl, false, owner, group);
        }
    } else
        keep_aces(&b, dacl, dflt, owner, group);

    size_t dlen;
    const void *ndacl = fsp_acl_builder_acl(&b, &dlen, &st);
    if (ndacl) {
        if (dflt)
            st = fsp_sd_build(control, owner, group, sacl_present ? sacl : NULL, ndacl, psd, plen);
        else {
            PSECURITY_DESCRIPTOR tmp;
            size_t tlen;
            st =
                fsp_sd_build(control, owner, group, sacl_present ? sacl : NULL, ndacl, &tmp, &tlen);
            if (NT_SUCCESS(st)) {
                st = fsp_posix_perms_merge(0xffffffffu, 0xffffffffu, mode, tmp, tlen, psd, plen);
                free(tmp);
            }
        }
    }
    fsp_acl_builder_free(&b);
    return st;
}

NTSTATUS fsp_pacl_merge_perms(uint32_t uid, uint32_t gid, uint32_t mode, const void *existing,
                              size_t existing_len, PSECURITY_DESCRIPTOR *psd, size_t *plen)
{
    struct fsp_pacl *acl = malloc(sizeof *acl);
    PSECURITY_DESCRIPTOR owned = NULL;
    size_t olen;
    *psd = NULL;
    if (!acl)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS st = fsp_pacl_from_sd(existing, existing_len, false, acl);
    if (st == STATUS_NOT_FOUND) {
        free(acl);
        return fsp_posix_perms_merge(uid, gid, mode, existing, existing_len, psd, plen);
    }
    /* The new owner, group and special bits first, then the ACL with the
     * mode's bits: user:: and other:: are the mode's, the mask its group
     * bits. */
    uint32_t cur = 0;
    fsp_posix_sd_to_perms(existing, existing_len, NULL, NULL, &cur);
    if (mode == 0xffffffffu)
        mode = cur;
    if (NT_SUCCESS(st))
        st = fsp_posix_perms_merge(uid, gid, (cur & 0777) | (mode & 07000), existing, existing_len,
                                   &owned, &olen);
    if (NT_SUCCESS(st)) {
        pacl_find(acl, FSP_PACL_USER_OBJ)->perm = (uint16_t)(mode >> 6 & 7);
        pacl_find(acl, FSP_PACL_MASK)->perm = (uint16_t)(mode >> 3 & 7);
        pacl_find(acl, FSP_PACL_OTHER)->perm = (uint16_t)(mode & 7);
        st = fsp_pacl_to_sd(owned, olen, false, acl, psd, plen);
    }
    free(owned);
    free(acl);
    return st;
}

NTSTATUS fsp_pacl_inherit(const void *parent, size_t parent_len, uint32_t uid, uint32_t gid,
                          uint32_t mode, bool dir, PSECURITY_DESCRIPTOR *psd, size_t *plen)
{
    struct fsp_pacl *dacl = malloc(sizeof *dacl), *acl = malloc(sizeof *acl);
    PSECURITY_DESCRIPTOR base = NULL, mid = NULL;
    size_t blen, mlen;
    NTSTATUS st = STATUS_INSUFFICIENT_RESOURCES;
    *psd = NULL;
    if (!dacl || !acl)
        goto out;
    st = fsp_pacl_from_sd(parent, parent_len, true, dacl);
    if (!NT_SUCCESS(st))
        goto out;
    /* posix_acl_create: the create mode masks user::, the mask (or group::
     * without one) and other::. */
    *acl = *dacl;
    struct fsp_pacl_entry *m = pacl_find(acl, FSP_PACL_MASK);
    pacl_find(acl, FSP_PACL_USER_OBJ)->perm &= (uint16_t)(mode >> 6 & 7);
    (m ? m : pacl_find(acl, FSP_PACL_GROUP_OBJ))->perm &= (uint16_t)(mode >> 3 & 7);
    pacl_find(acl, FSP_PACL_OTHER)->perm &= (uint16_t)(mode & 7);
    uint32_t g = (m ? m : pacl_find(acl, FSP_PACL_GROUP_OBJ))->perm;
    uint32_t newmode = (mode & 07000) | (uint32_t)pacl_find(acl, FSP_PACL_USER_OBJ)->perm << 6 |
                       g << 3 | pacl_find(acl, FSP_PACL_OTHER)->perm;
    st = fsp_posix_perms_merge(uid, gid, newmode, NULL, 0, &base, &blen);
    if (NT_SUCCESS(st))
        st = fsp_pacl_to_sd(base, blen, false, acl, dir ? &mid : psd, dir ? &mlen : plen);
    if (NT_SUCCESS(st) && dir)
        st = fsp_pacl_to_sd(mid, mlen, true, dacl, psd, plen);
out:
    free(base);
    free(mid);
    free(dacl);
    free(acl);
    return st;
}
