/*
 * test_ea.c - extended attribute lists: FspFileSystemAddEa (packing,
 * 4-byte alignment, the end marker, a full buffer), FspFileSystemGetEaPackedSize
 * (5 + name + value, as NTFS counts), FspFileSystemEnumerateEa (order,
 * stopping at a callback's failure, malformed lists refused before any
 * call), and the adapter's own checks: EA names, case-insensitive lookup, the
 * lenient reading of lists a file system returns.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <winfsp/winfsp.h>

#include "check.h"
#include "native/ea.h"

/* Storage for lists: ULONG-aligned. */
typedef union {
    FILE_FULL_EA_INFORMATION ea;
    UINT8 bytes[4096];
    UINT32 align;
} list_t;

typedef union {
    FILE_FULL_EA_INFORMATION ea;
    UINT8 bytes[FSP_EA_HEADER_SIZE + 256 + 70000];
    UINT32 align;
} single_t;

/* One entry named Name with Valuelen bytes of Fill. */
static PFILE_FULL_EA_INFORMATION make(single_t *s, const char *name, size_t valuelen, UINT8 fill)
{
    UINT8 value[70000];
    memset(value, fill, valuelen);
    fsp_ea_build(s, name, strlen(name), value, valuelen, 0);
    return &s->ea;
}

static const FILE_FULL_EA_INFORMATION *entry_at(const list_t *l, size_t off)
{
    return (const FILE_FULL_EA_INFORMATION *)(const void *)(l->bytes + off);
}

TEST(packed_size)
{
    single_t s;
    CHECK_EQ_INT(FspFileSystemGetEaPackedSize(make(&s, "A", 1, 'x')), 7);
    CHECK_EQ_INT(FspFileSystemGetEaPackedSize(make(&s, "NAME", 0, 0)), 9);
    CHECK_EQ_INT(FspFileSystemGetEaPackedSize(make(&s, "NAME", 10, 'v')), 19);
    CHECK_EQ_INT(FspFileSystemGetEaPackedSize(make(&s, "N", 65535, 'v')), 5 + 1 + 65535);
    char longname[255];
    memset(longname, 'L', 254);
    longname[254] = 0;
    CHECK_EQ_INT(FspFileSystemGetEaPackedSize(make(&s, longname, 3, 'v')), 5 + 254 + 3);
}

TEST(add_packs_and_aligns)
{
    list_t l;
    single_t s;
    ULONG bytes = 0;
    memset(&l, 0xcc, sizeof l);
    /* "A"=1 byte: 8 + 1 + 1 + 1 = 11 bytes, next entry at 12. */
    CHECK(FspFileSystemAddEa(make(&s, "A", 1, 'x'), &l.ea, sizeof l, &bytes));
    CHECK_EQ_INT(bytes, 11);
    /* "BB"=3 bytes: 8 + 2 + 1 + 3 = 14 bytes at 12, next at 28. */
    CHECK(FspFileSystemAddEa(make(&s, "BB", 3, 'y'), &l.ea, sizeof l, &bytes));
    CHECK_EQ_INT(bytes, 26);
    /* "CCC"=0: 8 + 3 + 1 = 12 bytes at 28, exactly aligned. */
    CHECK(FspFileSystemAddEa(make(&s, "CCC", 0, 0), &l.ea, sizeof l, &bytes));
    CHECK_EQ_INT(bytes, 40);
    CHECK(FspFileSystemAddEa(NULL, &l.ea, sizeof l, &bytes));
    CHECK_EQ_INT(bytes, 40);

    CHECK_EQ_INT(entry_at(&l, 0)->NextEntryOffset, 12);
    CHECK_EQ_INT(entry_at(&l, 12)->NextEntryOffset, 16);
    CHECK_EQ_INT(entry_at(&l, 28)->NextEntryOffset, 0);
    CHECK_EQ_INT(l.bytes[11], 0); /* padding is cleared */
    CHECK_EQ_INT(l.bytes[26], 0);
    CHECK_EQ_INT(l.bytes[27], 0);
    CHECK(!memcmp(fsp_ea_name(entry_at(&l, 12)), "BB\0yyy", 6));
    CHECK_EQ_INT(entry_at(&l, 12)->EaValueLength, 3);
    /* What AddEa makes passes the strict check IoCheckEaBufferValidity
     * would make. */
    CHECK_EQ_INT(fsp_ea_list_check(&l.ea, bytes), STATUS_SUCCESS);
}

TEST(add_full_buffer)
{
    list_t l;
    single_t s;
    ULONG bytes = 0;
    /* 11 bytes fit in 11; the next entry (at 12) does not fit in 20. */
    CHECK(FspFileSystemAddEa(make(&s, "A", 1, 'x'), &l.ea, 11, &bytes));
    CHECK(!FspFileSystemAddEa(make(&s, "B", 1, 'x'), &l.ea, 20, &bytes));
    CHECK_EQ_INT(bytes, 11);
    CHECK(FspFileSystemAddEa(make(&s, "B", 1, 'x'), &l.ea, 23, &bytes));
    CHECK_EQ_INT(bytes, 23);
    CHECK(!FspFileSystemAddEa(make(&s, "C", 0, 0), &l.ea, 24, &bytes));
    CHECK(FspFileSystemAddEa(NULL, &l.ea, 24, &bytes));
    CHECK_EQ_INT(entry_at(&l, 12)->NextEntryOffset, 0);
    CHECK_EQ_INT(fsp_ea_list_check(&l.ea, bytes), STATUS_SUCCESS);

    /* Nothing added: the end marker changes nothing. */
    bytes = 0;
    CHECK(FspFileSystemAddEa(NULL, &l.ea, sizeof l, &bytes));
    CHECK_EQ_INT(bytes, 0);
    CHECK(!FspFileSystemAddEa(make(&s, "A", 1, 'x'), &l.ea, 10, &bytes));
    CHECK_EQ_INT(bytes, 0);
}

struct enum_ctx {
    int calls;
    int fail_at;
    char names[8][8];
};

static NTSTATUS enum_cb(FSP_FILE_SYSTEM *fs, PVOID context, PFILE_FULL_EA_INFORMATION ea)
{
    struct enum_ctx *c = context;
    if (c->calls < 8)
        snprintf(c->names[c->calls], sizeof c->names[0], "%.*s", (int)ea->EaNameLength,
                 fsp_ea_name(ea));
    c->calls++;
    return c->calls == c->fail_at ? STATUS_INSUFFICIENT_RESOURCES : STATUS_SUCCESS;
}

static ULONG three(list_t *l)
{
    single_t s;
    ULONG bytes = 0;
    FspFileSystemAddEa(make(&s, "ONE", 1, '1'), &l->ea, sizeof *l, &bytes);
    FspFileSystemAddEa(make(&s, "TWO", 2, '2'), &l->ea, sizeof *l, &bytes);
    FspFileSystemAddEa(make(&s, "THREE", 3, '3'), &l->ea, sizeof *l, &bytes);
    FspFileSystemAddEa(NULL, &l->ea, sizeof *l, &bytes);
    return bytes;
}

TEST(enumerate)
{
    list_t l;
    ULONG bytes = three(&l);
    struct enum_ctx c = {0};
    CHECK_EQ_INT(FspFileSystemEnumerateEa(NULL, enum_cb, &c, &l.ea, bytes), STATUS_SUCCESS);
    CHECK_EQ_INT(c.calls, 3);
    CHECK_EQ_STR(c.names[0], "ONE");
    CHECK_EQ_STR(c.names[1], "TWO");
    CHECK_EQ_STR(c.names[2], "THREE");

    /* A failing callback stops the walk; its status is the result. */
    memset(&c, 0, sizeof c);
    c.fail_at = 2;
    CHECK_EQ_INT(FspFileSystemEnumerateEa(NULL, enum_cb, &c, &l.ea, bytes),
                 STATUS_INSUFFICIENT_RESOURCES);
    CHECK_EQ_INT(c.calls, 2);

    /* An empty list: no call, success. */
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(FspFileSystemEnumerateEa(NULL, enum_cb, &c, &l.ea, 0), STATUS_SUCCESS);
    CHECK_EQ_INT(c.calls, 0);
}

/* Each malformed list is refused before the callback sees any entry. */
static void expect_malformed(list_t *l, ULONG bytes, int line)
{
    struct enum_ctx c = {0};
    NTSTATUS st = FspFileSystemEnumerateEa(NULL, enum_cb, &c, &l->ea, bytes);
    if (st != STATUS_EA_LIST_INCONSISTENT || c.calls != 0) {
        fprintf(stderr, "  line %d: status 0x%08x, %d calls\n", line, (unsigned)st, c.calls);
        check_failed_in_test = 1;
    }
}

TEST(enumerate_rejects_malformed)
{
    list_t l;
    ULONG bytes;
    FILE_FULL_EA_INFORMATION *second;

    bytes = three(&l);
    expect_malformed(&l, bytes - 1, __LINE__); /* last value cut short */
    expect_malformed(&l, 5, __LINE__);         /* not even a header */

    bytes = three(&l);
    l.ea.NextEntryOffset = 8; /* inside the first entry */
    expect_malformed(&l, bytes, __LINE__);

    bytes = three(&l);
    l.ea.NextEntryOffset = 13; /* not the aligned size */
    expect_malformed(&l, bytes, __LINE__);

    bytes = three(&l);
    l.ea.NextEntryOffset = 4000; /* past the end */
    expect_malformed(&l, bytes, __LINE__);

    bytes = three(&l);
    second = (FILE_FULL_EA_INFORMATION *)(void *)(l.bytes + l.ea.NextEntryOffset);
    second->EaValueLength = 2000; /* value runs past the end */
    expect_malformed(&l, bytes, __LINE__);

    bytes = three(&l);
    l.bytes[FSP_EA_HEADER_SIZE + 3] = 'X'; /* name not NUL-terminated */
    expect_malformed(&l, bytes, __LINE__);

    bytes = three(&l);
    second = (FILE_FULL_EA_INFORMATION *)(void *)(l.bytes + l.ea.NextEntryOffset);
    second->EaNameLength = 255; /* name runs past the end */
    expect_malformed(&l, bytes, __LINE__);

    /* A misaligned list. */
    bytes = three(&l);
    memmove(l.bytes + 1, l.bytes, bytes);
    struct enum_ctx c = {0};
    CHECK_EQ_INT(FspFileSystemEnumerateEa(NULL, enum_cb, &c,
                                          (PFILE_FULL_EA_INFORMATION)(void *)(l.bytes + 1), bytes),
                 STATUS_EA_LIST_INCONSISTENT);
    CHECK_EQ_INT(c.calls, 0);
}

TEST(names)
{
    CHECK(fsp_ea_name_valid("A", 1));
    CHECK(fsp_ea_name_valid("user.mime_type", 14));
    CHECK(fsp_ea_name_valid("with space.and-dash~!@#$%^&()", 29));
    CHECK(fsp_ea_name_valid("\xc3\xa9t\xc3\xa9", 5)); /* bytes past ASCII pass */
    CHECK(!fsp_ea_name_valid("", 0));
    char n[300];
    memset(n, 'n', sizeof n);
    CHECK(fsp_ea_name_valid(n, 254));
    CHECK(!fsp_ea_name_valid(n, 255));
    const char *bad = "\"*+,/:;<=>?[\\]|";
    for (const char *p = bad; *p; p++) {
        char name[4] = {'a', *p, 'b', 0};
        if (fsp_ea_name_valid(name, 3)) {
            fprintf(stderr, "  '%c' accepted\n", *p);
            check_failed_in_test = 1;
        }
    }
    CHECK(!fsp_ea_name_valid("a\tb", 3));
    CHECK(!fsp_ea_name_valid("a\x01", 2));

    CHECK(fsp_ea_name_equal("Foo.Bar", 7, "FOO.bar", 7));
    CHECK(!fsp_ea_name_equal("Foo", 3, "Foo2", 4));
    CHECK(!fsp_ea_name_equal("a{", 2, "A[", 2));     /* only letters fold */
    CHECK(!fsp_ea_name_equal("\xe9", 1, "\xc9", 1)); /* ASCII folding only */
}

TEST(find)
{
    list_t l;
    ULONG bytes = three(&l);
    const FILE_FULL_EA_INFORMATION *e = fsp_ea_find(&l.ea, bytes, "two", 3);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ_INT(e->EaValueLength, 2);
        CHECK(!memcmp(fsp_ea_value(e), "22", 2));
    }
    CHECK(fsp_ea_find(&l.ea, bytes, "Three", 5) != NULL);
    CHECK(fsp_ea_find(&l.ea, bytes, "THRE", 4) == NULL);
    CHECK(fsp_ea_find(&l.ea, bytes, "ONE", 3) == &l.ea);
    CHECK(fsp_ea_find(&l.ea, 0, "ONE", 3) == NULL);
}

TEST(from_fs_is_lenient)
{
    list_t l;
    single_t s;
    ULONG bytes = 0;
    /* A file system that never added the end marker: the last entry points
     * past the end. The list is still good, and fixed up. */
    FspFileSystemAddEa(make(&s, "A", 1, 'x'), &l.ea, sizeof l, &bytes);
    FspFileSystemAddEa(make(&s, "B", 1, 'x'), &l.ea, sizeof l, &bytes);
    CHECK_EQ_INT(entry_at(&l, 12)->NextEntryOffset, 12);
    CHECK_EQ_INT(fsp_ea_list_check(&l.ea, bytes), STATUS_EA_LIST_INCONSISTENT);
    CHECK_EQ_INT(fsp_ea_list_from_fs(&l.ea, bytes), STATUS_SUCCESS);
    CHECK_EQ_INT(entry_at(&l, 12)->NextEntryOffset, 0);
    CHECK(fsp_ea_find(&l.ea, bytes, "b", 1) != NULL);

    /* Larger (aligned) gaps between entries are accepted too. */
    bytes = 0;
    FspFileSystemAddEa(make(&s, "A", 1, 'x'), &l.ea, sizeof l, &bytes);
    FspFileSystemAddEa(NULL, &l.ea, sizeof l, &bytes);
    memset(l.bytes + 11, 0, 21);
    fsp_ea_build(l.bytes + 32, "B", 1, "y", 1, 0);
    l.ea.NextEntryOffset = 32;
    bytes = 32 + 11;
    CHECK_EQ_INT(fsp_ea_list_from_fs(&l.ea, bytes), STATUS_SUCCESS);
    CHECK(fsp_ea_find(&l.ea, bytes, "B", 1) == entry_at(&l, 32));

    /* But nothing outside the buffer. */
    l.ea.NextEntryOffset = 30; /* misaligned */
    CHECK_EQ_INT(fsp_ea_list_from_fs(&l.ea, bytes), STATUS_EA_CORRUPT_ERROR);
    l.ea.NextEntryOffset = 32;
    ((FILE_FULL_EA_INFORMATION *)(void *)(l.bytes + 32))->EaValueLength = 100;
    CHECK_EQ_INT(fsp_ea_list_from_fs(&l.ea, bytes), STATUS_EA_CORRUPT_ERROR);
    CHECK_EQ_INT(fsp_ea_list_from_fs(&l.ea, 7), STATUS_EA_CORRUPT_ERROR);
    CHECK_EQ_INT(fsp_ea_list_from_fs(&l.ea, 0), STATUS_SUCCESS);
}

TEST(big_value_round_trip)
{
    /* The largest value, through AddEa and back. */
    static union {
        FILE_FULL_EA_INFORMATION ea;
        UINT8 bytes[2 * FSP_EA_ENTRY_MAX];
    } big;
    static single_t s;
    ULONG bytes = 0;
    CHECK(FspFileSystemAddEa(make(&s, "BIG", FSP_EA_VALUE_MAX, 0xa5), &big.ea, sizeof big, &bytes));
    CHECK(FspFileSystemAddEa(make(&s, "SMALL", 1, 1), &big.ea, sizeof big, &bytes));
    CHECK(FspFileSystemAddEa(NULL, &big.ea, sizeof big, &bytes));
    CHECK_EQ_INT(fsp_ea_list_check(&big.ea, bytes), STATUS_SUCCESS);
    const FILE_FULL_EA_INFORMATION *e = fsp_ea_find(&big.ea, bytes, "big", 3);
    CHECK(e && e->EaValueLength == FSP_EA_VALUE_MAX);
    if (e) {
        const UINT8 *v = fsp_ea_value(e);
        CHECK(v[0] == 0xa5 && v[FSP_EA_VALUE_MAX - 1] == 0xa5);
    }
    CHECK(fsp_ea_find(&big.ea, bytes, "small", 5) != NULL);
}

int main(void)
{
    RUN(packed_size);
    RUN(add_packs_and_aligns);
    RUN(add_full_buffer);
    RUN(enumerate);
    RUN(enumerate_rejects_malformed);
    RUN(names);
    RUN(find);
    RUN(from_fs_is_lenient);
    RUN(big_value_round_trip);
    return CHECK_DONE();
}
