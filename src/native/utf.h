/*
 * utf.h - UTF-8 <-> UTF-16 conversion and UTF-16 string helpers (internal).
 *
 * Used on the hot path: no allocation, the caller provides the buffers.
 *
 * Conversions return the number of code units written (UTF-16 units or UTF-8
 * bytes), not counting a terminator. When dst has room for one more unit, a
 * NUL is written after the output, so a caller with room gets a C string.
 * Errors are negative errno values:
 *   -ENAMETOOLONG  the output does not fit in dstcap units (or exceeds INT_MAX);
 *   -EINVAL        invalid input: malformed UTF-8 (overlong forms, encoded
 *                  surrogates, code points above U+10FFFF, truncated or stray
 *                  bytes), lone UTF-16 surrogates, an embedded NUL, or a
 *                  separator where a single name component was expected.
 * With dst == NULL nothing is written and dstcap is ignored: the call returns
 * the length the output would have ("measure" mode).
 * srclen counts code units; FSP_UTF_NTS means "src is NUL-terminated".
 *
 * Flags:
 *   FSP_UTF_TRANSLATE  WinFsp's POSIX path convention: the characters Windows
 *       forbids in names, 0x01-0x1F and " * : < > ? \ |, become U+F000+c on the
 *       Windows side and turn back into c on the POSIX side. (U+F000+c already
 *       present in a POSIX name therefore comes back as c: the mapping is the
 *       same lossy one Cygwin and WinFsp use.)
 *   FSP_UTF_PATH  the input is a path: '/' (POSIX) <-> '\' (Windows). A '/' on
 *       the Windows side stays '/'. Without TRANSLATE, a '\' in a POSIX path
 *       is copied and so reads as a separator on the Windows side.
 *       Without FSP_UTF_PATH the input is one name component: '/' in a POSIX
 *       name, and '\' or '/' in a Windows name, are -EINVAL (as is a POSIX '\'
 *       when TRANSLATE is off, since it would read as a separator).
 */
#ifndef FSP_NATIVE_UTF_H
#define FSP_NATIVE_UTF_H

#include <stddef.h>

#include <winfsp/wintypes.h>

#define FSP_UTF_TRANSLATE 0x1u
#define FSP_UTF_PATH      0x2u

#define FSP_UTF_NTS ((size_t)-1)

int fsp_utf8_to_utf16(const char *src, size_t srclen, WCHAR *dst, size_t dstcap, unsigned flags);
int fsp_utf16_to_utf8(const WCHAR *src, size_t srclen, char *dst, size_t dstcap, unsigned flags);

/* Length in WCHARs of a NUL-terminated UTF-16 string. */
size_t fsp_wcslen(const WCHAR *s);

/*
 * Comparisons return <0, 0 or >0. fsp_wcscmp is ordinal: it compares UTF-16
 * code unit values (so characters above U+FFFF, stored as surrogates
 * 0xD800-0xDFFF, sort before U+E000-U+FFFF, as on Windows). A string that is a
 * prefix of another sorts first. The _len variants take counted strings that
 * need not be NUL-terminated (and may not contain NUL).
 */
int fsp_wcscmp(const WCHAR *a, const WCHAR *b);
int fsp_wcscmp_len(const WCHAR *a, size_t alen, const WCHAR *b, size_t blen);

/*
 * Case-insensitive: both sides go through fsp_towupper, then ordinal order.
 * fsp_towupper is a simple one-to-one upcase (as NTFS's $UpCase table: no
 * special casing, so 'ß' stays 'ß') covering:
 *   ASCII a-z; Latin-1 Supplement U+00E0-U+00FE (not U+00F7) and
 *   U+00FF -> U+0178; Latin Extended-A U+0100-U+017E (not the dotless i pair
 *   U+0130/U+0131, U+0138, U+0149, U+017F); Greek U+0386-U+03CE (basic letters,
 *   tonos forms, final sigma -> U+03A3); Cyrillic U+0400-U+04FF (basic,
 *   U+0450-U+045F, and the paired letters U+0460-U+04FF).
 * Every other code unit is returned unchanged.
 */
int fsp_wcsicmp(const WCHAR *a, const WCHAR *b);
int fsp_wcsicmp_len(const WCHAR *a, size_t alen, const WCHAR *b, size_t blen);
WCHAR fsp_towupper(WCHAR c);

#endif /* FSP_NATIVE_UTF_H */
