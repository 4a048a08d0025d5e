/*
 * test_utf.c - UTF-8 <-> UTF-16 conversion, WinFsp name translation, path
 * separators, UTF-16 comparisons and upcasing, and the FspPosixMap*Path
 * wrappers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <winfsp/winfsp.h>

#include "check.h"
#include "native/utf.h"

static const char forbidden_chars[] = "\"*:<>?\\|";

static int is_forbidden(unsigned c)
{
    return (c >= 1 && c <= 0x1f) || (c && c < 0x80 && strchr(forbidden_chars, (int)c));
}

static int wequal(const WCHAR *a, const WCHAR *b, size_t n)
{
    return memcmp(a, b, n * sizeof(WCHAR)) == 0;
}

TEST(ascii_roundtrip)
{
    WCHAR w[32];
    char s[32];
    int n = fsp_utf8_to_utf16("hello.txt", 9, w, 32, 0);
    CHECK_EQ_INT(n, 9);
    CHECK(wequal(w, u"hello.txt", 10)); /* NUL written: room */
    n = fsp_utf16_to_utf8(w, 9, s, 32, 0);
    CHECK_EQ_INT(n, 9);
    CHECK_EQ_STR(s, "hello.txt");
    /* FSP_UTF_NTS */
    CHECK_EQ_INT(fsp_utf8_to_utf16("abc", FSP_UTF_NTS, w, 32, 0), 3);
    CHECK_EQ_INT(fsp_utf16_to_utf8(u"abcd", FSP_UTF_NTS, s, 32, 0), 4);
    CHECK_EQ_STR(s, "abcd");
    /* Empty input */
    w[0] = 'x';
    CHECK_EQ_INT(fsp_utf8_to_utf16("", 0, w, 32, 0), 0);
    CHECK_EQ_INT(w[0], 0);
}

TEST(multibyte)
{
    /* é (2 bytes), € (3 bytes), U+FFFD, U+1F600 (4 bytes, surrogate pair),
     * U+10FFFF (the last code point) */
    const char *s8 = "\xc3\xa9\xe2\x82\xac\xef\xbf\xbd\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf";
    const WCHAR s16[] = {0xe9, 0x20ac, 0xfffd, 0xd83d, 0xde00, 0xdbff, 0xdfff, 0};
    WCHAR w[16];
    char s[32];
    int n = fsp_utf8_to_utf16(s8, strlen(s8), w, 16, 0);
    CHECK_EQ_INT(n, 7);
    CHECK(wequal(w, s16, 8));
    n = fsp_utf16_to_utf8(s16, 7, s, sizeof s, 0);
    CHECK_EQ_INT(n, (int)strlen(s8));
    CHECK_EQ_STR(s, s8);
    /* U+0080, U+07FF, U+0800, U+FFFF boundaries */
    const char *b8 = "\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf";
    const WCHAR b16[] = {0x80, 0x7ff, 0x800, 0xffff};
    CHECK_EQ_INT(fsp_utf8_to_utf16(b8, strlen(b8), w, 16, 0), 4);
    CHECK(wequal(w, b16, 4));
    CHECK_EQ_INT(fsp_utf16_to_utf8(b16, 4, s, sizeof s, 0), 10);
    CHECK(memcmp(s, b8, 10) == 0);
    /* Measure mode */
    CHECK_EQ_INT(fsp_utf8_to_utf16(s8, strlen(s8), NULL, 0, 0), 7);
    CHECK_EQ_INT(fsp_utf16_to_utf8(s16, 7, NULL, 0, 0), (int)strlen(s8));
}

TEST(overflow_boundaries)
{
    WCHAR w[8];
    char s[8];
    /* Exactly fitting: no NUL written, the unit after is untouched. */
    for (int i = 0; i < 8; i++)
        w[i] = 0x7777;
    CHECK_EQ_INT(fsp_utf8_to_utf16("abcd", 4, w, 4, 0), 4);
    CHECK(wequal(w, u"abcd", 4));
    CHECK_EQ_INT(w[4], 0x7777);
    /* One short */
    CHECK_EQ_INT(fsp_utf8_to_utf16("abcd", 4, w, 3, 0), -ENAMETOOLONG);
    CHECK_EQ_INT(fsp_utf8_to_utf16("abcd", 4, w, 0, 0), -ENAMETOOLONG);
    /* A surrogate pair needs both units */
    CHECK_EQ_INT(fsp_utf8_to_utf16("a\xf0\x9f\x98\x80", 5, w, 2, 0), -ENAMETOOLONG);
    CHECK_EQ_INT(fsp_utf8_to_utf16("a\xf0\x9f\x98\x80", 5, w, 3, 0), 3);
    /* UTF-8 output */
    memset(s, 'Z', sizeof s);
    CHECK_EQ_INT(fsp_utf16_to_utf8(u"abcd", 4, s, 4, 0), 4);
    CHECK(memcmp(s, "abcdZ", 5) == 0);
    CHECK_EQ_INT(fsp_utf16_to_utf8(u"abcd", 4, s, 3, 0), -ENAMETOOLONG);
    CHECK_EQ_INT(fsp_utf16_to_utf8(u"\u20ac", 1, s, 2, 0), -ENAMETOOLONG);
    CHECK_EQ_INT(fsp_utf16_to_utf8(u"\u20ac", 1, s, 3, 0), 3);
    CHECK_EQ_INT(fsp_utf16_to_utf8(u"a\u00e9", 2, s, 2, 0), -ENAMETOOLONG);
    const WCHAR pair[] = {0xd83d, 0xde00};
    CHECK_EQ_INT(fsp_utf16_to_utf8(pair, 2, s, 3, 0), -ENAMETOOLONG);
    CHECK_EQ_INT(fsp_utf16_to_utf8(pair, 2, s, 4, 0), 4);
    CHECK_EQ_INT(fsp_utf16_to_utf8(pair, 2, s, 5, 0), 4);
    CHECK_EQ_INT(s[4], 0);
    /* Translation to one unit still fits in one unit */
    CHECK_EQ_INT(fsp_utf8_to_utf16(":", 1, w, 1, FSP_UTF_TRANSLATE), 1);
    CHECK_EQ_INT(w[0], 0xf03a);
    CHECK_EQ_INT(fsp_utf16_to_utf8(u"\uf03a", 1, s, 1, FSP_UTF_TRANSLATE), 1);
    CHECK_EQ_INT(s[0], ':');
}

TEST(invalid_utf8)
{
    static const struct {
        const char *s;
        size_t len;
    } bad[] = {
        {"\x80", 1},             /* stray continuation */
        {"a\xbf", 2},            /* stray continuation */
        {"\xc0\xaf", 2},         /* overlong '/' */
        {"\xc1\xbf", 2},         /* overlong */
        {"\xe0\x80\xaf", 3},     /* overlong */
        {"\xe0\x9f\xbf", 3},     /* overlong */
        {"\xf0\x8f\xbf\xbf", 4}, /* overlong */
        {"\xed\xa0\x80", 3},     /* encoded high surrogate */
        {"\xed\xbf\xbf", 3},     /* encoded low surrogate */
        {"\xf4\x90\x80\x80", 4}, /* above U+10FFFF */
        {"\xf5\x80\x80\x80", 4}, /* invalid lead */
        {"\xf8\x88\x80\x80\x80", 5},
        {"\xfe", 1},
        {"\xff", 1},
        {"\xc3", 1},         /* truncated */
        {"\xe2\x82", 2},     /* truncated */
        {"\xf0\x9f\x98", 3}, /* truncated */
        {"\xc3\x28", 2},     /* bad continuation */
        {"\xe2\x28\xa1", 3}, /* bad continuation */
        {"ab\0cd", 5},       /* embedded NUL */
    };
    WCHAR w[16];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int n = fsp_utf8_to_utf16(bad[i].s, bad[i].len, w, 16, 0);
        if (n != -EINVAL)
            fprintf(stderr, "  bad utf-8 #%zu gave %d\n", i, n);
        CHECK_EQ_INT(n, -EINVAL);
        CHECK_EQ_INT(fsp_utf8_to_utf16(bad[i].s, bad[i].len, NULL, 0, FSP_UTF_PATH), -EINVAL);
    }
    /* A truncated sequence inside a longer buffer: the length bounds decoding. */
    CHECK_EQ_INT(fsp_utf8_to_utf16("\xe2\x82\xac", 2, w, 16, 0), -EINVAL);
    CHECK_EQ_INT(fsp_utf8_to_utf16("\xe2\x82\xac", 3, w, 16, 0), 1);
}

TEST(lone_surrogates)
{
    static const WCHAR s1[] = {0xd800};
    static const WCHAR s2[] = {0xdc00};
    static const WCHAR s3[] = {0xd800, 'a'};
    static const WCHAR s4[] = {'a', 0xdfff};
    static const WCHAR s5[] = {0xd800, 0xd800, 0xdc00};
    static const WCHAR s6[] = {0xdc00, 0xd800};
    static const WCHAR s7[] = {'a', 0, 'b'};
    static const WCHAR s8[] = {0xdc00, 0xdc00};
    static const WCHAR s9[] = {0xdbff, 0xdbff, 0xdfff, 0xd800};
    static const struct {
        const WCHAR *s;
        size_t len;
    } bad[] = {{s1, 1}, {s2, 1}, {s3, 2}, {s4, 2}, {s5, 3}, {s6, 2}, {s7, 3}, {s8, 2}, {s9, 4}};
    char s[32];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(fsp_utf16_to_utf8(bad[i].s, bad[i].len, s, sizeof s, 0), -EINVAL);
    /* A high surrogate whose partner lies beyond srclen is lone. */
    static const WCHAR pair[] = {0xd83d, 0xde00};
    CHECK_EQ_INT(fsp_utf16_to_utf8(pair, 1, s, sizeof s, 0), -EINVAL);
    CHECK_EQ_INT(fsp_utf16_to_utf8(pair + 1, 1, s, sizeof s, 0), -EINVAL);
}

TEST(translation_every_ascii)
{
    for (unsigned c = 1; c < 0x80; c++) {
        char name[4] = {'a', (char)c, 'b', 0};
        WCHAR w[8];
        char back[8];
        int n;
        if (c == '/') {
            CHECK_EQ_INT(fsp_utf8_to_utf16(name, 3, w, 8, FSP_UTF_TRANSLATE), -EINVAL);
            continue;
        }
        n = fsp_utf8_to_utf16(name, 3, w, 8, FSP_UTF_TRANSLATE);
        CHECK_EQ_INT(n, 3);
        CHECK_EQ_INT(w[0], 'a');
        CHECK_EQ_INT(w[2], 'b');
        CHECK_EQ_INT(w[1], is_forbidden(c) ? 0xf000 + c : c);
        n = fsp_utf16_to_utf8(w, 3, back, 8, FSP_UTF_TRANSLATE);
        CHECK_EQ_INT(n, 3);
        CHECK_EQ_STR(back, name);
        /* Path mode translates the same way. */
        CHECK_EQ_INT(fsp_utf8_to_utf16(name, 3, w, 8, FSP_UTF_TRANSLATE | FSP_UTF_PATH), 3);
        CHECK_EQ_INT(w[1], is_forbidden(c) ? 0xf000 + c : c);
        /* Without translation the character is copied, except '\' in a
         * component (it would read as a separator). */
        n = fsp_utf8_to_utf16(name, 3, w, 8, 0);
        if (c == '\\') {
            CHECK_EQ_INT(n, -EINVAL);
        } else {
            CHECK_EQ_INT(n, 3);
            CHECK_EQ_INT(w[1], c);
        }
        /* Windows side: U+F000+c comes back as c only with translation. */
        WCHAR pu[3] = {'a', (WCHAR)(0xf000 + c), 'b'};
        n = fsp_utf16_to_utf8(pu, 3, back, 8, FSP_UTF_TRANSLATE);
        if (is_forbidden(c)) {
            CHECK_EQ_INT(n, 3);
            CHECK_EQ_INT((unsigned char)back[1], c);
        } else {
            CHECK_EQ_INT(n, 5); /* 'a' + 3-byte U+F0xx + 'b' */
            CHECK_EQ_INT((unsigned char)back[1], 0xef);
        }
        CHECK_EQ_INT(fsp_utf16_to_utf8(pu, 3, back, 8, 0), 5);
    }
    /* Every forbidden character by name, and the full set in one name. */
    const char *all = "\"*:<>?\\|\x01\x1f";
    const WCHAR expect[] = {0xf022, 0xf02a, 0xf03a, 0xf03c, 0xf03e,
                            0xf03f, 0xf05c, 0xf07c, 0xf001, 0xf01f};
    WCHAR w[16];
    char back[16];
    CHECK_EQ_INT(fsp_utf8_to_utf16(all, strlen(all), w, 16, FSP_UTF_TRANSLATE), 10);
    CHECK(wequal(w, expect, 10));
    CHECK_EQ_INT(fsp_utf16_to_utf8(w, 10, back, 16, FSP_UTF_TRANSLATE), 10);
    CHECK_EQ_STR(back, all);
    /* U+F000 itself and U+F080 are outside the translated set. */
    CHECK_EQ_INT(fsp_utf16_to_utf8(u"\uf000", 1, back, 16, FSP_UTF_TRANSLATE), 3);
    CHECK_EQ_INT(fsp_utf16_to_utf8(u"\uf080", 1, back, 16, FSP_UTF_TRANSLATE), 3);
}

TEST(path_separators)
{
    WCHAR w[32];
    char s[32];
    CHECK_EQ_INT(fsp_utf8_to_utf16("/a/b/c", 6, w, 32, FSP_UTF_PATH), 6);
    CHECK(wequal(w, u"\\a\\b\\c", 7));
    CHECK_EQ_INT(fsp_utf16_to_utf8(u"\\a\\b\\c", 6, s, 32, FSP_UTF_PATH), 6);
    CHECK_EQ_STR(s, "/a/b/c");
    /* Windows '/' in a path stays '/'. */
    CHECK_EQ_INT(fsp_utf16_to_utf8(u"\\a/b", 4, s, 32, FSP_UTF_PATH), 4);
    CHECK_EQ_STR(s, "/a/b");
    /* A POSIX '\' in a path: translated, or copied as a separator. */
    CHECK_EQ_INT(fsp_utf8_to_utf16("/a\\b", 4, w, 32, FSP_UTF_PATH | FSP_UTF_TRANSLATE), 4);
    CHECK(wequal(w, u"\\a\uf05cb", 4));
    CHECK_EQ_INT(fsp_utf16_to_utf8(w, 4, s, 32, FSP_UTF_PATH | FSP_UTF_TRANSLATE), 4);
    CHECK_EQ_STR(s, "/a\\b");
    CHECK_EQ_INT(fsp_utf8_to_utf16("/a\\b", 4, w, 32, FSP_UTF_PATH), 4);
    CHECK(wequal(w, u"\\a\\b", 4));
    /* Components: no separators on either side. */
    CHECK_EQ_INT(fsp_utf8_to_utf16("a/b", 3, w, 32, FSP_UTF_TRANSLATE), -EINVAL);
    CHECK_EQ_INT(fsp_utf8_to_utf16("/", 1, w, 32, 0), -EINVAL);
    CHECK_EQ_INT(fsp_utf16_to_utf8(u"a\\b", 3, s, 32, FSP_UTF_TRANSLATE), -EINVAL);
    CHECK_EQ_INT(fsp_utf16_to_utf8(u"a/b", 3, s, 32, FSP_UTF_TRANSLATE), -EINVAL);
    CHECK_EQ_INT(fsp_utf16_to_utf8(u"a\\b", 3, s, 32, 0), -EINVAL);
    /* Root */
    CHECK_EQ_INT(fsp_utf8_to_utf16("/", 1, w, 32, FSP_UTF_PATH), 1);
    CHECK_EQ_INT(w[0], '\\');
    CHECK_EQ_INT(w[1], 0);
}

TEST(posix_path_api)
{
    PWSTR w = (PWSTR)1;
    char *p = (char *)1;
    CHECK_EQ_INT(FspPosixMapPosixToWindowsPathEx("/dir/a:b\xc3\xa9", &w, TRUE), STATUS_SUCCESS);
    CHECK(w && fsp_wcscmp(w, u"\\dir\\a\uf03ab\u00e9") == 0);
    CHECK_EQ_INT(FspPosixMapWindowsToPosixPathEx(w, &p, TRUE), STATUS_SUCCESS);
    CHECK_EQ_STR(p, "/dir/a:b\xc3\xa9");
    FspPosixDeletePath(w);
    FspPosixDeletePath(p);
    /* Without translation ':' stays ':'. */
    CHECK_EQ_INT(FspPosixMapPosixToWindowsPathEx("/a:b", &w, FALSE), STATUS_SUCCESS);
    CHECK(w && fsp_wcscmp(w, u"\\a:b") == 0);
    FspPosixDeletePath(w);
    CHECK_EQ_INT(FspPosixMapWindowsToPosixPathEx(u"\\x\uf03a", &p, FALSE), STATUS_SUCCESS);
    CHECK_EQ_STR(p, "/x\xef\x80\xba");
    FspPosixDeletePath(p);
    /* The inline wrappers translate. */
    CHECK_EQ_INT(FspPosixMapPosixToWindowsPath("*", &w), STATUS_SUCCESS);
    CHECK(w && w[0] == 0xf02a && w[1] == 0);
    FspPosixDeletePath(w);
    /* Invalid input: an error and a NULL result. */
    w = (PWSTR)1;
    CHECK_EQ_INT(FspPosixMapPosixToWindowsPathEx("/bad\xff", &w, TRUE), STATUS_OBJECT_NAME_INVALID);
    CHECK(w == NULL);
    static const WCHAR lone[] = {'\\', 0xd800, 0};
    p = (char *)1;
    CHECK_EQ_INT(FspPosixMapWindowsToPosixPathEx((PWSTR)lone, &p, TRUE),
                 STATUS_OBJECT_NAME_INVALID);
    CHECK(p == NULL);
    CHECK_EQ_INT(FspPosixMapWindowsToPosixPathEx(u"", &p, TRUE), STATUS_SUCCESS);
    CHECK_EQ_STR(p, "");
    FspPosixDeletePath(p);
    FspPosixDeletePath(NULL);
}

TEST(wcs_compare)
{
    CHECK_EQ_INT(fsp_wcslen(u""), 0);
    CHECK_EQ_INT(fsp_wcslen(u"abc\u00e9"), 4);
    CHECK(fsp_wcscmp(u"abc", u"abc") == 0);
    CHECK(fsp_wcscmp(u"abc", u"abd") < 0);
    CHECK(fsp_wcscmp(u"abd", u"abc") > 0);
    CHECK(fsp_wcscmp(u"ab", u"abc") < 0);
    CHECK(fsp_wcscmp(u"abc", u"ab") > 0);
    CHECK(fsp_wcscmp(u"B", u"a") < 0); /* ordinal: case-sensitive */
    CHECK(fsp_wcscmp(u"\uffff", u"\u0100") > 0);
    /* Ordinal UTF-16: a surrogate pair (U+1F600) sorts before U+E000. */
    CHECK(fsp_wcscmp(u"\U0001F600", u"\ue000") < 0);
    CHECK(fsp_wcscmp_len(u"abc", 2, u"abX", 2) == 0);
    CHECK(fsp_wcscmp_len(u"ab", 2, u"abc", 3) < 0);
    CHECK(fsp_wcscmp_len(u"abc", 3, u"ab", 2) > 0);
    CHECK(fsp_wcscmp_len(u"abc", 3, u"abd", 3) < 0);
    CHECK(fsp_wcsicmp(u"Hello", u"hELLO") == 0);
    CHECK(fsp_wcsicmp(u"a", u"B") < 0);
    CHECK(fsp_wcsicmp(u"b", u"A") > 0);
    CHECK(fsp_wcsicmp(u"ab", u"AbC") < 0);
    CHECK(fsp_wcsicmp(u"\u00e9t\u00e9", u"\u00c9T\u00c9") == 0);
    CHECK(fsp_wcsicmp(u"\u043f\u0440\u0438\u0432\u0435\u0442",
                      u"\u041f\u0420\u0418\u0412\u0415\u0422") == 0);
    CHECK(fsp_wcsicmp(u"\u03c3\u03bf\u03c6\u03af\u03b1", u"\u03a3\u039f\u03a6\u038a\u0391") == 0);
    CHECK(fsp_wcsicmp_len(u"ABCx", 3, u"abcy", 3) == 0);
    CHECK(fsp_wcsicmp_len(u"ABC", 3, u"abcd", 4) < 0);
    CHECK(fsp_wcsicmp_len(u"ABD", 3, u"abc", 3) > 0);
}

TEST(towupper_table)
{
    static const WCHAR pairs[][2] = {
        {'a', 'A'},     {'z', 'Z'},     {0xe0, 0xc0},   {0xe9, 0xc9},   {0xfe, 0xde},
        {0xff, 0x178},  {0x101, 0x100}, {0x12f, 0x12e}, {0x133, 0x132}, {0x13a, 0x139},
        {0x142, 0x141}, {0x148, 0x147}, {0x14b, 0x14a}, {0x177, 0x176}, {0x17a, 0x179},
        {0x17e, 0x17d}, {0x3ac, 0x386}, {0x3ad, 0x388}, {0x3af, 0x38a}, {0x3b1, 0x391},
        {0x3c1, 0x3a1}, {0x3c2, 0x3a3}, {0x3c3, 0x3a3}, {0x3c9, 0x3a9}, {0x3cb, 0x3ab},
        {0x3cc, 0x38c}, {0x3cd, 0x38e}, {0x3ce, 0x38f}, {0x430, 0x410}, {0x44f, 0x42f},
        {0x450, 0x400}, {0x451, 0x401}, {0x45f, 0x40f}, {0x461, 0x460}, {0x481, 0x480},
        {0x48b, 0x48a}, {0x4bf, 0x4be}, {0x4c2, 0x4c1}, {0x4ce, 0x4cd}, {0x4cf, 0x4c0},
        {0x4d1, 0x4d0}, {0x4ff, 0x4fe},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (fsp_towupper(pairs[i][0]) != pairs[i][1])
            fprintf(stderr, "  towupper(U+%04X) = U+%04X\n", pairs[i][0],
                    fsp_towupper(pairs[i][0]));
        CHECK_EQ_INT(fsp_towupper(pairs[i][0]), pairs[i][1]);
        CHECK_EQ_INT(fsp_towupper(pairs[i][1]), pairs[i][1]);
    }
    /* Unchanged: non-letters, uppercase, and letters without a simple
     * one-to-one uppercase in the table. */
    static const WCHAR same[] = {0,     '0',   '@',   'A',    'Z',    '[',    '{',   0x7f,  0xb5,
                                 0xdf,  0xf7,  0xc0,  0x130,  0x131,  0x138,  0x149, 0x17f, 0x3b0,
                                 0x391, 0x410, 0x4c0, 0x4e00, 0xd800, 0xf03a, 0xff41};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        CHECK_EQ_INT(fsp_towupper(same[i]), same[i]);
    /* Idempotent everywhere, and identity outside the documented ranges. */
    unsigned bad_idem = 0, bad_outside = 0;
    for (unsigned c = 0; c <= 0xffff; c++) {
        WCHAR u = fsp_towupper((WCHAR)c);
        if (fsp_towupper(u) != u)
            bad_idem++;
        int inside = (c >= 'a' && c <= 'z') || (c >= 0xe0 && c <= 0x17f) ||
                     (c >= 0x3ac && c <= 0x3ce) || (c >= 0x430 && c <= 0x4ff);
        if (!inside && u != c)
            bad_outside++;
    }
    CHECK_EQ_INT(bad_idem, 0);
    CHECK_EQ_INT(bad_outside, 0);
}

int main(void)
{
    RUN(ascii_roundtrip);
    RUN(multibyte);
    RUN(overflow_boundaries);
    RUN(invalid_utf8);
    RUN(lone_surrogates);
    RUN(translation_every_ascii);
    RUN(path_separators);
    RUN(posix_path_api);
    RUN(wcs_compare);
    RUN(towupper_table);
    return CHECK_DONE();
}
