/*
 * utf.c - UTF-8 <-> UTF-16 conversion with WinFsp's POSIX name translation,
 * and the UTF-16 string helpers. See utf.h for the contract.
 */
#include "native/utf.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

/* ASCII characters that Windows forbids in names: 0x01-0x1F and " * : < > ? \ | */
static const uint8_t fsp_utf_forbidden[128] = {
    [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1, [0x08] = 1,
    [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1,
    [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1,
    [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,
    ['*'] = 1,  [':'] = 1,  ['<'] = 1,  ['>'] = 1,  ['?'] = 1,  ['\\'] = 1, ['|'] = 1,
};

#define FSP_UTF_PRIVATE_BASE 0xF000u

/* Largest output we report: the result is an int. */
static inline size_t fsp_utf_limit(const void *dst, size_t dstcap)
{
    if (!dst || dstcap > (size_t)INT_MAX)
        return (size_t)INT_MAX;
    return dstcap;
}

int fsp_utf8_to_utf16(const char *src, size_t srclen, WCHAR *dst, size_t dstcap, unsigned flags)
{
    const uint8_t *s = (const uint8_t *)src;
    size_t cap = fsp_utf_limit(dst, dstcap);
    size_t i = 0, n = 0;
    const int translate = !!(flags & FSP_UTF_TRANSLATE);
    const int path = !!(flags & FSP_UTF_PATH);

    if (srclen == FSP_UTF_NTS)
        srclen = strlen(src);

    while (i < srclen) {
        uint32_t c = s[i];
        if (c < 0x80) {
            i++;
            if (c == 0)
                return -EINVAL;
            if (c == '/') {
                if (!path)
                    return -EINVAL;
                c = '\\';
            } else if (fsp_utf_forbidden[c]) {
                if (translate)
                    c += FSP_UTF_PRIVATE_BASE;
                else if (c == '\\' && !path)
                    return -EINVAL;
            }
        } else {
            size_t need;
            uint32_t lo = 0x80, hi = 0xbf;
            if (c >= 0xc2 && c <= 0xdf) {
                need = 1;
                c &= 0x1f;
            } else if (c >= 0xe0 && c <= 0xef) {
                need = 2;
                if (c == 0xe0)
                    lo = 0xa0; /* overlong */
                else if (c == 0xed)
                    hi = 0x9f; /* surrogates */
                c &= 0x0f;
            } else if (c >= 0xf0 && c <= 0xf4) {
                need = 3;
                if (c == 0xf0)
                    lo = 0x90; /* overlong */
                else if (c == 0xf4)
                    hi = 0x8f; /* above U+10FFFF */
                c &= 0x07;
            } else {
                return -EINVAL;
            }
            if (srclen - i - 1 < need)
                return -EINVAL;
            for (size_t k = 1; k <= need; k++) {
                uint32_t b = s[i + k];
                if (b < lo || b > hi)
                    return -EINVAL;
                lo = 0x80, hi = 0xbf;
                c = (c << 6) | (b & 0x3f);
            }
            i += need + 1;
            if (c >= 0x10000) {
                if (cap - n < 2 || n >= cap)
                    return -ENAMETOOLONG;
                c -= 0x10000;
                if (dst) {
                    dst[n] = (WCHAR)(0xd800 + (c >> 10));
                    dst[n + 1] = (WCHAR)(0xdc00 + (c & 0x3ff));
                }
                n += 2;
                continue;
            }
        }
        if (n >= cap)
            return -ENAMETOOLONG;
        if (dst)
            dst[n] = (WCHAR)c;
        n++;
    }
    if (dst && n < dstcap)
        dst[n] = 0;
    return (int)n;
}

int fsp_utf16_to_utf8(const WCHAR *src, size_t srclen, char *dst, size_t dstcap, unsigned flags)
{
    uint8_t *d = (uint8_t *)dst;
    size_t cap = fsp_utf_limit(dst, dstcap);
    size_t i = 0, n = 0;
    const int translate = !!(flags & FSP_UTF_TRANSLATE);
    const int path = !!(flags & FSP_UTF_PATH);

    if (srclen == FSP_UTF_NTS)
        srclen = fsp_wcslen(src);

    while (i < srclen) {
        uint32_t c = src[i++];
        if (c < 0x80) {
            if (c == 0)
                return -EINVAL;
            if (c == '\\' || c == '/') {
                if (!path)
                    return -EINVAL;
                c = '/';
            }
            if (n >= cap)
                return -ENAMETOOLONG;
            if (d)
                d[n] = (uint8_t)c;
            n++;
            continue;
        }
        if (translate && c >= FSP_UTF_PRIVATE_BASE && c < FSP_UTF_PRIVATE_BASE + 0x80 &&
            fsp_utf_forbidden[c - FSP_UTF_PRIVATE_BASE]) {
            if (n >= cap)
                return -ENAMETOOLONG;
            if (d)
                d[n] = (uint8_t)(c - FSP_UTF_PRIVATE_BASE);
            n++;
            continue;
        }
        uint8_t buf[4];
        size_t len;
        if (c < 0x800) {
            buf[0] = (uint8_t)(0xc0 | (c >> 6));
            buf[1] = (uint8_t)(0x80 | (c & 0x3f));
            len = 2;
        } else if (c >= 0xd800 && c <= 0xdfff) {
            if (c >= 0xdc00 || i >= srclen || src[i] < 0xdc00 || src[i] > 0xdfff)
                return -EINVAL;
            c = 0x10000 + ((c - 0xd800) << 10) + (src[i++] - 0xdc00u);
            buf[0] = (uint8_t)(0xf0 | (c >> 18));
            buf[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
            buf[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
            buf[3] = (uint8_t)(0x80 | (c & 0x3f));
            len = 4;
        } else {
            buf[0] = (uint8_t)(0xe0 | (c >> 12));
            buf[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
            buf[2] = (uint8_t)(0x80 | (c & 0x3f));
            len = 3;
        }
        if (n >= cap || cap - n < len)
            return -ENAMETOOLONG;
        if (d)
            memcpy(d + n, buf, len);
        n += len;
    }
    if (d && n < dstcap)
        d[n] = 0;
    return (int)n;
}

size_t fsp_wcslen(const WCHAR *s)
{
    const WCHAR *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

int fsp_wcscmp(const WCHAR *a, const WCHAR *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (int)*a - (int)*b;
}

int fsp_wcscmp_len(const WCHAR *a, size_t alen, const WCHAR *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i])
            return (int)a[i] - (int)b[i];
    }
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

int fsp_wcsicmp(const WCHAR *a, const WCHAR *b)
{
    for (;; a++, b++) {
        WCHAR ca = fsp_towupper(*a), cb = fsp_towupper(*b);
        if (ca != cb || !ca)
            return (int)ca - (int)cb;
    }
}

int fsp_wcsicmp_len(const WCHAR *a, size_t alen, const WCHAR *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++) {
        WCHAR ca = fsp_towupper(a[i]), cb = fsp_towupper(b[i]);
        if (ca != cb)
            return (int)ca - (int)cb;
    }
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* In [first, last], letters come in (upper, lower) pairs: upper has the
 * parity of `first`. */
static inline WCHAR fsp_upcase_pair(WCHAR c, unsigned first, unsigned last)
{
    if (c >= first && c <= last && ((c ^ first) & 1))
        return (WCHAR)(c - 1);
    return c;
}

WCHAR fsp_towupper(WCHAR c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') ? (WCHAR)(c - 0x20) : c;
    if (c < 0x100) {
        if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
            return (WCHAR)(c - 0x20);
        return c == 0xff ? (WCHAR)0x178 : c;
    }
    if (c < 0x180) {
        if (c <= 0x12f)
            return fsp_upcase_pair(c, 0x100, 0x12f);
        if (c >= 0x132 && c <= 0x137)
            return fsp_upcase_pair(c, 0x132, 0x137);
        if (c >= 0x139 && c <= 0x148)
            return fsp_upcase_pair(c, 0x139, 0x148);
        if (c >= 0x14a && c <= 0x177)
            return fsp_upcase_pair(c, 0x14a, 0x177);
        if (c >= 0x179 && c <= 0x17e)
            return fsp_upcase_pair(c, 0x179, 0x17e);
        return c;
    }
    if (c >= 0x3ac && c <= 0x3ce) {
        if (c == 0x3ac)
            return 0x386;
        if (c <= 0x3af)
            return (WCHAR)(c - 0x25);
        if (c == 0x3c2)
            return 0x3a3;
        if (c >= 0x3b1 && c <= 0x3cb)
            return (WCHAR)(c - 0x20);
        if (c == 0x3cc)
            return 0x38c;
        if (c >= 0x3cd)
            return (WCHAR)(c - 0x3f);
        return c;
    }
    if (c >= 0x430 && c <= 0x4ff) {
        if (c <= 0x44f)
            return (WCHAR)(c - 0x20);
        if (c <= 0x45f)
            return (WCHAR)(c - 0x50);
        if (c <= 0x481)
            return fsp_upcase_pair(c, 0x460, 0x481);
        if (c >= 0x48a && c <= 0x4bf)
            return fsp_upcase_pair(c, 0x48a, 0x4bf);
        if (c >= 0x4c1 && c <= 0x4ce)
            return fsp_upcase_pair(c, 0x4c1, 0x4ce);
        if (c == 0x4cf)
            return 0x4c0;
        if (c >= 0x4d0)
            return fsp_upcase_pair(c, 0x4d0, 0x4ff);
    }
    return c;
}
