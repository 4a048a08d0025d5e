/*
 * test_dirbuf.c - FspFileSystemAddDirInfo and the directory buffer:
 * acquire/fill/release/read semantics, sort order ("." and ".." first, then
 * ordinal UTF-16), marker boundaries, buffer boundaries, the end marker,
 * 100,000 entries, and concurrent readers.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winfsp/winfsp.h>

#include "check.h"
#include "native/utf.h"

#define HDR       sizeof(FSP_FSCTL_DIR_INFO)
#define ALIGN8(x) (((x) + 7u) & ~(size_t)7u)

/* Entry storage for tests: aligned, room for a long name. */
typedef union {
    FSP_FSCTL_DIR_INFO d;
    UINT8 bytes[HDR + 512 * sizeof(WCHAR)];
    UINT64 align;
} entry_t;

static size_t ascii_to_w(const char *s, WCHAR *w)
{
    size_t n = 0;
    while (s[n]) {
        w[n] = (WCHAR)(unsigned char)s[n];
        n++;
    }
    return n;
}

static FSP_FSCTL_DIR_INFO *make_entry(entry_t *e, const WCHAR *name, size_t len, UINT64 ino)
{
    memset(e, 0xa5, sizeof *e); /* garbage in the unused parts */
    e->d.Size = (UINT16)(HDR + len * sizeof(WCHAR));
    memset(&e->d.FileInfo, 0, sizeof e->d.FileInfo);
    e->d.FileInfo.IndexNumber = ino;
    e->d.FileInfo.FileSize = len;
    memcpy(e->d.FileNameBuf, name, len * sizeof(WCHAR));
    return &e->d;
}

static FSP_FSCTL_DIR_INFO *make_ascii(entry_t *e, const char *name, UINT64 ino)
{
    WCHAR w[512];
    size_t n = ascii_to_w(name, w);
    return make_entry(e, w, n, ino);
}

static size_t entry_bytes(const char *name)
{
    return ALIGN8(HDR + strlen(name) * sizeof(WCHAR));
}

/* A parsed ReadDirectory result. */
typedef struct {
    size_t count;
    int end;       /* saw the zero-Size end marker */
    int malformed; /* an entry overran BytesTransferred, or a bad Size */
    char names[64][64];
    UINT64 inos[64];
} listing_t;

static void parse(const UINT8 *buf, ULONG bytes, listing_t *l)
{
    size_t off = 0;
    memset(l, 0, sizeof *l);
    while (off + sizeof(UINT16) <= bytes) {
        UINT16 size;
        memcpy(&size, buf + off, sizeof size);
        if (size == 0) {
            l->end = 1;
            if (off + sizeof(UINT16) != bytes)
                l->malformed = 1; /* nothing may follow the end marker */
            return;
        }
        if (off % 8 || size < HDR || off + size > bytes) {
            l->malformed = 1;
            return;
        }
        FSP_FSCTL_DIR_INFO d;
        memcpy(&d, buf + off, HDR);
        size_t len = (size - HDR) / sizeof(WCHAR);
        if (l->count < 64) {
            const WCHAR *w = (const WCHAR *)(const void *)(buf + off + HDR);
            size_t k;
            for (k = 0; k < len && k < 63; k++)
                l->names[l->count][k] = (char)w[k];
            l->names[l->count][k] = 0;
            l->inos[l->count] = d.FileInfo.IndexNumber;
        }
        l->count++;
        off += ALIGN8(size);
    }
    if (off != bytes)
        l->malformed = 1;
}

static void fill_names(PVOID *db, const char *const *names, size_t n)
{
    NTSTATUS st = -1;
    CHECK(FspFileSystemAcquireDirectoryBuffer(db, TRUE, &st));
    CHECK_EQ_INT(st, STATUS_SUCCESS);
    for (size_t i = 0; i < n; i++) {
        entry_t e;
        CHECK(FspFileSystemFillDirectoryBuffer(db, make_ascii(&e, names[i], 100 + i), &st));
        CHECK_EQ_INT(st, STATUS_SUCCESS);
    }
    FspFileSystemReleaseDirectoryBuffer(db);
}

static void read_ascii(PVOID *db, const char *marker, ULONG length, listing_t *l, ULONG *pbytes)
{
    static UINT8 buf[1 << 16];
    WCHAR w[512], *m = NULL;
    ULONG bytes = 12345;
    if (marker) {
        w[ascii_to_w(marker, w)] = 0;
        m = w;
    }
    memset(buf, 0xcc, sizeof buf);
    FspFileSystemReadDirectoryBuffer(db, m, buf, length, &bytes);
    CHECK(bytes <= length);
    /* Nothing written past BytesTransferred */
    if (bytes < sizeof buf)
        CHECK_EQ_INT(buf[bytes], 0xcc);
    parse(buf, bytes, l);
    CHECK(!l->malformed);
    if (pbytes)
        *pbytes = bytes;
}

/* --- FspFileSystemAddDirInfo -------------------------------------------- */

TEST(add_dir_info)
{
    UINT8 buf[512];
    ULONG bytes = 0;
    entry_t e;
    memset(buf, 0xcc, sizeof buf);
    /* "abc": 104 + 6 = 110 bytes, aligned to 112 */
    FSP_FSCTL_DIR_INFO *d = make_ascii(&e, "abc", 7);
    CHECK_EQ_INT(d->Size, 110);
    CHECK(FspFileSystemAddDirInfo(d, buf, sizeof buf, &bytes));
    CHECK_EQ_INT(bytes, 112);
    CHECK(memcmp(buf, d, 110) == 0);
    CHECK_EQ_INT(buf[110], 0); /* padding zeroed */
    CHECK_EQ_INT(buf[111], 0);
    CHECK_EQ_INT(buf[112], 0xcc);
    /* Second entry starts aligned */
    CHECK(FspFileSystemAddDirInfo(make_ascii(&e, "abcd", 8), buf, sizeof buf, &bytes));
    CHECK_EQ_INT(bytes, 224);
    /* Doesn't fit: the aligned size must fit, even for the last entry. */
    d = make_ascii(&e, "abc", 9); /* needs 112 */
    ULONG before = bytes;
    CHECK(!FspFileSystemAddDirInfo(d, buf, before + 111, &bytes));
    CHECK_EQ_INT(bytes, before);
    CHECK(!FspFileSystemAddDirInfo(d, buf, before + 110, &bytes));
    CHECK_EQ_INT(buf[before], 0xcc); /* nothing written */
    CHECK(FspFileSystemAddDirInfo(d, buf, before + 112, &bytes));
    CHECK_EQ_INT(bytes, before + 112);
    /* End marker: 2 bytes, only if it fits */
    before = bytes;
    CHECK(!FspFileSystemAddDirInfo(NULL, buf, before + 1, &bytes));
    CHECK_EQ_INT(bytes, before);
    CHECK(FspFileSystemAddDirInfo(NULL, buf, before + 2, &bytes));
    CHECK_EQ_INT(bytes, before + 2);
    CHECK_EQ_INT(buf[before], 0);
    CHECK_EQ_INT(buf[before + 1], 0);
    listing_t l;
    parse(buf, bytes, &l);
    CHECK_EQ_INT(l.count, 3);
    CHECK(l.end);
    CHECK(!l.malformed);
    CHECK_EQ_STR(l.names[1], "abcd");
    /* A Size smaller than the header is refused. */
    bytes = 0;
    e.d.Size = 10;
    CHECK(!FspFileSystemAddDirInfo(&e.d, buf, sizeof buf, &bytes));
    CHECK_EQ_INT(bytes, 0);
    /* An empty name (header only, 104 = already aligned) */
    CHECK(FspFileSystemAddDirInfo(make_ascii(&e, "", 1), buf, 104, &bytes));
    CHECK_EQ_INT(bytes, 104);
    /* *PBytesTransferred beyond Length */
    bytes = 600;
    CHECK(!FspFileSystemAddDirInfo(NULL, buf, sizeof buf, &bytes));
    CHECK_EQ_INT(bytes, 600);
}

/* --- Directory buffer ---------------------------------------------------- */

TEST(empty)
{
    PVOID db = NULL;
    listing_t l;
    ULONG bytes;
    /* Never created: the end marker only. */
    read_ascii(&db, NULL, 4096, &l, &bytes);
    CHECK_EQ_INT(bytes, 2);
    CHECK(l.end);
    CHECK_EQ_INT(l.count, 0);
    fill_names(&db, NULL, 0);
    CHECK(db != NULL);
    read_ascii(&db, NULL, 4096, &l, &bytes);
    CHECK_EQ_INT(bytes, 2);
    CHECK(l.end);
    CHECK_EQ_INT(l.count, 0);
    read_ascii(&db, "x", 4096, &l, &bytes);
    CHECK_EQ_INT(bytes, 2);
    CHECK(l.end);
    /* No room even for the end marker */
    read_ascii(&db, NULL, 1, &l, &bytes);
    CHECK_EQ_INT(bytes, 0);
    CHECK(!l.end);
    read_ascii(&db, NULL, 0, &l, &bytes);
    CHECK_EQ_INT(bytes, 0);
    FspFileSystemDeleteDirectoryBuffer(&db);
    CHECK(db == NULL);
    FspFileSystemDeleteDirectoryBuffer(&db); /* harmless */
}

TEST(acquire_semantics)
{
    PVOID db = NULL;
    NTSTATUS st = -1;
    entry_t e;
    listing_t l;
    /* Never filled: the caller must fill, even without Reset. */
    CHECK(FspFileSystemAcquireDirectoryBuffer(&db, FALSE, &st));
    CHECK_EQ_INT(st, STATUS_SUCCESS);
    CHECK(FspFileSystemFillDirectoryBuffer(&db, make_ascii(&e, "one", 1), &st));
    FspFileSystemReleaseDirectoryBuffer(&db);
    /* Filled: no refill without Reset (and no lock held: a second Acquire
     * would deadlock otherwise). */
    st = -1;
    CHECK(!FspFileSystemAcquireDirectoryBuffer(&db, FALSE, &st));
    CHECK_EQ_INT(st, STATUS_SUCCESS);
    CHECK(!FspFileSystemAcquireDirectoryBufferEx(&db, FALSE, 1 << 20, &st));
    read_ascii(&db, NULL, 4096, &l, NULL);
    CHECK_EQ_INT(l.count, 1);
    CHECK_EQ_STR(l.names[0], "one");
    /* Reset: refill from scratch; old content is gone. */
    CHECK(FspFileSystemAcquireDirectoryBufferEx(&db, TRUE, 1 << 20, &st));
    CHECK(FspFileSystemFillDirectoryBuffer(&db, make_ascii(&e, "two", 2), &st));
    CHECK(FspFileSystemFillDirectoryBuffer(&db, make_ascii(&e, "three", 3), &st));
    FspFileSystemReleaseDirectoryBuffer(&db);
    read_ascii(&db, NULL, 4096, &l, NULL);
    CHECK_EQ_INT(l.count, 2);
    CHECK_EQ_STR(l.names[0], "three");
    CHECK_EQ_STR(l.names[1], "two");
    CHECK(l.end);
    /* A failed Fill leaves the buffer needing a refill. */
    CHECK(FspFileSystemAcquireDirectoryBuffer(&db, TRUE, &st));
    CHECK(FspFileSystemFillDirectoryBuffer(&db, make_ascii(&e, "ok", 4), &st));
    e.d.Size = HDR - 1;
    st = 0;
    CHECK(!FspFileSystemFillDirectoryBuffer(&db, &e.d, &st));
    CHECK_EQ_INT(st, STATUS_INVALID_PARAMETER);
    CHECK(!FspFileSystemFillDirectoryBuffer(&db, NULL, &st));
    FspFileSystemReleaseDirectoryBuffer(&db);
    CHECK(FspFileSystemAcquireDirectoryBuffer(&db, FALSE, &st));
    FspFileSystemReleaseDirectoryBuffer(&db);
    CHECK(!FspFileSystemAcquireDirectoryBuffer(&db, FALSE, &st));
    FspFileSystemDeleteDirectoryBuffer(&db);
}

TEST(dots_first_and_order)
{
    static const char *const names[] = {"b", "..",  "!x",  "a",  ".", ".hidden",
                                        "A", "...", " sp", "ab", "Z"};
    static const char *const sorted[] = {".", "..", " sp", "!x", "...", ".hidden",
                                         "A", "Z",  "a",   "ab", "b"};
    PVOID db = NULL;
    listing_t l;
    fill_names(&db, names, 11);
    read_ascii(&db, NULL, 1 << 16, &l, NULL);
    CHECK_EQ_INT(l.count, 11);
    CHECK(l.end);
    for (size_t i = 0; i < 11 && i < l.count; i++)
        CHECK_EQ_STR(l.names[i], sorted[i]);
    /* The entry's data travels with its name. */
    for (size_t i = 0; i < 11 && i < l.count; i++)
        for (size_t k = 0; k < 11; k++)
            if (!strcmp(names[k], l.names[i]))
                CHECK_EQ_INT(l.inos[i], 100 + k);
    /* Markers "." and ".." */
    read_ascii(&db, ".", 1 << 16, &l, NULL);
    CHECK_EQ_INT(l.count, 10);
    CHECK_EQ_STR(l.names[0], "..");
    read_ascii(&db, "..", 1 << 16, &l, NULL);
    CHECK_EQ_INT(l.count, 9);
    CHECK_EQ_STR(l.names[0], " sp");
    FspFileSystemDeleteDirectoryBuffer(&db);
}

TEST(unicode_order)
{
    /* Ordinal UTF-16: U+00E9 < U+20AC < U+1F600 (surrogates) < U+E000 < U+FFFD */
    static const WCHAR n1[] = {0xfffd}, n2[] = {0xd83d, 0xde00}, n3[] = {0xe9}, n4[] = {0xe000},
                       n5[] = {0x20ac}, n6[] = {'z'};
    const WCHAR *in[] = {n1, n2, n3, n4, n5, n6};
    size_t len[] = {1, 2, 1, 1, 1, 1};
    UINT64 want[] = {6, 3, 5, 2, 4, 1}; /* inos in sorted order */
    PVOID db = NULL;
    NTSTATUS st;
    entry_t e;
    CHECK(FspFileSystemAcquireDirectoryBuffer(&db, TRUE, &st));
    for (size_t i = 0; i < 6; i++)
        CHECK(FspFileSystemFillDirectoryBuffer(&db, make_entry(&e, in[i], len[i], i + 1), &st));
    FspFileSystemReleaseDirectoryBuffer(&db);
    listing_t l;
    read_ascii(&db, NULL, 4096, &l, NULL);
    CHECK_EQ_INT(l.count, 6);
    for (size_t i = 0; i < 6; i++)
        CHECK_EQ_INT(l.inos[i], want[i]);
    /* Marker in the middle of the surrogate range */
    static const WCHAR m[] = {0xd83d, 0xde00, 0};
    UINT8 buf[4096];
    ULONG bytes;
    FspFileSystemReadDirectoryBuffer(&db, (PWSTR)m, buf, sizeof buf, &bytes);
    parse(buf, bytes, &l);
    CHECK_EQ_INT(l.count, 2);
    CHECK_EQ_INT(l.inos[0], 4);
    FspFileSystemDeleteDirectoryBuffer(&db);
}

TEST(markers)
{
    static const char *const names[] = {"f", "b", "d"};
    PVOID db = NULL;
    listing_t l;
    fill_names(&db, names, 3);
    static const struct {
        const char *marker;
        size_t count;
        const char *first;
    } cases[] = {
        {NULL, 3, "b"}, /* from the start */
        {"a", 3, "b"},  /* before the first */
        {"b", 2, "d"},  /* equal to an existing name: strictly after */
        {"c", 2, "d"},  /* nonexistent, between */
        {"bb", 2, "d"}, /* prefix extension */
        {"d", 1, "f"},  {"e", 1, "f"}, {"f", 0, NULL}, /* equal to the last */
        {"g", 0, NULL},                                /* after the last */
        {"B", 3, "b"},                                 /* ordinal: 'B' < 'b' */
        {"", 3, "b"},                                  /* empty marker sorts first */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ULONG bytes;
        read_ascii(&db, cases[i].marker, 4096, &l, &bytes);
        CHECK_EQ_INT(l.count, cases[i].count);
        CHECK(l.end);
        if (cases[i].first && l.count)
            CHECK_EQ_STR(l.names[0], cases[i].first);
        if (!cases[i].count)
            CHECK_EQ_INT(bytes, 2);
    }
    FspFileSystemDeleteDirectoryBuffer(&db);
}

TEST(buffer_boundaries)
{
    /* Names of different lengths so the padding differs: sizes 106->112,
     * 108->112, 110->112, 112->112, 114->120. */
    static const char *const names[] = {"a", "bb", "ccc", "dddd", "eeeee"};
    PVOID db = NULL;
    listing_t l;
    ULONG bytes;
    fill_names(&db, names, 5);
    size_t total = 0;
    for (int i = 0; i < 5; i++)
        total += entry_bytes(names[i]);
    CHECK_EQ_INT(total, 568);
    /* Everything plus the end marker */
    read_ascii(&db, NULL, (ULONG)total + 2, &l, &bytes);
    CHECK_EQ_INT(l.count, 5);
    CHECK(l.end);
    CHECK_EQ_INT(bytes, total + 2);
    /* One byte short of the end marker: all entries, no end marker. */
    read_ascii(&db, NULL, (ULONG)total + 1, &l, &bytes);
    CHECK_EQ_INT(l.count, 5);
    CHECK(!l.end);
    CHECK_EQ_INT(bytes, total);
    /* Exactly the entries */
    read_ascii(&db, NULL, (ULONG)total, &l, &bytes);
    CHECK_EQ_INT(l.count, 5);
    CHECK(!l.end);
    /* The last entry fits unaligned (114) but not aligned (120): out. */
    read_ascii(&db, NULL, (ULONG)total - 6, &l, &bytes);
    CHECK_EQ_INT(l.count, 4);
    CHECK(!l.end);
    CHECK_EQ_INT(bytes, total - 120);
    read_ascii(&db, NULL, (ULONG)total - 1, &l, &bytes);
    CHECK_EQ_INT(l.count, 4);
    /* For every N, a buffer exactly fitting N entries holds N, and one
     * byte less holds N-1; never an end marker while entries remain. */
    size_t sum = 0;
    for (int n = 1; n <= 5; n++) {
        sum += entry_bytes(names[n - 1]);
        read_ascii(&db, NULL, (ULONG)sum, &l, &bytes);
        CHECK_EQ_INT(l.count, n);
        CHECK_EQ_INT(bytes, sum);
        CHECK(!l.end);
        read_ascii(&db, NULL, (ULONG)sum - 1, &l, &bytes);
        CHECK_EQ_INT(l.count, n - 1);
        CHECK(!l.end);
        if (n < 5) {
            read_ascii(&db, NULL, (ULONG)sum + 2, &l, &bytes);
            CHECK_EQ_INT(l.count, n);
            CHECK(!l.end);
        }
    }
    /* Continuing from a marker: the remaining entries plus the marker. */
    read_ascii(&db, "ccc", (ULONG)(entry_bytes("dddd") + entry_bytes("eeeee") + 2), &l, &bytes);
    CHECK_EQ_INT(l.count, 2);
    CHECK(l.end);
    read_ascii(&db, "ccc", (ULONG)(entry_bytes("dddd") + entry_bytes("eeeee") + 1), &l, &bytes);
    CHECK_EQ_INT(l.count, 2);
    CHECK(!l.end);
    /* Too small for the first entry: nothing */
    read_ascii(&db, NULL, 111, &l, &bytes);
    CHECK_EQ_INT(bytes, 0);
    CHECK_EQ_INT(l.count, 0);
    FspFileSystemDeleteDirectoryBuffer(&db);
}

/* --- Large listings --------------------------------------------------------- */

#define BIG 100000

static void big_name(unsigned i, char *out)
{
    /* A scrambled but unique order: i * odd constant mod 2^32 */
    sprintf(out, "f%08x", i * 2654435761u);
}

/* Page through the whole listing; return the number of entries, or -1 when
 * the order is wrong or the end marker is missing/early. */
static long page_all(PVOID *db, ULONG length)
{
    UINT8 *buf = malloc(length);
    WCHAR marker[512], prev[512];
    size_t prevlen = 0;
    int have_marker = 0, have_prev = 0;
    long count = 0;
    for (;;) {
        ULONG bytes = 0;
        FspFileSystemReadDirectoryBuffer(db, have_marker ? marker : NULL, buf, length, &bytes);
        size_t off = 0;
        int end = 0, got = 0;
        while (off + 2 <= bytes) {
            UINT16 size;
            memcpy(&size, buf + off, 2);
            if (!size) {
                end = 1;
                break;
            }
            const WCHAR *name = (const WCHAR *)(const void *)(buf + off + HDR);
            size_t len = (size - HDR) / sizeof(WCHAR);
            if (have_prev && fsp_wcscmp_len(prev, prevlen, name, len) >= 0) {
                free(buf);
                return -1;
            }
            memcpy(prev, name, len * sizeof(WCHAR));
            prevlen = len;
            have_prev = 1;
            count++;
            got++;
            off += ALIGN8(size);
        }
        if (end)
            break;
        if (!got) {
            free(buf);
            return -1;
        }
        memcpy(marker, prev, prevlen * sizeof(WCHAR));
        marker[prevlen] = 0;
        have_marker = 1;
    }
    free(buf);
    return count;
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill_big(PVOID *db, int order)
{
    NTSTATUS st;
    entry_t e;
    char name[32];
    int ok = 1;
    CHECK(FspFileSystemAcquireDirectoryBufferEx(db, TRUE, 0, &st));
    for (unsigned i = 0; i < BIG; i++) {
        if (order == 0)
            big_name(i, name);
        else if (order == 1)
            sprintf(name, "f%08u", i); /* presorted */
        else
            sprintf(name, "f%08u", BIG - 1 - i); /* reverse */
        ok &= FspFileSystemFillDirectoryBuffer(db, make_ascii(&e, name, i), &st);
    }
    CHECK(ok);
    FspFileSystemReleaseDirectoryBuffer(db);
}

TEST(hundred_thousand)
{
    static const char *const what[] = {"scrambled", "presorted", "reversed"};
    for (int order = 0; order < 3; order++) {
        PVOID db = NULL;
        double t0 = now_sec();
        fill_big(&db, order);
        double t1 = now_sec();
        long n = page_all(&db, 65536);
        double t2 = now_sec();
        printf("  %s: fill+sort %.3f s, read all in 64 KiB pages %.3f s\n", what[order], t1 - t0,
               t2 - t1);
        CHECK_EQ_INT(n, BIG);
        /* Quadratic behaviour would take minutes; allow for sanitizers. */
        CHECK(t1 - t0 < 10.0);
        CHECK(t2 - t1 < 10.0);
        if (order == 1) {
            /* Marker lookup by binary search lands exactly. */
            listing_t l;
            read_ascii(&db, "f00054320", 4096, &l, NULL);
            CHECK(l.count >= 1);
            CHECK_EQ_STR(l.names[0], "f00054321");
            read_ascii(&db, "f00099999", 4096, &l, NULL);
            CHECK_EQ_INT(l.count, 0);
            CHECK(l.end);
        }
        FspFileSystemDeleteDirectoryBuffer(&db);
    }
    /* Many equal names sort without trouble, and all are served. */
    PVOID db = NULL;
    NTSTATUS st;
    entry_t e;
    CHECK(FspFileSystemAcquireDirectoryBuffer(&db, TRUE, &st));
    for (unsigned i = 0; i < 20000; i++)
        FspFileSystemFillDirectoryBuffer(&db, make_ascii(&e, i % 2 ? "same" : "other", i), &st);
    FspFileSystemReleaseDirectoryBuffer(&db);
    /* "other" (5 chars: 114 -> 120 bytes) x 10000, then "same" (4 chars:
     * 112 bytes) x 10000, then the end marker. */
    ULONG want = 10000 * 120 + 10000 * 112 + 2, bytes = 0;
    UINT8 *buf = malloc(want);
    FspFileSystemReadDirectoryBuffer(&db, NULL, buf, want, &bytes);
    CHECK_EQ_INT(bytes, want);
    size_t off = 0, others = 0, sames = 0, misplaced = 0;
    for (unsigned i = 0; i < 20000 && off + 2 <= bytes; i++) {
        UINT16 size;
        memcpy(&size, buf + off, 2);
        if (size == HDR + 10) {
            others++;
            misplaced += sames != 0;
        } else if (size == HDR + 8) {
            sames++;
        }
        off += ALIGN8(size);
    }
    CHECK_EQ_INT(others, 10000);
    CHECK_EQ_INT(sames, 10000);
    CHECK_EQ_INT(misplaced, 0);
    CHECK_EQ_INT(buf[off] | buf[off + 1], 0);
    free(buf);
    FspFileSystemDeleteDirectoryBuffer(&db);
}

/* --- Concurrency -------------------------------------------------------------- */

struct reader_arg {
    PVOID *db;
    long bad;
    int rounds;
};

static void *reader(void *p)
{
    struct reader_arg *a = p;
    for (int r = 0; r < a->rounds; r++) {
        long n = page_all(a->db, 4096 + 1024 * (r % 7));
        if (n != 5000)
            a->bad++;
    }
    return NULL;
}

static void fill_5000(PVOID *db, BOOLEAN reset)
{
    NTSTATUS st;
    entry_t e;
    char name[32];
    if (!FspFileSystemAcquireDirectoryBuffer(db, reset, &st))
        return;
    for (unsigned i = 0; i < 5000; i++) {
        sprintf(name, "n%u", (i * 7919u) % 5000);
        FspFileSystemFillDirectoryBuffer(db, make_ascii(&e, name, i), &st);
    }
    FspFileSystemReleaseDirectoryBuffer(db);
}

struct refill_arg {
    PVOID *db;
    int stop; /* atomic */
    int refills;
};

static void *refiller(void *p)
{
    struct refill_arg *a = p;
    while (!__atomic_load_n(&a->stop, __ATOMIC_RELAXED) && a->refills < 200) {
        fill_5000(a->db, TRUE); /* same content: readers must never notice */
        a->refills++;
    }
    return NULL;
}

TEST(concurrent_readers)
{
    PVOID db = NULL;
    fill_5000(&db, TRUE);
    enum { N = 4 };
    pthread_t th[N], rf;
    struct reader_arg args[N];
    struct refill_arg ra = {.db = &db};
    CHECK_EQ_INT(pthread_create(&rf, NULL, refiller, &ra), 0);
    for (int i = 0; i < N; i++) {
        args[i] = (struct reader_arg){.db = &db, .rounds = 30};
        CHECK_EQ_INT(pthread_create(&th[i], NULL, reader, &args[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(args[i].bad, 0);
    }
    __atomic_store_n(&ra.stop, 1, __ATOMIC_RELAXED);
    pthread_join(rf, NULL);
    CHECK(ra.refills > 0);
    FspFileSystemDeleteDirectoryBuffer(&db);
}

struct acq_arg {
    PVOID *db;
    pthread_barrier_t *barrier;
    int filled;
};

static void *acquirer(void *p)
{
    struct acq_arg *a = p;
    NTSTATUS st;
    entry_t e;
    pthread_barrier_wait(a->barrier);
    if (FspFileSystemAcquireDirectoryBuffer(a->db, FALSE, &st)) {
        a->filled = 1;
        FspFileSystemFillDirectoryBuffer(a->db, make_ascii(&e, "only", 1), &st);
        FspFileSystemReleaseDirectoryBuffer(a->db);
    }
    return NULL;
}

TEST(concurrent_first_acquire)
{
    /* Threads racing to create and fill a fresh buffer: exactly one fills. */
    for (int round = 0; round < 50; round++) {
        PVOID db = NULL;
        enum { N = 6 };
        pthread_t th[N];
        struct acq_arg args[N];
        pthread_barrier_t barrier;
        pthread_barrier_init(&barrier, NULL, N);
        for (int i = 0; i < N; i++) {
            args[i] = (struct acq_arg){.db = &db, .barrier = &barrier};
            pthread_create(&th[i], NULL, acquirer, &args[i]);
        }
        int fills = 0;
        for (int i = 0; i < N; i++) {
            pthread_join(th[i], NULL);
            fills += args[i].filled;
        }
        pthread_barrier_destroy(&barrier);
        CHECK_EQ_INT(fills, 1);
        listing_t l;
        read_ascii(&db, NULL, 4096, &l, NULL);
        CHECK_EQ_INT(l.count, 1);
        FspFileSystemDeleteDirectoryBuffer(&db);
    }
}

int main(void)
{
    RUN(add_dir_info);
    RUN(empty);
    RUN(acquire_semantics);
    RUN(dots_first_and_order);
    RUN(unicode_order);
    RUN(markers);
    RUN(buffer_boundaries);
    RUN(hundred_thousand);
    RUN(concurrent_readers);
    RUN(concurrent_first_acquire);
    return CHECK_DONE();
}
