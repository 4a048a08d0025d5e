/*
 * ops_winattr.c - Windows metadata as Linux xattrs: a file's security
 * descriptor (as SDDL), its FileAttributes and its CreationTime, read and
 * changed with getxattr/setxattr (doc/design.md, "Windows metadata as
 * xattrs", says the same).
 *
 * - Names. "system.fsp.sddl", "system.fsp.attributes", "system.fsp.crtime",
 *   "system.fsp.reparse", "system.fsp.name", "system.fsp.streams".
 *   The kernel passes every system.* name other than system.posix_acl_* to
 *   a FUSE file system unchanged and checks no permission for them (the
 *   "system" namespace is the file system's to define, as ntfs-3g does with
 *   system.ntfs_acl and friends), so the adapter decides who may do what:
 *   anybody who can reach the file reads the values; only the file's owner
 *   (its uid under the POSIX mapping) or root changes them (EPERM
 *   otherwise). Only these exact names are handled here; any other
 *   name is the EA code's (ops_xattr.c), which answers EOPNOTSUPP outside
 *   "user.".
 *
 * - Not listed. listxattr does not show them (ntfs-3g hides its system.ntfs_*
 *   names for the same reason): cp -a, cp --preserve=xattr, rsync -X and tar
 *   --xattrs copy every listed name they do not know, so every copy from an
 *   FSP mount to another file system would fail with EOPNOTSUPP on these, and
 *   every copy within one would also copy the descriptor, attributes and
 *   creation time, which is not what those options mean on Linux. Ask for
 *   them by name.
 *
 * - system.fsp.sddl. get: the descriptor (GetSecurity) as SDDL with owner,
 *   group, DACL and (when the descriptor has one) SACL, e.g.
 *   "O:S-1-5-0G:S-1-5-0D:P(A;;FA;;;S-1-5-0)...", no trailing NUL. set: SDDL
 *   text (fsp_sddl_to_sd; trailing NULs and whitespace are ignored) whose
 *   components (O:, G:, D:, S:) say what is replaced: SetSecurity with the
 *   matching OWNER/GROUP/DACL/SACL_SECURITY_INFORMATION bits, so
 *   "D:P(A;;FA;;;WD)" replaces the DACL and keeps owner and group. Bad SDDL,
 *   or text without any component, is EINVAL. Mode, uid and gid follow the
 *   descriptor, so the kernel's cached attributes of the file are
 *   invalidated before the reply. Besides being the owner, a caller other
 *   than root may not give the file away (O: must be the caller's own SID),
 *   may set G: only to a group it belongs to (as chgrp), may not leave the
 *   setgid bit (an ACE for the NULL SID) on a group it is not in (chmod drops
 *   it; here it is EPERM), and may not set a SACL (Windows wants a privilege
 *   for that). Needs GetSecurity and SetSecurity.
 *
 * - system.fsp.attributes. get: FileAttributes as "0x%08x" (e.g.
 *   "0x00000020" for ARCHIVE). set, one of:
 *     a number: "0x21" (hex) or "33" (decimal), the new attributes;
 *     names: "readonly,hidden" (separated by ',', '|' or whitespace; case
 *       ignored), the new attributes; "normal" alone means none;
 *     changes: "+hidden,-readonly" (every name with + or -), relative to
 *       the current attributes, read and set under the file's exclusive lock.
 *   Names: readonly hidden system directory archive device normal temporary
 *   sparse reparse compressed offline notindexed encrypted integrity virtual
 *   noscrub recallonopen pinned unpinned recallondataaccess (the
 *   FILE_ATTRIBUTE_ bits, 0x1 .. 0x400000). DIRECTORY and REPARSE_POINT tell
 *   what the file is: absent from an absolute value they are kept, and asking
 *   to add or remove one is EINVAL. NORMAL is dropped, as WinFsp's FSD does;
 *   the rest goes to SetBasicInfo as given (0 = no attributes). An empty
 *   value is EINVAL. Needs GetFileInfo and SetBasicInfo.
 *
 * - system.fsp.crtime. get: CreationTime as a decimal number of seconds
 *   since the Unix epoch with nine decimals, "1700000000.123456700" (always
 *   a multiple of 100 ns; before 1970 negative, "-1.500000000"). set: the
 *   same form, up to nine decimals, optional sign; the time is truncated to
 *   100 ns (towards the past) and must lie after 1601-01-01 00:00:00 UTC and
 *   within the FILETIME range (EINVAL otherwise). SetBasicInfo. Needs
 *   GetFileInfo and SetBasicInfo.
 *
 * - system.fsp.reparse. The file's reparse point, raw: get returns the
 *   REPARSE_DATA_BUFFER (or, for a non-Microsoft tag, REPARSE_GUID_DATA_BUFFER)
 *   exactly as GetReparsePoint gives it, ENODATA when the file has none. set
 *   takes such a buffer (binary; setfattr -v 0x...), checked as Windows'
 *   I/O manager checks FSCTL_SET_REPARSE_POINT (fsp_reparse_validate:
 *   EINVAL for a bad length or a reserved tag), then SetReparsePoint. Over
 *   an existing reparse point the new data must carry the same tag (and, for
 *   a non-Microsoft tag, the same GUID): FspFileSystemCanReplaceReparsePoint,
 *   whose STATUS_IO_REPARSE_TAG_MISMATCH / STATUS_REPARSE_ATTRIBUTE_CONFLICT
 *   answer EEXIST ("another reparse point is in the way: remove it first").
 *   XATTR_CREATE is EEXIST on a file that has one, XATTR_REPLACE ENODATA on
 *   a file that has none. removexattr is DeleteReparsePoint with the current
 *   tag (and GUID) and no data, ENODATA without one. The tags that make a
 *   file what Linux sees (IO_REPARSE_TAG_SYMLINK: a symlink;
 *   IO_REPARSE_TAG_NFS: a FIFO, socket or device) are symlink(2)'s and
 *   mknod(2)'s: data of those tags may replace data of the same kind (a new
 *   target; a device's numbers) but never change the file's type (EINVAL),
 *   and removing them is EPERM (the file would change type under the
 *   kernel's inode). Needs GetReparsePoint, SetReparsePoint and
 *   DeleteReparsePoint, and a volume with ReparsePoints.
 *
 * - system.fsp.name. get: the file's name (last component) as the file
 *   system stores it (the normalized name its Open reports), UTF-8. set: a
 *   new spelling of that name, in the same directory: the file system's
 *   Rename from the current path to the new one, allowed only when the new
 *   name already reaches this very file (same IndexNumber), i.e. a
 *   case-only rename on a case-insensitive volume, which rename(2) cannot
 *   ask for (casename.c says why). Anything else (another file, no file, a
 *   '/', "." or "..", the root) is EINVAL; use mv. Trailing NULs are
 *   dropped, nothing else. XATTR_CREATE is EEXIST, removexattr EPERM, as
 *   for the names above. Needs Open, GetFileInfo and Rename.
 *
 * - system.fsp.streams. get: the file's streams (GetStreamInfo), one a
 *   line: the Windows name ("::$DATA" for the unnamed data stream,
 *   ":NAME:$DATA"), a tab, the size, a tab, the allocation size
 *   (streams.c). Read-only: set and removexattr are EPERM. Needs a volume
 *   with NamedStreams and GetStreamInfo.
 *
 * - Calls, as for EAs. Each request opens the file by path (READ_CONTROL to
 *   read the descriptor, FILE_READ_ATTRIBUTES for the others; a change asks
 *   for READ_CONTROL (the owner check) | FILE_READ_ATTRIBUTES |
 *   FILE_WRITE_ATTRIBUTES, plus WRITE_DAC | WRITE_OWNER for SDDL and
 *   ACCESS_SYSTEM_SECURITY for a SACL), does its work and closes it (a
 *   change with a Cleanup first); a file that lost its name is reached
 *   through one of its open handles. Reads run under the file's shared lock,
 *   changes under its exclusive one (node->io_lock); a change is its check
 *   (owner, current attributes) and its Set* call under one lock. A change
 *   moves the change time (SetBasicInfo with ChangeTime now).
 *
 * - Other answers. Size 0 asks for the size, a short buffer is ERANGE.
 *   For the other names XATTR_CREATE is EEXIST (the value always exists);
 *   XATTR_REPLACE is accepted; removexattr is EPERM (a file always has
 *   these). A file system
 *   without the calls a name needs answers EOPNOTSUPP; a read-only volume
 *   EROFS to changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "casename.h"
#include "kernel/proc_cred.h"
#include "native/filetime.h"
#include "native/reparse.h"
#include "native/security.h"
#include "ops_util.h"
#include "streams.h"
#include "winattr.h"

enum wa_kind { WA_SDDL, WA_ATTRIBUTES, WA_CRTIME, WA_REPARSE, WA_NAME, WA_STREAMS };

static const struct {
    const char *name;
    enum wa_kind kind;
} wa_names[] = {
    {"system.fsp.sddl", WA_SDDL},     {"system.fsp.attributes", WA_ATTRIBUTES},
    {"system.fsp.crtime", WA_CRTIME}, {"system.fsp.reparse", WA_REPARSE},
    {"system.fsp.name", WA_NAME},     {"system.fsp.streams", WA_STREAMS},
};

static const struct {
    const char *name;
    uint32_t bit;
} attr_names[] = {
    {"readonly", 0x1},      {"hidden", 0x2},        {"system", 0x4},
    {"directory", 0x10},    {"archive", 0x20},      {"device", 0x40},
    {"normal", 0x80},       {"temporary", 0x100},   {"sparse", 0x200},
    {"reparse", 0x400},     {"compressed", 0x800},  {"offline", 0x1000},
    {"notindexed", 0x2000}, {"encrypted", 0x4000},  {"integrity", 0x8000},
    {"virtual", 0x10000},   {"noscrub", 0x20000},   {"recallonopen", 0x40000},
    {"pinned", 0x80000},    {"unpinned", 0x100000}, {"recallondataaccess", 0x400000},
};

/* What a file is, not how it is marked: never changed through attributes. */
#define KIND_BITS (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT)

struct wa_call {
    enum wa_kind kind;
    struct fsp_native *nt;
    bool set;
    uint32_t uid, gid, pid; /* the caller */
    void *scratch;          /* the worker's scratch buffer: descriptors */
    size_t scratch_cap;
    /* set */
    PSECURITY_DESCRIPTOR mod; /* WA_SDDL: the parsed text */
    size_t modlen;
    SECURITY_INFORMATION info;
    uint32_t attr_set, attr_clear; /* WA_ATTRIBUTES */
    bool attr_relative;
    UINT64 crtime;  /* WA_CRTIME */
    const void *rp; /* WA_REPARSE: the new data (the caller's value) */
    size_t rplen;
    uint32_t xflags;              /* XATTR_CREATE, XATTR_REPLACE */
    bool remove;                  /* WA_REPARSE: removexattr */
    WCHAR name[FSP_NAME_MAX + 1]; /* WA_NAME: the new spelling */
    size_t namelen;
    bool changed_security; /* mode, uid, gid may have changed */
    bool changed_crtime;   /* the kernel may hold the old btime (STATX) */
    uint64_t renamed_in;   /* WA_NAME: the directory whose listing changed */
    /* get */
    char *text; /* small, or malloc'd (text_owned) */
    size_t textlen;
    bool text_owned;
    char small[64];
};

static bool kind_of(const char *name, enum wa_kind *kind)
{
    for (size_t i = 0; i < sizeof wa_names / sizeof wa_names[0]; i++)
        if (!strcmp(name, wa_names[i].name)) {
            *kind = wa_names[i].kind;
            return true;
        }
    return false;
}

static bool supported(struct fsp_native *nt, enum wa_kind kind, bool set)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    if (!fi->Open)
        return false;
    if (kind == WA_SDDL)
        return fi->GetSecurity && (!set || fi->SetSecurity);
    if (kind == WA_NAME)
        return !set || (fi->GetFileInfo && fi->Rename);
    if (kind == WA_STREAMS) /* read-only: set and remove answer EPERM */
        return nt->fs->VolumeParams.NamedStreams && fi->GetStreamInfo;
    if (kind == WA_REPARSE)
        return nt->fs->VolumeParams.ReparsePoints && fi->GetReparsePoint &&
               (!set || (fi->SetReparsePoint && fi->DeleteReparsePoint));
    return fi->GetFileInfo && (!set || fi->SetBasicInfo);
}

/* --- Values ---------------------------------------------------------------- */

/* A set's value as a malloc'd C string without trailing NULs and whitespace;
 * NULL (with *err) if it is empty or holds a NUL. */
static char *value_string(const void *value, size_t size, int *err)
{
    const char *v = value;
    while (size && (v[size - 1] == '\0' || v[size - 1] == ' ' || v[size - 1] == '\t' ||
                    v[size - 1] == '\n' || v[size - 1] == '\r'))
        size--;
    *err = EINVAL;
    if (!size || memchr(v, '\0', size))
        return NULL;
    char *s = malloc(size + 1);
    if (!s) {
        *err = ENOMEM;
        return NULL;
    }
    memcpy(s, v, size);
    s[size] = '\0';
    return s;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "0x..." or decimal, up to 32 bits. */
static bool parse_number(const char *s, uint32_t *pv)
{
    uint64_t v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        if (!*s)
            return false;
        for (; *s; s++) {
            int d = hex_value(*s);
            if (d < 0 || (v = v * 16 + (unsigned)d) > UINT32_MAX)
                return false;
        }
    } else {
        for (; *s; s++)
            if (!is_digit(*s) || (v = v * 10 + (unsigned)(*s - '0')) > UINT32_MAX)
                return false;
    }
    *pv = (uint32_t)v;
    return true;
}

/* The attributes syntax (see the top of the file) into c. s is modified. */
static bool parse_attributes(char *s, struct wa_call *c)
{
    c->attr_set = c->attr_clear = 0;
    c->attr_relative = false;
    if (is_digit(s[0]))
        return parse_number(s, &c->attr_set);
    bool absolute = false;
    char *save = NULL;
    for (char *t = strtok_r(s, ", |\t\n\r", &save); t; t = strtok_r(NULL, ", |\t\n\r", &save)) {
        char op = (*t == '+' || *t == '-') ? *t++ : 0;
        uint32_t bit = 0;
        for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0] && !bit; i++)
            if (!strcasecmp(t, attr_names[i].name))
                bit = attr_names[i].bit;
        if (!bit)
            return false;
        if (op == '-') {
            c->attr_clear |= bit;
            c->attr_set &= ~bit;
        } else {
            c->attr_set |= bit;
            c->attr_clear &= ~bit;
        }
        if (op)
            c->attr_relative = true;
        else
            absolute = true;
    }
    return absolute != c->attr_relative; /* at least one name, not both forms */
}

/* "[+-]SECONDS[.FRACTION]" since the Unix epoch -> FILETIME (floor to 100 ns).
 * False outside (1601-01-01, the largest FILETIME]. */
static bool parse_time(const char *s, UINT64 *pft)
{
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    if (!is_digit(*s))
        return false;
    uint64_t sec = 0, frac = 0;
    for (; is_digit(*s); s++) {
        if (sec > (UINT64_MAX - 9) / 10)
            return false;
        sec = sec * 10 + (unsigned)(*s - '0');
    }
    if (*s == '.') {
        int n = 0;
        for (s++; is_digit(*s); s++, n++) {
            if (n == 9)
                return false;
            frac = frac * 10 + (unsigned)(*s - '0');
        }
        if (n == 0)
            return false;
        for (; n < 9; n++)
            frac *= 10;
    }
    if (*s)
        return false;
    UINT64 ft;
    if (!neg) {
        if (sec > (uint64_t)(INT64_MAX / FSP_FILETIME_PER_SEC - 1 - FSP_FILETIME_EPOCH_SECS))
            return false;
        ft = (sec + FSP_FILETIME_EPOCH_SECS) * FSP_FILETIME_PER_SEC + frac / 100;
    } else {
        if (sec > (uint64_t)FSP_FILETIME_EPOCH_SECS)
            return false;
        uint64_t back = sec * FSP_FILETIME_PER_SEC + (frac + 99) / 100;
        if (back >= FSP_FILETIME_EPOCH_DIFF)
            return false; /* 1601-01-01 itself is 0: "leave unchanged" to SetBasicInfo */
        ft = FSP_FILETIME_EPOCH_DIFF - back;
    }
    if (ft == 0)
        return false;
    *pft = ft;
    return true;
}

static void format_time(UINT64 ft, char *buf, size_t cap)
{
    struct timespec ts;
    FspPosixFileTimeToUnixTime(ft, &ts);
    long long sec = (long long)ts.tv_sec;
    long nsec = ts.tv_nsec;
    const char *sign = "";
    if (sec < 0) {
        sign = "-";
        if (nsec) {
            sec = -(sec + 1);
            nsec = 1000000000L - nsec;
        } else
            sec = -sec;
    }
    snprintf(buf, cap, "%s%lld.%09ld", sign, sec, nsec);
}

/* A new spelling for system.fsp.name: one component, UTF-8, trailing NULs
 * dropped. 0 or the errno to answer. */
static int parse_name(struct wa_call *c, const void *value, size_t size)
{
    char buf[FSP_NAME_MAX + 1];
    const char *v = value;
    while (size && v[size - 1] == '\0')
        size--;
    if (!size || size > 255 || memchr(v, '\0', size) || memchr(v, '/', size) ||
        (v[0] == '.' && (size == 1 || (size == 2 && v[1] == '.'))))
        return EINVAL;
    memcpy(buf, v, size);
    buf[size] = 0;
    int n = fsp_req_name(c->nt, buf, size + 1, c->name);
    if (n < 0)
        return -n;
    c->namelen = (size_t)n;
    return 0;
}

/* Parse a set's value into c; 0 or the errno to answer. */
static int parse_value(struct wa_call *c, const void *value, size_t size)
{
    int err;
    if (c->kind == WA_REPARSE) {
        /* Binary: checked, not copied (the request outlives the call). */
        NTSTATUS st = fsp_reparse_validate(value, size);
        c->rp = value;
        c->rplen = size;
        return NT_SUCCESS(st) ? 0 : EINVAL;
    }
    if (c->kind == WA_NAME)
        return parse_name(c, value, size);
    char *s = value_string(value, size, &err);
    if (!s)
        return err;
    err = 0;
    switch (c->kind) {
    case WA_SDDL: {
        DWORD werr = fsp_sddl_to_sd(s, &c->mod, &c->modlen);
        if (werr) {
            err = werr == ERROR_NOT_ENOUGH_MEMORY ? ENOMEM : EINVAL;
            break;
        }
        uint16_t control = fsp_sd_control(c->mod);
        c->info = (fsp_sd_owner(c->mod, c->modlen) ? OWNER_SECURITY_INFORMATION : 0) |
                  (fsp_sd_group(c->mod, c->modlen) ? GROUP_SECURITY_INFORMATION : 0) |
                  (control & SE_DACL_PRESENT ? DACL_SECURITY_INFORMATION : 0) |
                  (control & SE_SACL_PRESENT ? SACL_SECURITY_INFORMATION : 0);
        if (!c->info)
            err = EINVAL;
        break;
    }
    case WA_ATTRIBUTES:
        if (!parse_attributes(s, c))
            err = EINVAL;
        break;
    case WA_CRTIME:
        if (!parse_time(s, &c->crtime))
            err = EINVAL;
        break;
    case WA_REPARSE: /* binary, handled above */
    case WA_NAME:
    case WA_STREAMS: /* read-only, refused before parsing */
        break;
    }
    free(s);
    return err;
}

/* --- Calls into the file system ---------------------------------------------- */

/* The open file's descriptor, validated: in the scratch buffer, or malloc'd
 * (*owned). */
static NTSTATUS query_sd(struct fsp_native *nt, PVOID ctx, struct wa_call *c, void **psd,
                         size_t *plen, bool *owned)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    void *buf = c->scratch;
    SIZE_T cap = c->scratch_cap, size = cap;
    NTSTATUS st = STATUS_INVALID_DEVICE_REQUEST;

    *owned = false;
    for (int attempt = 0; attempt < 3; attempt++) {
        fsp_guard_enter(nt, FSP_GUARD_NONE);
        st = fi->GetSecurity(nt->fs, ctx, buf, &size);
        fsp_guard_leave(nt, FSP_GUARD_NONE);
        if (st != STATUS_BUFFER_OVERFLOW && st != STATUS_BUFFER_TOO_SMALL)
            break;
        if (size <= cap || size > FSP_SD_MAX_SIZE) /* no size we could use */
            break;
        if (*owned)
            free(buf);
        buf = malloc(size);
        *owned = buf != NULL;
        if (!buf)
            return STATUS_INSUFFICIENT_RESOURCES;
        cap = size;
    }
    if (NT_SUCCESS(st) && (size > cap || !fsp_sd_valid(buf, size)))
        st = STATUS_INVALID_SECURITY_DESCR;
    if (!NT_SUCCESS(st)) {
        if (*owned)
            free(buf);
        *owned = false;
        return st;
    }
    *psd = buf;
    *plen = size;
    return st;
}

NTSTATUS fsp_winattr_file_info(struct fsp_native *nt, PVOID ctx, FSP_FSCTL_FILE_INFO *info)
{
    memset(info, 0, sizeof *info);
    fsp_guard_enter(nt, FSP_GUARD_NONE);
    NTSTATUS st = nt->fs->Interface->GetFileInfo(nt->fs, ctx, info);
    fsp_guard_leave(nt, FSP_GUARD_NONE);
    return st;
}

NTSTATUS fsp_winattr_set_basic(struct fsp_native *nt, PVOID ctx, UINT32 attributes, UINT64 crtime)
{
    FSP_FSCTL_FILE_INFO info;
    UINT64 now;
    fsp_timespec_now_ft(&now);
    fsp_guard_enter(nt, FSP_GUARD_NONE);
    NTSTATUS st =
        nt->fs->Interface->SetBasicInfo(nt->fs, ctx, attributes, crtime, 0, 0, now, &info);
    fsp_guard_leave(nt, FSP_GUARD_NONE);
    return st;
}

/* --- system.fsp.reparse ------------------------------------------------------- */

/* The file's reparse data into a malloc'd buffer (*pdata, *plen), or
 * STATUS_NOT_A_REPARSE_POINT. path is the file's name, for the call. */
static NTSTATUS query_reparse(struct fsp_native *nt, PVOID ctx, PWSTR path, void **pdata,
                              size_t *plen)
{
    SIZE_T size = MAXIMUM_REPARSE_DATA_BUFFER_SIZE;
    void *buf = malloc(size);
    if (!buf)
        return STATUS_INSUFFICIENT_RESOURCES;
    fsp_guard_enter(nt, FSP_GUARD_NONE);
    NTSTATUS st = nt->fs->Interface->GetReparsePoint(nt->fs, ctx, path, buf, &size);
    fsp_guard_leave(nt, FSP_GUARD_NONE);
    if (NT_SUCCESS(st) &&
        (size < REPARSE_DATA_BUFFER_HEADER_SIZE || size > MAXIMUM_REPARSE_DATA_BUFFER_SIZE))
        st = STATUS_IO_REPARSE_DATA_INVALID;
    if (!NT_SUCCESS(st)) {
        free(buf);
        return st;
    }
    *pdata = buf;
    *plen = size;
    return STATUS_SUCCESS;
}

/* Does data of this tag decide the Linux file type (attr.c)? */
static bool tag_is_type(UINT32 tag)
{
    return tag == IO_REPARSE_TAG_SYMLINK || tag == IO_REPARSE_TAG_NFS;
}

/* May `next` replace `cur` (NULL: none) as far as the Linux file type goes? */
static bool keeps_type(const void *cur, size_t curlen, const void *next, size_t nextlen)
{
    UINT32 tag = fsp_get_le32(next);
    if (!tag_is_type(tag) && (!cur || !tag_is_type(fsp_get_le32(cur))))
        return true;
    if (!cur || fsp_get_le32(cur) != tag)
        return false;
    if (tag == IO_REPARSE_TAG_SYMLINK)
        return true; /* another target */
    uint32_t t1, t2, d1, d2;
    return fsp_special_decode(cur, curlen, &t1, &d1) == 0 &&
           fsp_special_decode(next, nextlen, &t2, &d2) == 0 && t1 == t2;
}

static NTSTATUS set_reparse(struct fsp_native *nt, PVOID ctx, PWSTR path, struct wa_call *c)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    void *cur = NULL;
    size_t curlen = 0;
    NTSTATUS st = query_reparse(nt, ctx, path, &cur, &curlen);
    if (st == STATUS_NOT_A_REPARSE_POINT)
        st = STATUS_SUCCESS;
    if (!NT_SUCCESS(st))
        return st;

    if (c->remove) {
        if (!cur)
            return STATUS_NONEXISTENT_EA_ENTRY;
        /* What FSCTL_DELETE_REPARSE_POINT carries: the header (with the GUID
         * for a third-party tag) and no data. */
        UINT8 hdr[REPARSE_GUID_DATA_BUFFER_HEADER_SIZE];
        size_t hlen = IsReparseTagMicrosoft(fsp_get_le32(cur))
                          ? REPARSE_DATA_BUFFER_HEADER_SIZE
                          : REPARSE_GUID_DATA_BUFFER_HEADER_SIZE;
        if (tag_is_type(fsp_get_le32(cur)))
            st = STATUS_PRIVILEGE_NOT_HELD;
        else if (curlen < hlen)
            st = STATUS_IO_REPARSE_DATA_INVALID;
        if (NT_SUCCESS(st)) {
            memcpy(hdr, cur, hlen);
            fsp_put_le16(hdr + 4, 0);
            fsp_guard_enter(nt, FSP_GUARD_NONE);
            st = fi->DeleteReparsePoint(nt->fs, ctx, path, hdr, hlen);
            fsp_guard_leave(nt, FSP_GUARD_NONE);
        }
    } else if (cur && (c->xflags & XATTR_CREATE)) {
        st = STATUS_OBJECT_NAME_COLLISION;
    } else if (!cur && (c->xflags & XATTR_REPLACE)) {
        st = STATUS_NONEXISTENT_EA_ENTRY;
    } else {
        if (cur)
            st = FspFileSystemCanReplaceReparsePoint(cur, curlen, (PVOID)c->rp, c->rplen);
        if (NT_SUCCESS(st) && !keeps_type(cur, curlen, c->rp, c->rplen))
            st = STATUS_INVALID_PARAMETER;
        if (NT_SUCCESS(st)) {
            fsp_guard_enter(nt, FSP_GUARD_NONE);
            st = fi->SetReparsePoint(nt->fs, ctx, path, (PVOID)c->rp, c->rplen);
            fsp_guard_leave(nt, FSP_GUARD_NONE);
        }
    }
    free(cur);
    if (NT_SUCCESS(st))
        c->changed_security = true; /* attributes, and a symlink's size */
    return st;
}

static NTSTATUS do_get(struct fsp_native *nt, struct fsp_node *node, PVOID ctx, PWSTR path,
                       struct wa_call *c)
{
    FSP_FSCTL_FILE_INFO info;
    NTSTATUS st;

    if (c->kind == WA_NAME) {
        size_t n;
        st = fsp_stored_name(nt, node, c->name, &n);
        if (!NT_SUCCESS(st))
            return st;
        /* Up to 3 bytes of UTF-8 per UTF-16 unit. */
        c->text = malloc(3 * n + 1);
        if (!c->text)
            return STATUS_INSUFFICIENT_RESOURCES;
        c->text_owned = true;
        int len = fsp_utf16_to_utf8(c->name, n, c->text, 3 * n + 1, FSP_UTF_TRANSLATE);
        if (len < 0)
            return STATUS_OBJECT_NAME_INVALID;
        c->textlen = (size_t)len;
        return STATUS_SUCCESS;
    }
    if (c->kind == WA_REPARSE) {
        void *data;
        st = query_reparse(nt, ctx, path, &data, &c->textlen);
        if (st == STATUS_NOT_A_REPARSE_POINT)
            return STATUS_NONEXISTENT_EA_ENTRY;
        if (!NT_SUCCESS(st))
            return st;
        c->text = data;
        c->text_owned = true;
        return STATUS_SUCCESS;
    }
    if (c->kind == WA_SDDL) {
        void *sd;
        size_t len;
        bool owned;
        st = query_sd(nt, ctx, c, &sd, &len, &owned);
        if (!NT_SUCCESS(st))
            return st;
        DWORD err = fsp_sd_to_sddl(sd, len,
                                   OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
                                       DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION,
                                   &c->text, &c->textlen);
        if (owned)
            free(sd);
        if (err)
            return err == ERROR_NOT_ENOUGH_MEMORY ? STATUS_INSUFFICIENT_RESOURCES
                                                  : STATUS_INVALID_SECURITY_DESCR;
        c->text_owned = true;
        return STATUS_SUCCESS;
    }
    st = fsp_winattr_file_info(nt, ctx, &info);
    if (!NT_SUCCESS(st))
        return st;
    if (c->kind == WA_ATTRIBUTES)
        snprintf(c->small, sizeof c->small, "0x%08x", (unsigned)info.FileAttributes);
    else
        format_time(info.CreationTime, c->small, sizeof c->small);
    c->text = c->small;
    c->textlen = strlen(c->small);
    return STATUS_SUCCESS;
}

/* Is gid's SID `sid`, for gid the caller's group or one of its supplementary
 * groups (from /proc/PID/status, while that process still has the caller's
 * fs uid)? */
static bool caller_in_group(const struct wa_call *c, const void *sid)
{
    uint8_t buf[FSP_SID_MAX_SIZE];
    if (!sid)
        return false;
    if (fsp_posix_gid_to_sid(c->gid, buf) && fsp_sid_equal(buf, sid))
        return true;
    struct fsp_proc_cred cred;
    if (!c->pid || fsp_proc_cred_read(c->pid, &cred) != 0)
        return false;
    bool found = false;
    for (size_t i = 0; cred.fsuid == c->uid && !found && i < cred.ngroups; i++)
        found = fsp_posix_gid_to_sid(cred.groups[i], buf) && fsp_sid_equal(buf, sid);
    fsp_proc_cred_free(&cred);
    return found;
}

/* What a caller other than root may not do with SDDL (see the top). cur is
 * the current descriptor. */
static NTSTATUS sddl_allowed(struct wa_call *c, const void *cur, size_t curlen)
{
    if (c->uid == 0)
        return STATUS_SUCCESS;
    if (c->info & SACL_SECURITY_INFORMATION)
        return STATUS_PRIVILEGE_NOT_HELD;
    if (c->info & OWNER_SECURITY_INFORMATION) {
        uint8_t me[FSP_SID_MAX_SIZE];
        if (!fsp_posix_uid_to_sid(c->uid, me) ||
            !fsp_sid_equal(me, fsp_sd_owner(c->mod, c->modlen)))
            return STATUS_PRIVILEGE_NOT_HELD;
    }
    if (!(c->info & (GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION)))
        return STATUS_SUCCESS;
    PSECURITY_DESCRIPTOR merged;
    size_t mlen;
    uint32_t uid, gid, mode;
    NTSTATUS st = fsp_sd_merge(cur, curlen, c->info, c->mod, c->modlen, FspGetFileGenericMapping(),
                               &merged, &mlen);
    if (!NT_SUCCESS(st))
        return st;
    const void *group = fsp_sd_group(merged, mlen), *old = fsp_sd_group(cur, curlen);
    bool regroup =
        (c->info & GROUP_SECURITY_INFORMATION) && !(group && old && fsp_sid_equal(group, old));
    bool setgid =
        NT_SUCCESS(fsp_posix_sd_to_perms(merged, mlen, &uid, &gid, &mode)) && (mode & S_ISGID);
    if ((regroup || setgid) && !caller_in_group(c, group))
        st = STATUS_PRIVILEGE_NOT_HELD;
    free(merged);
    return st;
}

static NTSTATUS set_sddl(struct fsp_native *nt, PVOID ctx, struct wa_call *c, const void *cur,
                         size_t curlen)
{
    NTSTATUS st = sddl_allowed(c, cur, curlen);
    if (!NT_SUCCESS(st))
        return st;
    fsp_guard_enter(nt, FSP_GUARD_NONE);
    st = nt->fs->Interface->SetSecurity(nt->fs, ctx, c->info, c->mod);
    fsp_guard_leave(nt, FSP_GUARD_NONE);
    if (!NT_SUCCESS(st))
        return st;
    c->changed_security = true;
    if (nt->fs->Interface->SetBasicInfo)
        fsp_winattr_set_basic(nt, ctx, INVALID_FILE_ATTRIBUTES, 0); /* the change time */
    return STATUS_SUCCESS;
}

static NTSTATUS set_attributes(struct fsp_native *nt, PVOID ctx, struct wa_call *c)
{
    FSP_FSCTL_FILE_INFO info;
    NTSTATUS st = fsp_winattr_file_info(nt, ctx, &info);
    if (!NT_SUCCESS(st))
        return st;
    uint32_t cur = info.FileAttributes, want;
    if (c->attr_relative)
        want = (cur | c->attr_set) & ~c->attr_clear;
    else
        want = c->attr_set | (cur & KIND_BITS);
    want &= ~FILE_ATTRIBUTE_NORMAL;
    if ((want ^ cur) & KIND_BITS)
        return STATUS_INVALID_PARAMETER;
    return fsp_winattr_set_basic(nt, ctx, want, 0);
}

static NTSTATUS do_set(struct fsp_native *nt, struct fsp_node *node, PVOID ctx, PWSTR path,
                       struct wa_call *c)
{
    void *sd = NULL;
    size_t sdlen = 0;
    bool owned = false;
    uint32_t uid = nt->mount_uid, gid, mode;
    NTSTATUS st = STATUS_SUCCESS;

    /* The owner, as fsp_attr_fill finds it. */
    if (nt->fs->Interface->GetSecurity) {
        st = query_sd(nt, ctx, c, &sd, &sdlen, &owned);
        if (!NT_SUCCESS(st))
            return st;
        if (!NT_SUCCESS(fsp_posix_sd_to_perms(sd, sdlen, &uid, &gid, &mode)))
            uid = nt->mount_uid;
    }
    if (c->uid != 0 && c->uid != uid)
        st = STATUS_PRIVILEGE_NOT_HELD;
    else if (c->kind == WA_SDDL)
        st = set_sddl(nt, ctx, c, sd, sdlen);
    else if (c->kind == WA_ATTRIBUTES) {
        st = set_attributes(nt, ctx, c);
        if (NT_SUCCESS(st))
            fsp_readonly_refresh(nt, node, ctx);
    } else if (c->kind == WA_REPARSE)
        st = set_reparse(nt, ctx, path, c);
    else if (c->kind == WA_NAME)
        st = fsp_case_rename(nt, node, ctx, c->name, c->namelen, &c->renamed_in);
    else {
        st = fsp_winattr_set_basic(nt, ctx, INVALID_FILE_ATTRIBUTES, c->crtime);
        c->changed_crtime = NT_SUCCESS(st);
    }
    if (owned)
        free(sd);
    return st;
}

/* The call under the right lock (fsp_file_fn: arg is the wa_call). */
static NTSTATUS run_locked(struct fsp_native *nt, struct fsp_node *node, PVOID ctx, void *arg)
{
    struct wa_call *c = arg;
    NTSTATUS st;
    /* A file that lost its name is reached through one of its handles with
     * nodes_lock held (fsp_node_call_open): nothing below may then take that
     * lock, which fsp_node_path and the name calls do. The flag only goes
     * from false to true, under nodes_lock. */
    bool unlinked = __atomic_load_n(&node->unlinked, __ATOMIC_ACQUIRE);
    /* The name the reparse point calls take (none for a file that lost it). */
    WCHAR path[FSP_PATH_MAX];
    if (unlinked || fsp_node_path(nt, node, NULL, 0, path) < 0)
        path[0] = 0;
    /* The list of a file's streams is namespace, as a directory listing is:
     * GetStreamInfo runs under the shared namespace guard (Create and
     * deletion of streams take it exclusively), not the file's lock. Not
     * through a handle of a file without a name (nodes_lock is held then,
     * and the guard comes before it); such a file has no streams left. */
    if (c->kind == WA_STREAMS) {
        if (!unlinked)
            fsp_guard_enter(nt, FSP_GUARD_SHARED);
        st = fsp_streams_text(nt, ctx, &c->text, &c->textlen);
        if (!unlinked)
            fsp_guard_leave(nt, FSP_GUARD_SHARED);
        c->text_owned = NT_SUCCESS(st);
        return st;
    }
    /* A name change is a namespace change: it takes the namespace guard
     * (casename.c), never while holding a file's lock. */
    if (c->kind == WA_NAME) {
        if (unlinked)
            return STATUS_OBJECT_NAME_NOT_FOUND; /* no name to read or change */
        return c->set ? do_set(nt, node, ctx, path, c) : do_get(nt, node, ctx, path, c);
    }
    if (c->set) {
        pthread_rwlock_wrlock(&node->io_lock);
        st = do_set(nt, node, ctx, path, c);
    } else {
        pthread_rwlock_rdlock(&node->io_lock);
        st = do_get(nt, node, ctx, path, c);
    }
    pthread_rwlock_unlock(&node->io_lock);
    return st;
}

static UINT32 access_of(const struct wa_call *c)
{
    if (!c->set)
        return c->kind == WA_SDDL ? READ_CONTROL : FILE_READ_ATTRIBUTES;
    UINT32 a = READ_CONTROL | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES;
    if (c->kind == WA_REPARSE)
        a |= FILE_WRITE_DATA; /* what FSCTL_SET_REPARSE_POINT asks of a handle */
    if (c->kind == WA_NAME)
        a |= DELETE; /* what a rename asks of the source */
    if (c->kind == WA_SDDL)
        a |= WRITE_DAC | WRITE_OWNER |
             (c->info & SACL_SECURITY_INFORMATION ? ACCESS_SYSTEM_SECURITY : 0);
    return a;
}

/* Open the request's file, run the call, close. The change time is set by
 * the call itself: a plain Cleanup follows a change, as for SETATTR. */
static NTSTATUS wa_run(struct fsp_req *req, struct wa_call *c)
{
    const struct fuse_in_header *hdr = fsp_req_header(req);
    c->uid = hdr->uid;
    c->gid = hdr->gid;
    c->pid = hdr->pid;
    c->scratch = fsp_req_scratch(req, &c->scratch_cap);
    return fsp_with_file(req, access_of(c), c->set, 0, run_locked, c);
}

/* --- The hooks ---------------------------------------------------------------- */

static void finish_set(struct fsp_req *req, const struct wa_call *c, NTSTATUS st)
{
    struct fsp_native *nt = fsp_native_of(req);
    /* Mode, uid and gid come from the descriptor (and a symlink's size from
     * its reparse data), btime from CreationTime (ops_statx.c): drop the
     * kernel's copy before the caller can look again. */
    if ((c->changed_security || c->changed_crtime) && (nt->attr_sec || nt->attr_nsec))
        fsp_notify_inval_inode(fsp_req_session(req), fsp_req_header(req)->nodeid, -1, 0);
    /* A listing the kernel keeps (FOPEN_CACHE_DIR) still has the old case. */
    if (c->renamed_in && nt->cache_dir)
        fsp_notify_inval_inode(fsp_req_session(req), c->renamed_in, 0, 0);
    fsp_reply_status(req, st);
}

bool fsp_winattr_get(struct fsp_req *req, const char *name, uint32_t size)
{
    struct fsp_native *nt = fsp_native_of(req);
    struct wa_call c = {.set = false, .nt = nt};

    if (!kind_of(name, &c.kind))
        return false;
    if (!supported(nt, c.kind, false)) {
        fsp_reply_err(req, EOPNOTSUPP);
        return true;
    }
    NTSTATUS st = wa_run(req, &c);
    if (!NT_SUCCESS(st)) {
        fsp_reply_status(req, st);
    } else {
        fsp_reply_xattr(req, size, c.text, c.textlen);
    }
    if (c.text_owned)
        free(c.text);
    return true;
}

bool fsp_winattr_set(struct fsp_req *req, const char *name, const void *value, size_t size,
                     uint32_t flags)
{
    struct fsp_native *nt = fsp_native_of(req);
    struct wa_call c = {.set = true, .nt = nt};
    int err = 0;

    if (!kind_of(name, &c.kind))
        return false;
    if (!supported(nt, c.kind, true))
        err = EOPNOTSUPP;
    else if (nt->fs->VolumeParams.ReadOnlyVolume)
        err = EROFS;
    else if (flags & ~(uint32_t)(XATTR_CREATE | XATTR_REPLACE))
        err = EINVAL;
    else if (c.kind == WA_STREAMS)
        err = EPERM; /* a list, not a setting */
    else if ((flags & XATTR_CREATE) && c.kind != WA_REPARSE)
        err = EEXIST; /* it always exists */
    else
        err = parse_value(&c, value, size);
    c.xflags = flags;
    if (err) {
        fsp_reply_err(req, err);
        free(c.mod);
        return true;
    }
    finish_set(req, &c, wa_run(req, &c));
    free(c.mod);
    return true;
}

bool fsp_winattr_remove(struct fsp_req *req, const char *name)
{
    struct fsp_native *nt = fsp_native_of(req);
    struct wa_call c = {.set = true, .remove = true, .nt = nt};
    if (!kind_of(name, &c.kind))
        return false;
    if (!supported(nt, c.kind, c.kind == WA_REPARSE))
        fsp_reply_err(req, EOPNOTSUPP);
    else if (c.kind != WA_REPARSE)
        fsp_reply_err(req, EPERM);
    else if (nt->fs->VolumeParams.ReadOnlyVolume)
        fsp_reply_err(req, EROFS);
    else
        finish_set(req, &c, wa_run(req, &c));
    return true;
}
