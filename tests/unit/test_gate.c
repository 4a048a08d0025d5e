/*
 * test_gate.c - the access gate's rule (native/gate_rule.c): which
 * descriptors are POSIX-exact (every mode, POSIX ACLs with named users and
 * groups, default ACLs and what files inherit from them; not the Windows-only
 * shapes), and the decisions: allow/deny order, DELETE against
 * FILE_DELETE_CHILD, the owner's implicit rights and OWNER RIGHTS, root; plus
 * the open flags' dispositions (createreq.c).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "native/gate.h"
#include "native/posixacl.h"

/* The caller: uid 1001, gid 2000, also in 3000. */
#define U  "S-1-22-1-1001"
#define G  "S-1-22-2-2000"
#define SG "S-1-22-2-3000"
#define OT "S-1-22-1-1002"

static PSECURITY_DESCRIPTOR sd_of(const char *sddl, size_t *plen)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    if (fsp_sddl_to_sd(sddl, &sd, plen))
        fprintf(stderr, "  bad test SDDL \"%s\"\n", sddl);
    return sd;
}

static bool exact(const char *sddl)
{
    size_t len = 0;
    PSECURITY_DESCRIPTOR sd = sd_of(sddl, &len);
    bool e = sd && fsp_gate_sd_posix_exact(sd, len);
    free(sd);
    return e;
}

static void token(FSP_TOKEN *t, uint32_t uid)
{
    uint32_t groups[] = {3000};
    CHECK(NT_SUCCESS(fsp_token_from_ids(t, uid, 2000, groups, 1)));
}

/* fsp_gate_decide on a descriptor (not known exact) for uid. */
static NTSTATUS decide(uint32_t uid, const char *sddl, uint32_t rights)
{
    FSP_TOKEN t;
    token(&t, uid);
    size_t len = 0;
    PSECURITY_DESCRIPTOR sd = sd_of(sddl, &len);
    struct fsp_gate_obj o = {sd, len, false};
    NTSTATUS st = fsp_gate_decide(uid, &t, &o, rights);
    free(sd);
    fsp_token_free(&t);
    return st;
}

static NTSTATUS decide_delete(uint32_t uid, const char *obj, const char *parent)
{
    FSP_TOKEN t;
    token(&t, uid);
    size_t olen = 0, plen = 0;
    PSECURITY_DESCRIPTOR osd = sd_of(obj, &olen), psd = sd_of(parent, &plen);
    struct fsp_gate_obj o = {osd, olen, fsp_gate_sd_posix_exact(osd, olen)};
    struct fsp_gate_obj p = {psd, plen, fsp_gate_sd_posix_exact(psd, plen)};
    NTSTATUS st = fsp_gate_decide_delete(uid, &t, &o, &p);
    free(osd);
    free(psd);
    fsp_token_free(&t);
    return st;
}

TEST(every_mode_is_exact)
{
    for (uint32_t mode = 0; mode <= 07777; mode++) {
        PSECURITY_DESCRIPTOR sd = NULL;
        CHECK(NT_SUCCESS(FspPosixMapPermissionsToSecurityDescriptor(1001, 2000, mode, &sd)));
        size_t len = fsp_sd_length(sd, FSP_SD_MAX_SIZE);
        if (!fsp_gate_sd_posix_exact(sd, len)) {
            fprintf(stderr, "  mode %04o not exact\n", (unsigned)mode);
            CHECK(0);
            mode = 07777;
        }
        FspDeleteSecurityDescriptor(sd, (NTSTATUS(*)())FspPosixMapPermissionsToSecurityDescriptor);
    }
}

/* setfacl-made ACLs: access and default, and what a new file inherits. */
TEST(posix_acls_are_exact)
{
    /* user::rw-, user:1002:r-x, user:1001:-w-, group::r--, group:3000:rwx,
     * group:4000:---, mask::rwx, other::r-- */
    struct fsp_pacl acl = {8,
                           {{FSP_PACL_USER_OBJ, 6, 0},
                            {FSP_PACL_USER, 2, 1001},
                            {FSP_PACL_USER, 5, 1002},
                            {FSP_PACL_GROUP_OBJ, 4, 0},
                            {FSP_PACL_GROUP, 7, 3000},
                            {FSP_PACL_GROUP, 0, 4000},
                            {FSP_PACL_MASK, 7, 0},
                            {FSP_PACL_OTHER, 4, 0}}};
    PSECURITY_DESCRIPTOR base = NULL, with = NULL, dflt = NULL, child = NULL;
    size_t len, dlen, clen;
    CHECK(NT_SUCCESS(FspPosixMapPermissionsToSecurityDescriptor(0, 0, 0755, &base)));
    len = fsp_sd_length(base, FSP_SD_MAX_SIZE);
    CHECK(NT_SUCCESS(fsp_pacl_to_sd(base, len, false, &acl, &with, &len)));
    CHECK(fsp_gate_sd_posix_exact(with, len));
    CHECK(NT_SUCCESS(fsp_pacl_to_sd(with, len, true, &acl, &dflt, &dlen)));
    CHECK(fsp_gate_sd_posix_exact(dflt, dlen));
    for (int dir = 0; dir < 2; dir++) {
        CHECK(NT_SUCCESS(fsp_pacl_inherit(dflt, dlen, 1001, 2000, 0640, dir, &child, &clen)));
        CHECK(fsp_gate_sd_posix_exact(child, clen));
        free(child);
    }
    free(dflt);
    free(with);
    FspDeleteSecurityDescriptor(base, (NTSTATUS(*)())FspPosixMapPermissionsToSecurityDescriptor);
}

TEST(windows_only_shapes_are_not_exact)
{
    /* Shapes the mapping writes, set by hand. */
    CHECK(exact("O:" U "G:" G "D:P(A;;0x1e01ff;;;" U ")(A;;0x120089;;;" G ")(A;;0x1200a9;;;WD)"));
    CHECK(exact("O:" U "G:" G "D:P(D;;0x56;;;" SG ")(A;;0x1201df;;;" G ")")); /* deny of w */
    CHECK(exact("O:" U "G:" G "D:P(D;;FR;;;" OT ")(A;;FR;;;WD)"));            /* deny of r */
    CHECK(exact("O:" U "G:" G "D:P(A;;FA;;;S-1-5-21-1-2-3-500)"));            /* no token has it */
    CHECK(exact("O:" U "G:" G "D:P"));                                        /* empty DACL */
    CHECK(exact("O:" U "G:" G "D:NO_ACCESS_CONTROL"));                        /* NULL DACL */
    CHECK(exact("O:" U "G:" G "D:P(A;OICIIO;FA;;;WD)"));                      /* inherit-only */
    /* What rwx cannot say. */
    CHECK(!exact("O:" U "G:" G "D:P(D;;SD;;;" U ")(A;;FR;;;WD)")); /* deny of DELETE */
    CHECK(!exact("O:" U "G:" G "D:P(A;;FA;;;WD)"));                /* DELETE granted */
    CHECK(!exact("O:" U "G:" G "D:P(A;;0x1200e9;;;WD)"));          /* DELETE_CHILD alone */
    CHECK(!exact("O:" U "G:" G "D:P(A;;0x1200ad;;;WD)"));          /* ADD_SUBDIR alone */
    CHECK(!exact("O:" U "G:" G "D:P(A;;0x12008d;;;WD)"));          /* append only */
    CHECK(!exact("O:" U "G:" G "D:P(A;;0x1201bf;;;WD)"));          /* w without DELETE_CHILD ... */
    CHECK(exact("O:" U "G:" G "D:P(A;;0x1;;;S-1-0-0)(A;;0x1201bf;;;WD)")); /* ... but sticky */
    CHECK(!exact("O:" U "G:" G "D:P(D;;FW;;;" SG ")(A;;FA;;;" G ")"));     /* deny carries WA */
    CHECK(!exact("O:" U "G:" G "D:P(D;;0x100;;;" U ")(A;;FR;;;WD)"));      /* deny of WA */
    CHECK(!exact("O:" U "G:" G "D:P(D;;0x8;;;" U ")(A;;FR;;;WD)"));        /* half of r */
    CHECK(!exact("O:" U "G:" G "D:P(A;;0x1601bf;;;" OT ")")); /* WRITE_DAC, not owner */
    CHECK(!exact("O:" U "G:" G "D:P(A;;0x120189;;;" OT ")")); /* WA without w */
    CHECK(!exact("O:" U "G:" G "D:P(A;;FR;;;OW)"));           /* OWNER RIGHTS */
    CHECK(!exact("O:" U "G:" G "D:P(A;;FR;;;AU)"));           /* Authenticated Users */
    CHECK(!exact("O:" U "G:" G "D:P(D;;FR;;;BU)"));           /* Users */
    CHECK(!exact("O:" U "G:" G "D:P(A;;FR;;;BA)"));           /* Administrators */
}

TEST(allow_deny_order)
{
    const char *deny_first = "O:" OT "G:" G "D:P(D;;FR;;;" U ")(A;;FR;;;" U ")";
    const char *allow_first = "O:" OT "G:" G "D:P(A;;FR;;;" U ")(D;;FR;;;" U ")";
    CHECK_EQ_INT(decide(1001, deny_first, FILE_READ_DATA), STATUS_ACCESS_DENIED);
    CHECK_EQ_INT(decide(1001, allow_first, FILE_READ_DATA), STATUS_SUCCESS);
    /* A deny for one group wins over an allow for another group after it. */
    const char *groups = "O:" OT "G:" G "D:P(D;;FW;;;" SG ")(A;;FA;;;" G ")";
    CHECK_EQ_INT(decide(1001, groups, FILE_WRITE_DATA), STATUS_ACCESS_DENIED);
    CHECK_EQ_INT(decide(1001, groups, FILE_READ_DATA), STATUS_SUCCESS);
    /* Rights beyond rwx, one at a time. */
    const char *append = "O:" OT "G:" G "D:P(A;;0x12008d;;;WD)";
    CHECK_EQ_INT(decide(1001, append, FILE_APPEND_DATA), STATUS_SUCCESS);
    CHECK_EQ_INT(decide(1001, append, FILE_WRITE_DATA), STATUS_ACCESS_DENIED);
    const char *addsub = "O:" OT "G:" G "D:P(A;;0x1200ad;;;WD)";
    CHECK_EQ_INT(decide(1001, addsub, FILE_ADD_SUBDIRECTORY), STATUS_SUCCESS);
    CHECK_EQ_INT(decide(1001, addsub, FILE_ADD_FILE), STATUS_ACCESS_DENIED);
    /* No descriptor: no restrictions. */
    FSP_TOKEN t;
    token(&t, 1001);
    struct fsp_gate_obj none = {NULL, 0, false};
    CHECK_EQ_INT(fsp_gate_decide(1001, &t, &none, FILE_ALL_ACCESS), STATUS_SUCCESS);
    fsp_token_free(&t);
}

TEST(delete_rule)
{
    const char *deny_delete = "O:" OT "G:" G "D:P(D;;SD;;;" U ")(A;;SD;;;WD)(A;;FR;;;WD)";
    const char *allow_delete = "O:" OT "G:" G "D:P(A;;SD;;;WD)(A;;FR;;;WD)";
    const char *posix_file = "O:" OT "G:" G "D:P(A;;0x1e01df;;;" OT ")(A;;FR;;;WD)";
    const char *dc = "O:" OT "G:" G "D:P(A;;0x1200e9;;;WD)";        /* FILE_DELETE_CHILD */
    const char *no_dc = "O:" OT "G:" G "D:P(A;;0x1201bf;;;WD)";     /* all but it */
    const char *posix_dir = "O:" OT "G:" G "D:P(A;;0x1f01ff;;;WD)"; /* 0777 */
    const char *posix_dir_ro = "O:" OT "G:" G "D:P(A;;0x1200a9;;;WD)";

    CHECK_EQ_INT(decide_delete(1001, allow_delete, no_dc), STATUS_SUCCESS);
    CHECK_EQ_INT(decide_delete(1001, deny_delete, no_dc), STATUS_ACCESS_DENIED);
    CHECK_EQ_INT(decide_delete(1001, posix_file, no_dc), STATUS_ACCESS_DENIED);
    /* FILE_DELETE_CHILD on the directory beats a deny of DELETE. */
    CHECK_EQ_INT(decide_delete(1001, deny_delete, dc), STATUS_SUCCESS);
    CHECK_EQ_INT(decide_delete(1001, posix_file, dc), STATUS_SUCCESS);
    CHECK_EQ_INT(decide_delete(1001, deny_delete, posix_dir), STATUS_SUCCESS);
    /* Both POSIX-exact: the kernel's directory rule is the rule (neither
     * grants DELETE to anyone, and the gate does not ask). */
    CHECK_EQ_INT(decide_delete(1001, posix_file, posix_dir_ro), STATUS_SUCCESS);
    CHECK_EQ_INT(decide_delete(1002, deny_delete, no_dc), STATUS_SUCCESS); /* another user */
}

TEST(owner_rights)
{
    /* The owner may always change the DACL (and read it) ... */
    const char *owned = "O:" U "G:" G "D:P(A;;FR;;;WD)";
    CHECK_EQ_INT(decide(1001, owned, WRITE_DAC), STATUS_SUCCESS);
    CHECK_EQ_INT(decide(1001, owned, WRITE_OWNER), STATUS_ACCESS_DENIED);
    CHECK_EQ_INT(decide(1002, owned, WRITE_DAC), STATUS_ACCESS_DENIED);
    /* ... a deny ACE cannot take that away ... */
    CHECK_EQ_INT(decide(1001, "O:" U "G:" G "D:P(D;;WD;;;" U ")(A;;FR;;;WD)", WRITE_DAC),
                 STATUS_SUCCESS);
    /* ... OWNER RIGHTS ACEs can: they replace the implicit rights. */
    const char *ow = "O:" U "G:" G "D:P(A;;0x1201bf;;;OW)(A;;FR;;;WD)";
    CHECK_EQ_INT(decide(1001, ow, WRITE_DAC), STATUS_ACCESS_DENIED);
    CHECK_EQ_INT(decide(1001, ow, FILE_WRITE_DATA), STATUS_SUCCESS);
    CHECK_EQ_INT(decide(1001, "O:" U "G:" G "D:P(A;;0x1601bf;;;OW)", WRITE_DAC), STATUS_SUCCESS);
    /* Owned through a group. */
    CHECK_EQ_INT(decide(1001, "O:" SG "G:" G "D:P", WRITE_DAC), STATUS_SUCCESS);
}

TEST(root_and_exact_pass)
{
    const char *deny_all = "O:" OT "G:" G "D:P(D;;FA;;;WD)";
    CHECK_EQ_INT(decide(1001, deny_all, FILE_READ_DATA), STATUS_ACCESS_DENIED);
    CHECK_EQ_INT(decide(0, deny_all, FILE_READ_DATA | DELETE | WRITE_DAC | WRITE_OWNER),
                 STATUS_SUCCESS);
    CHECK_EQ_INT(decide_delete(0, deny_all, deny_all), STATUS_SUCCESS);
    /* Root needs no token; nor does an exact object. */
    struct fsp_gate_obj ex = {NULL, 0, true};
    CHECK_EQ_INT(fsp_gate_decide(0, NULL, &ex, FILE_ALL_ACCESS), STATUS_SUCCESS);
    CHECK_EQ_INT(fsp_gate_decide(1001, NULL, &ex, FILE_ALL_ACCESS), STATUS_SUCCESS);
    CHECK_EQ_INT(fsp_gate_decide_delete(1001, NULL, &ex, &ex), STATUS_SUCCESS);
    CHECK(!fsp_gate_needs_check(0, false));
    CHECK(!fsp_gate_needs_check(1001, true));
    CHECK(fsp_gate_needs_check(1001, false));
}

TEST(dispositions)
{
    CHECK_EQ_INT(fsp_disposition_of_flags(O_RDONLY), FILE_OPEN);
    CHECK_EQ_INT(fsp_disposition_of_flags(O_WRONLY | O_TRUNC), FILE_OVERWRITE);
    CHECK_EQ_INT(fsp_disposition_of_flags(O_WRONLY | O_CREAT), FILE_OPEN_IF);
    CHECK_EQ_INT(fsp_disposition_of_flags(O_WRONLY | O_CREAT | O_TRUNC), FILE_OVERWRITE_IF);
    CHECK_EQ_INT(fsp_disposition_of_flags(O_WRONLY | O_CREAT | O_EXCL), FILE_CREATE);
    CHECK_EQ_INT(fsp_disposition_of_flags(O_RDWR | O_CREAT | O_EXCL | O_TRUNC), FILE_CREATE);
}

int main(void)
{
    RUN(every_mode_is_exact);
    RUN(posix_acls_are_exact);
    RUN(windows_only_shapes_are_not_exact);
    RUN(allow_deny_order);
    RUN(delete_rule);
    RUN(owner_rights);
    RUN(root_and_exact_pass);
    RUN(dispositions);
    return CHECK_DONE();
}
