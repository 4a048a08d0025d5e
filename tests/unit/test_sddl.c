/*
 * test_sddl.c - SDDL <-> security descriptors and SIDs: round trips of the
 * descriptors WinFsp's documentation and samples use, canonical output,
 * binary layout, errors (with the Win32 last error, and nothing leaked), and
 * the UTF-16 entry points.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "native/security.h"

#define ALL_INFO                                                                           \
    (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION | \
     SACL_SECURITY_INFORMATION)

/* SDDL -> descriptor -> SDDL through the public UTF-8 API; "(error N)" on failure. */
static char *round_trip(const char *in, SECURITY_INFORMATION info)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    ULONG size = 0, len = 0;
    char *out = NULL, err[32];
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorA(in, SDDL_REVISION_1, &sd, &size)) {
        snprintf(err, sizeof err, "(error %u)", (unsigned)GetLastError());
        return strdup(err);
    }
    if (size != GetSecurityDescriptorLength(sd) || !IsValidSecurityDescriptor(sd)) {
        LocalFree(sd);
        return strdup("(bad size)");
    }
    if (!ConvertSecurityDescriptorToStringSecurityDescriptorA(sd, SDDL_REVISION_1, info, &out,
                                                              &len)) {
        snprintf(err, sizeof err, "(error %u)", (unsigned)GetLastError());
        LocalFree(sd);
        return strdup(err);
    }
    LocalFree(sd);
    if (len != strlen(out) + 1) {
        LocalFree(out);
        return strdup("(bad length)");
    }
    return out;
}

static void check_rt(const char *in, const char *expected, int line)
{
    char *out = round_trip(in, ALL_INFO);
    if (strcmp(out, expected) != 0) {
        fprintf(stderr, "  line %d: \"%s\" -> \"%s\", expected \"%s\"\n", line, in, out, expected);
        check_failed_in_test = 1;
    }
    free(out);
}
#define CHECK_RT(in, expected) check_rt(in, expected, __LINE__)

TEST(winfsp_examples)
{
    /* MEMFS's and the WinFsp tutorial's root descriptors, and a typical
     * inheritable DACL: they come back as they were written. */
    static const char *const same[] = {
        "O:BAG:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;WD)",
        "O:BAG:BAD:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;WD)",
        "D:P(A;OICI;FA;;;BA)(A;OICIIO;GA;;;CO)(D;;WD;;;BU)",
        "O:SYG:SYD:PAI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIIOID;GA;;;CO)",
        "O:BAG:BAD:(A;;0x1200a9;;;BU)(A;;0x1301bf;;;AU)",
        "D:(A;;FR;;;WD)(A;;FW;;;WD)(A;;FX;;;WD)",
        "D:(A;;GXGWGR;;;IU)(D;OICINP;SDWO;;;AN)",
        "D:(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)",
        "O:S-1-5-21-1-2-3-1001G:S-1-22-2-100D:(A;;FA;;;S-1-5-21-1-2-3-1001)",
        "D:NO_ACCESS_CONTROL",
        "D:",
        "D:P",
        "D:PARAI(A;;FA;;;WD)",
        "S:(AU;SAFA;FA;;;WD)",
        "S:PAI(AL;OICIIDSA;FW;;;AU)",
        "S:(ML;;NW;;;LW)(ML;;NWNRNX;;;HI)",
        "O:LAG:DUD:(A;;FA;;;DA)(A;;FR;;;DG)",
        "",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        CHECK_RT(same[i], same[i]);
}

TEST(canonical_output)
{
    /* Masks: full-right names only on an exact match; else bit codes in bit
     * order when every bit has one; else hex. */
    CHECK_RT("D:(A;;0x1F01FF;;;BA)", "D:(A;;FA;;;BA)");
    CHECK_RT("D:(A;;2032127;;;BA)", "D:(A;;FA;;;BA)");
    CHECK_RT("D:(A;;0x120089;;;BA)", "D:(A;;FR;;;BA)");
    CHECK_RT("D:(A;;0x120116;;;BA)", "D:(A;;FW;;;BA)");
    CHECK_RT("D:(A;;0x1200A0;;;BA)", "D:(A;;FX;;;BA)");
    CHECK_RT("D:(A;;FRFX;;;BA)", "D:(A;;0x1200a9;;;BA)");
    CHECK_RT("D:(A;;WDRC;;;BA)", "D:(A;;RCWD;;;BA)");
    CHECK_RT("D:(A;;0x3;;;BA)", "D:(A;;CCDC;;;BA)");
    CHECK_RT("D:(A;;0x10000000;;;BA)", "D:(A;;GA;;;BA)");
    CHECK_RT("D:(A;;GRGWGXGA;;;BA)", "D:(A;;GAGXGWGR;;;BA)");
    CHECK_RT("D:(A;;0x100000;;;BA)", "D:(A;;0x100000;;;BA)");
    CHECK_RT("D:(A;;;;;BA)", "D:(A;;0x0;;;BA)");
    CHECK_RT("D:(A;;0;;;BA)", "D:(A;;0x0;;;BA)");
    /* ACE flags in bit order; ACL flags as P, AR, AI. */
    CHECK_RT("D:(A;IOCIOI;FA;;;BA)", "D:(A;OICIIO;FA;;;BA)");
    CHECK_RT("D:AIARP", "D:PARAI");
    /* SIDs print as aliases when they have one (also those given as S-1-). */
    CHECK_RT("O:S-1-5-32-544G:S-1-5-18D:(A;;FA;;;S-1-1-0)", "O:BAG:SYD:(A;;FA;;;WD)");
    CHECK_RT("O:S-1-5-21-1179865120-1281977973-2018272108-512", "O:DA");
    CHECK_RT("O:s-1-5-32-545", "O:BU");
    CHECK_RT("O:S-1-0x123456789ABC-7", "O:S-1-0x123456789ABC-7");
    /* Order O G D S whatever the input order; whitespace between parts. */
    CHECK_RT("S:(AU;FA;FA;;;WD)D:(A;;FA;;;WD)G:BUO:BA", "O:BAG:BUD:(A;;FA;;;WD)S:(AU;FA;FA;;;WD)");
    CHECK_RT("  O:BA  G:BU D:P (A;;FA;;;SY) (A;;FR;;;WD)  ", "O:BAG:BUD:P(A;;FA;;;SY)(A;;FR;;;WD)");
    /* "D:P" then a component starting with a flag letter. */
    CHECK_RT("D:PS:P", "D:PS:P");
}

TEST(all_aliases)
{
    static const char *const names[] = {
        "AA", "AC", "AN", "AO", "AP", "AS", "AU", "BA", "BG", "BO", "BU", "CA", "CD", "CG",
        "CN", "CO", "CY", "DA", "DC", "DD", "DG", "DU", "EA", "ED", "EK", "ER", "ES", "HA",
        "HI", "IS", "IU", "KA", "LA", "LG", "LS", "LU", "LW", "ME", "MP", "MS", "MU", "NO",
        "NS", "NU", "OW", "PA", "PO", "PS", "PU", "RA", "RC", "RD", "RE", "RM", "RO", "RS",
        "RU", "SA", "SI", "SO", "SS", "SU", "SY", "UD", "WD", "WR",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char in[16];
        snprintf(in, sizeof in, "O:%s", names[i]);
        CHECK_RT(in, in);
    }
    /* The SIDs behind a few of them. */
    static const struct {
        const char *alias, *sid;
    } known[] = {
        {"SY", "S-1-5-18"},
        {"BA", "S-1-5-32-544"},
        {"BU", "S-1-5-32-545"},
        {"WD", "S-1-1-0"},
        {"AU", "S-1-5-11"},
        {"CO", "S-1-3-0"},
        {"CG", "S-1-3-1"},
        {"OW", "S-1-3-4"},
        {"AN", "S-1-5-7"},
        {"NS", "S-1-5-20"},
        {"RC", "S-1-5-12"},
        {"SI", "S-1-16-16384"},
        {"LA", "S-1-5-21-1179865120-1281977973-2018272108-500"},
        {"DU", "S-1-5-21-1179865120-1281977973-2018272108-513"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        PSID sid = NULL;
        char *str = NULL;
        CHECK(ConvertStringSidToSidA(known[i].alias, &sid));
        CHECK(ConvertSidToStringSidA(sid, &str));
        CHECK_EQ_STR(str, known[i].sid);
        LocalFree(str);
        LocalFree(sid);
    }
    /* The domain-relative aliases use posixsec's local domain: LA is the
     * SID of uid 0x30000 + 500. */
    uint8_t sid[FSP_SID_MAX_SIZE];
    const char *s = "LA";
    CHECK_EQ_INT(fsp_sddl_parse_sid(&s, sid), 0);
    uint32_t uid = 0;
    CHECK_EQ_INT(FspPosixMapSidToUid(sid, &uid), STATUS_SUCCESS);
    CHECK_EQ_INT(uid, 0x30000 + 500);
}

TEST(binary_layout)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    ULONG size = 0;
    CHECK(ConvertStringSecurityDescriptorToSecurityDescriptorA(
        "O:BAG:SYD:P(A;OICI;FA;;;WD)(D;;0x20;;;BU)", SDDL_REVISION_1, &sd, &size));
    CHECK(sd && fsp_sd_valid(sd, size));
    if (!sd)
        return;
    CHECK_EQ_INT(fsp_sd_control(sd), SE_SELF_RELATIVE | SE_DACL_PRESENT | SE_DACL_PROTECTED);
    uint8_t ba[FSP_SID_MAX_SIZE], sy[FSP_SID_MAX_SIZE], bu[FSP_SID_MAX_SIZE];
    fsp_sid_from_string("S-1-5-32-544", ba, sizeof ba);
    fsp_sid_from_string("S-1-5-18", sy, sizeof sy);
    fsp_sid_from_string("S-1-5-32-545", bu, sizeof bu);
    const void *owner = fsp_sd_owner(sd, size), *group = fsp_sd_group(sd, size);
    CHECK(owner && fsp_sid_equal(owner, ba));
    CHECK(group && fsp_sid_equal(group, sy));
    bool present = false;
    const void *dacl = fsp_sd_dacl(sd, size, &present);
    CHECK(present && dacl);
    CHECK(!fsp_sd_sacl(sd, size, &present) && !present);
    if (dacl) {
        CHECK_EQ_INT(fsp_acl_count(dacl), 2);
        CHECK_EQ_INT(((const uint8_t *)dacl)[0], ACL_REVISION);
        /* 8 header + (8 + 12) + (8 + 16) */
        CHECK_EQ_INT(fsp_acl_size(dacl), 52);
        FSP_ACL_ITER it;
        FSP_ACE ace;
        fsp_acl_iter_init(&it, dacl);
        CHECK(fsp_acl_iter_next(&it, &ace));
        CHECK_EQ_INT(ace.type, ACCESS_ALLOWED_ACE_TYPE);
        CHECK_EQ_INT(ace.flags, OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE);
        CHECK_EQ_INT(ace.mask, FILE_ALL_ACCESS);
        CHECK(fsp_sid_equal(ace.sid, fsp_sid_everyone));
        CHECK(fsp_acl_iter_next(&it, &ace));
        CHECK_EQ_INT(ace.type, ACCESS_DENIED_ACE_TYPE);
        CHECK_EQ_INT(ace.flags, 0);
        CHECK_EQ_INT(ace.mask, FILE_EXECUTE);
        CHECK(fsp_sid_equal(ace.sid, bu));
        CHECK(!fsp_acl_iter_next(&it, &ace));
    }
    LocalFree(sd);

    /* NULL DACL: present, no ACL; no D: at all: absent. */
    CHECK(
        ConvertStringSecurityDescriptorToSecurityDescriptorA("D:NO_ACCESS_CONTROL", 1, &sd, &size));
    CHECK(!fsp_sd_dacl(sd, size, &present) && present);
    LocalFree(sd);
    CHECK(ConvertStringSecurityDescriptorToSecurityDescriptorA("O:BA", 1, &sd, NULL));
    CHECK(!fsp_sd_dacl(sd, GetSecurityDescriptorLength(sd), &present) && !present);
    LocalFree(sd);

    /* The existing POSIX mapping reads SDDL-made descriptors. */
    CHECK(ConvertStringSecurityDescriptorToSecurityDescriptorA(
        "O:S-1-22-1-1001G:S-1-22-2-1001D:P(A;;FA;;;S-1-22-1-1001)(A;;FR;;;S-1-22-2-1001)", 1, &sd,
        NULL));
    UINT32 uid, gid, mode;
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(sd, &uid, &gid, &mode), 0);
    CHECK_EQ_INT(uid, 1001);
    CHECK_EQ_INT(gid, 1001);
    CHECK_EQ_INT(mode, 0740);
    LocalFree(sd);
}

TEST(security_information)
{
    const char *in = "O:BAG:SYD:P(A;;FA;;;WD)S:(AU;SA;FR;;;WD)(ML;;NW;;;ME)";
    char *out;
    out = round_trip(in, OWNER_SECURITY_INFORMATION);
    CHECK_EQ_STR(out, "O:BA");
    free(out);
    out = round_trip(in, GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION);
    CHECK_EQ_STR(out, "G:SYD:P(A;;FA;;;WD)");
    free(out);
    out = round_trip(in, SACL_SECURITY_INFORMATION);
    CHECK_EQ_STR(out, "S:(AU;SA;FR;;;WD)(ML;;NW;;;ME)");
    free(out);
    /* LABEL alone: only the mandatory label ACEs of the SACL. */
    out = round_trip(in, LABEL_SECURITY_INFORMATION);
    CHECK_EQ_STR(out, "S:(ML;;NW;;;ME)");
    free(out);
    out = round_trip(in, 0);
    CHECK_EQ_STR(out, "");
    free(out);
    /* Parts the descriptor lacks are left out. */
    out = round_trip("D:(A;;FA;;;WD)", ALL_INFO);
    CHECK_EQ_STR(out, "D:(A;;FA;;;WD)");
    free(out);
}

static void check_bad(const char *in, DWORD error, int line)
{
    PSECURITY_DESCRIPTOR sd = (PSECURITY_DESCRIPTOR)1;
    ULONG size = 12345;
    SetLastError(0);
    BOOL ok = ConvertStringSecurityDescriptorToSecurityDescriptorA(in, SDDL_REVISION_1, &sd, &size);
    if (ok || GetLastError() != error || sd != NULL) {
        fprintf(stderr, "  line %d: \"%s\": ok %d, error %u (expected %u), sd %p\n", line,
                in ? in : "(null)", ok, (unsigned)GetLastError(), (unsigned)error, sd);
        check_failed_in_test = 1;
    }
    if (ok)
        LocalFree(sd);
}
#define CHECK_BAD(in, error) check_bad(in, error, __LINE__)

TEST(bad_sddl)
{
    CHECK_BAD(NULL, ERROR_INVALID_PARAMETER);
    CHECK_BAD("X:BA", ERROR_INVALID_PARAMETER);
    CHECK_BAD("O:BAO:SY", ERROR_INVALID_PARAMETER);
    CHECK_BAD("D:(A;;FA;;;WD)D:", ERROR_INVALID_PARAMETER);
    CHECK_BAD("O:BA junk", ERROR_INVALID_PARAMETER);
    CHECK_BAD("O:BAX", ERROR_INVALID_PARAMETER);
    CHECK_BAD("O:", ERROR_INVALID_SID);
    CHECK_BAD("O:QQ", ERROR_NONE_MAPPED);
    CHECK_BAD("O:S-1-5-", ERROR_INVALID_SID);
    CHECK_BAD("O:S-2-5-18", ERROR_INVALID_SID);
    CHECK_BAD("O:S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", ERROR_INVALID_SID);
    CHECK_BAD("O:S-1-5-4294967296", ERROR_INVALID_SID);
    CHECK_BAD("D:(A;;FA;;;BA", ERROR_INVALID_ACL);
    CHECK_BAD("D:(A;;FA;;;BA)x", ERROR_INVALID_ACL);
    CHECK_BAD("D:X", ERROR_INVALID_ACL);
    CHECK_BAD("D:(X;;FA;;;BA)", ERROR_INVALID_ACL);
    CHECK_BAD("D:(OA;;FA;;;BA)", ERROR_INVALID_ACL);
    CHECK_BAD("D:(A;QQ;FA;;;BA)", ERROR_INVALID_ACL);
    CHECK_BAD("D:(A;;QQ;;;BA)", ERROR_INVALID_ACL);
    CHECK_BAD("D:(A;;FAx;;;BA)", ERROR_INVALID_ACL);
    CHECK_BAD("D:(A;;KA;;;BA)", ERROR_INVALID_ACL);
    CHECK_BAD("D:(A;;0x;;;BA)", ERROR_INVALID_ACL);
    CHECK_BAD("D:(A;;0x100000000;;;BA)", ERROR_INVALID_ACL);
    CHECK_BAD("D:(A;;4294967296;;;BA)", ERROR_INVALID_ACL);
    CHECK_BAD("D:(A;;0x1F01FFG;;;BA)", ERROR_INVALID_ACL);
    CHECK_BAD("D:(A;;FA;bf967aba-0de6-11d0-a285-00aa003049e2;;BA)", ERROR_INVALID_ACL);
    CHECK_BAD("D:(A;;FA;;;BA;extra)", ERROR_INVALID_ACL);
    CHECK_BAD("D:(A;;FA;;;ZZ)", ERROR_NONE_MAPPED);
    CHECK_BAD("D:(A;;FA;;;S-1-x)", ERROR_INVALID_SID);
    CHECK_BAD("D:(A;;NW;;;BA)", ERROR_INVALID_ACL);    /* label rights on an allow ACE */
    CHECK_BAD("D:(AU;SA;FA;;;BA)", ERROR_INVALID_ACL); /* audit ACE in a DACL */
    CHECK_BAD("S:(A;;FA;;;BA)", ERROR_INVALID_ACL);    /* allow ACE in a SACL */
    CHECK_BAD("D:NO_ACCESS_CONTROL(A;;FA;;;BA)", ERROR_INVALID_ACL);
    CHECK_BAD("D:(a;;FA;;;BA)", ERROR_INVALID_ACL);
    /* Error after a successful part: nothing leaks (the sanitizer build checks). */
    CHECK_BAD("O:BAG:SYD:(A;;FA;;;WD)(A;;FA;;;BA)S:(AU;SA;FA;;;WD)(X", ERROR_INVALID_ACL);

    /* An ACL over 64 KiB. */
    size_t n = 3000;
    char *big = malloc(4 + n * 13 + 1), *p = big;
    p += sprintf(p, "D:");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "(A;;FA;;;BA)");
    CHECK_BAD(big, ERROR_INVALID_ACL);
    /* ... and one that just fits (8 + 2730 * 24 = 65528 bytes). */
    big[2 + 2730 * 12] = 0;
    PSECURITY_DESCRIPTOR sd = NULL;
    CHECK(ConvertStringSecurityDescriptorToSecurityDescriptorA(big, 1, &sd, NULL));
    LocalFree(sd);
    free(big);

    /* Revision and argument checks. */
    sd = (PSECURITY_DESCRIPTOR)1;
    CHECK(!ConvertStringSecurityDescriptorToSecurityDescriptorA("O:BA", 2, &sd, NULL));
    CHECK_EQ_INT(GetLastError(), ERROR_UNKNOWN_REVISION);
    CHECK(sd == NULL);
    CHECK(!ConvertStringSecurityDescriptorToSecurityDescriptorA("O:BA", 1, NULL, NULL));
    CHECK_EQ_INT(GetLastError(), ERROR_INVALID_PARAMETER);
}

TEST(bad_descriptor_to_string)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    char *out = (char *)1;
    CHECK(ConvertStringSecurityDescriptorToSecurityDescriptorA("O:BAD:(A;;FA;;;WD)", 1, &sd, NULL));
    CHECK(!ConvertSecurityDescriptorToStringSecurityDescriptorA(sd, 2, ALL_INFO, &out, NULL));
    CHECK_EQ_INT(GetLastError(), ERROR_UNKNOWN_REVISION);
    CHECK(out == NULL);
    ((uint8_t *)sd)[0] = 2; /* descriptor revision */
    CHECK(!ConvertSecurityDescriptorToStringSecurityDescriptorA(sd, 1, ALL_INFO, &out, NULL));
    CHECK_EQ_INT(GetLastError(), ERROR_INVALID_SECURITY_DESCR);
    LocalFree(sd);
    CHECK(!ConvertSecurityDescriptorToStringSecurityDescriptorA(NULL, 1, ALL_INFO, &out, NULL));
    CHECK_EQ_INT(GetLastError(), ERROR_INVALID_PARAMETER);

    /* A callback ACE has no SDDL form here: refused, not dropped. */
    FSP_ACL_BUILDER b;
    fsp_acl_builder_init(&b);
    fsp_acl_builder_add(&b, ACCESS_ALLOWED_ACE_TYPE, 0, FILE_ALL_ACCESS, fsp_sid_everyone);
    fsp_acl_builder_add(&b, ACCESS_ALLOWED_CALLBACK_ACE_TYPE, 0, FILE_ALL_ACCESS, fsp_sid_everyone);
    const void *acl = fsp_acl_builder_acl(&b, NULL, NULL);
    CHECK(acl != NULL);
    CHECK_EQ_INT(fsp_sd_build(0, NULL, NULL, NULL, acl, &sd, NULL), STATUS_SUCCESS);
    fsp_acl_builder_free(&b);
    CHECK(!ConvertSecurityDescriptorToStringSecurityDescriptorA(sd, 1, ALL_INFO, &out, NULL));
    CHECK_EQ_INT(GetLastError(), ERROR_INVALID_ACL);
    /* ... unless the DACL is not asked for. */
    CHECK(ConvertSecurityDescriptorToStringSecurityDescriptorA(sd, 1, OWNER_SECURITY_INFORMATION,
                                                               &out, NULL));
    CHECK_EQ_STR(out, "");
    LocalFree(out);
    LocalFree(sd);
}

static size_t wlen(const WCHAR *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

TEST(wide_api)
{
    static const WCHAR in[] = u"O:BAG:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;WD)";
    PSECURITY_DESCRIPTOR sd = NULL;
    ULONG size = 0, len = 0;
    PWSTR out = NULL;
    CHECK(ConvertStringSecurityDescriptorToSecurityDescriptorW(in, SDDL_REVISION_1, &sd, &size));
    CHECK(size > FSP_SD_HEADER_SIZE && size == GetSecurityDescriptorLength(sd));
    CHECK(ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1, ALL_INFO, &out,
                                                               &len));
    CHECK(out != NULL);
    if (out) {
        CHECK_EQ_INT(len, wlen(out) + 1);
        CHECK(wlen(out) == wlen(in) && memcmp(out, in, sizeof in) == 0);
    }
    LocalFree(out);
    LocalFree(sd);

    /* Non-ASCII input is a syntax error, not a crash. */
    CHECK(!ConvertStringSecurityDescriptorToSecurityDescriptorW(u"O:B\u00c4", 1, &sd, NULL));
    CHECK_EQ_INT(GetLastError(), ERROR_INVALID_SID);
    CHECK(!ConvertStringSecurityDescriptorToSecurityDescriptorW(u"D:(A;;FA;;;W\xd800)", 1, &sd,
                                                                NULL));
    CHECK_EQ_INT(GetLastError(), ERROR_INVALID_PARAMETER);

    /* SIDs: aliases and S- strings in; always S- strings out. */
    PSID sid = NULL;
    PWSTR str = NULL;
    CHECK(ConvertStringSidToSidW(u"BA", &sid));
    CHECK(ConvertSidToStringSidW(sid, &str));
    CHECK(str && wlen(str) == 12 && memcmp(str, u"S-1-5-32-544", 13 * sizeof(WCHAR)) == 0);
    LocalFree(str);
    LocalFree(sid);
    CHECK(ConvertStringSidToSidW(u"S-1-5-21-1-2-3-1001", &sid));
    CHECK_EQ_INT(fsp_sid_sub_count(sid), 5);
    CHECK_EQ_INT(fsp_sid_sub(sid, 4), 1001);
    LocalFree(sid);
    sid = (PSID)1;
    CHECK(!ConvertStringSidToSidW(u"S-1-5-21-", &sid));
    CHECK_EQ_INT(GetLastError(), ERROR_INVALID_SID);
    CHECK(sid == NULL);
    CHECK(!ConvertStringSidToSidA("S-1-5-18 ", &sid));
    CHECK_EQ_INT(GetLastError(), ERROR_INVALID_SID);
    CHECK(!ConvertStringSidToSidA("XY", &sid));
    CHECK_EQ_INT(GetLastError(), ERROR_NONE_MAPPED);
    CHECK(!ConvertStringSidToSidA(NULL, &sid));
    CHECK_EQ_INT(GetLastError(), ERROR_INVALID_PARAMETER);
    uint8_t bad[12] = {2, 1};
    CHECK(!ConvertSidToStringSidW(bad, &str));
    CHECK_EQ_INT(GetLastError(), ERROR_INVALID_SID);
    CHECK(str == NULL);
}

static void *other_thread(void *arg)
{
    *(DWORD *)arg = GetLastError();
    SetLastError(ERROR_INVALID_ACL);
    return NULL;
}

TEST(last_error_is_per_thread)
{
    DWORD seen = 12345;
    pthread_t t;
    SetLastError(ERROR_NONE_MAPPED);
    CHECK_EQ_INT(pthread_create(&t, NULL, other_thread, &seen), 0);
    pthread_join(t, NULL);
    CHECK_EQ_INT(seen, 0);
    CHECK_EQ_INT(GetLastError(), ERROR_NONE_MAPPED);
    CHECK(LocalFree(NULL) == NULL);
}

int main(void)
{
    RUN(winfsp_examples);
    RUN(canonical_output);
    RUN(all_aliases);
    RUN(binary_layout);
    RUN(security_information);
    RUN(bad_sddl);
    RUN(bad_descriptor_to_string);
    RUN(wide_api);
    RUN(last_error_is_per_thread);
    return CHECK_DONE();
}
