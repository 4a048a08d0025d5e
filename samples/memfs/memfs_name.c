/*
 * memfs_name.c - name comparison for MEMFS's directory index.
 *
 * A case-insensitive volume compares names by a simple upper-case fold, as
 * NTFS does with its upcase table. The fold here covers ASCII, Latin-1,
 * Latin Extended-A, basic Greek and Cyrillic: enough for the names people
 * type, and every fold is a fixed function of one UTF-16 unit, so the order
 * it defines is total and stable (which the skip list needs).
 */
#include "memfs.h"

size_t memfs_wcslen(const WCHAR *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static WCHAR fold(WCHAR c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') ? (WCHAR)(c - 0x20) : c;
    if (c < 0x100) {
        if (c >= 0xe0 && c <= 0xfe && c != 0xf7) /* à..þ except ÷ */
            return (WCHAR)(c - 0x20);
        if (c == 0xff) /* ÿ -> Ÿ */
            return 0x178;
        if (c == 0xb5) /* micro sign -> Greek capital mu, as the Unicode fold does */
            return 0x39c;
        return c;
    }
    if (c < 0x180) {
        /* Latin Extended-A pairs capital/small as even/odd, except in the
         * ranges 0x139..0x148 and 0x179..0x17e where the capital is odd;
         * 0x130, 0x131, 0x138, 0x149 and 0x17f have no simple partner. */
        if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17f)
            return c;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
            return (c & 1) ? c : (WCHAR)(c - 1);
        return (c & 1) ? (WCHAR)(c - 1) : c;
    }
    if (c >= 0x3b1 && c <= 0x3cb && c != 0x3c2) /* α..ϋ except final sigma */
        return (WCHAR)(c - 0x20);
    if (c == 0x3c2) /* ς -> Σ */
        return 0x3a3;
    if (c >= 0x430 && c <= 0x44f) /* а..я */
        return (WCHAR)(c - 0x20);
    if (c >= 0x450 && c <= 0x45f) /* ѐ..џ */
        return (WCHAR)(c - 0x50);
    return c;
}

int memfs_name_compare(const WCHAR *a, size_t alen, const WCHAR *b, size_t blen,
                       bool case_insensitive)
{
    size_t n = alen < blen ? alen : blen;
    if (case_insensitive) {
        for (size_t i = 0; i < n; i++) {
            WCHAR x = fold(a[i]), y = fold(b[i]);
            if (x != y)
                return x < y ? -1 : 1;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            if (a[i] != b[i])
                return a[i] < b[i] ? -1 : 1;
        }
    }
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}
