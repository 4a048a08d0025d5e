/*
 * test_posixsec.c - the security core: SIDs, ACLs, self-relative security
 * descriptors (building, parsing, validation) and the POSIX uid/gid/mode
 * mapping.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "native/security.h"

/* WinFsp passes the creating function; FSP frees every descriptor alike. The
 * detour through void (*)(void) keeps -Wcast-function-type quiet. */
#define CREATE_FUNC(fn) ((NTSTATUS(*)(void))(void (*)(void))(fn))
#define DELETE_SD(sd) \
    FspDeleteSecurityDescriptor(sd, CREATE_FUNC(FspPosixMapPermissionsToSecurityDescriptor))

static const char *sid_str(const void *sid, char *buf)
{
    if (fsp_sid_to_string(sid, buf, FSP_SID_STRING_MAX) < 0)
        snprintf(buf, FSP_SID_STRING_MAX, "(invalid)");
    return buf;
}

/* --- SIDs ------------------------------------------------------------------------- */

TEST(sid_string_round_trip)
{
    static const char *const sids[] = {
        "S-1-0-0",
        "S-1-1-0",
        "S-1-0-65534",
        "S-1-5-18",
        "S-1-5-32-544",
        "S-1-5-21-1-2-3-1001",
        "S-1-22-1-1000",
        "S-1-22-2-0",
        "S-1-5",
        "S-1-0x123456789ABC-1",
        "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-4294967295",
    };
    for (size_t i = 0; i < sizeof sids / sizeof sids[0]; i++) {
        uint8_t sid[FSP_SID_MAX_SIZE];
        char buf[FSP_SID_STRING_MAX];
        size_t len = fsp_sid_from_string(sids[i], sid, sizeof sid);
        CHECK(len >= FSP_SID_HEADER_SIZE);
        CHECK_EQ_INT(fsp_sid_valid_length(sid, len), len);
        CHECK_EQ_STR(sid_str(sid, buf), sids[i]);
    }
    /* Binary layout of S-1-5-32-544. */
    static const uint8_t ba[] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0};
    uint8_t sid[FSP_SID_MAX_SIZE];
    CHECK_EQ_INT(fsp_sid_from_string("S-1-5-32-544", sid, sizeof sid), sizeof ba);
    CHECK(memcmp(sid, ba, sizeof ba) == 0);
    CHECK_EQ_INT(fsp_sid_authority(sid), 5);
    CHECK_EQ_INT(fsp_sid_sub(sid, 1), 544);
    /* Well-known constants. */
    char buf[FSP_SID_STRING_MAX];
    CHECK_EQ_STR(sid_str(fsp_sid_null, buf), "S-1-0-0");
    CHECK_EQ_STR(sid_str(fsp_sid_everyone, buf), "S-1-1-0");
    CHECK_EQ_STR(sid_str(fsp_sid_nobody, buf), "S-1-0-65534");
    /* Bad syntax, too many sub-authorities, overflow, too small a buffer. */
    static const char *const bad[] = {
        "",
        "S-",
        "S-2-5",
        "S-1-",
        "S-1-5-",
        "S-1-5-x",
        "S-1-5--1",
        "X-1-5-18",
        "S-1-5-18 ",
        "S-1-5-4294967296",
        "S-1-0x1000000000000",
        "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(fsp_sid_from_string(bad[i], sid, sizeof sid), 0);
    CHECK_EQ_INT(fsp_sid_from_string("S-1-5-32-544", sid, 15), 0);
    /* Truncated strings report their full length. */
    char small[6];
    fsp_sid_from_string("S-1-5-32-544", sid, sizeof sid);
    CHECK_EQ_INT(fsp_sid_to_string(sid, small, sizeof small), 12);
    CHECK_EQ_STR(small, "S-1-5");
}

TEST(sid_validation)
{
    uint8_t sid[FSP_SID_MAX_SIZE];
    size_t len = fsp_sid_from_string("S-1-5-21-1-2-3-500", sid, sizeof sid);
    for (size_t n = 0; n < len; n++)
        CHECK_EQ_INT(fsp_sid_valid_length(sid, n), 0);
    CHECK_EQ_INT(fsp_sid_valid_length(sid, len), len);
    sid[0] = 2;
    CHECK_EQ_INT(fsp_sid_valid_length(sid, len), 0);
    sid[0] = 1;
    sid[1] = 16;
    CHECK_EQ_INT(fsp_sid_valid_length(sid, sizeof sid), 0);
    CHECK_EQ_INT(fsp_sid_to_string(sid, NULL, 0), -1);
    uint32_t id;
    CHECK_EQ_INT(FspPosixMapSidToUid(sid, &id), STATUS_INVALID_PARAMETER);
}

/* Map a SID string to an id through the public API. */
static uint32_t sid_string_to_id(const char *s)
{
    uint8_t sid[FSP_SID_MAX_SIZE];
    uint32_t id = 0xdeadbeef;
    if (!fsp_sid_from_string(s, sid, sizeof sid) || FspPosixMapSidToUid(sid, &id) != 0)
        return 0xdeadbeef;
    return id;
}

TEST(known_sids)
{
    static const struct {
        const char *sid;
        uint32_t id;
    } known[] = {
        {"S-1-5-18", 18},
        {"S-1-5-32-544", 544},
        {"S-1-5-32-545", 545},
        {"S-1-0-65534", 65534},
        {"S-1-5-0", 0},
        {"S-1-5-1000", 1000},
        {"S-1-22-1-0", 0},
        {"S-1-22-2-100", 100},
        {"S-1-22-1-1001", 1001},
        {"S-1-22-2-4294967294", 4294967294u},
        {"S-1-5-21-1179865120-1281977973-2018272108-500", 0x30000 + 500},
        {"S-1-5-5-0-12345", 0xfff},
        /* Unmapped: Everyone, NULL SID, foreign domains, odd shapes. */
        {"S-1-1-0", 65534},
        {"S-1-0-0", 65534},
        {"S-1-5-21-1-2-3-1001", 65534},
        {"S-1-5-21-1179865120-1281977973-2018272108-851968", 65534},
        {"S-1-5-32-1000", 65534},
        {"S-1-5-512", 65534},
        {"S-1-22-1-4294967295", 65534},
        {"S-1-22-3-5", 65534},
        {"S-1-16-12288", 65534},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        uint32_t id = sid_string_to_id(known[i].sid);
        if (id != known[i].id)
            fprintf(stderr, "  %s\n", known[i].sid);
        CHECK_EQ_INT(id, known[i].id);
    }
    /* The public uid mapping produces the documented SIDs. */
    static const struct {
        uint32_t uid;
        const char *sid;
    } fwd[] = {
        {0, "S-1-5-0"},
        {18, "S-1-5-18"},
        {0x1ff, "S-1-5-511"},
        {0x200, "S-1-5-32-512"},
        {544, "S-1-5-32-544"},
        {999, "S-1-5-32-999"},
        {1000, "S-1-5-1000"},
        {1001, "S-1-22-1-1001"},
        {65534, "S-1-0-65534"},
        {100000, "S-1-22-1-100000"},
        {0x30000, "S-1-5-21-1179865120-1281977973-2018272108-0"},
        {0xfffff, "S-1-5-21-1179865120-1281977973-2018272108-851967"},
        {0x100000, "S-1-22-1-1048576"},
        {0xfffffffe, "S-1-22-1-4294967294"},
    };
    for (size_t i = 0; i < sizeof fwd / sizeof fwd[0]; i++) {
        PSID sid = NULL;
        char buf[FSP_SID_STRING_MAX];
        CHECK_EQ_INT(FspPosixMapUidToSid(fwd[i].uid, &sid), STATUS_SUCCESS);
        CHECK(sid != NULL);
        if (sid)
            CHECK_EQ_STR(sid_str(sid, buf), fwd[i].sid);
        FspDeleteSid(sid, CREATE_FUNC(FspPosixMapUidToSid));
    }
    PSID sid = (PSID)1;
    CHECK_EQ_INT(FspPosixMapUidToSid(0xffffffffu, &sid), STATUS_INVALID_PARAMETER);
    CHECK(sid == NULL);
    /* Group forms. */
    uint8_t gs[FSP_SID_MAX_SIZE];
    char buf[FSP_SID_STRING_MAX];
    fsp_posix_gid_to_sid(100, gs);
    CHECK_EQ_STR(sid_str(gs, buf), "S-1-5-100");
    fsp_posix_gid_to_sid(1001, gs);
    CHECK_EQ_STR(sid_str(gs, buf), "S-1-22-2-1001");
    fsp_posix_gid_to_sid(65534, gs);
    CHECK_EQ_STR(sid_str(gs, buf), "S-1-0-65534");
    CHECK_EQ_INT(fsp_posix_gid_to_sid(0xffffffffu, gs), 0);
}

/* Round trip one id through both forms. */
static int id_round_trips(uint32_t id)
{
    uint8_t u[FSP_SID_MAX_SIZE], g[FSP_SID_MAX_SIZE];
    if (!fsp_posix_uid_to_sid(id, u) || !fsp_posix_gid_to_sid(id, g))
        return 0;
    if (!fsp_sid_valid_length(u, sizeof u) || !fsp_sid_valid_length(g, sizeof g))
        return 0;
    return fsp_posix_sid_to_id(u) == id && fsp_posix_sid_to_id(g) == id;
}

TEST(id_round_trip)
{
    unsigned bad = 0;
    /* Every id below 0x110000 (all WinFsp-style ranges and their edges). */
    for (uint32_t id = 0; id < 0x110000; id++)
        if (!id_round_trips(id) && bad++ < 5)
            fprintf(stderr, "  id %u does not round-trip\n", id);
    /* A stride through the rest, and the top. */
    for (uint64_t id = 0x110000; id < 0xffffffffull; id += 65521)
        if (!id_round_trips((uint32_t)id) && bad++ < 5)
            fprintf(stderr, "  id %u does not round-trip\n", (uint32_t)id);
    for (uint32_t id = 0xffffff00u; id < 0xffffffffu; id++)
        if (!id_round_trips(id) && bad++ < 5)
            fprintf(stderr, "  id %u does not round-trip\n", id);
    CHECK_EQ_INT(bad, 0);

    /* The public pair, and distinct SIDs for distinct uids. */
    static const uint32_t uids[] = {0,      1,       18,      544,      1000,
                                    1001,   4095,    65533,   65534,    65535,
                                    100000, 0x30000, 0x3ffff, 0x100000, 0xfffffffe};
    PSID sids[sizeof uids / sizeof uids[0]];
    for (size_t i = 0; i < sizeof uids / sizeof uids[0]; i++) {
        uint32_t back = 0xdeadbeef;
        CHECK_EQ_INT(FspPosixMapUidToSid(uids[i], &sids[i]), STATUS_SUCCESS);
        CHECK_EQ_INT(FspPosixMapSidToUid(sids[i], &back), STATUS_SUCCESS);
        CHECK_EQ_INT(back, uids[i]);
        for (size_t j = 0; j < i; j++)
            CHECK(!fsp_sid_equal(sids[i], sids[j]));
    }
    for (size_t i = 0; i < sizeof uids / sizeof uids[0]; i++)
        FspDeleteSid(sids[i], CREATE_FUNC(FspPosixMapUidToSid));

    /* Users and groups differ outside the WinFsp ranges. */
    uint8_t u[FSP_SID_MAX_SIZE], g[FSP_SID_MAX_SIZE];
    fsp_posix_uid_to_sid(1001, u);
    fsp_posix_gid_to_sid(1001, g);
    CHECK(!fsp_sid_equal(u, g));
    fsp_posix_uid_to_sid(544, u);
    fsp_posix_gid_to_sid(544, g);
    CHECK(fsp_sid_equal(u, g));
}

/* --- mode <-> security descriptor ------------------------------------------------ */

static const uint32_t id_pairs[][2] = {
    {0, 0},
    {1000, 1000},
    {1000, 100},
    {65534, 65534},
    {1001, 1001},
    {100000, 100000},
    {0x30005, 0x30005},
    {544, 18},
    {0, 65534},
    {65534, 0},
    {4294967294u, 4294967294u},
};

TEST(mode_round_trip)
{
    unsigned bad = 0;
    for (size_t p = 0; p < sizeof id_pairs / sizeof id_pairs[0]; p++) {
        uint32_t uid = id_pairs[p][0], gid = id_pairs[p][1];
        for (uint32_t mode = 0; mode <= 07777; mode++) {
            PSECURITY_DESCRIPTOR sd = NULL;
            uint32_t u = 1, g = 1, m = 1;
            NTSTATUS st = FspPosixMapPermissionsToSecurityDescriptor(uid, gid, mode, &sd);
            if (st != STATUS_SUCCESS || !sd || !IsValidSecurityDescriptor(sd) ||
                FspPosixMapSecurityDescriptorToPermissions(sd, &u, &g, &m) != STATUS_SUCCESS ||
                u != uid || g != gid || m != mode) {
                if (bad++ < 5)
                    fprintf(stderr, "  %u/%u mode %04o -> st %x %u/%u %04o\n", uid, gid, mode,
                            (unsigned)st, u, g, m);
            }
            DELETE_SD(sd);
        }
    }
    CHECK_EQ_INT(bad, 0);
    /* File type bits are ignored. */
    PSECURITY_DESCRIPTOR sd;
    uint32_t u, g, m;
    CHECK_EQ_INT(FspPosixMapPermissionsToSecurityDescriptor(1000, 1000, 0100644, &sd), 0);
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(sd, &u, &g, &m), 0);
    CHECK_EQ_INT(m, 0644);
    DELETE_SD(sd);
    sd = (PSECURITY_DESCRIPTOR)1;
    CHECK_EQ_INT(FspPosixMapPermissionsToSecurityDescriptor(0xffffffffu, 0, 0644, &sd),
                 STATUS_INVALID_PARAMETER);
    CHECK(sd == NULL);
}

/* The mapping remembers recent descriptors by their bytes: answers must
 * follow the bytes, whatever was mapped before, also when a buffer is
 * reused for another descriptor and when more descriptors come by than it
 * keeps. */
TEST(mapping_memo)
{
    static const uint32_t modes[] = {0644, 0640, 0755, 0600, 04755, 0700, 0444};
    enum { N = sizeof modes / sizeof modes[0] };
    PSECURITY_DESCRIPTOR sd[N];
    for (int i = 0; i < N; i++)
        CHECK_EQ_INT(FspPosixMapPermissionsToSecurityDescriptor(1001 + i, 2000, modes[i], &sd[i]),
                     0);
    unsigned bad = 0;
    for (int round = 0; round < 5; round++)
        for (int i = 0; i < N; i++) {
            int k = (i * (round + 1)) % N;
            uint32_t u = 0, g = 0, m = 0;
            if (FspPosixMapSecurityDescriptorToPermissions(sd[k], &u, &g, &m) != 0 ||
                u != 1001u + k || g != 2000 || m != modes[k])
                bad++;
        }
    CHECK_EQ_INT(bad, 0);
    /* One buffer, two descriptors of the same length in turn. */
    size_t len = GetSecurityDescriptorLength(sd[0]);
    PSECURITY_DESCRIPTOR other = NULL;
    uint32_t other_uid = 0;
    for (uint32_t uid = 1100; uid < 1200 && !other; uid++) {
        CHECK_EQ_INT(FspPosixMapPermissionsToSecurityDescriptor(uid, 2000, 0644, &other), 0);
        if (GetSecurityDescriptorLength(other) != len) {
            DELETE_SD(other);
            other = NULL;
        } else
            other_uid = uid;
    }
    CHECK(other != NULL);
    uint8_t buf[512];
    uint32_t u, g, m;
    memcpy(buf, sd[0], len);
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(buf, &u, &g, &m), 0);
    CHECK_EQ_INT(u, 1001);
    if (other) {
        memcpy(buf, other, len);
        CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(buf, &u, &g, &m), 0);
        CHECK_EQ_INT(u, other_uid);
        CHECK_EQ_INT(m, 0644);
        DELETE_SD(other);
    }
    /* A remembered descriptor, damaged: checked afresh, not answered from
     * the memo. */
    memcpy(buf, sd[0], len);
    buf[0] = 2; /* revision */
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(buf, &u, &g, &m),
                 STATUS_INVALID_SECURITY_DESCR);
    for (int i = 0; i < N; i++)
        DELETE_SD(sd[i]);
}

/* Find the ACE for sid of the given type in sd's DACL; its mask or -1. */
static long long dacl_mask(PSECURITY_DESCRIPTOR sd, uint8_t type, const void *sid)
{
    size_t len = GetSecurityDescriptorLength(sd);
    const void *dacl = fsp_sd_dacl(sd, len, NULL);
    FSP_ACL_ITER it;
    FSP_ACE ace;
    fsp_acl_iter_init(&it, dacl);
    while (fsp_acl_iter_next(&it, &ace))
        if (ace.type == type && ace.sid && fsp_sid_equal(ace.sid, sid))
            return ace.mask;
    return -1;
}

TEST(mode_sd_shape)
{
    PSECURITY_DESCRIPTOR sd;
    uint8_t owner[FSP_SID_MAX_SIZE], group[FSP_SID_MAX_SIZE];
    fsp_posix_uid_to_sid(1001, owner);
    fsp_posix_gid_to_sid(1002, group);

    /* 0640: owner rw, group r, others nothing. No deny is needed. */
    CHECK_EQ_INT(FspPosixMapPermissionsToSecurityDescriptor(1001, 1002, 0640, &sd), 0);
    size_t len = GetSecurityDescriptorLength(sd);
    CHECK(len > FSP_SD_HEADER_SIZE);
    uint16_t control = fsp_sd_control(sd);
    CHECK(control & SE_SELF_RELATIVE);
    CHECK(control & SE_DACL_PRESENT);
    CHECK(control & SE_DACL_PROTECTED);
    CHECK(fsp_sid_equal(fsp_sd_owner(sd, len), owner));
    CHECK(fsp_sid_equal(fsp_sd_group(sd, len), group));
    long long om = dacl_mask(sd, ACCESS_ALLOWED_ACE_TYPE, owner);
    long long gm = dacl_mask(sd, ACCESS_ALLOWED_ACE_TYPE, group);
    long long em = dacl_mask(sd, ACCESS_ALLOWED_ACE_TYPE, fsp_sid_everyone);
    CHECK(om >= 0 && gm >= 0 && em >= 0);
    CHECK((om & (FILE_READ_DATA | FILE_WRITE_DATA | WRITE_DAC)) ==
          (FILE_READ_DATA | FILE_WRITE_DATA | WRITE_DAC));
    CHECK(!(om & FILE_EXECUTE));
    CHECK((gm & FILE_READ_DATA) && !(gm & (FILE_WRITE_DATA | FILE_EXECUTE | WRITE_DAC)));
    CHECK(!(em & (FILE_READ_DATA | FILE_WRITE_DATA | FILE_EXECUTE)));
    CHECK(em & FILE_READ_ATTRIBUTES);
    CHECK_EQ_INT(dacl_mask(sd, ACCESS_DENIED_ACE_TYPE, owner), -1);
    CHECK_EQ_INT(dacl_mask(sd, ACCESS_DENIED_ACE_TYPE, group), -1);
    CHECK_EQ_INT(dacl_mask(sd, ACCESS_ALLOWED_ACE_TYPE, fsp_sid_null), -1);
    DELETE_SD(sd);

    /* 0007 needs denies for owner and group; 04000 adds the NULL SID ACE. */
    CHECK_EQ_INT(FspPosixMapPermissionsToSecurityDescriptor(1001, 1002, 05007, &sd), 0);
    long long od = dacl_mask(sd, ACCESS_DENIED_ACE_TYPE, owner);
    long long gd = dacl_mask(sd, ACCESS_DENIED_ACE_TYPE, group);
    CHECK(od >= 0 && (od & FILE_READ_DATA) && (od & FILE_WRITE_DATA) && (od & FILE_EXECUTE));
    CHECK(gd >= 0 && (gd & FILE_READ_DATA) && (gd & FILE_WRITE_DATA) && (gd & FILE_EXECUTE));
    CHECK_EQ_INT(dacl_mask(sd, ACCESS_ALLOWED_ACE_TYPE, fsp_sid_null), 4 | 1);
    /* Sticky: group and others' w does not carry FILE_DELETE_CHILD. */
    CHECK(!(dacl_mask(sd, ACCESS_ALLOWED_ACE_TYPE, fsp_sid_everyone) & FILE_DELETE_CHILD));
    DELETE_SD(sd);
    CHECK_EQ_INT(FspPosixMapPermissionsToSecurityDescriptor(1001, 1002, 0777, &sd), 0);
    CHECK(dacl_mask(sd, ACCESS_ALLOWED_ACE_TYPE, fsp_sid_everyone) & FILE_DELETE_CHILD);
    DELETE_SD(sd);
}

/* Build an SD by hand from parts. */
static PSECURITY_DESCRIPTOR make_sd(uint16_t control, const char *owner, const char *group,
                                    FSP_ACL_BUILDER *dacl, size_t *plen)
{
    uint8_t o[FSP_SID_MAX_SIZE], g[FSP_SID_MAX_SIZE];
    PSECURITY_DESCRIPTOR sd = NULL;
    const void *acl = dacl ? fsp_acl_builder_acl(dacl, NULL, NULL) : NULL;
    if (owner)
        fsp_sid_from_string(owner, o, sizeof o);
    if (group)
        fsp_sid_from_string(group, g, sizeof g);
    fsp_sd_build(control, owner ? o : NULL, group ? g : NULL, NULL, acl, &sd, plen);
    if (dacl)
        fsp_acl_builder_free(dacl);
    return sd;
}

static void add_ace(FSP_ACL_BUILDER *b, uint8_t type, uint8_t flags, uint32_t mask, const char *sid)
{
    uint8_t s[FSP_SID_MAX_SIZE];
    fsp_sid_from_string(sid, s, sizeof s);
    fsp_acl_builder_add(b, type, flags, mask, s);
}

TEST(sd_to_mode_foreign)
{
    uint32_t u, g, m;
    FSP_ACL_BUILDER b;
    PSECURITY_DESCRIPTOR sd;

    /* No DACL at all, and a NULL DACL: 0777. */
    sd = make_sd(0, "S-1-22-1-1001", "S-1-22-2-1001", NULL, NULL);
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(sd, &u, &g, &m), 0);
    CHECK_EQ_INT(u, 1001);
    CHECK_EQ_INT(g, 1001);
    CHECK_EQ_INT(m, 0777);
    DELETE_SD(sd);
    sd = make_sd(SE_DACL_PRESENT, "S-1-22-1-1001", "S-1-22-2-1001", NULL, NULL);
    CHECK(fsp_sd_control(sd) & SE_DACL_PRESENT);
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(sd, &u, &g, &m), 0);
    CHECK_EQ_INT(m, 0777);
    DELETE_SD(sd);

    /* Empty DACL: 0; no owner or group: 65534. */
    fsp_acl_builder_init(&b);
    sd = make_sd(0, NULL, NULL, &b, NULL);
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(sd, &u, &g, &m), 0);
    CHECK_EQ_INT(m, 0);
    CHECK_EQ_INT(u, 65534);
    CHECK_EQ_INT(g, 65534);
    DELETE_SD(sd);

    /* A WinFsp-style "O:BAG:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;WD)" root. */
    fsp_acl_builder_init(&b);
    add_ace(&b, ACCESS_ALLOWED_ACE_TYPE, 0, FILE_ALL_ACCESS, "S-1-5-18");
    add_ace(&b, ACCESS_ALLOWED_ACE_TYPE, 0, FILE_ALL_ACCESS, "S-1-5-32-544");
    add_ace(&b, ACCESS_ALLOWED_ACE_TYPE, 0, FILE_ALL_ACCESS, "S-1-1-0");
    sd = make_sd(SE_DACL_PROTECTED, "S-1-5-32-544", "S-1-5-32-544", &b, NULL);
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(sd, &u, &g, &m), 0);
    CHECK_EQ_INT(u, 544);
    CHECK_EQ_INT(g, 544);
    CHECK_EQ_INT(m, 0777);
    DELETE_SD(sd);

    /* Generic rights; inherit-only ACEs do not count; deny before allow. */
    fsp_acl_builder_init(&b);
    add_ace(&b, ACCESS_ALLOWED_ACE_TYPE, OBJECT_INHERIT_ACE | INHERIT_ONLY_ACE, FILE_ALL_ACCESS,
            "S-1-1-0");
    /* (w is any right of the write class: deny both that GENERIC_WRITE has.) */
    add_ace(&b, ACCESS_DENIED_ACE_TYPE, 0, FILE_WRITE_DATA | FILE_APPEND_DATA, "S-1-22-2-50");
    add_ace(&b, ACCESS_ALLOWED_ACE_TYPE, 0, GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE,
            "S-1-22-1-40");
    add_ace(&b, ACCESS_ALLOWED_ACE_TYPE, 0, GENERIC_READ | GENERIC_WRITE, "S-1-22-2-50");
    add_ace(&b, ACCESS_ALLOWED_ACE_TYPE, 0, FILE_GENERIC_READ, "S-1-1-0");
    /* An allow after a deny for the same bits does not grant them. */
    add_ace(&b, ACCESS_ALLOWED_ACE_TYPE, 0, FILE_WRITE_DATA, "S-1-22-2-50");
    sd = make_sd(0, "S-1-22-1-40", "S-1-22-2-50", &b, NULL);
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(sd, &u, &g, &m), 0);
    CHECK_EQ_INT(u, 40);
    CHECK_EQ_INT(g, 50);
    CHECK_EQ_INT(m, 0744);
    DELETE_SD(sd);

    /* w for any right of the write class (the access gate asks for the
     * exact one): appending only, deleting entries only. */
    static const uint32_t write_class[] = {FILE_APPEND_DATA, FILE_DELETE_CHILD};
    for (size_t i = 0; i < 2; i++) {
        fsp_acl_builder_init(&b);
        add_ace(&b, ACCESS_ALLOWED_ACE_TYPE, 0, FILE_GENERIC_READ | write_class[i], "S-1-22-1-40");
        sd = make_sd(0, "S-1-22-1-40", "S-1-22-2-50", &b, NULL);
        CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(sd, &u, &g, &m), 0);
        CHECK_EQ_INT(m, 0600);
        DELETE_SD(sd);
    }
}

TEST(merge_keeps_unrelated)
{
    FSP_ACL_BUILDER b;
    size_t len;
    uint32_t u, g, m;
    uint8_t sys[FSP_SID_MAX_SIZE], bu[FSP_SID_MAX_SIZE], other[FSP_SID_MAX_SIZE];
    fsp_sid_from_string("S-1-5-18", sys, sizeof sys);
    fsp_sid_from_string("S-1-5-32-545", bu, sizeof bu);
    fsp_sid_from_string("S-1-22-1-4242", other, sizeof other);

    /* Start from a mapped 0644 1000/1000, plus other ACEs. */
    PSECURITY_DESCRIPTOR base;
    CHECK_EQ_INT(FspPosixMapPermissionsToSecurityDescriptor(1001, 1001, 0644, &base), 0);
    size_t blen = GetSecurityDescriptorLength(base);
    fsp_acl_builder_init(&b);
    fsp_acl_builder_add(&b, ACCESS_DENIED_ACE_TYPE, 0, FILE_WRITE_DATA, other);
    FSP_ACL_ITER it;
    FSP_ACE ace;
    fsp_acl_iter_init(&it, fsp_sd_dacl(base, blen, NULL));
    while (fsp_acl_iter_next(&it, &ace))
        fsp_acl_builder_add_raw(&b, &ace);
    fsp_acl_builder_add(&b, ACCESS_ALLOWED_ACE_TYPE, 0, FILE_ALL_ACCESS, sys);
    fsp_acl_builder_add(&b, ACCESS_ALLOWED_ACE_TYPE, INHERITED_ACE, FILE_GENERIC_READ, bu);
    fsp_acl_builder_add(&b, ACCESS_ALLOWED_ACE_TYPE,
                        OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE | INHERIT_ONLY_ACE, GENERIC_ALL,
                        fsp_sid_everyone);
    const void *dacl = fsp_acl_builder_acl(&b, NULL, NULL);
    PSECURITY_DESCRIPTOR existing;
    CHECK_EQ_INT(fsp_sd_build(SE_DACL_AUTO_INHERITED, fsp_sd_owner(base, blen),
                              fsp_sd_group(base, blen), NULL, dacl, &existing, &len),
                 0);
    fsp_acl_builder_free(&b);
    DELETE_SD(base);
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(existing, &u, &g, &m), 0);
    CHECK_EQ_INT(m, 0644);

    /* chmod 0750 and chown 1002:1003 in one go. */
    PSECURITY_DESCRIPTOR merged;
    CHECK_EQ_INT(FspPosixMergePermissionsToSecurityDescriptor(1002, 1003, 0750, existing, &merged),
                 0);
    CHECK(IsValidSecurityDescriptor(merged));
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(merged, &u, &g, &m), 0);
    CHECK_EQ_INT(u, 1002);
    CHECK_EQ_INT(g, 1003);
    CHECK_EQ_INT(m, 0750);
    CHECK(fsp_sd_control(merged) & SE_DACL_AUTO_INHERITED);
    CHECK_EQ_INT(dacl_mask(merged, ACCESS_ALLOWED_ACE_TYPE, sys), FILE_ALL_ACCESS);
    CHECK_EQ_INT(dacl_mask(merged, ACCESS_ALLOWED_ACE_TYPE, bu), FILE_GENERIC_READ);
    CHECK_EQ_INT(dacl_mask(merged, ACCESS_DENIED_ACE_TYPE, other), FILE_WRITE_DATA);

    /* The old owner's ACEs are gone; the inherit-only Everyone ACE stays;
     * the kept explicit deny comes first, the inherited ACE after the
     * mapping's. */
    size_t mlen = GetSecurityDescriptorLength(merged);
    uint8_t old_owner[FSP_SID_MAX_SIZE];
    fsp_posix_uid_to_sid(1001, old_owner);
    unsigned index = 0, everyone_io = 0, deny_other_at = 99, inherited_at = 0, mapping_end = 0;
    fsp_acl_iter_init(&it, fsp_sd_dacl(merged, mlen, NULL));
    while (fsp_acl_iter_next(&it, &ace)) {
        CHECK(!fsp_sid_equal(ace.sid, old_owner));
        if (fsp_sid_equal(ace.sid, fsp_sid_everyone) && (ace.flags & INHERIT_ONLY_ACE))
            everyone_io++;
        if (fsp_sid_equal(ace.sid, fsp_sid_everyone) && !(ace.flags & INHERIT_ONLY_ACE))
            mapping_end = index;
        if (fsp_sid_equal(ace.sid, other))
            deny_other_at = index;
        if (ace.flags & INHERITED_ACE)
            inherited_at = index;
        index++;
    }
    CHECK_EQ_INT(everyone_io, 1);
    CHECK_EQ_INT(deny_other_at, 0);
    CHECK(inherited_at > mapping_end);

    /* Merging again with the same values is stable; -1 keeps owner/group/mode. */
    PSECURITY_DESCRIPTOR again;
    CHECK_EQ_INT(FspPosixMergePermissionsToSecurityDescriptor(1002, 1003, 0750, merged, &again), 0);
    CHECK_EQ_INT(GetSecurityDescriptorLength(again), mlen);
    CHECK(memcmp(again, merged, mlen) == 0);
    DELETE_SD(again);
    CHECK_EQ_INT(FspPosixMergePermissionsToSecurityDescriptor(0xffffffffu, 0xffffffffu, 04711,
                                                              merged, &again),
                 0);
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(again, &u, &g, &m), 0);
    CHECK_EQ_INT(u, 1002);
    CHECK_EQ_INT(g, 1003);
    CHECK_EQ_INT(m, 04711);
    DELETE_SD(again);
    CHECK_EQ_INT(
        FspPosixMergePermissionsToSecurityDescriptor(0, 0xffffffffu, 0xffffffffu, merged, &again),
        0);
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(again, &u, &g, &m), 0);
    CHECK_EQ_INT(u, 0);
    CHECK_EQ_INT(g, 1003);
    CHECK_EQ_INT(m, 0750);
    DELETE_SD(again);

    /* Merge with no existing descriptor equals the plain mapping. */
    PSECURITY_DESCRIPTOR plain;
    CHECK_EQ_INT(FspPosixMergePermissionsToSecurityDescriptor(5, 6, 0640, NULL, &again), 0);
    CHECK_EQ_INT(FspPosixMapPermissionsToSecurityDescriptor(5, 6, 0640, &plain), 0);
    CHECK_EQ_INT(GetSecurityDescriptorLength(again), GetSecurityDescriptorLength(plain));
    CHECK(memcmp(again, plain, GetSecurityDescriptorLength(plain)) == 0);
    DELETE_SD(again);
    DELETE_SD(plain);

    /* Every mode merges exactly over a descriptor with foreign ACEs. */
    unsigned bad = 0;
    for (uint32_t mode = 0; mode <= 07777; mode++) {
        for (int same = 0; same < 2; same++) {
            uint32_t gid = same ? 65534 : 100;
            uint32_t uid = same ? 65534 : 1000;
            if (FspPosixMergePermissionsToSecurityDescriptor(uid, gid, mode, existing, &again) ||
                FspPosixMapSecurityDescriptorToPermissions(again, &u, &g, &m) || m != mode ||
                u != uid || g != gid || dacl_mask(again, ACCESS_ALLOWED_ACE_TYPE, sys) < 0)
                bad++;
            DELETE_SD(again);
        }
    }
    CHECK_EQ_INT(bad, 0);

    DELETE_SD(merged);
    DELETE_SD(existing);
}

/* --- validation ---------------------------------------------------------------- */

/* A descriptor with every component: owner, group, SACL, DACL with an object ACE. */
static PSECURITY_DESCRIPTOR rich_sd(size_t *plen)
{
    FSP_ACL_BUILDER d, s;
    uint8_t o[FSP_SID_MAX_SIZE], g[FSP_SID_MAX_SIZE];
    fsp_sid_from_string("S-1-5-21-1-2-3-1001", o, sizeof o);
    fsp_sid_from_string("S-1-5-32-544", g, sizeof g);
    fsp_acl_builder_init(&d);
    add_ace(&d, ACCESS_DENIED_ACE_TYPE, 0, FILE_WRITE_DATA, "S-1-22-1-7");
    add_ace(&d, ACCESS_ALLOWED_ACE_TYPE, 0, FILE_ALL_ACCESS, "S-1-5-21-1-2-3-1001");
    add_ace(&d, ACCESS_ALLOWED_ACE_TYPE, CONTAINER_INHERIT_ACE, FILE_GENERIC_READ, "S-1-1-0");
    /* An object ACE with one GUID, and an opaque (compound) one. */
    uint8_t obj[4 + 4 + 4 + 16 + 12] = {ACCESS_ALLOWED_OBJECT_ACE_TYPE, 0, sizeof obj, 0};
    obj[4] = 1; /* mask */
    obj[8] = 1; /* ObjectType present */
    memcpy(obj + 28, fsp_sid_everyone, 12);
    FSP_ACE ace;
    CHECK(fsp_ace_parse(obj, sizeof obj, &ace));
    CHECK(ace.sid == obj + 28);
    fsp_acl_builder_add_raw(&d, &ace);
    uint8_t comp[8] = {ACCESS_ALLOWED_COMPOUND_ACE_TYPE, 0, 8, 0, 0xff, 0, 0, 0};
    CHECK(fsp_ace_parse(comp, sizeof comp, &ace));
    CHECK(ace.sid == NULL);
    fsp_acl_builder_add_raw(&d, &ace);
    fsp_acl_builder_init(&s);
    add_ace(&s, SYSTEM_AUDIT_ACE_TYPE, FAILED_ACCESS_ACE_FLAG, FILE_ALL_ACCESS, "S-1-1-0");
    PSECURITY_DESCRIPTOR sd = NULL;
    NTSTATUS st = fsp_sd_build(0, o, g, fsp_acl_builder_acl(&s, NULL, NULL),
                               fsp_acl_builder_acl(&d, NULL, NULL), &sd, plen);
    CHECK_EQ_INT(st, 0);
    fsp_acl_builder_free(&d);
    fsp_acl_builder_free(&s);
    return sd;
}

TEST(sd_parse)
{
    size_t len;
    PSECURITY_DESCRIPTOR sd = rich_sd(&len);
    char buf[FSP_SID_STRING_MAX];
    CHECK(fsp_sd_valid(sd, len));
    CHECK(IsValidSecurityDescriptor(sd));
    CHECK_EQ_INT(GetSecurityDescriptorLength(sd), len);
    CHECK_EQ_INT(fsp_sd_length(sd, len), len);
    CHECK_EQ_STR(sid_str(fsp_sd_owner(sd, len), buf), "S-1-5-21-1-2-3-1001");
    CHECK_EQ_STR(sid_str(fsp_sd_group(sd, len), buf), "S-1-5-32-544");
    bool present = false;
    const void *sacl = fsp_sd_sacl(sd, len, &present);
    CHECK(sacl && present);
    CHECK_EQ_INT(fsp_acl_count(sacl), 1);
    const void *dacl = fsp_sd_dacl(sd, len, &present);
    CHECK(dacl && present);
    CHECK_EQ_INT(fsp_acl_count(dacl), 5);
    CHECK_EQ_INT(((const uint8_t *)dacl)[0], ACL_REVISION_DS); /* object ACE raised it */
    uint16_t c = fsp_sd_control(sd);
    CHECK((c & (SE_SELF_RELATIVE | SE_DACL_PRESENT | SE_SACL_PRESENT)) ==
          (SE_SELF_RELATIVE | SE_DACL_PRESENT | SE_SACL_PRESENT));

    FSP_ACL_ITER it;
    FSP_ACE ace;
    static const uint8_t types[] = {ACCESS_DENIED_ACE_TYPE, ACCESS_ALLOWED_ACE_TYPE,
                                    ACCESS_ALLOWED_ACE_TYPE, ACCESS_ALLOWED_OBJECT_ACE_TYPE,
                                    ACCESS_ALLOWED_COMPOUND_ACE_TYPE};
    unsigned n = 0;
    fsp_acl_iter_init(&it, dacl);
    while (fsp_acl_iter_next(&it, &ace)) {
        if (n < 5)
            CHECK_EQ_INT(ace.type, types[n]);
        n++;
    }
    CHECK_EQ_INT(n, 5);
    fsp_acl_iter_init(&it, dacl);
    fsp_acl_iter_next(&it, &ace);
    CHECK_EQ_STR(sid_str(ace.sid, buf), "S-1-22-1-7");
    CHECK_EQ_INT(ace.mask, FILE_WRITE_DATA);
    fsp_acl_iter_next(&it, &ace);
    fsp_acl_iter_next(&it, &ace);
    CHECK_EQ_INT(ace.flags, CONTAINER_INHERIT_ACE);

    /* The binary header, little-endian as on Windows. */
    const uint8_t *p = sd;
    CHECK_EQ_INT(p[0], 1);
    CHECK_EQ_INT(p[2] | p[3] << 8, c);
    CHECK_EQ_INT(p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24, FSP_SD_HEADER_SIZE);
    DELETE_SD(sd);

    /* The POSIX descriptor has no SACL. */
    CHECK_EQ_INT(FspPosixMapPermissionsToSecurityDescriptor(0, 0, 0755, &sd), 0);
    len = GetSecurityDescriptorLength(sd);
    CHECK(fsp_sd_sacl(sd, len, &present) == NULL && !present);
    DELETE_SD(sd);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Run every reader on a (possibly corrupt) copy of exactly len bytes, so that
 * ASan catches any read past it. Returns whether it was found valid. */
static bool exercise(const uint8_t *bytes, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, bytes, len);
    bool valid = fsp_sd_valid(copy, len);
    CHECK_EQ_INT(fsp_sd_length(copy, len) != 0, valid);
    bool present;
    const void *o = fsp_sd_owner(copy, len), *g = fsp_sd_group(copy, len);
    const void *d = fsp_sd_dacl(copy, len, &present), *s = fsp_sd_sacl(copy, len, &present);
    char buf[FSP_SID_STRING_MAX];
    if (o)
        sid_str(o, buf);
    if (g)
        sid_str(g, buf);
    FSP_ACL_ITER it;
    FSP_ACE ace;
    const void *acls[2] = {d, s};
    for (int i = 0; i < 2; i++) {
        fsp_acl_iter_init(&it, acls[i]);
        while (fsp_acl_iter_next(&it, &ace))
            if (ace.sid)
                sid_str(ace.sid, buf);
    }
    uint32_t u, gg, m;
    NTSTATUS st = fsp_posix_sd_to_perms(copy, len, &u, &gg, &m);
    CHECK_EQ_INT(st == STATUS_SUCCESS, valid);
    PSECURITY_DESCRIPTOR merged = NULL;
    st = fsp_posix_perms_to_sd(1000, 1000, 0644, copy, len, &merged, NULL);
    CHECK_EQ_INT(st == STATUS_SUCCESS, valid);
    DELETE_SD(merged);
    free(copy);
    return valid;
}

TEST(validation_rejects_corrupt)
{
    size_t len;
    uint8_t *sd = rich_sd(&len);
    CHECK(exercise(sd, len));

    /* Every truncation is rejected (the DACL is last and reaches the end). */
    for (size_t n = 0; n < len; n++)
        CHECK(!exercise(sd, n));

    uint8_t *bad = malloc(len);
#define RESET() memcpy(bad, sd, len)
    /* Header: revision, not self-relative. */
    RESET();
    bad[0] = 2;
    CHECK(!exercise(bad, len));
    CHECK(!IsValidSecurityDescriptor(bad));
    CHECK_EQ_INT(GetSecurityDescriptorLength(bad), 0);
    RESET();
    bad[3] &= 0x7f;
    CHECK(!exercise(bad, len));
    /* Offsets: into the header, past the end, huge. */
    static const int fields[] = {4, 8, 12, 16};
    static const uint32_t offs[] = {1, 19, 0xffffffffu, 0x7fffffffu};
    for (size_t f = 0; f < 4; f++)
        for (size_t k = 0; k < sizeof offs / sizeof offs[0]; k++) {
            RESET();
            put32(bad + fields[f], offs[k]);
            CHECK(!exercise(bad, len));
        }
    for (size_t f = 0; f < 4; f++) {
        RESET();
        put32(bad + fields[f], (uint32_t)len);
        CHECK(!exercise(bad, len));
    }
    /* A missing owner is fine (absent component), a missing DACL too. */
    RESET();
    put32(bad + 4, 0);
    CHECK(exercise(bad, len));
    RESET();
    bad[2] &= (uint8_t)~SE_DACL_PRESENT;
    CHECK(exercise(bad, len));

    /* SIDs: bad revision, too many sub-authorities. */
    uint32_t owner_off = get32(sd + 4);
    RESET();
    bad[owner_off] = 0;
    CHECK(!exercise(bad, len));
    RESET();
    bad[owner_off + 1] = 16;
    CHECK(!exercise(bad, len));
    RESET();
    bad[owner_off + 1] = 15; /* claims more bytes than there are? still inside len */
    exercise(bad, len);

    /* ACLs: revision, AclSize past the end / too small / unaligned, count too high. */
    uint32_t dacl_off = get32(sd + 16);
    RESET();
    bad[dacl_off] = 1;
    CHECK(!exercise(bad, len));
    RESET();
    bad[dacl_off] = 5;
    CHECK(!exercise(bad, len));
    RESET();
    bad[dacl_off + 2] += 4;
    CHECK(!exercise(bad, len));
    RESET();
    bad[dacl_off + 2] = 4;
    bad[dacl_off + 3] = 0;
    CHECK(!exercise(bad, len));
    RESET();
    bad[dacl_off + 2] -= 2;
    CHECK(!exercise(bad, len));
    RESET();
    bad[dacl_off + 4] += 1;
    CHECK(!exercise(bad, len));
    RESET();
    bad[dacl_off + 4] = 0xff;
    bad[dacl_off + 5] = 0xff;
    CHECK(!exercise(bad, len));
    /* Fewer ACEs than the space holds is fine. */
    RESET();
    bad[dacl_off + 4] = 1;
    CHECK(exercise(bad, len));

    /* ACE sizes: 0, 2, unaligned, past the ACL, too small for its SID. */
    size_t ace0 = dacl_off + FSP_ACL_HEADER_SIZE;
    static const uint16_t sizes[] = {0, 2, 4, 6, 13, 0xfffc, 12};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        RESET();
        bad[ace0 + 2] = (uint8_t)sizes[k];
        bad[ace0 + 3] = (uint8_t)(sizes[k] >> 8);
        CHECK(!exercise(bad, len));
    }
    /* The ACE's SID broken inside an otherwise intact ACE. */
    RESET();
    bad[ace0 + 8] = 3;
    CHECK(!exercise(bad, len));
    RESET();
    bad[ace0 + 9] = 6; /* more sub-authorities than the ACE holds */
    CHECK(!exercise(bad, len));
    /* Sizes must be multiples of 4 even when everything else fits. */
    {
        uint8_t acl[8 + 24] = {
            ACL_REVISION, 0, sizeof acl, 0, 1, 0, 0, 0, ACCESS_ALLOWED_ACE_TYPE, 0,
            20,           0, 1,          0, 0, 0};
        memcpy(acl + 16, fsp_sid_everyone, 12);
        CHECK(fsp_acl_valid(acl, sizeof acl));
        acl[10] = 22; /* ACE size unaligned, still inside the ACL */
        CHECK(!fsp_acl_valid(acl, sizeof acl));
        acl[10] = 20;
        acl[2] = 30; /* AclSize unaligned */
        CHECK(!fsp_acl_valid(acl, sizeof acl));
        acl[2] = 28;
        CHECK(fsp_acl_valid(acl, sizeof acl));
        CHECK(!fsp_acl_valid(acl, 27));
        acl[2] = 4; /* smaller than its header */
        CHECK(!fsp_acl_valid(acl, sizeof acl));
    }
    /* An object ACE in a revision-2 ACL is rejected. */
    {
        FSP_ACL_BUILDER b;
        fsp_acl_builder_init(&b);
        add_ace(&b, ACCESS_ALLOWED_ACE_TYPE, 0, 1, "S-1-1-0");
        size_t alen;
        uint8_t *acl = (uint8_t *)fsp_acl_builder_acl(&b, &alen, NULL);
        CHECK(fsp_acl_valid(acl, alen));
        acl[FSP_ACL_HEADER_SIZE] = ACCESS_ALLOWED_OBJECT_ACE_TYPE;
        CHECK(!fsp_acl_valid(acl, alen));
        acl[0] = ACL_REVISION_DS;
        CHECK(!fsp_acl_valid(acl, alen)); /* its Flags/SID no longer parse */
        fsp_acl_builder_free(&b);
    }

    /* Random corruption of every byte: never crash; validity is consistent. */
    unsigned seed = 12345;
    for (int round = 0; round < 20000; round++) {
        RESET();
        for (int k = 0; k < 1 + round % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            bad[(seed >> 8) % len] = (uint8_t)(seed >> 20);
        }
        exercise(bad, len);
    }
#undef RESET
    free(bad);
    DELETE_SD(sd);

    /* Public functions reject NULL. */
    CHECK(!IsValidSecurityDescriptor(NULL));
    CHECK_EQ_INT(GetSecurityDescriptorLength(NULL), 0);
    uint32_t u, g, m;
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(NULL, &u, &g, &m),
                 STATUS_INVALID_SECURITY_DESCR);
}

TEST(sd_length_with_gaps)
{
    /* A hand-made descriptor with padding between components and the owner
     * last: the length is the furthest end. */
    uint8_t buf[128];
    memset(buf, 0xcc, sizeof buf);
    buf[0] = 1;
    buf[1] = 0;
    buf[2] = SE_DACL_PRESENT;
    buf[3] = SE_SELF_RELATIVE >> 8;
    put32(buf + 4, 100); /* owner */
    put32(buf + 8, 0);
    put32(buf + 12, 0x7777); /* SACL offset ignored: SACL not present */
    put32(buf + 16, 40);     /* DACL: empty */
    memcpy(buf + 40, (uint8_t[]){2, 0, 8, 0, 0, 0, 0, 0}, 8);
    memcpy(buf + 100, fsp_sid_everyone, 12);
    CHECK_EQ_INT(fsp_sd_length(buf, sizeof buf), 112);
    CHECK_EQ_INT(GetSecurityDescriptorLength(buf), 112);
    CHECK(fsp_sd_valid(buf, 112));
    CHECK(!fsp_sd_valid(buf, 111));
    uint32_t u, g, m;
    CHECK_EQ_INT(FspPosixMapSecurityDescriptorToPermissions(buf, &u, &g, &m), 0);
    CHECK_EQ_INT(m, 0);
    CHECK_EQ_INT(u, 65534);
}

TEST(acl_builder_limits)
{
    FSP_ACL_BUILDER b;
    NTSTATUS st = 0;
    size_t alen = 0;
    uint8_t big[FSP_SID_MAX_SIZE];
    uint32_t subs[15] = {0};
    fsp_sid_init(big, sizeof big, 5, 15, subs);
    fsp_acl_builder_init(&b);
    /* 8 + n * 76 must stay <= 0xfffc: 862 fit, the 863rd overflows. */
    for (int i = 0; i < 863; i++)
        fsp_acl_builder_add(&b, ACCESS_ALLOWED_ACE_TYPE, 0, 1, big);
    CHECK(fsp_acl_builder_acl(&b, &alen, &st) == NULL);
    CHECK_EQ_INT(st, STATUS_INVALID_ACL);
    fsp_acl_builder_free(&b);

    fsp_acl_builder_init(&b);
    for (int i = 0; i < 862; i++)
        fsp_acl_builder_add(&b, ACCESS_ALLOWED_ACE_TYPE, 0, 1, big);
    const void *acl = fsp_acl_builder_acl(&b, &alen, &st);
    CHECK(acl != NULL);
    CHECK_EQ_INT(st, 0);
    CHECK_EQ_INT(alen, 8 + 862 * 76);
    CHECK(fsp_acl_valid(acl, alen));
    CHECK_EQ_INT(fsp_acl_count(acl), 862);
    fsp_acl_builder_free(&b);

    /* A bad SID is an error, not a corrupt ACL. */
    fsp_acl_builder_init(&b);
    uint8_t junk[FSP_SID_MAX_SIZE] = {7};
    fsp_acl_builder_add(&b, ACCESS_ALLOWED_ACE_TYPE, 0, 1, junk);
    CHECK(fsp_acl_builder_acl(&b, NULL, &st) == NULL);
    CHECK_EQ_INT(st, STATUS_INVALID_PARAMETER);
    fsp_acl_builder_free(&b);

    /* An empty ACL. */
    fsp_acl_builder_init(&b);
    acl = fsp_acl_builder_acl(&b, &alen, &st);
    CHECK(acl && alen == 8 && fsp_acl_valid(acl, alen) && fsp_acl_count(acl) == 0);
    fsp_acl_builder_free(&b);

    CHECK_EQ_INT(fsp_map_generic_file_mask(GENERIC_ALL), FILE_ALL_ACCESS);
    CHECK_EQ_INT(fsp_map_generic_file_mask(GENERIC_READ | DELETE), FILE_GENERIC_READ | DELETE);
}

int main(void)
{
    RUN(sid_string_round_trip);
    RUN(sid_validation);
    RUN(known_sids);
    RUN(id_round_trip);
    RUN(mode_round_trip);
    RUN(mapping_memo);
    RUN(mode_sd_shape);
    RUN(sd_to_mode_foreign);
    RUN(merge_keeps_unrelated);
    RUN(sd_parse);
    RUN(validation_rejects_corrupt);
    RUN(sd_length_with_gaps);
    RUN(acl_builder_limits);
    return CHECK_DONE();
}
