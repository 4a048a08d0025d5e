/*
 * test_access.c - Windows access checks (truth tables over SDDL
 * descriptors), tokens from POSIX ids, inheritance for new files and
 * directories (FspCreateSecurityDescriptor), FspSetSecurityDescriptor, and
 * FspAccessCheckEx against a file system's GetSecurityByName (traverse,
 * parent, directory and read-only rules, reparse, buffer retry).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "native/security.h"

#define CREATE_FUNC(fn) ((NTSTATUS(*)(void))(void (*)(void))(fn))
#define ALL_INFO                                                                           \
    (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION | \
     SACL_SECURITY_INFORMATION)

/* The test user: uid 1001, primary gid 2000, supplementary gid 3000. */
#define U  "S-1-22-1-1001"
#define G  "S-1-22-2-2000"
#define SG "S-1-22-2-3000"
#define OT "S-1-22-1-1002" /* another user */

static PSECURITY_DESCRIPTOR sd_of(const char *sddl, size_t *plen)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD err = fsp_sddl_to_sd(sddl, &sd, plen);
    if (err)
        fprintf(stderr, "  bad test SDDL \"%s\": %u\n", sddl, (unsigned)err);
    return sd;
}

static char *sddl_of(const void *sd)
{
    char *s = NULL;
    size_t len = fsp_sd_length(sd, FSP_SD_MAX_SIZE);
    if (!len || fsp_sd_to_sddl(sd, len, ALL_INFO, &s, NULL))
        return strdup("(invalid)");
    return s;
}

static void token_user(FSP_TOKEN *t, bool supplementary)
{
    uint32_t groups[] = {3000};
    NTSTATUS st = fsp_token_from_ids(t, 1001, 2000, groups, supplementary ? 1 : 0);
    if (st)
        fprintf(stderr, "  token: %x\n", (unsigned)st);
}

struct access_case {
    const char *sddl;
    uint32_t desired;
    NTSTATUS status;
    uint32_t granted;
};

static void run_cases(const struct access_case *cases, size_t n, const FSP_TOKEN *t, int line)
{
    for (size_t i = 0; i < n; i++) {
        size_t len;
        PSECURITY_DESCRIPTOR sd = sd_of(cases[i].sddl, &len);
        uint32_t granted = 0xdeadbeef;
        NTSTATUS st = sd ? fsp_access_check(sd, len, t, cases[i].desired,
                                            FspGetFileGenericMapping(), &granted)
                         : STATUS_INVALID_PARAMETER;
        uint32_t want = NT_SUCCESS(cases[i].status) ? cases[i].granted : 0;
        if (st != cases[i].status || granted != want) {
            fprintf(stderr,
                    "  line %d case %zu: \"%s\" desired 0x%x: status 0x%x granted 0x%x, "
                    "expected 0x%x 0x%x\n",
                    line, i, cases[i].sddl, (unsigned)cases[i].desired, (unsigned)st,
                    (unsigned)granted, (unsigned)cases[i].status, (unsigned)want);
            check_failed_in_test = 1;
        }
        free(sd);
    }
}
#define RUN_CASES(cases, t) run_cases(cases, sizeof(cases) / sizeof((cases)[0]), t, __LINE__)

#define OK     STATUS_SUCCESS
#define DENIED STATUS_ACCESS_DENIED
#define RD     FILE_READ_DATA
#define WR     FILE_WRITE_DATA

TEST(allow_deny_order)
{
    FSP_TOKEN t;
    token_user(&t, true);
    static const struct access_case cases[] = {
        /* A plain allow grants what it names, nothing else. */
        {"O:" OT "D:(A;;FR;;;" U ")", RD, OK, RD},
        {"O:" OT "D:(A;;FR;;;" U ")", RD | FILE_READ_ATTRIBUTES | SYNCHRONIZE, OK,
         RD | FILE_READ_ATTRIBUTES | SYNCHRONIZE},
        {"O:" OT "D:(A;;FR;;;" U ")", WR, DENIED, 0},
        {"O:" OT "D:(A;;FR;;;" U ")", RD | WR, DENIED, 0},
        /* Rights add up over several allow ACEs. */
        {"O:" OT "D:(A;;0x1;;;" U ")(A;;0x2;;;" G ")", RD | WR, OK, RD | WR},
        /* Deny first wins; allow first wins. */
        {"O:" OT "D:(D;;FW;;;" U ")(A;;FA;;;" U ")", WR, DENIED, 0},
        {"O:" OT "D:(D;;FW;;;" U ")(A;;FA;;;" U ")", RD, OK, RD},
        {"O:" OT "D:(A;;FA;;;" U ")(D;;FW;;;" U ")", WR, OK, WR},
        /* A deny only matters for rights still wanted. */
        {"O:" OT "D:(A;;0x1;;;WD)(D;;0x1;;;" U ")(A;;0x2;;;WD)", RD | WR, OK, RD | WR},
        {"O:" OT "D:(A;;0x2;;;WD)(D;;0x1;;;" U ")(A;;0x1;;;WD)", RD | WR, DENIED, 0},
        /* ACEs for others do nothing. */
        {"O:" OT "D:(A;;FA;;;" OT ")", RD, DENIED, 0},
        {"O:" OT "D:(D;;FA;;;" OT ")(A;;FA;;;WD)", RD, OK, RD},
        /* Well-known groups in the token. */
        {"O:" OT "D:(A;;FA;;;AU)", RD, OK, RD},
        {"O:" OT "D:(A;;FA;;;BU)", RD, OK, RD},
        {"O:" OT "D:(A;;FA;;;BA)", RD, DENIED, 0},
        /* Inherited ACEs count like explicit ones; inherit-only ones do not. */
        {"O:" OT "D:(A;ID;FA;;;WD)", RD, OK, RD},
        {"O:" OT "D:(A;OICIIO;FA;;;WD)", RD, DENIED, 0},
        {"O:" OT "D:(D;OICIIO;FA;;;WD)(A;;FA;;;WD)", RD, OK, RD},
        {"O:" OT "D:(D;OICI;FA;;;WD)(A;;FA;;;WD)", RD, DENIED, 0},
        /* No desired access: nothing to deny. */
        {"O:" OT "D:", 0, OK, 0},
    };
    RUN_CASES(cases, &t);
    fsp_token_free(&t);
}

TEST(group_membership)
{
    FSP_TOKEN with, without;
    token_user(&with, true);
    token_user(&without, false);
    uint8_t sg[FSP_SID_MAX_SIZE];
    fsp_sid_from_string(SG, sg, sizeof sg);
    CHECK(fsp_token_has_sid(&with, with.user));
    CHECK(fsp_token_has_sid(&with, sg));
    CHECK(!fsp_token_has_sid(&without, sg));
    static const struct access_case grant[] = {
        {"O:" OT "D:(A;;FA;;;" SG ")", RD, OK, RD},
        {"O:" OT "D:(D;;FW;;;" SG ")(A;;FA;;;WD)", WR, DENIED, 0},
        {"O:" OT "D:(A;;FA;;;" G ")", WR, OK, WR},
    };
    static const struct access_case no_grant[] = {
        {"O:" OT "D:(A;;FA;;;" SG ")", RD, DENIED, 0},
        {"O:" OT "D:(D;;FW;;;" SG ")(A;;FA;;;WD)", WR, OK, WR},
        {"O:" OT "D:(A;;FA;;;" G ")", WR, OK, WR},
    };
    RUN_CASES(grant, &with);
    RUN_CASES(no_grant, &without);
    fsp_token_free(&with);
    fsp_token_free(&without);

    /* Token shapes: nobody is not authenticated; root is an administrator. */
    FSP_TOKEN t;
    uint8_t sid[FSP_SID_MAX_SIZE];
    CHECK_EQ_INT(fsp_token_from_ids(&t, 65534, 65534, NULL, 0), STATUS_SUCCESS);
    fsp_sid_from_string("S-1-5-11", sid, sizeof sid);
    CHECK(!fsp_token_has_sid(&t, sid));
    CHECK(fsp_token_has_sid(&t, fsp_sid_everyone));
    fsp_token_free(&t);
    CHECK_EQ_INT(fsp_token_from_ids(&t, 0, 0, NULL, 0), STATUS_SUCCESS);
    fsp_sid_from_string("S-1-5-32-544", sid, sizeof sid);
    CHECK(fsp_token_has_sid(&t, sid));
    fsp_token_free(&t);
    CHECK_EQ_INT(fsp_token_from_ids(&t, 0xffffffffu, 0, NULL, 0), STATUS_INVALID_PARAMETER);
}

TEST(generic_mapping)
{
    FSP_TOKEN t;
    token_user(&t, false);
    static const struct access_case cases[] = {
        /* Desired generic rights are mapped through the file mapping. */
        {"O:" OT "D:(A;;FR;;;WD)", GENERIC_READ, OK, FILE_GENERIC_READ},
        {"O:" OT "D:(A;;FR;;;WD)", GENERIC_WRITE, DENIED, 0},
        {"O:" OT "D:(A;;FR;;;WD)", GENERIC_EXECUTE, DENIED, 0}, /* FX needs FILE_EXECUTE */
        {"O:" OT "D:(A;;FA;;;WD)", GENERIC_ALL, OK, FILE_ALL_ACCESS},
        {"O:" OT "D:(A;;FRFX;;;WD)", GENERIC_READ | GENERIC_EXECUTE, OK,
         FILE_GENERIC_READ | FILE_GENERIC_EXECUTE},
        /* So are generic rights in ACEs. */
        {"O:" OT "D:(A;;GA;;;WD)", WR | DELETE, OK, WR | DELETE},
        {"O:" OT "D:(A;;GR;;;WD)", RD, OK, RD},
        {"O:" OT "D:(A;;GR;;;WD)", WR, DENIED, 0},
        {"O:" OT "D:(D;;GW;;;WD)(A;;GA;;;WD)", FILE_APPEND_DATA, DENIED, 0},
        {"O:" OT "D:(D;;GW;;;WD)(A;;GA;;;WD)", DELETE, OK, DELETE},
    };
    RUN_CASES(cases, &t);
    fsp_token_free(&t);
    const GENERIC_MAPPING *m = FspGetFileGenericMapping();
    CHECK_EQ_INT(m->GenericRead, FILE_GENERIC_READ);
    CHECK_EQ_INT(m->GenericWrite, FILE_GENERIC_WRITE);
    CHECK_EQ_INT(m->GenericExecute, FILE_GENERIC_EXECUTE);
    CHECK_EQ_INT(m->GenericAll, FILE_ALL_ACCESS);
}

TEST(maximum_allowed)
{
    FSP_TOKEN t;
    token_user(&t, true);
    static const struct access_case cases[] = {
        {"O:" OT "D:(A;;FA;;;" U ")", MAXIMUM_ALLOWED, OK, FILE_ALL_ACCESS},
        {"O:" OT "D:(A;;FR;;;WD)(A;;0x2;;;" SG ")", MAXIMUM_ALLOWED, OK, FILE_GENERIC_READ | WR},
        /* Denied bits are left out, whatever comes later. */
        {"O:" OT "D:(D;;WD;;;" U ")(A;;FA;;;" U ")", MAXIMUM_ALLOWED, OK,
         FILE_ALL_ACCESS & ~WRITE_DAC},
        /* Allowed before denied stays granted. */
        {"O:" OT "D:(A;;FA;;;" U ")(D;;WD;;;" U ")", MAXIMUM_ALLOWED, OK, FILE_ALL_ACCESS},
        /* With other desired rights: all of them must be in the maximum. */
        {"O:" OT "D:(D;;WD;;;" U ")(A;;FA;;;" U ")", MAXIMUM_ALLOWED | RD, OK,
         FILE_ALL_ACCESS & ~WRITE_DAC},
        {"O:" OT "D:(D;;WD;;;" U ")(A;;FA;;;" U ")", MAXIMUM_ALLOWED | WRITE_DAC, DENIED, 0},
        /* Nothing at all granted is a denial. */
        {"O:" OT "D:", MAXIMUM_ALLOWED, DENIED, 0},
        {"O:" OT "D:(A;;FA;;;" OT ")", MAXIMUM_ALLOWED, DENIED, 0},
        /* Inherit-only ACEs give nothing here either. */
        {"O:" OT "D:(A;IO;FA;;;WD)(A;;FR;;;WD)", MAXIMUM_ALLOWED, OK, FILE_GENERIC_READ},
    };
    RUN_CASES(cases, &t);
    fsp_token_free(&t);
}

TEST(owner_rights)
{
    FSP_TOKEN t;
    token_user(&t, true);
    static const struct access_case cases[] = {
        /* The owner may always read and change the DACL... */
        {"O:" U "D:", READ_CONTROL, OK, READ_CONTROL},
        {"O:" U "D:", WRITE_DAC, OK, WRITE_DAC},
        {"O:" U "D:", READ_CONTROL | WRITE_DAC, OK, READ_CONTROL | WRITE_DAC},
        {"O:" U "D:", MAXIMUM_ALLOWED, OK, READ_CONTROL | WRITE_DAC},
        /* ...and nothing else by ownership alone, */
        {"O:" U "D:", RD, DENIED, 0},
        {"O:" U "D:", WRITE_OWNER, DENIED, 0},
        /* even against a deny ACE, */
        {"O:" U "D:(D;;WDRC;;;" U ")", WRITE_DAC | READ_CONTROL, OK, WRITE_DAC | READ_CONTROL},
        {"O:" U "D:(D;;FA;;;WD)(A;;FR;;;" U ")", MAXIMUM_ALLOWED, OK, READ_CONTROL | WRITE_DAC},
        /* and ownership through a group counts. */
        {"O:" SG "D:", WRITE_DAC, OK, WRITE_DAC},
        {"O:" OT "D:", WRITE_DAC, DENIED, 0},
        /* An OWNER RIGHTS ACE replaces the implicit rights... */
        {"O:" U "D:(A;;FR;;;OW)", READ_CONTROL, OK, READ_CONTROL},
        {"O:" U "D:(A;;FR;;;OW)", WRITE_DAC, DENIED, 0},
        {"O:" U "D:(A;;FR;;;OW)", MAXIMUM_ALLOWED, OK, FILE_GENERIC_READ},
        {"O:" U "D:(A;;FR;;;OW)(A;;WD;;;" U ")", WRITE_DAC, OK, WRITE_DAC},
        {"O:" U "D:(D;;WD;;;OW)(A;;FA;;;WD)", WRITE_DAC, DENIED, 0},
        /* ...unless it is inherit-only; and applies only to the owner. */
        {"O:" U "D:(A;IO;FR;;;OW)", WRITE_DAC, OK, WRITE_DAC},
        {"O:" OT "D:(A;;FA;;;OW)", RD, DENIED, 0},
    };
    RUN_CASES(cases, &t);
    fsp_token_free(&t);
}

TEST(null_and_empty_dacl)
{
    FSP_TOKEN t;
    token_user(&t, false);
    static const struct access_case cases[] = {
        /* NULL DACL and no DACL: everything. */
        {"O:" OT "D:NO_ACCESS_CONTROL", RD | WR | DELETE | WRITE_OWNER, OK,
         RD | WR | DELETE | WRITE_OWNER},
        {"O:" OT "D:NO_ACCESS_CONTROL", MAXIMUM_ALLOWED, OK, FILE_ALL_ACCESS},
        {"O:" OT "D:NO_ACCESS_CONTROL", GENERIC_ALL, OK, FILE_ALL_ACCESS},
        {"O:" OT "G:" G, RD, OK, RD},
        {"O:" OT, MAXIMUM_ALLOWED, OK, FILE_ALL_ACCESS},
        /* Empty DACL: nothing. */
        {"O:" OT "D:", RD, DENIED, 0},
        {"O:" OT "D:", READ_CONTROL, DENIED, 0},
        {"O:" OT "D:P", SYNCHRONIZE, DENIED, 0},
    };
    RUN_CASES(cases, &t);
    fsp_token_free(&t);
}

TEST(privileges)
{
    FSP_TOKEN t;
    token_user(&t, false);
    static const struct access_case none[] = {
        {"O:" OT "D:NO_ACCESS_CONTROL", ACCESS_SYSTEM_SECURITY, STATUS_PRIVILEGE_NOT_HELD, 0},
        {"O:" OT "D:", RD, DENIED, 0},
    };
    RUN_CASES(none, &t);
    t.privileges = FSP_PRIV_SECURITY;
    static const struct access_case security[] = {
        {"O:" OT "D:", ACCESS_SYSTEM_SECURITY, OK, ACCESS_SYSTEM_SECURITY},
        {"O:" OT "D:(A;;FR;;;WD)", ACCESS_SYSTEM_SECURITY | RD, OK, ACCESS_SYSTEM_SECURITY | RD},
        {"O:" OT "D:", ACCESS_SYSTEM_SECURITY | RD, DENIED, 0},
    };
    RUN_CASES(security, &t);
    t.privileges = FSP_PRIV_BACKUP;
    static const struct access_case backup[] = {
        {"O:" OT "D:(D;;FA;;;WD)", RD | READ_CONTROL, OK, RD | READ_CONTROL},
        {"O:" OT "D:(D;;FA;;;WD)", FILE_TRAVERSE, OK, FILE_TRAVERSE},
        {"O:" OT "D:(D;;FA;;;WD)", WR, DENIED, 0},
        {"O:" OT "D:", MAXIMUM_ALLOWED, OK, FSP_BACKUP_RIGHTS & ~ACCESS_SYSTEM_SECURITY},
    };
    RUN_CASES(backup, &t);
    t.privileges = FSP_PRIV_RESTORE;
    static const struct access_case restore[] = {
        {"O:" OT "D:(D;;FA;;;WD)", WR | WRITE_OWNER | DELETE, OK, WR | WRITE_OWNER | DELETE},
        {"O:" OT "D:(D;;FA;;;WD)", RD, DENIED, 0},
    };
    RUN_CASES(restore, &t);
    t.privileges = FSP_PRIV_TAKE_OWNERSHIP;
    static const struct access_case take[] = {
        {"O:" OT "D:", WRITE_OWNER, OK, WRITE_OWNER},
        {"O:" OT "D:", WRITE_DAC, DENIED, 0},
    };
    RUN_CASES(take, &t);
    fsp_token_free(&t);

    /* A descriptor that does not validate. */
    size_t len;
    PSECURITY_DESCRIPTOR sd = sd_of("O:BAD:(A;;FA;;;WD)", &len);
    uint32_t granted = 1;
    token_user(&t, false);
    CHECK_EQ_INT(fsp_access_check(sd, len - 1, &t, RD, FspGetFileGenericMapping(), &granted),
                 STATUS_INVALID_SECURITY_DESCR);
    CHECK_EQ_INT(granted, 0);
    fsp_token_free(&t);
    free(sd);
}

/* --- Inheritance ------------------------------------------------------------------------ */

static void check_inherit(const char *parent, bool is_dir, const char *expected, int line)
{
    FSP_TOKEN t;
    size_t plen = 0, len = 0;
    PSECURITY_DESCRIPTOR psd = parent ? sd_of(parent, &plen) : NULL, sd = NULL;
    token_user(&t, true);
    NTSTATUS st = fsp_sd_inherit(psd, plen, is_dir, &t, FspGetFileGenericMapping(), &sd, &len);
    char *got = st ? strdup("(failed)") : sddl_of(sd);
    if (strcmp(got, expected) != 0 || (sd && len != fsp_sd_length(sd, len))) {
        fprintf(stderr, "  line %d: %s under \"%s\":\n    got      \"%s\"\n    expected \"%s\"\n",
                line, is_dir ? "dir" : "file", parent ? parent : "(none)", got, expected);
        check_failed_in_test = 1;
    }
    free(got);
    free(sd);
    free(psd);
    fsp_token_free(&t);
}
#define CHECK_INHERIT(parent, is_dir, expected) check_inherit(parent, is_dir, expected, __LINE__)

TEST(inheritance)
{
    const char *p = "O:BAG:BAD:P(A;OICI;FA;;;BA)(A;OICIIO;GA;;;CO)(D;;WD;;;BU)";
    /* Files take OI ACEs as effective ones: CREATOR OWNER becomes the
     * creator, generic rights are mapped, non-inheritable ACEs stay behind. */
    CHECK_INHERIT(p, false, "O:" U "G:" G "D:(A;ID;FA;;;BA)(A;ID;FA;;;" U ")");
    /* Directories keep OI/CI ACEs inheritable; the CO ACE is split into an
     * effective ACE for the creator and an inherit-only original. */
    CHECK_INHERIT(p, true,
                  "O:" U "G:" G "D:(A;OICIID;FA;;;BA)(A;ID;FA;;;" U ")(A;OICIIOID;GA;;;CO)");

    /* NP, OI-only and CI-only ACEs; CREATOR GROUP. */
    p = "D:(A;OICINP;FA;;;WD)(A;OINP;FR;;;BU)(A;CI;FX;;;AU)(A;OI;FR;;;CG)(D;CIIO;WD;;;IU)";
    CHECK_INHERIT(p, false, "O:" U "G:" G "D:(A;ID;FA;;;WD)(A;ID;FR;;;BU)(A;ID;FR;;;" G ")");
    CHECK_INHERIT(p, true,
                  "O:" U "G:" G
                  "D:(A;ID;FA;;;WD)(A;CIID;FX;;;AU)(A;OIIOID;FR;;;CG)(D;CIID;WD;;;IU)");
    /* A CI ACE with NP and CREATOR OWNER on a directory: effective only. */
    CHECK_INHERIT("D:(A;CINP;GR;;;CO)", true, "O:" U "G:" G "D:(A;ID;FR;;;" U ")");

    /* Nothing inheritable, no DACL, a NULL DACL, no parent: the default DACL. */
    const char *dflt = "O:" U "G:" G "D:(A;;FA;;;" U ")(A;;FA;;;SY)";
    CHECK_INHERIT("O:BAG:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;WD)", false, dflt);
    CHECK_INHERIT("O:BAG:BAD:P(A;CI;FA;;;WD)", false, dflt);
    CHECK_INHERIT("O:BAG:BA", true, dflt);
    CHECK_INHERIT("D:NO_ACCESS_CONTROL", true, dflt);
    CHECK_INHERIT(NULL, false, dflt);

    /* Auto-inheritance is passed on; SACL ACEs are inherited alike. */
    CHECK_INHERIT("D:AI(A;OICI;FA;;;WD)S:AI(AU;OICISA;FA;;;WD)(AU;SA;FA;;;BA)", true,
                  "O:" U "G:" G "D:AI(A;OICIID;FA;;;WD)S:AI(AU;OICIIDSA;FA;;;WD)");
    CHECK_INHERIT("D:(A;OICI;FA;;;WD)S:(AU;OIFA;GW;;;WD)", false,
                  "O:" U "G:" G "D:(A;ID;FA;;;WD)S:(AU;IDFA;FW;;;WD)");

    /* The creator may use what it inherited. */
    FSP_TOKEN t;
    size_t plen, len;
    PSECURITY_DESCRIPTOR psd = sd_of("D:(A;OICIIO;GA;;;CO)", &plen), sd = NULL;
    uint32_t granted;
    token_user(&t, true);
    CHECK_EQ_INT(fsp_sd_inherit(psd, plen, false, &t, FspGetFileGenericMapping(), &sd, &len), 0);
    CHECK_EQ_INT(fsp_access_check(sd, len, &t, GENERIC_ALL, FspGetFileGenericMapping(), &granted),
                 STATUS_SUCCESS);
    CHECK_EQ_INT(granted, FILE_ALL_ACCESS);
    free(sd);
    /* An invalid parent is refused. */
    CHECK_EQ_INT(fsp_sd_inherit(psd, plen - 1, false, &t, FspGetFileGenericMapping(), &sd, &len),
                 STATUS_INVALID_SECURITY_DESCR);
    CHECK(sd == NULL);
    free(psd);
    fsp_token_free(&t);
}

/* A Create request from this process. */
static FSP_FSCTL_TRANSACT_REQ *create_request(const char *name, UINT32 options)
{
    size_t n = strlen(name);
    FSP_FSCTL_TRANSACT_REQ *req = calloc(1, sizeof *req + (n + 1) * sizeof(WCHAR));
    WCHAR *w = (WCHAR *)req->Buffer;
    for (size_t i = 0; i <= n; i++)
        w[i] = (WCHAR)(name[i] == '/' ? '\\' : name[i]);
    req->Size = (UINT16)(sizeof *req + (n + 1) * sizeof(WCHAR));
    req->Kind = FspFsctlTransactCreateKind;
    req->Req.Create.CreateOptions = options;
    req->Req.Create.AccessToken = (UINT64)getpid() << 32 | (UINT32)getuid();
    req->FileName.Offset = 0;
    req->FileName.Size = (UINT16)((n + 1) * sizeof(WCHAR));
    return req;
}

TEST(create_security_descriptor)
{
    uint8_t user[FSP_SID_MAX_SIZE], group[FSP_SID_MAX_SIZE];
    fsp_posix_uid_to_sid((uint32_t)getuid(), user);
    fsp_posix_gid_to_sid((uint32_t)getegid(), group);
    FSP_FSCTL_TRANSACT_REQ *req = create_request("/dir/new", FILE_DIRECTORY_FILE);
    PSECURITY_DESCRIPTOR parent = sd_of("O:BAG:BAD:P(A;OICI;FA;;;WD)(A;OICIIO;GA;;;CO)", NULL);
    PSECURITY_DESCRIPTOR sd = NULL;

    CHECK_EQ_INT(FspCreateSecurityDescriptor(NULL, req, parent, &sd), STATUS_SUCCESS);
    size_t len = fsp_sd_length(sd, FSP_SD_MAX_SIZE);
    CHECK(len > 0);
    const void *owner = fsp_sd_owner(sd, len), *grp = fsp_sd_group(sd, len);
    CHECK(owner && fsp_sid_equal(owner, user));
    CHECK(grp && fsp_sid_equal(grp, group));
    /* Directory: the CO ACE was split (3 ACEs). */
    const void *dacl = fsp_sd_dacl(sd, len, NULL);
    CHECK(dacl && fsp_acl_count(dacl) == 3);
    FspDeleteSecurityDescriptor(sd, CREATE_FUNC(FspCreateSecurityDescriptor));

    req->Req.Create.CreateOptions = FILE_NON_DIRECTORY_FILE;
    CHECK_EQ_INT(FspCreateSecurityDescriptor(NULL, req, parent, &sd), STATUS_SUCCESS);
    len = fsp_sd_length(sd, FSP_SD_MAX_SIZE);
    dacl = fsp_sd_dacl(sd, len, NULL);
    CHECK(dacl && fsp_acl_count(dacl) == 2);
    FspDeleteSecurityDescriptor(sd, CREATE_FUNC(FspCreateSecurityDescriptor));

    CHECK_EQ_INT(FspCreateSecurityDescriptor(NULL, req, NULL, &sd), STATUS_SUCCESS);
    FspDeleteSecurityDescriptor(sd, CREATE_FUNC(FspCreateSecurityDescriptor));

    ((uint8_t *)parent)[0] = 7;
    sd = (PSECURITY_DESCRIPTOR)1;
    CHECK_EQ_INT(FspCreateSecurityDescriptor(NULL, req, parent, &sd),
                 STATUS_INVALID_SECURITY_DESCR);
    CHECK(sd == NULL);
    req->Kind = FspFsctlTransactCleanupKind;
    CHECK_EQ_INT(FspCreateSecurityDescriptor(NULL, req, NULL, &sd), STATUS_INVALID_PARAMETER);
    free(parent);
    free(req);
}

TEST(token_of_this_process)
{
    FSP_TOKEN t;
    uint8_t sid[FSP_SID_MAX_SIZE];
    uint64_t tok = (uint64_t)getpid() << 32 | (uint32_t)getuid();
    CHECK_EQ_INT(fsp_token_from_access_token(&t, tok), STATUS_SUCCESS);
    fsp_posix_uid_to_sid((uint32_t)getuid(), sid);
    CHECK(fsp_sid_equal(t.user, sid));
    fsp_posix_gid_to_sid((uint32_t)getegid(), sid);
    CHECK(fsp_sid_equal(t.group, sid));
    CHECK(fsp_token_has_sid(&t, sid));
    gid_t groups[256];
    int n = getgroups(256, groups);
    for (int i = 0; i < n; i++) {
        fsp_posix_gid_to_sid((uint32_t)groups[i], sid);
        CHECK(fsp_token_has_sid(&t, sid));
    }
    fsp_token_free(&t);
    /* A process that does not run as that uid: the group database is used
     * (root's primary group is 0). */
    if (getuid() != 0) {
        CHECK_EQ_INT(fsp_token_from_access_token(&t, (uint64_t)getpid() << 32 | 0), 0);
        fsp_posix_gid_to_sid(0, sid);
        CHECK(fsp_sid_equal(t.group, sid));
        fsp_token_free(&t);
    }
    CHECK_EQ_INT(fsp_token_from_access_token(&t, 0), STATUS_SUCCESS); /* pid 0: root */
    fsp_posix_gid_to_sid(0, sid);
    CHECK(fsp_sid_equal(t.group, sid));
    fsp_token_free(&t);
}

/* --- FspSetSecurityDescriptor ---------------------------------------------------------- */

static void check_set(const char *in, SECURITY_INFORMATION info, const char *mod, NTSTATUS status,
                      const char *expected, int line)
{
    PSECURITY_DESCRIPTOR isd = sd_of(in, NULL), msd = sd_of(mod, NULL), out = NULL;
    NTSTATUS st = FspSetSecurityDescriptor(isd, info, msd, &out);
    char *got = st ? strdup("") : sddl_of(out);
    if (st != status || strcmp(got, expected) != 0) {
        fprintf(stderr, "  line %d: \"%s\" + 0x%x \"%s\": 0x%x \"%s\", expected 0x%x \"%s\"\n",
                line, in, (unsigned)info, mod, (unsigned)st, got, (unsigned)status, expected);
        check_failed_in_test = 1;
    }
    if (st)
        CHECK(out == NULL);
    free(got);
    FspDeleteSecurityDescriptor(out, CREATE_FUNC(FspSetSecurityDescriptor));
    free(isd);
    free(msd);
}
#define CHECK_SET(in, info, mod, status, expected) \
    check_set(in, info, mod, status, expected, __LINE__)

TEST(set_security_descriptor)
{
    const char *in = "O:BAG:BAD:P(A;;FA;;;SY)S:(AU;SA;FA;;;WD)";
    CHECK_SET(in, OWNER_SECURITY_INFORMATION, "O:SYG:SY", OK,
              "O:SYG:BAD:P(A;;FA;;;SY)S:(AU;SA;FA;;;WD)");
    CHECK_SET(in, GROUP_SECURITY_INFORMATION, "O:SYG:SY", OK,
              "O:BAG:SYD:P(A;;FA;;;SY)S:(AU;SA;FA;;;WD)");
    CHECK_SET(in, OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION, "O:WDG:BUD:", OK,
              "O:WDG:BUD:P(A;;FA;;;SY)S:(AU;SA;FA;;;WD)");
    /* The DACL and its flags come from the modification; generic rights
     * of effective ACEs are mapped, inherit-only ones keep them. */
    CHECK_SET(in, DACL_SECURITY_INFORMATION, "D:AI(A;;GA;;;WD)(A;OICIIO;GA;;;CO)", OK,
              "O:BAG:BAD:AI(A;;FA;;;WD)(A;OICIIO;GA;;;CO)S:(AU;SA;FA;;;WD)");
    CHECK_SET(in, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, "D:(A;;FR;;;WD)",
              OK, "O:BAG:BAD:P(A;;FR;;;WD)S:(AU;SA;FA;;;WD)");
    CHECK_SET(in, DACL_SECURITY_INFORMATION | UNPROTECTED_DACL_SECURITY_INFORMATION,
              "D:P(A;;FR;;;WD)", OK, "O:BAG:BAD:(A;;FR;;;WD)S:(AU;SA;FA;;;WD)");
    CHECK_SET(in, DACL_SECURITY_INFORMATION, "D:NO_ACCESS_CONTROL", OK,
              "O:BAG:BAD:NO_ACCESS_CONTROLS:(AU;SA;FA;;;WD)");
    CHECK_SET(in, DACL_SECURITY_INFORMATION, "D:", OK, "O:BAG:BAD:S:(AU;SA;FA;;;WD)");
    CHECK_SET(in, DACL_SECURITY_INFORMATION, "O:SY", OK, "O:BAG:BAS:(AU;SA;FA;;;WD)");
    /* The SACL, or just its labels. */
    CHECK_SET(in, SACL_SECURITY_INFORMATION, "S:P(AL;FA;FW;;;AU)", OK,
              "O:BAG:BAD:P(A;;FA;;;SY)S:P(AL;FA;FW;;;AU)");
    CHECK_SET("O:BAS:(AU;SA;FA;;;WD)(ML;;NW;;;LW)", LABEL_SECURITY_INFORMATION,
              "S:(AU;FA;FA;;;BA)(ML;;NWNR;;;HI)", OK, "O:BAS:(AU;SA;FA;;;WD)(ML;;NWNR;;;HI)");
    /* Nothing named: a copy. */
    CHECK_SET(in, 0, "O:SYG:SYD:", OK, in);
    /* Owner or group asked for but missing. */
    CHECK_SET(in, OWNER_SECURITY_INFORMATION, "G:SY", STATUS_INVALID_OWNER, "");
    CHECK_SET(in, GROUP_SECURITY_INFORMATION, "O:SY", STATUS_INVALID_PRIMARY_GROUP, "");

    /* Bad descriptors. */
    PSECURITY_DESCRIPTOR good = sd_of(in, NULL), out = (PSECURITY_DESCRIPTOR)1;
    CHECK_EQ_INT(FspSetSecurityDescriptor(NULL, DACL_SECURITY_INFORMATION, good, &out),
                 STATUS_NO_SECURITY_ON_OBJECT);
    CHECK(out == NULL);
    CHECK_EQ_INT(FspSetSecurityDescriptor(good, DACL_SECURITY_INFORMATION, NULL, &out),
                 STATUS_INVALID_SECURITY_DESCR);
    uint8_t bad[FSP_SD_HEADER_SIZE] = {1, 0, 0, 0}; /* not self-relative */
    CHECK_EQ_INT(FspSetSecurityDescriptor(good, DACL_SECURITY_INFORMATION, bad, &out),
                 STATUS_INVALID_SECURITY_DESCR);
    CHECK_EQ_INT(FspSetSecurityDescriptor(bad, DACL_SECURITY_INFORMATION, good, &out),
                 STATUS_INVALID_SECURITY_DESCR);
    free(good);
}

/* --- FspAccessCheckEx against a file system ---------------------------------------------- */

/* The test user is whoever runs the test; "ME" in the table is its SID. The
 * owner is a SID no token holds (root is in BA: owning would add rights). */
#define FOREIGN "S-1-5-21-9-9-9-1"
static const struct fake_file {
    const char *name;
    UINT32 attrs;
    const char *sddl;
} fake_files[] = {
    {"\\", FILE_ATTRIBUTE_DIRECTORY, "O:" FOREIGN "D:(A;;FA;;;ME)"},
    {"\\a", FILE_ATTRIBUTE_DIRECTORY, "O:" FOREIGN "D:(A;;FR;;;ME)"}, /* no FILE_TRAVERSE */
    {"\\a\\f", 0, "O:" FOREIGN "D:(A;;FA;;;ME)"},
    {"\\b", FILE_ATTRIBUTE_DIRECTORY, "O:" FOREIGN "D:(A;;FX;;;ME)(A;;FR;;;ME)"},
    {"\\b\\f", 0, "O:" FOREIGN "D:(A;;FR;;;ME)"},
    {"\\b\\nodel", 0, "O:" FOREIGN "D:(A;;FR;;;ME)"},
    {"\\c", FILE_ATTRIBUTE_DIRECTORY, "O:" FOREIGN "D:(A;;FA;;;ME)"},
    {"\\c\\ro", FILE_ATTRIBUTE_READONLY, "O:" FOREIGN "D:(A;;FA;;;ME)"},
    {"\\c\\nodel", 0, "O:" FOREIGN "D:(A;;FR;;;ME)"},
    {"\\c\\open", 0, ""}, /* no descriptor */
    {"\\file", 0, "O:" FOREIGN "D:(A;;FA;;;ME)"},
    {"\\big", 0, "BIG"},
};
#define NFAKE (sizeof fake_files / sizeof fake_files[0])

static char me[FSP_SID_STRING_MAX];
static char queried[16][64];
static int nqueried;

static NTSTATUS fake_get_security(FSP_FILE_SYSTEM *fs, PWSTR name, PUINT32 pattrs,
                                  PSECURITY_DESCRIPTOR sd, SIZE_T *psize)
{
    char n[64];
    size_t i = 0;
    for (; name[i] && i < sizeof n - 1; i++)
        n[i] = (char)name[i];
    n[i] = 0;
    if (nqueried < 16)
        snprintf(queried[nqueried++], sizeof queried[0], "%s", n);
    if (!strcmp(n, "\\r"))
        return *pattrs = 2, STATUS_REPARSE;
    for (i = 0; i < NFAKE; i++) {
        if (strcmp(fake_files[i].name, n) != 0)
            continue;
        *pattrs = fake_files[i].attrs;
        if (!*fake_files[i].sddl) {
            *psize = 0;
            return STATUS_SUCCESS;
        }
        /* Substitute the caller's SID; "BIG" is a 2 KiB descriptor. */
        char text[4096], *p = text;
        const char *src = fake_files[i].sddl;
        if (!strcmp(src, "BIG")) {
            p += sprintf(p, "O:" FOREIGN "D:");
            for (int k = 0; k < 100; k++)
                p += sprintf(p, "(D;;0x%x;;;S-1-5-21-9-9-9-%d)", 0x100000, 1000 + k);
            sprintf(p, "(D;;0x100000;;;WD)(A;;FA;;;%s)", me);
        } else {
            for (; *src; src++) {
                if (src[0] == 'M' && src[1] == 'E') {
                    p += sprintf(p, "%s", me);
                    src++;
                } else
                    *p++ = *src;
            }
            *p = 0;
        }
        size_t len;
        PSECURITY_DESCRIPTOR built = sd_of(text, &len);
        if (!built)
            return STATUS_INVALID_PARAMETER;
        if (*psize < len) {
            *psize = len;
            free(built);
            return STATUS_BUFFER_OVERFLOW;
        }
        memcpy(sd, built, len);
        *psize = len;
        free(built);
        return STATUS_SUCCESS;
    }
    return STATUS_OBJECT_NAME_NOT_FOUND;
}

struct ex_case {
    const char *name;
    UINT32 options;
    BOOLEAN parent, traverse;
    UINT32 desired;
    NTSTATUS status;
    UINT32 granted;
};

static void run_ex(FSP_FILE_SYSTEM *fs, const struct ex_case *c, size_t n, int line)
{
    for (size_t i = 0; i < n; i++) {
        FSP_FSCTL_TRANSACT_REQ *req = create_request(c[i].name, c[i].options);
        UINT32 granted = 0xdeadbeef;
        nqueried = 0;
        NTSTATUS st = FspAccessCheck(fs, req, c[i].parent, c[i].traverse, c[i].desired, &granted);
        UINT32 want = NT_SUCCESS(c[i].status) ? c[i].granted : 0;
        if (st != c[i].status || granted != want) {
            fprintf(stderr,
                    "  line %d: %s%s desired 0x%x: status 0x%x granted 0x%x, expected 0x%x "
                    "0x%x\n",
                    line, c[i].name, c[i].parent ? " (parent)" : "", (unsigned)c[i].desired,
                    (unsigned)st, (unsigned)granted, (unsigned)c[i].status, (unsigned)want);
            check_failed_in_test = 1;
        }
        free(req);
    }
}
#define RUN_EX(fs, cases) run_ex(fs, cases, sizeof(cases) / sizeof((cases)[0]), __LINE__)

TEST(access_check_ex)
{
    uint8_t sid[FSP_SID_MAX_SIZE];
    fsp_posix_uid_to_sid((uint32_t)getuid(), sid);
    fsp_sid_to_string(sid, me, sizeof me);
    static FSP_FILE_SYSTEM_INTERFACE iface;
    iface.GetSecurityByName = fake_get_security;
    FSP_FILE_SYSTEM fs;
    memset(&fs, 0, sizeof fs);
    fs.Interface = &iface;
    const UINT32 ALL = FILE_ALL_ACCESS;
    static const struct ex_case cases[] = {
        /* Traverse: "\a" lacks FILE_TRAVERSE. */
        {"/a/f", 0, FALSE, TRUE, RD, DENIED, 0},
        {"/a/f", 0, FALSE, FALSE, RD, OK, RD},
        {"/a", 0, FALSE, TRUE, RD, OK, RD},
        {"/b/f", 0, FALSE, TRUE, RD, OK, RD},
        {"/b/f", 0, FALSE, TRUE, WR, DENIED, 0},
        {"/b/f", 0, FALSE, TRUE, GENERIC_READ, OK, FILE_GENERIC_READ},
        {"/", 0, FALSE, TRUE, MAXIMUM_ALLOWED, OK, ALL},
        {"/c/", 0, FALSE, TRUE, MAXIMUM_ALLOWED, OK, ALL},
        /* Missing and non-directory components. */
        {"/missing/x", 0, FALSE, TRUE, RD, STATUS_OBJECT_PATH_NOT_FOUND, 0},
        {"/missing/x", 0, TRUE, TRUE, FILE_ADD_FILE, STATUS_OBJECT_PATH_NOT_FOUND, 0},
        {"/file/x", 0, FALSE, TRUE, RD, STATUS_OBJECT_PATH_NOT_FOUND, 0},
        {"/file/x", 0, TRUE, FALSE, FILE_ADD_FILE, STATUS_OBJECT_PATH_NOT_FOUND, 0},
        {"/c/missing", 0, FALSE, TRUE, RD, STATUS_OBJECT_NAME_NOT_FOUND, 0},
        /* Create: the parent must grant FILE_ADD_FILE / FILE_ADD_SUBDIRECTORY. */
        {"/b/new", 0, TRUE, TRUE, FILE_ADD_FILE, DENIED, 0},
        {"/c/new", 0, TRUE, TRUE, FILE_ADD_FILE, OK, FILE_ADD_FILE},
        {"/c/new", 0, TRUE, TRUE, FILE_ADD_SUBDIRECTORY, OK, FILE_ADD_SUBDIRECTORY},
        {"/a/new", 0, TRUE, TRUE, FILE_ADD_FILE, DENIED, 0},
        {"/new", 0, TRUE, TRUE, FILE_ADD_FILE, OK, FILE_ADD_FILE},
        /* Directory / non-directory. */
        {"/c/ro", FILE_DIRECTORY_FILE, FALSE, TRUE, RD, STATUS_NOT_A_DIRECTORY, 0},
        {"/c", FILE_NON_DIRECTORY_FILE, FALSE, TRUE, RD, STATUS_FILE_IS_A_DIRECTORY, 0},
        {"/c", FILE_DIRECTORY_FILE, FALSE, TRUE, FILE_LIST_DIRECTORY, OK, FILE_LIST_DIRECTORY},
        /* Read-only files. */
        {"/c/ro", 0, FALSE, TRUE, WR, DENIED, 0},
        {"/c/ro", 0, FALSE, TRUE, FILE_APPEND_DATA, DENIED, 0},
        {"/c/ro", 0, FALSE, TRUE, RD | DELETE, OK, RD | DELETE},
        {"/c/ro", FILE_DELETE_ON_CLOSE, FALSE, TRUE, DELETE, STATUS_CANNOT_DELETE, 0},
        {"/c/ro", 0, FALSE, TRUE, MAXIMUM_ALLOWED, OK, ALL & ~(WR | FILE_APPEND_DATA)},
        /* DELETE through the parent's FILE_DELETE_CHILD, READ_ATTRIBUTES
         * through its FILE_LIST_DIRECTORY. */
        {"/c/nodel", 0, FALSE, TRUE, DELETE, OK, DELETE},
        {"/c/nodel", 0, FALSE, TRUE, DELETE | RD, OK, DELETE | RD},
        {"/c/nodel", 0, FALSE, TRUE, DELETE | WR, DENIED, 0},
        {"/c/nodel", 0, FALSE, TRUE, MAXIMUM_ALLOWED, OK, FILE_GENERIC_READ | DELETE},
        {"/b/nodel", 0, FALSE, TRUE, DELETE, DENIED, 0},
        {"/b/nodel", 0, FALSE, TRUE, MAXIMUM_ALLOWED, OK, FILE_GENERIC_READ},
        /* No descriptor: no restrictions. */
        {"/c/open", 0, FALSE, TRUE, WR | DELETE, OK, WR | DELETE},
        /* Reparse point on the way: its index comes back. */
        {"/r/x", 0, FALSE, TRUE, RD, STATUS_REPARSE, 2},
        /* A descriptor larger than the first buffer. */
        {"/big", 0, FALSE, TRUE, RD, OK, RD},
        {"/big", 0, FALSE, TRUE, SYNCHRONIZE, DENIED, 0},
    };
    RUN_EX(&fs, cases);

    /* The names asked for: the directories on the way, then the object. */
    FSP_FSCTL_TRANSACT_REQ *req = create_request("/c/nodel", 0);
    UINT32 granted;
    nqueried = 0;
    CHECK_EQ_INT(FspAccessCheck(&fs, req, FALSE, TRUE, RD, &granted), STATUS_SUCCESS);
    CHECK_EQ_INT(nqueried, 3);
    CHECK_EQ_STR(queried[0], "\\");
    CHECK_EQ_STR(queried[1], "\\c");
    CHECK_EQ_STR(queried[2], "\\c\\nodel");
    /* With the traverse privilege, only the object. */
    req->Req.Create.HasTraversePrivilege = 1;
    nqueried = 0;
    CHECK_EQ_INT(FspAccessCheck(&fs, req, FALSE, TRUE, RD, &granted), STATUS_SUCCESS);
    CHECK_EQ_INT(nqueried, 1);
    free(req);

    /* The checked object's descriptor comes back (the parent's on create). */
    req = create_request("/c/new", 0);
    PSECURITY_DESCRIPTOR sd = NULL;
    CHECK_EQ_INT(FspAccessCheckEx(&fs, req, TRUE, TRUE, FILE_ADD_FILE, &granted, &sd),
                 STATUS_SUCCESS);
    CHECK(sd != NULL);
    if (sd) {
        char *s = sddl_of(sd), expected[256];
        snprintf(expected, sizeof expected, "O:" FOREIGN "D:(A;;FA;;;%s)", me);
        CHECK_EQ_STR(s, expected);
        free(s);
    }
    FspDeleteSecurityDescriptor(sd, CREATE_FUNC(FspAccessCheckEx));
    free(req);

    /* Backup intent with the backup privilege reads past the DACL. */
    req = create_request("/b/f", FILE_OPEN_FOR_BACKUP_INTENT);
    CHECK_EQ_INT(FspAccessCheck(&fs, req, FALSE, TRUE, WR, &granted), DENIED);
    req->Req.Create.HasRestorePrivilege = 1;
    CHECK_EQ_INT(FspAccessCheck(&fs, req, FALSE, TRUE, WR, &granted), STATUS_SUCCESS);
    CHECK_EQ_INT(granted, WR);
    req->Req.Create.CreateOptions = 0; /* no intent: the privilege is not used */
    CHECK_EQ_INT(FspAccessCheck(&fs, req, FALSE, TRUE, WR, &granted), DENIED);
    free(req);

    /* Not a create request. */
    req = create_request("/c", 0);
    req->Kind = FspFsctlTransactCloseKind;
    CHECK_EQ_INT(FspAccessCheck(&fs, req, FALSE, TRUE, RD, &granted), STATUS_INVALID_PARAMETER);
    free(req);

    /* Without GetSecurityByName everything is granted. */
    iface.GetSecurityByName = NULL;
    req = create_request("/a/f", 0);
    CHECK_EQ_INT(FspAccessCheck(&fs, req, FALSE, TRUE, GENERIC_READ, &granted), STATUS_SUCCESS);
    CHECK_EQ_INT(granted, FILE_GENERIC_READ);
    CHECK_EQ_INT(FspAccessCheck(&fs, req, FALSE, TRUE, MAXIMUM_ALLOWED, &granted), STATUS_SUCCESS);
    CHECK_EQ_INT(granted, FILE_ALL_ACCESS);
    free(req);
}

int main(void)
{
    RUN(allow_deny_order);
    RUN(group_membership);
    RUN(generic_mapping);
    RUN(maximum_allowed);
    RUN(owner_rights);
    RUN(null_and_empty_dacl);
    RUN(privileges);
    RUN(inheritance);
    RUN(create_security_descriptor);
    RUN(token_of_this_process);
    RUN(set_security_descriptor);
    RUN(access_check_ex);
    return CHECK_DONE();
}
