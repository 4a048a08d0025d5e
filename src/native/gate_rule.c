/*
 * native/gate_rule.c - when the access gate looks at a descriptor, and what
 * it decides.
 *
 * The kernel checks every request against the POSIX view of a file's
 * descriptor (mode and POSIX ACL, default_permissions). For a descriptor the
 * POSIX mapping wrote itself (chmod, setfacl, a create through Linux) that
 * check is the whole truth, and POSIX semantics are what its owner chose
 * (a user in two named groups gets the union of their entries, however the
 * deny ACEs the mapping wrote are ordered). Such a descriptor is
 * "POSIX-exact", and the gate leaves it alone: nothing to fetch, no token to
 * build. Any other descriptor carries something rwx cannot say, and the gate
 * adds Windows' own check for the rights the operation needs.
 *
 * POSIX-exact means: every effective (allow or deny, not inherit-only) ACE
 * is shaped as the mapping shapes them (posixsec.c, posixacl.c), looking
 * only at the rights the gate checks (FSP_GATE_RIGHTS):
 * - its SID is one the POSIX view understands: the NULL SID (special bits,
 *   the ACL mask), Everyone, or a uid's or gid's SID; not OWNER RIGHTS,
 *   Authenticated Users, Users or Administrators, which every token here
 *   holds (or root's does) while the POSIX view has no such class. SIDs
 *   that map to no id are in no token: their ACEs never matter;
 * - read (FILE_READ_DATA, FILE_READ_EA) and write (FILE_WRITE_DATA,
 *   FILE_APPEND_DATA, FILE_WRITE_EA) come whole or not at all;
 * - no DELETE; FILE_DELETE_CHILD only with write (a deny of write always
 *   carries it; an allow lacks it only under the sticky bit);
 * - allows carry FILE_WRITE_ATTRIBUTES only with write or for the owner, and
 *   WRITE_DAC / WRITE_OWNER only for the owner; denies carry none of them.
 * A deny ACE shaped exactly like the mapping's is taken as the mapping's, so
 * a group deny escaped through another group is the POSIX union there; hand
 * written ones ("(D;;FW;;;...)": FILE_GENERIC_WRITE has
 * FILE_WRITE_ATTRIBUTES) are Windows'. No DACL or an empty DACL is exact.
 *
 * The decisions are fsp_access_check's (access.c), plus Windows' delete
 * rule: DELETE on the object, or FILE_DELETE_CHILD on its directory.
 */
#include "native/gate.h"
#include "native/posixacl.h"

static const uint8_t sid_authenticated[12] = {1, 1, 0, 0, 0, 0, 0, 5, 11, 0, 0, 0};
static const uint8_t sid_users[16] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x21, 2, 0, 0};
static const uint8_t sid_admins[16] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0};

#define R_SET (FILE_READ_DATA | FILE_READ_EA)
#define W_SET (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA)

/* Is m (a subset of the rights in `set`) empty or all of them? */
static bool whole(uint32_t m, uint32_t set)
{
    return (m & set) == 0 || (m & set) == set;
}

/* SIDs that are in tokens without being a POSIX class. */
static bool token_only_sid(const void *sid)
{
    return fsp_sid_equal(sid, fsp_sid_owner_rights) || fsp_sid_equal(sid, sid_authenticated) ||
           fsp_sid_equal(sid, sid_users) || fsp_sid_equal(sid, sid_admins);
}

/* Does the SID stand for a uid or a gid (and so can be in a token)? */
static bool posix_sid(const void *sid)
{
    uint8_t back[FSP_SID_MAX_SIZE];
    uint32_t id = fsp_posix_sid_to_id(sid);
    if (id != FSP_POSIX_ID_NOBODY)
        return true;
    return (fsp_posix_uid_to_sid(id, back) && fsp_sid_equal(sid, back)) ||
           (fsp_posix_gid_to_sid(id, back) && fsp_sid_equal(sid, back));
}

/* How an ACE's shape (m: its rights the gate checks) compares with the
 * mapping's. */
enum shape { SHAPE_NO, SHAPE_YES, SHAPE_IF_STICKY };

static enum shape shape_of(const FSP_ACE *ace, uint32_t m, const void *owner)
{
    if (!whole(m, R_SET) || !whole(m, W_SET) || (m & DELETE))
        return SHAPE_NO;
    bool w = (m & W_SET) != 0;
    if (ace->type == ACCESS_DENIED_ACE_TYPE)
        return !(m & (FILE_WRITE_ATTRIBUTES | WRITE_DAC | WRITE_OWNER)) &&
                       w == ((m & FILE_DELETE_CHILD) != 0)
                   ? SHAPE_YES
                   : SHAPE_NO;
    if ((m & FILE_DELETE_CHILD) && !w)
        return SHAPE_NO;
    bool is_owner = owner && fsp_sid_equal(ace->sid, owner);
    if ((m & FILE_WRITE_ATTRIBUTES) && !w && !is_owner)
        return SHAPE_NO;
    if (!is_owner && (m & (WRITE_DAC | WRITE_OWNER)))
        return SHAPE_NO;
    /* Write without deleting entries: only the sticky bit says that. */
    return w && !(m & FILE_DELETE_CHILD) ? SHAPE_IF_STICKY : SHAPE_YES;
}

/* The attribute path runs this for every descriptor it reads: the common
 * case (a mapping-shaped ACE) costs a few compares, the SID's own mapping
 * is looked at only to excuse another shape. */
static enum shape ace_shape(const FSP_ACE *ace, const void *owner)
{
    uint32_t m = fsp_map_generic_file_mask(ace->mask) & FSP_GATE_RIGHTS;
    if (!m)
        return SHAPE_YES;
    if (token_only_sid(ace->sid))
        return SHAPE_NO;
    enum shape sh = shape_of(ace, m, owner);
    if (sh != SHAPE_NO)
        return sh;
    /* A SID in no token (a Windows domain's user, say) never matters. */
    return !fsp_sid_equal(ace->sid, fsp_sid_everyone) && !posix_sid(ace->sid) ? SHAPE_YES
                                                                              : SHAPE_NO;
}

bool fsp_gate_sd_posix_exact_valid(const void *sd, size_t len)
{
    bool present;
    const void *dacl = fsp_sd_dacl(sd, len, &present);
    if (!dacl)
        return true;
    const void *owner = fsp_sd_owner(sd, len);
    bool sticky = false, needs_sticky = false;
    FSP_ACL_ITER it;
    FSP_ACE ace;
    fsp_acl_iter_init(&it, dacl);
    while (fsp_acl_iter_next(&it, &ace)) {
        if ((ace.type != ACCESS_ALLOWED_ACE_TYPE && ace.type != ACCESS_DENIED_ACE_TYPE) ||
            !ace.sid || (ace.flags & INHERIT_ONLY_ACE))
            continue;
        if (fsp_sid_equal(ace.sid, fsp_sid_null)) {
            /* Special bits (sticky: mask 1) and the ACL mask: in no token. */
            if (ace.type == ACCESS_ALLOWED_ACE_TYPE && !(ace.mask & FSP_PACL_MASK_MARK) &&
                (ace.mask & 1))
                sticky = true;
            continue;
        }
        enum shape sh = ace_shape(&ace, owner);
        if (sh == SHAPE_NO)
            return false;
        if (sh == SHAPE_IF_STICKY)
            needs_sticky = true;
    }
    return sticky || !needs_sticky;
}

bool fsp_gate_sd_posix_exact(const void *sd, size_t len)
{
    if (!sd)
        return true;
    return fsp_sd_valid(sd, len) && fsp_gate_sd_posix_exact_valid(sd, len);
}

static bool granted(const FSP_TOKEN *t, const struct fsp_gate_obj *obj, uint32_t rights)
{
    uint32_t got;
    if (!obj->sd)
        return true;
    return NT_SUCCESS(
        fsp_access_check(obj->sd, obj->len, t, rights, FspGetFileGenericMapping(), &got));
}

NTSTATUS fsp_gate_decide(uint32_t uid, const FSP_TOKEN *t, const struct fsp_gate_obj *obj,
                         uint32_t rights)
{
    if (!fsp_gate_needs_check(uid, obj->exact) || !rights)
        return STATUS_SUCCESS;
    return granted(t, obj, rights) ? STATUS_SUCCESS : STATUS_ACCESS_DENIED;
}

NTSTATUS fsp_gate_decide_delete(uint32_t uid, const FSP_TOKEN *t, const struct fsp_gate_obj *obj,
                                const struct fsp_gate_obj *parent)
{
    if (!fsp_gate_needs_check(uid, obj->exact && parent->exact))
        return STATUS_SUCCESS;
    if (granted(t, obj, DELETE) || granted(t, parent, FILE_DELETE_CHILD))
        return STATUS_SUCCESS;
    return STATUS_ACCESS_DENIED;
}
