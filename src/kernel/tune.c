/*
 * tune.c - parsing FSP_TUNE (see tune.h). Strict: an unknown name, a value
 * out of range or trailing junk rejects the whole variable, so a typo in a
 * benchmark never passes for a measurement of the default.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/fuse_wire.h"
#include "kernel/tune.h"

/* "123" (and with suffixes "64K", "1M") into *out; false if not such a
 * number or out of [lo, hi]. */
static bool parse_number(const char *s, size_t len, bool suffixes, uint64_t lo, uint64_t hi,
                         uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > hi)
            return false;
    }
    if (i == 0)
        return false;
    if (suffixes && i + 1 == len && (s[i] == 'K' || s[i] == 'k'))
        v <<= 10, i++;
    else if (suffixes && i + 1 == len && (s[i] == 'M' || s[i] == 'm'))
        v <<= 20, i++;
    if (i != len || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool parse_flag(const char *s, size_t len, bool *on)
{
    if (len != 1 || (s[0] != '0' && s[0] != '1'))
        return false;
    *on = s[0] == '1';
    return true;
}

/* One "name=value" item of length len. */
static bool parse_item(const char *s, size_t len, struct fsp_tune *t)
{
    const char *eq = memchr(s, '=', len);
    if (!eq)
        return false;
    size_t nlen = (size_t)(eq - s);
    const char *v = eq + 1;
    size_t vlen = len - nlen - 1;
    uint64_t n;
    bool on;
#define NAME_IS(lit) (nlen == sizeof(lit) - 1 && memcmp(s, lit, nlen) == 0)
    if (NAME_IS("threads")) {
        if (!parse_number(v, vlen, false, 1, 256, &n))
            return false;
        t->threads = (unsigned)n;
    } else if (NAME_IS("max_write")) {
        if (!parse_number(v, vlen, true, 4096, 16u << 20, &n))
            return false;
        t->max_write = (uint32_t)n;
    } else if (NAME_IS("readdirplus")) {
        if (!parse_flag(v, vlen, &on))
            return false;
        if (!on)
            t->want_off |= FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO;
    } else if (NAME_IS("parallel_dirops")) {
        if (!parse_flag(v, vlen, &on))
            return false;
        if (!on)
            t->want_off |= FUSE_PARALLEL_DIROPS;
    } else {
        return false;
    }
#undef NAME_IS
    return true;
}

int fsp_tune_parse(const char *spec, struct fsp_tune *t, const char **bad)
{
    memset(t, 0, sizeof(*t));
    const char *p = spec;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len && !parse_item(p, len, t)) {
            memset(t, 0, sizeof(*t));
            *bad = p;
            return -1;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}
