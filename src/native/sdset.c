/*
 * native/sdset.c - descriptors for new objects (inheritance from the parent
 * directory) and for SetSecurity (merging a modification into a descriptor):
 * FspCreateSecurityDescriptor and FspSetSecurityDescriptor.
 *
 * Inheritance
 * ===========
 * Windows' rules, for each ACE of the parent's DACL (and SACL) with
 * OBJECT_INHERIT (OI) or CONTAINER_INHERIT (CI):
 *
 *   new object  ACE flags      result
 *   ----------  -------------  ---------------------------------------------
 *   file        OI             effective ACE
 *   file        CI only        nothing
 *   directory   CI             effective ACE, and inheritable further (its
 *                              OI/CI kept) unless NO_PROPAGATE (NP)
 *   directory   OI only        inherit-only ACE (OI IO) for the files below,
 *                              nothing with NP
 *
 * Every inherited ACE carries INHERITED_ACE (ID); NP and IO of the parent's
 * ACE are not copied. In an effective ACE, CREATOR OWNER (S-1-3-0) and
 * CREATOR GROUP (S-1-3-1) become the creator's user and primary group and
 * generic rights are mapped to file rights; an ACE that also stays
 * inheritable and needed either change is split in two, as Windows does: the
 * effective ACE (flags ID) followed by the original as inherit-only
 * (OI/CI IO ID). Audit flags (SA, FA) are kept. ACE types other than allow,
 * deny, audit, alarm and label are copied with their flags adjusted only.
 *
 * Without any inherited DACL ACE (no parent, no DACL or a NULL DACL, nothing
 * inheritable), the new object gets the creator's default DACL, as Windows'
 * default token DACL: (A;;FA;;;<user>)(A;;FA;;;SY). The owner is the
 * creator's user, the group its primary group. SE_DACL_AUTO_INHERITED (and
 * the SACL one) is set when the parent has it and ACEs were inherited.
 *
 * SetSecurity
 * ===========
 * fsp_sd_merge keeps the input descriptor except for the parts info names:
 * OWNER / GROUP take the modification's (which must have one:
 * STATUS_INVALID_OWNER / STATUS_INVALID_PRIMARY_GROUP), DACL / SACL take the
 * modification's ACL as it is (present, NULL or absent) with its PROTECTED,
 * AUTO_INHERITED and AUTO_INHERIT_REQ control bits, then
 * PROTECTED_/UNPROTECTED_DACL_SECURITY_INFORMATION (and _SACL_) set or clear
 * SE_DACL_PROTECTED (SE_SACL_PROTECTED). LABEL_SECURITY_INFORMATION alone
 * replaces just the SACL's mandatory label ACEs. As Windows'
 * SetPrivateObjectSecurity, generic rights in the new ACLs' effective ACEs
 * are mapped. Unprotecting a DACL does not re-inherit the parent's ACEs here
 * (the parent is not known): the file system may do it.
 */
#include "native/security.h"

#include <stdlib.h>
#include <string.h>

/* Types whose layout is header, mask, SID (the builder's simple ACEs). */
static bool simple_type(uint8_t type)
{
    return type == ACCESS_ALLOWED_ACE_TYPE || type == ACCESS_DENIED_ACE_TYPE ||
           type == SYSTEM_AUDIT_ACE_TYPE || type == SYSTEM_ALARM_ACE_TYPE ||
           type == SYSTEM_MANDATORY_LABEL_ACE_TYPE;
}

/* Simple ACEs that are exactly header, mask and SID (no trailing data). */
static bool rebuildable(const FSP_ACE *ace)
{
    return simple_type(ace->type) && ace->sid &&
           (size_t)ace->size == FSP_ACE_HEADER_SIZE + 4 + ace->sid_len;
}

/* Copy an ACE with new flags (and, for rebuildable ACEs, mask and SID). */
static void add_ace(FSP_ACL_BUILDER *b, const FSP_ACE *ace, uint8_t flags, uint32_t mask,
                    const void *sid)
{
    if (rebuildable(ace)) {
        fsp_acl_builder_add(b, ace->type, flags, mask, sid);
        return;
    }
    uint8_t *copy = malloc(ace->size);
    if (!copy) {
        if (!b->error)
            b->error = STATUS_INSUFFICIENT_RESOURCES;
        return;
    }
    memcpy(copy, ace->raw, ace->size);
    copy[1] = flags;
    FSP_ACE c = *ace;
    c.raw = copy;
    c.flags = flags;
    fsp_acl_builder_add_raw(b, &c);
    free(copy);
}

/* Append to b what acl passes on to a new object; returns the ACE count added. */
static unsigned inherit_acl(FSP_ACL_BUILDER *b, const void *acl, bool is_dir,
                            const FSP_TOKEN *token, const GENERIC_MAPPING *map)
{
    unsigned before = b->count;
    FSP_ACL_ITER it;
    FSP_ACE ace;
    fsp_acl_iter_init(&it, acl);
    while (fsp_acl_iter_next(&it, &ace)) {
        uint8_t f = ace.flags;
        bool oi = f & OBJECT_INHERIT_ACE, ci = f & CONTAINER_INHERIT_ACE;
        bool np = f & NO_PROPAGATE_INHERIT_ACE;
        bool effective, inheritable;
        if (!is_dir) {
            effective = oi;
            inheritable = false;
        } else {
            effective = ci;
            inheritable = (oi || ci) && !np;
        }
        if (!effective && !inheritable)
            continue;
        uint8_t audit = f & (SUCCESSFUL_ACCESS_ACE_FLAG | FAILED_ACCESS_ACE_FLAG);
        uint8_t keep = (uint8_t)(f & (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE));
        const void *sid = ace.sid;
        uint32_t mask = ace.mask;
        if (rebuildable(&ace)) {
            if (fsp_sid_equal(sid, fsp_sid_creator_owner))
                sid = token->user;
            else if (fsp_sid_equal(sid, fsp_sid_creator_group))
                sid = token->group;
            mask = fsp_map_generic(mask, map);
        }
        bool changed = sid != ace.sid || mask != ace.mask;
        if (effective && inheritable && !changed) {
            add_ace(b, &ace, keep | INHERITED_ACE | audit, ace.mask, ace.sid);
            continue;
        }
        if (effective)
            add_ace(b, &ace, INHERITED_ACE | audit, mask, sid);
        if (inheritable)
            add_ace(b, &ace, keep | INHERIT_ONLY_ACE | INHERITED_ACE | audit, ace.mask, ace.sid);
    }
    return b->count - before;
}

NTSTATUS fsp_sd_inherit(const void *parent, size_t parent_len, bool is_dir, const FSP_TOKEN *token,
                        const GENERIC_MAPPING *map, PSECURITY_DESCRIPTOR *psd, size_t *plen)
{
    const void *pdacl = NULL, *psacl = NULL;
    uint16_t pcontrol = 0, control = 0;
    FSP_ACL_BUILDER bd, bs;
    NTSTATUS st, st2;

    *psd = NULL;
    if (parent) {
        if (!fsp_sd_valid(parent, parent_len))
            return STATUS_INVALID_SECURITY_DESCR;
        pdacl = fsp_sd_dacl(parent, parent_len, NULL);
        psacl = fsp_sd_sacl(parent, parent_len, NULL);
        pcontrol = fsp_sd_control(parent);
    }
    fsp_acl_builder_init(&bd);
    fsp_acl_builder_init(&bs);
    if (inherit_acl(&bd, pdacl, is_dir, token, map)) {
        if (pcontrol & SE_DACL_AUTO_INHERITED)
            control |= SE_DACL_AUTO_INHERITED;
    } else {
        fsp_acl_builder_add(&bd, ACCESS_ALLOWED_ACE_TYPE, 0, FILE_ALL_ACCESS, token->user);
        fsp_acl_builder_add(&bd, ACCESS_ALLOWED_ACE_TYPE, 0, FILE_ALL_ACCESS, fsp_sid_system);
    }
    bool have_sacl = inherit_acl(&bs, psacl, is_dir, token, map) != 0;
    if (have_sacl && (pcontrol & SE_SACL_AUTO_INHERITED))
        control |= SE_SACL_AUTO_INHERITED;
    const void *dacl = fsp_acl_builder_acl(&bd, NULL, &st);
    const void *sacl = have_sacl ? fsp_acl_builder_acl(&bs, NULL, &st2) : NULL;
    if (have_sacl && !sacl)
        st = st2;
    if (dacl && (!have_sacl || sacl))
        st = fsp_sd_build(control, token->user, token->group, sacl, dacl, psd, plen);
    fsp_acl_builder_free(&bd);
    fsp_acl_builder_free(&bs);
    return st;
}

/* Copy acl into b; with map, generic rights of effective ACEs are mapped. */
static void map_acl(FSP_ACL_BUILDER *b, const void *acl, const GENERIC_MAPPING *map,
                    bool label_only, bool skip_labels)
{
    FSP_ACL_ITER it;
    FSP_ACE ace;
    fsp_acl_iter_init(&it, acl);
    while (fsp_acl_iter_next(&it, &ace)) {
        bool label = ace.type == SYSTEM_MANDATORY_LABEL_ACE_TYPE;
        if ((label_only && !label) || (skip_labels && label))
            continue;
        uint32_t mask = ace.mask;
        if (map && rebuildable(&ace) && !label && !(ace.flags & INHERIT_ONLY_ACE))
            mask = fsp_map_generic(mask, map);
        add_ace(b, &ace, ace.flags, mask, ace.sid);
    }
}

NTSTATUS fsp_sd_merge(const void *in, size_t in_len, SECURITY_INFORMATION info, const void *mod,
                      size_t mod_len, const GENERIC_MAPPING *map, PSECURITY_DESCRIPTOR *psd,
                      size_t *plen)
{
    *psd = NULL;
    if (!fsp_sd_valid(in, in_len) || !fsp_sd_valid(mod, mod_len))
        return STATUS_INVALID_SECURITY_DESCR;
    uint16_t ic = fsp_sd_control(in), mc = fsp_sd_control(mod), control = 0;
    const uint16_t dacl_bits =
        SE_DACL_PROTECTED | SE_DACL_AUTO_INHERITED | SE_DACL_AUTO_INHERIT_REQ | SE_DACL_DEFAULTED;
    const uint16_t sacl_bits =
        SE_SACL_PROTECTED | SE_SACL_AUTO_INHERITED | SE_SACL_AUTO_INHERIT_REQ | SE_SACL_DEFAULTED;

    const void *owner = fsp_sd_owner(in, in_len), *group = fsp_sd_group(in, in_len);
    control |= ic & (SE_OWNER_DEFAULTED | SE_GROUP_DEFAULTED);
    if (info & OWNER_SECURITY_INFORMATION) {
        owner = fsp_sd_owner(mod, mod_len);
        if (!owner)
            return STATUS_INVALID_OWNER;
        control = (uint16_t)((control & ~SE_OWNER_DEFAULTED) | (mc & SE_OWNER_DEFAULTED));
    }
    if (info & GROUP_SECURITY_INFORMATION) {
        group = fsp_sd_group(mod, mod_len);
        if (!group)
            return STATUS_INVALID_PRIMARY_GROUP;
        control = (uint16_t)((control & ~SE_GROUP_DEFAULTED) | (mc & SE_GROUP_DEFAULTED));
    }

    /* For each ACL (0: DACL, 1: SACL): present, built (not a NULL ACL), result. */
    bool present[2], built[2];
    const void *acl[2];
    FSP_ACL_BUILDER b[2];
    NTSTATUS st = STATUS_SUCCESS;
    fsp_acl_builder_init(&b[0]);
    fsp_acl_builder_init(&b[1]);
    for (int i = 0; i < 2; i++) {
        bool sacl = i == 1;
        uint32_t which = sacl ? SACL_SECURITY_INFORMATION : DACL_SECURITY_INFORMATION;
        uint16_t bits = sacl ? sacl_bits : dacl_bits;
        uint16_t pflag = sacl ? SE_SACL_PROTECTED : SE_DACL_PROTECTED;
        bool in_present, mod_present;
        const void *in_acl =
            sacl ? fsp_sd_sacl(in, in_len, &in_present) : fsp_sd_dacl(in, in_len, &in_present);
        const void *mod_acl = sacl ? fsp_sd_sacl(mod, mod_len, &mod_present)
                                   : fsp_sd_dacl(mod, mod_len, &mod_present);
        acl[i] = NULL;
        built[i] = false;
        if (info & which) {
            present[i] = mod_present;
            control |= mc & bits;
            if (mod_acl) {
                map_acl(&b[i], mod_acl, map, false, false);
                built[i] = true;
            }
            if (info &
                (sacl ? PROTECTED_SACL_SECURITY_INFORMATION : PROTECTED_DACL_SECURITY_INFORMATION))
                control |= pflag;
            else if (info & (sacl ? UNPROTECTED_SACL_SECURITY_INFORMATION
                                  : UNPROTECTED_DACL_SECURITY_INFORMATION))
                control &= (uint16_t)~pflag;
        } else if (sacl && (info & LABEL_SECURITY_INFORMATION)) {
            /* The input's SACL without labels, then the modification's labels. */
            present[i] = in_present || mod_present;
            control |= ic & bits;
            map_acl(&b[i], in_acl, NULL, false, true);
            map_acl(&b[i], mod_acl, NULL, true, false);
            built[i] = in_acl || mod_acl;
        } else {
            present[i] = in_present;
            control |= ic & bits;
            if (in_acl) {
                map_acl(&b[i], in_acl, NULL, false, false);
                built[i] = true;
            }
        }
        if (built[i]) {
            acl[i] = fsp_acl_builder_acl(&b[i], NULL, &st);
            if (!acl[i])
                break;
        }
        if (present[i])
            control |= sacl ? SE_SACL_PRESENT : SE_DACL_PRESENT;
    }
    if (NT_SUCCESS(st))
        st = fsp_sd_build(control, owner, group, acl[1], acl[0], psd, plen);
    fsp_acl_builder_free(&b[0]);
    fsp_acl_builder_free(&b[1]);
    return st;
}

/* --- Public API ------------------------------------------------------------------------ */

FSP_API NTSTATUS FspCreateSecurityDescriptor(FSP_FILE_SYSTEM *FileSystem,
                                             FSP_FSCTL_TRANSACT_REQ *Request,
                                             PSECURITY_DESCRIPTOR ParentDescriptor,
                                             PSECURITY_DESCRIPTOR *PSecurityDescriptor)
{
    FSP_TOKEN token;
    size_t len = 0;
    *PSecurityDescriptor = NULL;
    if (!Request || Request->Kind != FspFsctlTransactCreateKind)
        return STATUS_INVALID_PARAMETER;
    if (ParentDescriptor) {
        len = fsp_sd_length(ParentDescriptor, FSP_SD_MAX_SIZE);
        if (!len)
            return STATUS_INVALID_SECURITY_DESCR;
    }
    NTSTATUS st = fsp_token_from_access_token(&token, Request->Req.Create.AccessToken);
    if (!NT_SUCCESS(st))
        return st;
    st = fsp_sd_inherit(ParentDescriptor, len,
                        (Request->Req.Create.CreateOptions & FILE_DIRECTORY_FILE) != 0, &token,
                        FspGetFileGenericMapping(), PSecurityDescriptor, NULL);
    fsp_token_free(&token);
    return st;
}

FSP_API NTSTATUS FspSetSecurityDescriptor(PSECURITY_DESCRIPTOR InputDescriptor,
                                          SECURITY_INFORMATION SecurityInformation,
                                          PSECURITY_DESCRIPTOR ModificationDescriptor,
                                          PSECURITY_DESCRIPTOR *PSecurityDescriptor)
{
    *PSecurityDescriptor = NULL;
    if (!InputDescriptor)
        return STATUS_NO_SECURITY_ON_OBJECT;
    size_t in_len = fsp_sd_length(InputDescriptor, FSP_SD_MAX_SIZE);
    size_t mod_len =
        ModificationDescriptor ? fsp_sd_length(ModificationDescriptor, FSP_SD_MAX_SIZE) : 0;
    if (!in_len || !mod_len)
        return STATUS_INVALID_SECURITY_DESCR;
    return fsp_sd_merge(InputDescriptor, in_len, SecurityInformation, ModificationDescriptor,
                        mod_len, FspGetFileGenericMapping(), PSecurityDescriptor, NULL);
}
