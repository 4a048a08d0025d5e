/*
 * native/security.c - Windows SIDs, ACLs and self-relative security
 * descriptors: validation, parsing, building (see security.h for the layouts).
 *
 * Descriptors reach us from file systems, so every read is bounds-checked
 * against the length we were given and nothing assumes alignment.
 */
#include "native/security.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native/le.h"

/* --- sizes ------------------------------------------------------------------------ */

static inline size_t align4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

/* --- SIDs ------------------------------------------------------------------------- */

const uint8_t fsp_sid_null[12] = {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
const uint8_t fsp_sid_everyone[12] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
const uint8_t fsp_sid_nobody[12] = {1, 1, 0, 0, 0, 0, 0, 0, 0xfe, 0xff, 0, 0};

size_t fsp_sid_valid_length(const void *sid, size_t avail)
{
    const uint8_t *p = sid;
    if (!p || avail < FSP_SID_HEADER_SIZE)
        return 0;
    if (p[0] != FSP_SID_REVISION || p[1] > FSP_SID_MAX_SUB_AUTHORITIES)
        return 0;
    size_t len = fsp_sid_size_for(p[1]);
    return len <= avail ? len : 0;
}

size_t fsp_sid_length(const void *sid)
{
    return fsp_sid_size_for(((const uint8_t *)sid)[1]);
}

unsigned fsp_sid_sub_count(const void *sid)
{
    return ((const uint8_t *)sid)[1];
}

uint64_t fsp_sid_authority(const void *sid)
{
    const uint8_t *p = (const uint8_t *)sid + 2;
    uint64_t a = 0;
    for (int i = 0; i < 6; i++)
        a = a << 8 | p[i];
    return a;
}

uint32_t fsp_sid_sub(const void *sid, unsigned index)
{
    return fsp_get_le32((const uint8_t *)sid + FSP_SID_HEADER_SIZE + 4 * (size_t)index);
}

bool fsp_sid_equal(const void *a, const void *b)
{
    size_t la = fsp_sid_length(a);
    return la == fsp_sid_length(b) && memcmp(a, b, la) == 0;
}

size_t fsp_sid_init(void *buf, size_t size, uint64_t authority, unsigned count,
                    const uint32_t *subs)
{
    uint8_t *p = buf;
    if (count > FSP_SID_MAX_SUB_AUTHORITIES || authority >> 48)
        return 0;
    size_t len = fsp_sid_size_for(count);
    if (len > size)
        return 0;
    p[0] = FSP_SID_REVISION;
    p[1] = (uint8_t)count;
    for (int i = 5; i >= 0; i--, authority >>= 8)
        p[2 + i] = (uint8_t)authority;
    for (unsigned i = 0; i < count; i++)
        fsp_put_le32(p + FSP_SID_HEADER_SIZE + 4 * i, subs[i]);
    return len;
}

/* Parse an unsigned number (decimal, or 0x-hex if allowed) up to max; advance *ps. */
static bool parse_num(const char **ps, uint64_t max, bool allow_hex, uint64_t *pv)
{
    const char *s = *ps;
    uint64_t v = 0;
    unsigned base = 10, digits = 0;
    if (allow_hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    for (;; s++, digits++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            break;
        if (v > (max - d) / base)
            return false;
        v = v * base + d;
    }
    if (!digits)
        return false;
    *ps = s;
    *pv = v;
    return true;
}

size_t fsp_sid_from_string(const char *str, void *buf, size_t size)
{
    uint32_t subs[FSP_SID_MAX_SUB_AUTHORITIES];
    unsigned count = 0;
    uint64_t rev, auth, v;
    const char *s = str;
    if (!s || (s[0] != 'S' && s[0] != 's') || s[1] != '-')
        return 0;
    s += 2;
    if (!parse_num(&s, 255, false, &rev) || rev != FSP_SID_REVISION || *s++ != '-')
        return 0;
    if (!parse_num(&s, 0xffffffffffffull, true, &auth))
        return 0;
    while (*s == '-') {
        s++;
        if (count == FSP_SID_MAX_SUB_AUTHORITIES || !parse_num(&s, 0xffffffffu, false, &v))
            return 0;
        subs[count++] = (uint32_t)v;
    }
    if (*s)
        return 0;
    return fsp_sid_init(buf, size, auth, count, subs);
}

int fsp_sid_to_string(const void *sid, char *buf, size_t size)
{
    char tmp[FSP_SID_STRING_MAX];
    int n;
    if (!fsp_sid_valid_length(sid, FSP_SID_MAX_SIZE))
        return -1;
    uint64_t auth = fsp_sid_authority(sid);
    if (auth >> 32)
        n = snprintf(tmp, sizeof tmp, "S-1-0x%012" PRIX64, auth);
    else
        n = snprintf(tmp, sizeof tmp, "S-1-%" PRIu64, auth);
    for (unsigned i = 0, c = fsp_sid_sub_count(sid); i < c; i++)
        n += snprintf(tmp + n, sizeof tmp - (size_t)n, "-%" PRIu32, fsp_sid_sub(sid, i));
    if (size)
        snprintf(buf, size, "%s", tmp);
    return n;
}

PSID fsp_sid_dup(const void *sid)
{
    size_t len = fsp_sid_length(sid);
    void *p = malloc(len);
    if (p)
        memcpy(p, sid, len);
    return p;
}

FSP_API VOID FspDeleteSid(PSID Sid, NTSTATUS (*CreateFunc)(void))
{
    free(Sid);
}

/* --- ACEs and ACLs -------------------------------------------------------------- */

/* Layout class of an ACE type. */
enum { ACE_KIND_OPAQUE, ACE_KIND_SIMPLE, ACE_KIND_OBJECT };

static int ace_kind(uint8_t type)
{
    switch (type) {
    case ACCESS_ALLOWED_ACE_TYPE:
    case ACCESS_DENIED_ACE_TYPE:
    case SYSTEM_AUDIT_ACE_TYPE:
    case SYSTEM_ALARM_ACE_TYPE:
    case ACCESS_ALLOWED_CALLBACK_ACE_TYPE:
    case ACCESS_DENIED_CALLBACK_ACE_TYPE:
    case SYSTEM_AUDIT_CALLBACK_ACE_TYPE:
    case SYSTEM_ALARM_CALLBACK_ACE_TYPE:
    case SYSTEM_MANDATORY_LABEL_ACE_TYPE:
    case SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE:
    case SYSTEM_SCOPED_POLICY_ID_ACE_TYPE:
        return ACE_KIND_SIMPLE;
    case ACCESS_ALLOWED_OBJECT_ACE_TYPE:
    case ACCESS_DENIED_OBJECT_ACE_TYPE:
    case SYSTEM_AUDIT_OBJECT_ACE_TYPE:
    case SYSTEM_ALARM_OBJECT_ACE_TYPE:
    case ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE:
    case ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE:
    case SYSTEM_AUDIT_CALLBACK_OBJECT_ACE_TYPE:
    case SYSTEM_ALARM_CALLBACK_OBJECT_ACE_TYPE:
        return ACE_KIND_OBJECT;
    default:
        return ACE_KIND_OPAQUE;
    }
}

bool fsp_ace_parse(const void *raw, size_t avail, FSP_ACE *ace)
{
    const uint8_t *p = raw;
    if (avail < FSP_ACE_HEADER_SIZE)
        return false;
    uint16_t size = fsp_get_le16(p + 2);
    if (size < FSP_ACE_HEADER_SIZE || size > avail || size % 4)
        return false;
    memset(ace, 0, sizeof *ace);
    ace->type = p[0];
    ace->flags = p[1];
    ace->size = size;
    ace->raw = p;
    size_t pos = FSP_ACE_HEADER_SIZE;
    switch (ace_kind(ace->type)) {
    case ACE_KIND_SIMPLE:
        break;
    case ACE_KIND_OBJECT: {
        if (size < pos + 8)
            return false;
        uint32_t oflags = fsp_get_le32(p + pos + 4);
        pos += 8;
        if (oflags & ACE_OBJECT_TYPE_PRESENT)
            pos += 16;
        if (oflags & ACE_INHERITED_OBJECT_TYPE_PRESENT)
            pos += 16;
        break;
    }
    default:
        if (size >= pos + 4)
            ace->mask = fsp_get_le32(p + pos);
        return true;
    }
    if (size < FSP_ACE_HEADER_SIZE + 4 || size < pos)
        return false;
    ace->mask = fsp_get_le32(p + FSP_ACE_HEADER_SIZE);
    if (ace_kind(ace->type) == ACE_KIND_SIMPLE)
        pos += 4;
    size_t sl = fsp_sid_valid_length(p + pos, size - pos);
    if (!sl)
        return false;
    ace->sid = p + pos;
    ace->sid_len = sl;
    return true;
}

bool fsp_acl_valid(const void *acl, size_t avail)
{
    const uint8_t *p = acl;
    if (!p || avail < FSP_ACL_HEADER_SIZE)
        return false;
    if (p[0] < ACL_REVISION || p[0] > ACL_REVISION_DS)
        return false;
    size_t size = fsp_get_le16(p + 2), count = fsp_get_le16(p + 4);
    if (size < FSP_ACL_HEADER_SIZE || size > avail || size % 4)
        return false;
    size_t pos = FSP_ACL_HEADER_SIZE;
    for (size_t i = 0; i < count; i++) {
        FSP_ACE ace;
        if (!fsp_ace_parse(p + pos, size - pos, &ace))
            return false;
        /* Object ACEs need an object-capable revision (as Windows checks). */
        if (ace_kind(ace.type) == ACE_KIND_OBJECT && p[0] < ACL_REVISION_DS)
            return false;
        pos += ace.size;
    }
    return true;
}

size_t fsp_acl_size(const void *acl)
{
    return fsp_get_le16((const uint8_t *)acl + 2);
}

unsigned fsp_acl_count(const void *acl)
{
    return fsp_get_le16((const uint8_t *)acl + 4);
}

void fsp_acl_iter_init(FSP_ACL_ITER *it, const void *acl)
{
    it->acl = acl;
    it->pos = FSP_ACL_HEADER_SIZE;
    it->end = acl ? fsp_acl_size(acl) : 0;
    it->index = 0;
    it->count = acl ? fsp_acl_count(acl) : 0;
}

bool fsp_acl_iter_next(FSP_ACL_ITER *it, FSP_ACE *ace)
{
    if (it->index >= it->count || it->pos >= it->end)
        return false;
    if (!fsp_ace_parse(it->acl + it->pos, it->end - it->pos, ace)) {
        it->index = it->count;
        return false;
    }
    it->pos += ace->size;
    it->index++;
    return true;
}

void fsp_acl_builder_init(FSP_ACL_BUILDER *b)
{
    memset(b, 0, sizeof *b);
    b->revision = ACL_REVISION;
    b->len = FSP_ACL_HEADER_SIZE;
}

/* Reserve n more bytes (n a multiple of 4); NULL and a sticky error on failure. */
static uint8_t *builder_reserve(FSP_ACL_BUILDER *b, size_t n)
{
    if (b->error)
        return NULL;
    if (b->len + n > FSP_ACL_MAX_SIZE || b->count == 0xffff) {
        b->error = STATUS_INVALID_ACL;
        return NULL;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *nb = realloc(b->buf, cap);
        if (!nb) {
            b->error = STATUS_INSUFFICIENT_RESOURCES;
            return NULL;
        }
        b->buf = nb;
        b->cap = cap;
    }
    uint8_t *p = b->buf + b->len;
    b->len += n;
    b->count++;
    return p;
}

void fsp_acl_builder_add(FSP_ACL_BUILDER *b, uint8_t type, uint8_t flags, uint32_t mask,
                         const void *sid)
{
    size_t sl = fsp_sid_valid_length(sid, FSP_SID_MAX_SIZE);
    if (!sl || ace_kind(type) != ACE_KIND_SIMPLE) {
        if (!b->error)
            b->error = STATUS_INVALID_PARAMETER;
        return;
    }
    size_t size = align4(FSP_ACE_HEADER_SIZE + 4 + sl);
    uint8_t *p = builder_reserve(b, size);
    if (!p)
        return;
    memset(p, 0, size);
    p[0] = type;
    p[1] = flags;
    fsp_put_le16(p + 2, (uint16_t)size);
    fsp_put_le32(p + 4, mask);
    memcpy(p + 8, sid, sl);
}

void fsp_acl_builder_add_raw(FSP_ACL_BUILDER *b, const FSP_ACE *ace)
{
    uint8_t *p = builder_reserve(b, ace->size);
    if (!p)
        return;
    memcpy(p, ace->raw, ace->size);
    if (ace_kind(ace->type) == ACE_KIND_OBJECT && b->revision < ACL_REVISION_DS)
        b->revision = ACL_REVISION_DS;
}

const void *fsp_acl_builder_acl(FSP_ACL_BUILDER *b, size_t *plen, NTSTATUS *pstatus)
{
    if (!b->error && !b->buf) {
        b->buf = malloc(FSP_ACL_HEADER_SIZE);
        b->cap = FSP_ACL_HEADER_SIZE;
        if (!b->buf)
            b->error = STATUS_INSUFFICIENT_RESOURCES;
    }
    if (b->error) {
        if (pstatus)
            *pstatus = b->error;
        return NULL;
    }
    b->buf[0] = b->revision;
    b->buf[1] = 0;
    fsp_put_le16(b->buf + 2, (uint16_t)b->len);
    fsp_put_le16(b->buf + 4, (uint16_t)b->count);
    fsp_put_le16(b->buf + 6, 0);
    if (plen)
        *plen = b->len;
    if (pstatus)
        *pstatus = STATUS_SUCCESS;
    return b->buf;
}

void fsp_acl_builder_free(FSP_ACL_BUILDER *b)
{
    free(b->buf);
    b->buf = NULL;
    b->cap = 0;
}

uint32_t fsp_map_generic_file_mask(uint32_t mask)
{
    if (mask & GENERIC_READ)
        mask |= FILE_GENERIC_READ;
    if (mask & GENERIC_WRITE)
        mask |= FILE_GENERIC_WRITE;
    if (mask & GENERIC_EXECUTE)
        mask |= FILE_GENERIC_EXECUTE;
    if (mask & GENERIC_ALL)
        mask |= FILE_ALL_ACCESS;
    return mask & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
}

/* --- Security descriptors ------------------------------------------------------- */

enum { SD_OFF_OWNER = 4, SD_OFF_GROUP = 8, SD_OFF_SACL = 12, SD_OFF_DACL = 16 };

static bool sd_header_ok(const uint8_t *p, size_t len)
{
    return p && len >= FSP_SD_HEADER_SIZE && p[0] == SECURITY_DESCRIPTOR_REVISION &&
           (fsp_get_le16(p + 2) & SE_SELF_RELATIVE);
}

uint16_t fsp_sd_control(const void *sd)
{
    return fsp_get_le16((const uint8_t *)sd + 2);
}

/* Offset of a component: 0 if absent; SIZE_MAX if it cannot lie inside len
 * (inside the header or past the end). */
static size_t sd_offset(const uint8_t *p, size_t len, int field)
{
    uint32_t off = fsp_get_le32(p + field);
    if (!off)
        return 0;
    if (off < FSP_SD_HEADER_SIZE || off >= len)
        return SIZE_MAX;
    return off;
}

/* Extent of a SID component (0 if absent), SIZE_MAX if malformed. */
static size_t sd_sid_end(const uint8_t *p, size_t len, int field)
{
    size_t off = sd_offset(p, len, field);
    if (!off || off == SIZE_MAX)
        return off;
    size_t sl = fsp_sid_valid_length(p + off, len - off);
    return sl ? off + sl : SIZE_MAX;
}

/* Extent of an ACL component (0 if absent or a NULL ACL), SIZE_MAX if malformed. */
static size_t sd_acl_end(const uint8_t *p, size_t len, int field, uint16_t present_flag)
{
    if (!(fsp_get_le16(p + 2) & present_flag))
        return 0;
    size_t off = sd_offset(p, len, field);
    if (!off || off == SIZE_MAX)
        return off;
    if (!fsp_acl_valid(p + off, len - off))
        return SIZE_MAX;
    return off + fsp_acl_size(p + off);
}

size_t fsp_sd_length(const void *sd, size_t len)
{
    const uint8_t *p = sd;
    if (!sd_header_ok(p, len))
        return 0;
    size_t ends[4] = {
        sd_sid_end(p, len, SD_OFF_OWNER),
        sd_sid_end(p, len, SD_OFF_GROUP),
        sd_acl_end(p, len, SD_OFF_SACL, SE_SACL_PRESENT),
        sd_acl_end(p, len, SD_OFF_DACL, SE_DACL_PRESENT),
    };
    size_t total = FSP_SD_HEADER_SIZE;
    for (int i = 0; i < 4; i++) {
        if (ends[i] == SIZE_MAX)
            return 0;
        if (ends[i] > total)
            total = ends[i];
    }
    return total;
}

bool fsp_sd_valid(const void *sd, size_t len)
{
    return fsp_sd_length(sd, len) != 0;
}

static const void *sd_sid(const void *sd, size_t len, int field)
{
    const uint8_t *p = sd;
    if (!sd_header_ok(p, len))
        return NULL;
    size_t end = sd_sid_end(p, len, field);
    return end && end != SIZE_MAX ? p + fsp_get_le32(p + field) : NULL;
}

static const void *sd_acl(const void *sd, size_t len, int field, uint16_t flag, bool *present)
{
    const uint8_t *p = sd;
    if (present)
        *present = false;
    if (!sd_header_ok(p, len))
        return NULL;
    if (present)
        *present = (fsp_sd_control(p) & flag) != 0;
    size_t end = sd_acl_end(p, len, field, flag);
    return end && end != SIZE_MAX ? p + fsp_get_le32(p + field) : NULL;
}

const void *fsp_sd_owner(const void *sd, size_t len)
{
    return sd_sid(sd, len, SD_OFF_OWNER);
}

const void *fsp_sd_group(const void *sd, size_t len)
{
    return sd_sid(sd, len, SD_OFF_GROUP);
}

const void *fsp_sd_dacl(const void *sd, size_t len, bool *present)
{
    return sd_acl(sd, len, SD_OFF_DACL, SE_DACL_PRESENT, present);
}

const void *fsp_sd_sacl(const void *sd, size_t len, bool *present)
{
    return sd_acl(sd, len, SD_OFF_SACL, SE_SACL_PRESENT, present);
}

NTSTATUS fsp_sd_build(uint16_t control, const void *owner, const void *group, const void *sacl,
                      const void *dacl, PSECURITY_DESCRIPTOR *psd, size_t *plen)
{
    size_t lo = owner ? fsp_sid_length(owner) : 0, lg = group ? fsp_sid_length(group) : 0;
    size_t ls = sacl ? fsp_acl_size(sacl) : 0, ld = dacl ? fsp_acl_size(dacl) : 0;
    size_t total = FSP_SD_HEADER_SIZE + align4(lo) + align4(lg) + align4(ls) + align4(ld);
    uint8_t *p = calloc(1, total);
    *psd = NULL;
    if (!p)
        return STATUS_INSUFFICIENT_RESOURCES;
    control |= SE_SELF_RELATIVE;
    if (sacl)
        control |= SE_SACL_PRESENT;
    if (dacl)
        control |= SE_DACL_PRESENT;
    p[0] = SECURITY_DESCRIPTOR_REVISION;
    fsp_put_le16(p + 2, control);
    size_t pos = FSP_SD_HEADER_SIZE;
    const struct {
        const void *src;
        size_t len;
        int field;
    } parts[4] = {
        {owner, lo, SD_OFF_OWNER},
        {group, lg, SD_OFF_GROUP},
        {sacl, ls, SD_OFF_SACL},
        {dacl, ld, SD_OFF_DACL},
    };
    for (int i = 0; i < 4; i++) {
        if (!parts[i].src)
            continue;
        memcpy(p + pos, parts[i].src, parts[i].len);
        fsp_put_le32(p + parts[i].field, (uint32_t)pos);
        pos += align4(parts[i].len);
    }
    *psd = p;
    if (plen)
        *plen = total;
    return STATUS_SUCCESS;
}

/* --- Public Win32-style helpers ------------------------------------------------- */

/* These take no length (as on Windows): the descriptor is trusted to lie in
 * a buffer that holds everything it describes, and is read as at most
 * FSP_SD_MAX_SIZE bytes. Code that knows the buffer size uses fsp_sd_*. */

FSP_API ULONG GetSecurityDescriptorLength(PSECURITY_DESCRIPTOR SecurityDescriptor)
{
    return (ULONG)fsp_sd_length(SecurityDescriptor, FSP_SD_MAX_SIZE);
}

FSP_API BOOL IsValidSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor)
{
    return fsp_sd_valid(SecurityDescriptor, FSP_SD_MAX_SIZE);
}

FSP_API VOID FspDeleteSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor,
                                         NTSTATUS (*CreateFunc)(void))
{
    /* Every descriptor FSP hands out is malloc'd, whichever function made it. */
    free(SecurityDescriptor);
}
