/*
 * test_posixacl.c - POSIX ACLs <-> DACLs (posixacl.c): the xattr format and
 * its validation, access and default ACLs stored in a descriptor and read
 * back, the mode they imply, chmod's effect on the mask, what an access
 * check of the resulting DACL grants, inheritance by new files, and how a
 * Windows deny ACE reads as a POSIX entry.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "native/posixacl.h"
#include "native/security.h"

static const GENERIC_MAPPING file_map = {FILE_GENERIC_READ, FILE_GENERIC_WRITE,
                                         FILE_GENERIC_EXECUTE, FILE_ALL_ACCESS};

/* An ACL from "tag:id:perm" triples: tag u/U/g/G/m/o (U, G: named). */
static void make_acl(struct fsp_pacl *acl, const char *spec)
{
    memset(acl, 0, sizeof *acl);
    while (*spec) {
        char t = spec[0];
        char *end;
        uint32_t id = (uint32_t)strtoul(spec + 2, &end, 10);
        uint16_t perm = (uint16_t)strtoul(end + 1, &end, 8);
        uint16_t tag = t == 'u'   ? FSP_PACL_USER_OBJ
                       : t == 'U' ? FSP_PACL_USER
                       : t == 'g' ? FSP_PACL_GROUP_OBJ
                       : t == 'G' ? FSP_PACL_GROUP
                       : t == 'm' ? FSP_PACL_MASK
                                  : FSP_PACL_OTHER;
        acl->e[acl->count++] = (struct fsp_pacl_entry){tag, perm, id};
        spec = *end ? end + 1 : end;
    }
    /* Canonical order through the xattr form. */
    uint8_t buf[4 + 8 * FSP_PACL_MAX];
    size_t n = fsp_pacl_to_xattr(acl, buf, sizeof buf);
    fsp_pacl_from_xattr(buf, n, acl);
}

static bool acl_equal(const struct fsp_pacl *a, const struct fsp_pacl *b)
{
    if (a->count != b->count)
        return false;
    for (unsigned i = 0; i < a->count; i++)
        if (a->e[i].tag != b->e[i].tag || a->e[i].perm != b->e[i].perm ||
            ((a->e[i].tag == FSP_PACL_USER || a->e[i].tag == FSP_PACL_GROUP) &&
             a->e[i].id != b->e[i].id))
            return false;
    return true;
}

static size_t sdlen(const void *sd)
{
    return fsp_sd_length(sd, FSP_SD_MAX_SIZE);
}

/* A file of uid 1001, gid 1002 with mode. */
static PSECURITY_DESCRIPTOR file_sd(uint32_t mode)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    fsp_posix_perms_to_sd(1001, 1002, mode, NULL, 0, &sd, NULL);
    return sd;
}

static PSECURITY_DESCRIPTOR with_acl(PSECURITY_DESCRIPTOR sd, bool dflt, const char *spec)
{
    struct fsp_pacl acl;
    PSECURITY_DESCRIPTOR out = NULL;
    if (spec)
        make_acl(&acl, spec);
    NTSTATUS st = fsp_pacl_to_sd(sd, sdlen(sd), dflt, spec ? &acl : NULL, &out, NULL);
    CHECK_EQ_INT(st, STATUS_SUCCESS);
    free(sd);
    return out;
}

static uint32_t mode_of(const void *sd)
{
    uint32_t mode = 0;
    fsp_posix_sd_to_perms(sd, sdlen(sd), NULL, NULL, &mode);
    return mode;
}

/* Does uid (primary gid, one more group or -1) get `want` on sd? */
static bool allowed(const void *sd, uint32_t uid, uint32_t gid, uint32_t group, uint32_t want)
{
    FSP_TOKEN t;
    uint32_t granted;
    fsp_token_from_ids(&t, uid, gid, group == 0xffffffffu ? NULL : &group,
                       group == 0xffffffffu ? 0 : 1);
    NTSTATUS st = fsp_access_check(sd, sdlen(sd), &t, want, &file_map, &granted);
    fsp_token_free(&t);
    return NT_SUCCESS(st);
}

TEST(xattr_format_and_validation)
{
    struct fsp_pacl acl, back;
    make_acl(&acl, "u:0:6,U:70000:4,g:0:4,G:65534:6,m:0:6,o:0:4");
    CHECK_EQ_INT(acl.count, 6);
    uint8_t buf[128];
    size_t n = fsp_pacl_to_xattr(&acl, buf, sizeof buf);
    CHECK_EQ_INT(n, 4 + 6 * 8);
    CHECK_EQ_INT(fsp_pacl_to_xattr(&acl, NULL, 0), n);
    CHECK_EQ_INT(buf[0], 2); /* version, little-endian */
    CHECK_EQ_INT(fsp_pacl_from_xattr(buf, n, &back), 0);
    CHECK(acl_equal(&acl, &back));
    /* Kernel order: USER_OBJ, USER, GROUP_OBJ, GROUP, MASK, OTHER. */
    CHECK_EQ_INT(back.e[1].tag, FSP_PACL_USER);
    CHECK_EQ_INT(back.e[1].id, 70000);

    CHECK_EQ_INT(fsp_pacl_from_xattr(buf, n - 1, &back), -EINVAL);
    buf[0] = 1;
    CHECK_EQ_INT(fsp_pacl_from_xattr(buf, n, &back), -EINVAL);
    buf[0] = 2;
    /* Named entries without a mask, duplicates, a missing base entry. */
    struct fsp_pacl bad = {.count = 4,
                           .e = {{FSP_PACL_USER_OBJ, 6, 0},
                                 {FSP_PACL_USER, 4, 5},
                                 {FSP_PACL_GROUP_OBJ, 4, 0},
                                 {FSP_PACL_OTHER, 4, 0}}};
    n = fsp_pacl_to_xattr(&bad, buf, sizeof buf);
    CHECK_EQ_INT(fsp_pacl_from_xattr(buf, n, &back), -EINVAL);
    bad.e[1] = (struct fsp_pacl_entry){FSP_PACL_OTHER, 4, 0};
    n = fsp_pacl_to_xattr(&bad, buf, sizeof buf);
    CHECK_EQ_INT(fsp_pacl_from_xattr(buf, n, &back), -EINVAL);
    bad.count = 2;
    n = fsp_pacl_to_xattr(&bad, buf, sizeof buf);
    CHECK_EQ_INT(fsp_pacl_from_xattr(buf, n, &back), -EINVAL);
}

TEST(plain_mode_has_no_acl)
{
    PSECURITY_DESCRIPTOR sd = file_sd(0640);
    struct fsp_pacl acl;
    CHECK_EQ_INT(fsp_pacl_from_sd(sd, sdlen(sd), false, &acl), STATUS_NOT_FOUND);
    CHECK_EQ_INT(fsp_pacl_from_sd(sd, sdlen(sd), true, &acl), STATUS_NOT_FOUND);
    free(sd);
}

TEST(access_acl_round_trip_and_mode)
{
    PSECURITY_DESCRIPTOR sd = with_acl(
        file_sd(0640), false, "u:0:6,U:65534:4,U:70000:7,g:0:4,G:70001:6,G:1000:1,m:0:7,o:0:0");
    struct fsp_pacl want, got;
    make_acl(&want, "u:0:6,U:65534:4,U:70000:7,g:0:4,G:70001:6,G:1000:1,m:0:7,o:0:0");
    CHECK_EQ_INT(fsp_pacl_from_sd(sd, sdlen(sd), false, &got), STATUS_SUCCESS);
    CHECK(acl_equal(&want, &got));   /* 65534 and 1000 keep user/group apart */
    CHECK_EQ_INT(mode_of(sd), 0670); /* group bits are the mask */
    uint32_t uid, gid;
    fsp_posix_sd_to_perms(sd, sdlen(sd), &uid, &gid, NULL);
    CHECK_EQ_INT(uid, 1001);
    CHECK_EQ_INT(gid, 1002);

    /* A Windows access check agrees with the POSIX rules. */
    CHECK(allowed(sd, 65534, 65534, 0xffffffffu, FILE_READ_DATA));
    CHECK(!allowed(sd, 65534, 65534, 0xffffffffu, FILE_WRITE_DATA));
    CHECK(allowed(sd, 70000, 5, 0xffffffffu, FILE_WRITE_DATA | FILE_EXECUTE));
    CHECK(allowed(sd, 4242, 4242, 70001, FILE_WRITE_DATA));
    CHECK(!allowed(sd, 4242, 4242, 70001, FILE_EXECUTE));
    CHECK(!allowed(sd, 4242, 4242, 0xffffffffu, FILE_READ_DATA)); /* other: --- */
    CHECK(allowed(sd, 4242, 1002, 0xffffffffu, FILE_READ_DATA));  /* group:: r */
    CHECK(!allowed(sd, 4242, 1002, 0xffffffffu, FILE_WRITE_DATA));

    /* Removing it keeps the mode (group bits = the old mask). */
    sd = with_acl(sd, false, NULL);
    CHECK_EQ_INT(fsp_pacl_from_sd(sd, sdlen(sd), false, &got), STATUS_NOT_FOUND);
    CHECK_EQ_INT(mode_of(sd), 0670);
    free(sd);
}

TEST(chmod_sets_the_mask_and_keeps_entries)
{
    PSECURITY_DESCRIPTOR sd = with_acl(file_sd(0640), false, "u:0:6,U:65534:6,g:0:4,m:0:6,o:0:4");
    PSECURITY_DESCRIPTOR narrowed = NULL, widened = NULL;
    CHECK_EQ_INT(
        fsp_posix_perms_to_sd(0xffffffffu, 0xffffffffu, 02640, sd, sdlen(sd), &narrowed, NULL),
        STATUS_SUCCESS);
    struct fsp_pacl want, got;
    make_acl(&want, "u:0:6,U:65534:6,g:0:4,m:0:4,o:0:0");
    CHECK_EQ_INT(fsp_pacl_from_sd(narrowed, sdlen(narrowed), false, &got), STATUS_SUCCESS);
    CHECK(acl_equal(&want, &got));
    CHECK_EQ_INT(mode_of(narrowed), 02640);
    CHECK(!allowed(narrowed, 65534, 65534, 0xffffffffu, FILE_WRITE_DATA)); /* masked */
    CHECK(allowed(narrowed, 65534, 65534, 0xffffffffu, FILE_READ_DATA));
    CHECK_EQ_INT(fsp_posix_perms_to_sd(0xffffffffu, 0xffffffffu, 0664, narrowed, sdlen(narrowed),
                                       &widened, NULL),
                 STATUS_SUCCESS);
    make_acl(&want, "u:0:6,U:65534:6,g:0:4,m:0:6,o:0:4");
    CHECK_EQ_INT(fsp_pacl_from_sd(widened, sdlen(widened), false, &got), STATUS_SUCCESS);
    CHECK(acl_equal(&want, &got));
    CHECK(allowed(widened, 65534, 65534, 0xffffffffu, FILE_WRITE_DATA));
    CHECK_EQ_INT(mode_of(widened), 0664);
    /* chown keeps the ACL. */
    PSECURITY_DESCRIPTOR owned = NULL;
    CHECK_EQ_INT(fsp_posix_perms_to_sd(70000, 0xffffffffu, 0xffffffffu, widened, sdlen(widened),
                                       &owned, NULL),
                 STATUS_SUCCESS);
    CHECK_EQ_INT(fsp_pacl_from_sd(owned, sdlen(owned), false, &got), STATUS_SUCCESS);
    CHECK(acl_equal(&want, &got));
    free(sd);
    free(narrowed);
    free(widened);
    free(owned);
}

TEST(default_acl_and_inheritance)
{
    PSECURITY_DESCRIPTOR dir =
        with_acl(file_sd(040755), true, "u:0:7,U:65534:5,g:0:5,G:70001:7,m:0:7,o:0:5");
    struct fsp_pacl want, got;
    make_acl(&want, "u:0:7,U:65534:5,g:0:5,G:70001:7,m:0:7,o:0:5");
    CHECK_EQ_INT(fsp_pacl_from_sd(dir, sdlen(dir), true, &got), STATUS_SUCCESS);
    CHECK(acl_equal(&want, &got));
    /* The directory's own access is unchanged by its default ACL. */
    CHECK_EQ_INT(fsp_pacl_from_sd(dir, sdlen(dir), false, &got), STATUS_NOT_FOUND);
    CHECK_EQ_INT(mode_of(dir), 0755);
    CHECK(!allowed(dir, 70000, 70001, 0xffffffffu, FILE_WRITE_DATA));

    /* A file made with mode 0666: the mask and the rest cut by it. */
    PSECURITY_DESCRIPTOR file = NULL, sub = NULL;
    CHECK_EQ_INT(fsp_pacl_inherit(dir, sdlen(dir), 1001, 1002, 0666, false, &file, NULL),
                 STATUS_SUCCESS);
    make_acl(&want, "u:0:6,U:65534:5,g:0:5,G:70001:7,m:0:6,o:0:4");
    CHECK_EQ_INT(fsp_pacl_from_sd(file, sdlen(file), false, &got), STATUS_SUCCESS);
    CHECK(acl_equal(&want, &got));
    CHECK_EQ_INT(mode_of(file), 0664);
    CHECK_EQ_INT(fsp_pacl_from_sd(file, sdlen(file), true, &got), STATUS_NOT_FOUND);
    CHECK(allowed(file, 4242, 4242, 70001, FILE_WRITE_DATA));
    CHECK(!allowed(file, 4242, 4242, 70001, FILE_EXECUTE)); /* masked */

    /* A directory inherits the default ACL as its own default too. */
    CHECK_EQ_INT(fsp_pacl_inherit(dir, sdlen(dir), 1001, 1002, 0777, true, &sub, NULL),
                 STATUS_SUCCESS);
    make_acl(&want, "u:0:7,U:65534:5,g:0:5,G:70001:7,m:0:7,o:0:5");
    CHECK_EQ_INT(fsp_pacl_from_sd(sub, sdlen(sub), true, &got), STATUS_SUCCESS);
    CHECK(acl_equal(&want, &got));
    CHECK_EQ_INT(fsp_pacl_from_sd(sub, sdlen(sub), false, &got), STATUS_SUCCESS);
    CHECK(acl_equal(&want, &got));

    /* Without a default ACL there is nothing to inherit. */
    PSECURITY_DESCRIPTOR plain = file_sd(040755), none = NULL;
    CHECK_EQ_INT(fsp_pacl_inherit(plain, sdlen(plain), 1, 1, 0666, false, &none, NULL),
                 STATUS_NOT_FOUND);
    CHECK(none == NULL);
    /* Removing the default ACL (setfacl -k). */
    dir = with_acl(dir, true, NULL);
    CHECK_EQ_INT(fsp_pacl_from_sd(dir, sdlen(dir), true, &got), STATUS_NOT_FOUND);
    CHECK_EQ_INT(mode_of(dir), 0755);
    free(dir);
    free(file);
    free(sub);
    free(plain);
}

TEST(windows_deny_ace_reads_as_an_entry)
{
    /* 0666 with a deny of read for uid 70000, put first as Windows would. */
    PSECURITY_DESCRIPTOR sd = NULL;
    size_t len = 0;
    CHECK_EQ_INT(fsp_sddl_to_sd("O:S-1-5-0G:S-1-5-0D:P(D;;FR;;;S-1-22-1-70000)"
                                "(A;;FA;;;S-1-5-0)(A;;0x12019f;;;WD)",
                                &sd, &len),
                 0);
    struct fsp_pacl want, got;
    make_acl(&want, "u:0:7,U:70000:2,g:0:7,m:0:7,o:0:6");
    CHECK_EQ_INT(fsp_pacl_from_sd(sd, len, false, &got), STATUS_SUCCESS);
    CHECK_EQ_INT(got.count, want.count);
    CHECK_EQ_INT(got.e[1].id, 70000);
    CHECK_EQ_INT(got.e[1].perm, 2); /* w from Everyone, r denied */
    CHECK_EQ_INT(got.e[got.count - 1].perm, 6);
    free(sd);
}

/* Does sd's DACL hold an ACE for sid (string) with these flags? */
static bool has_ace(const void *sd, const char *sidstr, uint8_t flags)
{
    uint8_t sid[FSP_SID_MAX_SIZE];
    fsp_sid_from_string(sidstr, sid, sizeof sid);
    FSP_ACL_ITER it;
    FSP_ACE ace;
    fsp_acl_iter_init(&it, fsp_sd_dacl(sd, sdlen(sd), NULL));
    while (fsp_acl_iter_next(&it, &ace))
        if (ace.sid && fsp_sid_equal(ace.sid, sid) && ace.flags == flags)
            return true;
    return false;
}

TEST(aces_the_posix_view_cannot_show_are_kept)
{
    /* A domain user (no uid) allowed and inheriting: setfacl and
     * setfacl -d/-k must leave its ACEs alone. */
    PSECURITY_DESCRIPTOR sd = NULL;
    CHECK_EQ_INT(fsp_sddl_to_sd("O:S-1-22-1-1001G:S-1-22-2-1002D:P(A;;FA;;;S-1-22-1-1001)"
                                "(A;;FR;;;S-1-5-21-1-2-3-4)(A;OICIIO;FR;;;S-1-5-21-1-2-3-5)"
                                "(A;;FR;;;WD)",
                                &sd, NULL),
                 0);
    sd = with_acl(sd, false, "u:0:6,U:65534:4,g:0:4,m:0:4,o:0:4");
    CHECK(has_ace(sd, "S-1-5-21-1-2-3-4", 0));
    CHECK(has_ace(sd, "S-1-5-21-1-2-3-5",
                  OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE | INHERIT_ONLY_ACE));
    sd = with_acl(sd, true, "u:0:7,g:0:5,o:0:5");
    sd = with_acl(sd, true, NULL);
    sd = with_acl(sd, false, NULL);
    CHECK(has_ace(sd, "S-1-5-21-1-2-3-4", 0));
    CHECK(has_ace(sd, "S-1-5-21-1-2-3-5",
                  OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE | INHERIT_ONLY_ACE));
    CHECK(!has_ace(sd, "S-1-0-65534", 0));
    struct fsp_pacl got;
    CHECK_EQ_INT(fsp_pacl_from_sd(sd, sdlen(sd), false, &got), STATUS_NOT_FOUND);
    /* Inheritable ACEs without CREATOR OWNER are not a default ACL. */
    CHECK_EQ_INT(fsp_pacl_from_sd(sd, sdlen(sd), true, &got), STATUS_NOT_FOUND);
    free(sd);
}

int main(void)
{
    RUN(xattr_format_and_validation);
    RUN(plain_mode_has_no_acl);
    RUN(access_acl_round_trip_and_mode);
    RUN(chmod_sets_the_mask_and_keeps_entries);
    RUN(default_acl_and_inheritance);
    RUN(windows_deny_ace_reads_as_an_entry);
    RUN(aces_the_posix_view_cannot_show_are_kept);
    return CHECK_DONE();
}
