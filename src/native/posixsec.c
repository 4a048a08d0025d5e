/*
 * native/posixsec.c - POSIX uid/gid/mode <-> Windows SIDs and security
 * descriptors.
 *
 * UID/GID <-> SID
 * ===============
 * WinFsp's ranges are kept where they make sense on a machine without a
 * Windows domain; everything else uses Samba's "Unix users" / "Unix groups"
 * authority, which tells users and groups apart. FspPosixMapUidToSid maps a
 * uid (user form); the permission functions map the owner with the user form
 * and the group with the group form; FspPosixMapSidToUid accepts both.
 *
 *   id (uid or gid)             SID                                 back
 *   --------------------------  ----------------------------------  -----------
 *   0 .. 0x1ff, 1000            S-1-5-id            (NT AUTHORITY)  exact
 *   0x200 .. 999                S-1-5-32-id         (BUILTIN)       exact
 *   65534                       S-1-0-65534         (unmapped)      exact
 *   0x30000 .. 0xfffff          S-1-5-21-1179865120-1281977973-     exact
 *                               2018272108-(id - 0x30000)
 *                               (the fixed synthetic local machine
 *                               domain, "FSP Linu xLcl" in ASCII)
 *   any other uid               S-1-22-1-uid        (Unix user)     exact
 *   any other gid               S-1-22-2-gid        (Unix group)    exact
 *   0xffffffff (-1)             invalid (STATUS_INVALID_PARAMETER)
 *
 *   SID -> id only:
 *   S-1-22-1-N, S-1-22-2-N      N (N != 0xffffffff), whatever range N is in
 *   S-1-5-32-N, N < 0x200       N
 *   S-1-5-5-X-Y (logon session) 0xfff (WinFsp's CurrentSession)
 *   anything else               65534 (unmapped)
 *
 * So every uid and gid in 0 .. 0xfffffffe maps to a SID that maps back to it;
 * a uid and a gid with the same number map to the same SID in the WinFsp
 * ranges (as on WinFsp) and to different SIDs elsewhere. WinFsp's primary and
 * trusted domain ranges (0x100000+RID, trustPosixOffset+RID) have no meaning
 * without a domain and belong to the Unix forms here.
 *
 * mode -> DACL
 * ============
 * O, G, E are the owner, group and other rwx bits; for a set of bits,
 * core(bits) is  r: FILE_READ_DATA | FILE_READ_EA,
 *                w: FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA |
 *                   FILE_DELETE_CHILD,
 *                x: FILE_EXECUTE.
 * Everyone gets BASE = FILE_READ_ATTRIBUTES | READ_CONTROL | SYNCHRONIZE; the
 * owner also gets FILE_WRITE_ATTRIBUTES | WRITE_DAC | WRITE_OWNER (a POSIX
 * owner may always chmod and chown-within-policy); a w grant also carries
 * FILE_WRITE_ATTRIBUTES. The DACL, in this order:
 *
 *   1. ALLOW S-1-0-0 (NULL SID)  (mode >> 9) & 7     only if any of 07000
 *   2. DENY  owner   core((G | E) & ~O)              only if not empty
 *   3. ALLOW owner   BASE | owner rights | core(O)
 *   4. DENY  group   core(E & ~G)                    only if not empty
 *   5. ALLOW group   BASE | core(G)
 *   6. ALLOW S-1-1-0 BASE | core(E)
 *
 * The NULL SID is in no token, so ACE 1 grants nothing; it only carries the
 * setuid (mask 4), setgid (2) and sticky (1) bits, as Cygwin records them.
 * The deny ACEs keep a member of a less privileged class from gaining more
 * through a broader one, as POSIX requires. With the sticky bit, w does not
 * grant FILE_DELETE_CHILD to group and others (the owner keeps it), which is
 * what the sticky bit means on a directory. The DACL is marked protected.
 *
 * DACL -> mode
 * ============
 * Each class's rights are computed in ACE order the way an access check does
 * (an allow grants what is not yet denied, a deny denies what is not yet
 * granted), over the ACEs that apply to it: the owner class sees ACEs for the
 * owner SID and Everyone, the group class those for the group SID and
 * Everyone, the other class those for Everyone. Generic rights are mapped;
 * inherit-only ACEs do not apply. Then r = FILE_READ_DATA, w = any of
 * FILE_WRITE_DATA, FILE_APPEND_DATA, FILE_DELETE_CHILD (the access gate of
 * gate.c asks for the one a request needs), x = FILE_EXECUTE. No DACL (or a NULL DACL) is 0777; an
 * empty DACL is 0. Allow or deny ACEs for the NULL SID add their mask & 7 as
 * the 07000 bits.
 *
 * Owner SID == group SID (uid 65534 with gid 65534, or ids in the WinFsp
 * ranges): the ACEs for that SID up to and including its first allow ACE
 * belong to the owner class, the later ones to the group class. In an access
 * check that first allow ACE, with the deny before it, decides every rwx bit
 * for the SID, so the group ACEs after it change nothing for the owner; the
 * mapping back still finds both classes, and every mode round-trips.
 *
 * Merge (chmod/chown): the existing DACL's ACEs that apply to the object
 * (allow/deny, not inherit-only) for the old or new owner, the old or new
 * group, Everyone or the NULL SID are replaced by the ACEs above; every other
 * ACE is kept: explicit deny ACEs before them, the rest after them, in their
 * order. The SACL and the control flags are kept. uid, gid or mode of
 * 0xffffffff (-1) keep the existing owner, group or permissions (as chown(2)).
 */
#include "native/le.h"
#include "native/posixacl.h"
#include "native/security.h"

#include <stdlib.h>
#include <string.h>

#define ID_INVALID      0xffffffffu
#define ID_SESSION      0xfffu
#define LOCAL_SAM_FIRST 0x30000u
#define LOCAL_SAM_LAST  0xfffffu

static const uint32_t local_domain[3] = {1179865120u, 1281977973u, 2018272108u};

#define RID_BUILTIN       32
#define RID_LOGON_SESSION 5
#define RID_NON_UNIQUE    21
#define UNIX_USERS        1
#define UNIX_GROUPS       2

static size_t id_to_sid(uint32_t id, uint32_t unix_kind, void *buf)
{
    uint32_t subs[5];
    if (id == ID_INVALID)
        return 0;
    if (id < 0x200 || id == 1000) {
        subs[0] = id;
        return fsp_sid_init(buf, FSP_SID_MAX_SIZE, FSP_SID_AUTHORITY_NT, 1, subs);
    }
    if (id < 1000) {
        subs[0] = RID_BUILTIN;
        subs[1] = id;
        return fsp_sid_init(buf, FSP_SID_MAX_SIZE, FSP_SID_AUTHORITY_NT, 2, subs);
    }
    if (id == FSP_POSIX_ID_NOBODY) {
        memcpy(buf, fsp_sid_nobody, sizeof fsp_sid_nobody);
        return sizeof fsp_sid_nobody;
    }
    if (id >= LOCAL_SAM_FIRST && id <= LOCAL_SAM_LAST) {
        subs[0] = RID_NON_UNIQUE;
        memcpy(subs + 1, local_domain, sizeof local_domain);
        subs[4] = id - LOCAL_SAM_FIRST;
        return fsp_sid_init(buf, FSP_SID_MAX_SIZE, FSP_SID_AUTHORITY_NT, 5, subs);
    }
    subs[0] = unix_kind;
    subs[1] = id;
    return fsp_sid_init(buf, FSP_SID_MAX_SIZE, FSP_SID_AUTHORITY_UNIX_NFS, 2, subs);
}

size_t fsp_posix_uid_to_sid(uint32_t uid, void *buf)
{
    return id_to_sid(uid, UNIX_USERS, buf);
}

size_t fsp_posix_gid_to_sid(uint32_t gid, void *buf)
{
    return id_to_sid(gid, UNIX_GROUPS, buf);
}

uint32_t fsp_posix_sid_to_id(const void *sid)
{
    uint64_t auth = fsp_sid_authority(sid);
    unsigned n = fsp_sid_sub_count(sid);
    uint32_t s0 = n > 0 ? fsp_sid_sub(sid, 0) : 0, s1 = n > 1 ? fsp_sid_sub(sid, 1) : 0;

    if (auth == FSP_SID_AUTHORITY_NT) {
        if (n == 1 && (s0 < 0x200 || s0 == 1000))
            return s0;
        if (n == 2 && s0 == RID_BUILTIN && s1 < 1000)
            return s1;
        if (n == 3 && s0 == RID_LOGON_SESSION)
            return ID_SESSION;
        if (n == 5 && s0 == RID_NON_UNIQUE && fsp_sid_sub(sid, 1) == local_domain[0] &&
            fsp_sid_sub(sid, 2) == local_domain[1] && fsp_sid_sub(sid, 3) == local_domain[2] &&
            fsp_sid_sub(sid, 4) <= LOCAL_SAM_LAST - LOCAL_SAM_FIRST)
            return LOCAL_SAM_FIRST + fsp_sid_sub(sid, 4);
    } else if (auth == FSP_SID_AUTHORITY_UNIX_NFS) {
        if (n == 2 && (s0 == UNIX_USERS || s0 == UNIX_GROUPS) && s1 != ID_INVALID)
            return s1;
    }
    return FSP_POSIX_ID_NOBODY;
}

FSP_API NTSTATUS FspPosixMapUidToSid(UINT32 Uid, PSID *PSid)
{
    uint8_t buf[FSP_SID_MAX_SIZE];
    *PSid = NULL;
    if (!fsp_posix_uid_to_sid(Uid, buf))
        return STATUS_INVALID_PARAMETER;
    *PSid = fsp_sid_dup(buf);
    return *PSid ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

FSP_API NTSTATUS FspPosixMapSidToUid(PSID Sid, PUINT32 PUid)
{
    if (!fsp_sid_valid_length(Sid, FSP_SID_MAX_SIZE))
        return STATUS_INVALID_PARAMETER;
    *PUid = fsp_posix_sid_to_id(Sid);
    return STATUS_SUCCESS;
}

/* --- mode <-> DACL ------------------------------------------------------------- */

#define R_RIGHTS (FILE_READ_DATA | FILE_READ_EA)
#define W_RIGHTS (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_DELETE_CHILD)
#define X_RIGHTS FILE_EXECUTE

/* Rights for rwx bits (0..7). For allow ACEs, w also grants
 * FILE_WRITE_ATTRIBUTES, and FILE_DELETE_CHILD unless delete_child is false. */
uint32_t fsp_posix_rwx_rights(uint32_t bits, bool allow, bool delete_child)
{
    uint32_t m = 0;
    if (bits & 4)
        m |= R_RIGHTS;
    if (bits & 2) {
        m |= W_RIGHTS;
        if (allow)
            m |= FILE_WRITE_ATTRIBUTES;
        if (allow && !delete_child)
            m &= ~(uint32_t)FILE_DELETE_CHILD;
    }
    if (bits & 1)
        m |= X_RIGHTS;
    return m;
}

/* w is shown for any right of the write class: a directory that lets a user
 * only add subdirectories (FILE_APPEND_DATA) or only delete entries
 * (FILE_DELETE_CHILD), a file open for appending only. The kernel then lets
 * the request through its rwx check, and the access gate (gate.c) asks for
 * the exact right. The descriptors the mapping writes grant the class whole,
 * so for them nothing changes. */
uint32_t fsp_posix_rights_rwx(uint32_t granted)
{
    const uint32_t w = FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_DELETE_CHILD;
    return (granted & FILE_READ_DATA ? 4u : 0u) | (granted & w ? 2u : 0u) |
           (granted & FILE_EXECUTE ? 1u : 0u);
}

/* Is this an ACE the POSIX mapping reads and writes: allow/deny on the object? */
static bool ace_applies(const FSP_ACE *ace)
{
    return (ace->type == ACCESS_ALLOWED_ACE_TYPE || ace->type == ACCESS_DENIED_ACE_TYPE) &&
           ace->sid && !(ace->flags & INHERIT_ONLY_ACE);
}

struct eval {
    uint32_t granted, denied;
};

static void eval_ace(struct eval *e, const FSP_ACE *ace, uint32_t mask)
{
    if (ace->type == ACCESS_ALLOWED_ACE_TYPE)
        e->granted |= mask & ~e->denied;
    else
        e->denied |= mask & ~e->granted;
}

/* Mode (07777 bits) from a DACL that fsp_acl_valid accepted (or NULL). */
static uint32_t dacl_to_mode(const void *dacl, const void *owner, const void *group)
{
    struct eval eo = {0, 0}, eg = {0, 0}, ee = {0, 0};
    uint32_t special = 0, acl_mask = 0;
    bool has_mask = false;
    bool same = owner && group && fsp_sid_equal(owner, group), owner_done = false;
    FSP_ACL_ITER it;
    FSP_ACE ace;

    fsp_acl_iter_init(&it, dacl);
    while (fsp_acl_iter_next(&it, &ace)) {
        if (fsp_pacl_is_mask_ace(&ace, false)) {
            /* A POSIX ACL's mask: it is what the group bits show. */
            has_mask = true;
            acl_mask = ace.mask & 7;
            continue;
        }
        if (!ace_applies(&ace) || (ace.mask & FSP_PACL_MASK_MARK))
            continue;
        uint32_t mask = fsp_map_generic_file_mask(ace.mask);
        if (fsp_sid_equal(ace.sid, fsp_sid_null)) {
            special |= ace.mask & 7;
            continue;
        }
        bool everyone = fsp_sid_equal(ace.sid, fsp_sid_everyone);
        bool is_owner = owner && fsp_sid_equal(ace.sid, owner);
        bool is_group = group && fsp_sid_equal(ace.sid, group);
        if (same && is_owner) {
            /* Split: up to the first allow ACE it is the owner's. */
            is_group = owner_done;
            is_owner = !owner_done;
            if (is_owner && ace.type == ACCESS_ALLOWED_ACE_TYPE)
                owner_done = true;
        }
        if (is_owner || everyone)
            eval_ace(&eo, &ace, mask);
        if (is_group || everyone)
            eval_ace(&eg, &ace, mask);
        if (everyone)
            eval_ace(&ee, &ace, mask);
    }
    return special << 9 | fsp_posix_rights_rwx(eo.granted) << 6 |
           (has_mask ? acl_mask : fsp_posix_rights_rwx(eg.granted)) << 3 |
           fsp_posix_rights_rwx(ee.granted);
}

NTSTATUS fsp_posix_sd_to_perms(const void *sd, size_t len, uint32_t *puid, uint32_t *pgid,
                               uint32_t *pmode)
{
    if (!fsp_sd_valid(sd, len))
        return STATUS_INVALID_SECURITY_DESCR;
    const void *owner = fsp_sd_owner(sd, len), *group = fsp_sd_group(sd, len);
    bool present;
    const void *dacl = fsp_sd_dacl(sd, len, &present);
    if (puid)
        *puid = owner ? fsp_posix_sid_to_id(owner) : FSP_POSIX_ID_NOBODY;
    if (pgid)
        *pgid = group ? fsp_posix_sid_to_id(group) : FSP_POSIX_ID_NOBODY;
    if (pmode)
        *pmode = dacl ? dacl_to_mode(dacl, owner, group) : 0777;
    return STATUS_SUCCESS;
}

/* Is this existing ACE one that the mode mapping replaces? */
static bool ace_replaced(const FSP_ACE *ace, const void *const *sids, int nsids)
{
    if (!ace_applies(ace))
        return false;
    for (int i = 0; i < nsids; i++)
        if (sids[i] && fsp_sid_equal(ace->sid, sids[i]))
            return true;
    return false;
}

NTSTATUS fsp_posix_perms_merge(uint32_t uid, uint32_t gid, uint32_t mode, const void *existing,
                               size_t existing_len, PSECURITY_DESCRIPTOR *psd, size_t *plen)
{
    uint8_t owner_buf[FSP_SID_MAX_SIZE], group_buf[FSP_SID_MAX_SIZE];
    const void *owner = owner_buf, *group = group_buf;
    const void *old_owner = NULL, *old_group = NULL, *old_dacl = NULL, *sacl = NULL;
    uint16_t control = SE_DACL_PROTECTED;
    NTSTATUS st;

    *psd = NULL;
    if (existing) {
        if (!fsp_sd_valid(existing, existing_len))
            return STATUS_INVALID_SECURITY_DESCR;
        old_owner = fsp_sd_owner(existing, existing_len);
        old_group = fsp_sd_group(existing, existing_len);
        old_dacl = fsp_sd_dacl(existing, existing_len, NULL);
        bool sacl_present;
        sacl = fsp_sd_sacl(existing, existing_len, &sacl_present);
        control = fsp_sd_control(existing) &
                  (SE_DACL_AUTO_INHERITED | SE_DACL_PROTECTED | SE_SACL_AUTO_INHERITED |
                   SE_SACL_PROTECTED | SE_SACL_DEFAULTED | (sacl_present ? SE_SACL_PRESENT : 0));
        if (mode == ID_INVALID)
            mode = old_dacl ? dacl_to_mode(old_dacl, old_owner, old_group) : 0777;
    } else if (mode == ID_INVALID) {
        return STATUS_INVALID_PARAMETER;
    }
    if (uid == ID_INVALID) {
        if (!old_owner)
            return STATUS_INVALID_PARAMETER;
        owner = old_owner;
    } else
        fsp_posix_uid_to_sid(uid, owner_buf);
    if (gid == ID_INVALID) {
        if (!old_group)
            return STATUS_INVALID_PARAMETER;
        group = old_group;
    } else
        fsp_posix_gid_to_sid(gid, group_buf);

    uint32_t o = mode >> 6 & 7, g = mode >> 3 & 7, e = mode & 7, special = mode >> 9 & 7;
    bool others_delete_child = !(mode & 01000);
    const void *replaced[] = {old_owner, old_group, owner, group, fsp_sid_everyone, fsp_sid_null};
    const int nreplaced = (int)(sizeof replaced / sizeof replaced[0]);
    FSP_ACL_BUILDER b;
    FSP_ACL_ITER it;
    FSP_ACE ace;

    fsp_acl_builder_init(&b);
    /* Kept explicit deny ACEs go first, where an access check expects them. */
    fsp_acl_iter_init(&it, old_dacl);
    while (fsp_acl_iter_next(&it, &ace))
        if (!ace_replaced(&ace, replaced, nreplaced) && ace.type == ACCESS_DENIED_ACE_TYPE &&
            !(ace.flags & INHERITED_ACE))
            fsp_acl_builder_add_raw(&b, &ace);
    if (special)
        fsp_acl_builder_add(&b, ACCESS_ALLOWED_ACE_TYPE, 0, special, fsp_sid_null);
    if ((g | e) & ~o)
        fsp_acl_builder_add(&b, ACCESS_DENIED_ACE_TYPE, 0,
                            fsp_posix_rwx_rights((g | e) & ~o, false, true), owner);
    fsp_acl_builder_add(&b, ACCESS_ALLOWED_ACE_TYPE, 0,
                        FSP_POSIX_OWNER_RIGHTS | fsp_posix_rwx_rights(o, true, true), owner);
    if (e & ~g)
        fsp_acl_builder_add(&b, ACCESS_DENIED_ACE_TYPE, 0,
                            fsp_posix_rwx_rights(e & ~g, false, true), group);
    fsp_acl_builder_add(&b, ACCESS_ALLOWED_ACE_TYPE, 0,
                        FSP_POSIX_BASE_RIGHTS | fsp_posix_rwx_rights(g, true, others_delete_child),
                        group);
    fsp_acl_builder_add(&b, ACCESS_ALLOWED_ACE_TYPE, 0,
                        FSP_POSIX_BASE_RIGHTS | fsp_posix_rwx_rights(e, true, others_delete_child),
                        fsp_sid_everyone);
    /* Then every other kept ACE, in its order. */
    fsp_acl_iter_init(&it, old_dacl);
    while (fsp_acl_iter_next(&it, &ace))
        if (!ace_replaced(&ace, replaced, nreplaced) &&
            !(ace.type == ACCESS_DENIED_ACE_TYPE && !(ace.flags & INHERITED_ACE)))
            fsp_acl_builder_add_raw(&b, &ace);

    const void *dacl = fsp_acl_builder_acl(&b, NULL, &st);
    if (dacl)
        st = fsp_sd_build(control, owner, group, sacl, dacl, psd, plen);
    fsp_acl_builder_free(&b);
    return st;
}

NTSTATUS fsp_posix_perms_to_sd(uint32_t uid, uint32_t gid, uint32_t mode, const void *existing,
                               size_t existing_len, PSECURITY_DESCRIPTOR *psd, size_t *plen)
{
    /* A descriptor with an extended POSIX ACL: the mode's group bits are
     * its mask, which only the ACL code knows how to apply. */
    if (existing && fsp_sd_valid(existing, existing_len)) {
        const void *dacl = fsp_sd_dacl(existing, existing_len, NULL);
        FSP_ACL_ITER it;
        FSP_ACE ace;
        fsp_acl_iter_init(&it, dacl);
        while (dacl && fsp_acl_iter_next(&it, &ace))
            if (fsp_pacl_is_mask_ace(&ace, false))
                return fsp_pacl_merge_perms(uid, gid, mode, existing, existing_len, psd, plen);
    }
    return fsp_posix_perms_merge(uid, gid, mode, existing, existing_len, psd, plen);
}

FSP_API NTSTATUS FspPosixMapPermissionsToSecurityDescriptor(
    UINT32 Uid, UINT32 Gid, UINT32 Mode, PSECURITY_DESCRIPTOR *PSecurityDescriptor)
{
    *PSecurityDescriptor = NULL;
    if (Uid == ID_INVALID || Gid == ID_INVALID)
        return STATUS_INVALID_PARAMETER;
    return fsp_posix_perms_to_sd(Uid, Gid, Mode & 07777, NULL, 0, PSecurityDescriptor, NULL);
}

FSP_API NTSTATUS FspPosixMergePermissionsToSecurityDescriptor(
    UINT32 Uid, UINT32 Gid, UINT32 Mode, PSECURITY_DESCRIPTOR ExistingSecurityDescriptor,
    PSECURITY_DESCRIPTOR *PSecurityDescriptor)
{
    size_t len = 0;
    *PSecurityDescriptor = NULL;
    if (ExistingSecurityDescriptor) {
        len = fsp_sd_length(ExistingSecurityDescriptor, FSP_SD_MAX_SIZE);
        if (!len)
            return STATUS_INVALID_SECURITY_DESCR;
    }
    if (Mode != ID_INVALID)
        Mode &= 07777;
    return fsp_posix_perms_to_sd(Uid, Gid, Mode, ExistingSecurityDescriptor, len,
                                 PSecurityDescriptor, NULL);
}

/* --- A memo of recent mappings -------------------------------------------------
 * The adapter maps a descriptor to uid, gid and mode for every attribute it
 * reports, and the mapping validates and walks the descriptor several times
 * over: a fifth of the time of a LOOKUP or GETATTR on MEMFS. Yet the same few
 * descriptors come by again and again (every file one user makes under one
 * umask has the same one), so each thread remembers its last few mappings,
 * keyed by the descriptor's bytes. The result is a function of those bytes
 * only, so a hit is exact. */
#define SD_MEMO_WAYS 4
#define SD_MEMO_MAX  256

struct sd_memo {
    uint32_t len; /* 0: empty */
    uint32_t uid, gid, mode;
    uint8_t sd[SD_MEMO_MAX];
};
static __thread struct sd_memo sd_memo[SD_MEMO_WAYS];
static __thread unsigned sd_memo_next;

/* The extent of a small self-relative descriptor, from its header and the
 * sizes its components declare (not validated: a descriptor whose bytes
 * equal a remembered one is that one). 0 when it is larger than the memo
 * keeps or not self-relative. Reads no byte past the extent it returns,
 * except through offsets the header declares, as fsp_sd_length does. */
static size_t sd_memo_span(const uint8_t *p)
{
    uint16_t control = fsp_get_le16(p + 2);
    if (p[0] != SECURITY_DESCRIPTOR_REVISION || !(control & SE_SELF_RELATIVE))
        return 0;
    size_t end = FSP_SD_HEADER_SIZE;
    for (int i = 0; i < 4; i++) {
        static const int field[4] = {4, 8, 12, 16};
        static const uint16_t present[4] = {0, 0, SE_SACL_PRESENT, SE_DACL_PRESENT};
        uint32_t off = fsp_get_le32(p + field[i]);
        if (!off || (present[i] && !(control & present[i])))
            continue;
        if (off < FSP_SD_HEADER_SIZE || off > SD_MEMO_MAX - 8)
            return 0;
        size_t size = present[i] ? (size_t)fsp_get_le16(p + off + 2)
                                 : FSP_SID_HEADER_SIZE + 4 * (size_t)p[off + 1];
        if (off + size > SD_MEMO_MAX)
            return 0;
        if (off + size > end)
            end = off + size;
    }
    return end;
}

FSP_API NTSTATUS FspPosixMapSecurityDescriptorToPermissions(PSECURITY_DESCRIPTOR SecurityDescriptor,
                                                            PUINT32 PUid, PUINT32 PGid,
                                                            PUINT32 PMode)
{
    const uint8_t *p = SecurityDescriptor;
    size_t span = p ? sd_memo_span(p) : 0;
    for (unsigned i = 0; span && i < SD_MEMO_WAYS; i++) {
        const struct sd_memo *m = &sd_memo[i];
        if (m->len == span && memcmp(m->sd, p, span) == 0) {
            if (PUid)
                *PUid = m->uid;
            if (PGid)
                *PGid = m->gid;
            if (PMode)
                *PMode = m->mode;
            return STATUS_SUCCESS;
        }
    }
    size_t len = fsp_sd_length(SecurityDescriptor, FSP_SD_MAX_SIZE);
    if (!len)
        return STATUS_INVALID_SECURITY_DESCR;
    uint32_t uid, gid, mode;
    NTSTATUS st = fsp_posix_sd_to_perms(SecurityDescriptor, len, &uid, &gid, &mode);
    if (!NT_SUCCESS(st))
        return st;
    if (span == len) {
        struct sd_memo *m = &sd_memo[sd_memo_next++ % SD_MEMO_WAYS];
        m->len = (uint32_t)len;
        m->uid = uid;
        m->gid = gid;
        m->mode = mode;
        memcpy(m->sd, p, len);
    }
    if (PUid)
        *PUid = uid;
    if (PGid)
        *PGid = gid;
    if (PMode)
        *PMode = mode;
    return STATUS_SUCCESS;
}
