/*
 * native/sddl.c - SDDL strings <-> self-relative security descriptors and
 * SIDs, with the Win32 names WinFsp file systems call
 * (ConvertStringSecurityDescriptorToSecurityDescriptorW and friends), the
 * thread's last error and LocalFree.
 *
 * Grammar (what FSP reads; it writes the same forms):
 *
 *   sd     := { ws | "O:" sid | "G:" sid | "D:" acl | "S:" acl }  each once
 *   acl    := { "P" | "AI" | "AR" | "NO_ACCESS_CONTROL" } { ws | ace }
 *   ace    := "(" type ";" flags ";" rights ";" ";" ";" sid ")"
 *   type   := "A" | "D"              (allowed, denied: DACL only)
 *           | "AU" | "AL" | "ML"     (audit, alarm, mandatory label: SACL only)
 *   flags  := { "OI" | "CI" | "NP" | "IO" | "ID" | "SA" | "FA" }
 *   rights := "0x" hex | decimal | { code }
 *   code   := "GA" "GR" "GW" "GX"  generic rights
 *           | "FA" "FR" "FW" "FX"  FILE_ALL_ACCESS, FILE_GENERIC_READ/WRITE/EXECUTE
 *           | "RC" "SD" "WD" "WO"  READ_CONTROL, DELETE, WRITE_DAC, WRITE_OWNER
 *           | "CC" "DC" "LC" "SW" "RP" "WP" "DT" "LO" "CR"   (bits 0x1 .. 0x100,
 *             the directory service names for the object-specific rights)
 *           | "NW" "NR" "NX"       (mandatory label no-write/read/execute-up)
 *   sid    := "S-1-" ... | a two-letter alias (table below)
 *
 * The P / AI / AR flags are SE_DACL_PROTECTED / _AUTO_INHERITED /
 * _AUTO_INHERIT_REQ (the SACL ones after "S:"); NO_ACCESS_CONTROL is a NULL
 * ACL (everything allowed) and takes no ACEs; "D:" alone is an empty DACL
 * (nothing allowed). Whitespace is allowed between components and ACEs.
 * Names are case-sensitive, as Windows writes them. Not supported (rejected
 * with ERROR_INVALID_ACL): object ACEs (OA, OD, OU, OL; non-empty GUID fields),
 * callback and resource attribute ACEs, registry rights (KA KR KW KX).
 *
 * Output follows Windows: components in the order O G D S; aliases where one
 * exists; ACE flags in bit order; rights as FA / FR / FW / FX when the mask
 * equals one exactly, else as codes in bit order ("RCWD") when every bit has
 * one, else "0x" lowercase hex (0 is "0x0"). Domain-relative aliases (DA, DU,
 * LA, ...) stand for RIDs of the synthetic local domain of posixsec.c
 * (S-1-5-21-1179865120-1281977973-2018272108-RID), the domain FSP's uid
 * mapping uses.
 *
 * Errors (0 or a Win32 error from the internal functions, the last error from
 * the public ones): ERROR_INVALID_PARAMETER for a malformed string outside
 * the ACEs (unknown or repeated component, trailing text), ERROR_INVALID_ACL
 * for a malformed or unsupported ACE or ACL flag, ERROR_INVALID_SID for a
 * malformed S-1- string, ERROR_NONE_MAPPED for an unknown alias,
 * ERROR_UNKNOWN_REVISION for a revision other than SDDL_REVISION_1,
 * ERROR_INVALID_SECURITY_DESCR for a binary descriptor that does not validate,
 * ERROR_NOT_ENOUGH_MEMORY.
 */
#include "native/security.h"
#include "native/utf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- Last error and LocalFree ------------------------------------------------------ */

static _Thread_local DWORD last_error;

void fsp_set_last_error(DWORD error)
{
    last_error = error;
}

FSP_API DWORD GetLastError(VOID)
{
    return last_error;
}

FSP_API VOID SetLastError(DWORD ErrorCode)
{
    last_error = ErrorCode;
}

FSP_API HLOCAL LocalFree(HLOCAL Mem)
{
    free(Mem);
    return NULL;
}

/* --- SID aliases ------------------------------------------------------------------- */

/* A SID string, or (sid NULL) a RID of the local domain. */
static const struct sddl_alias {
    char name[3];
    const char *sid;
    uint32_t rid;
} aliases[] = {
    {"AA", "S-1-5-32-579", 0},       /* access control assistance operators */
    {"AC", "S-1-15-2-1", 0},         /* all application packages */
    {"AN", "S-1-5-7", 0},            /* anonymous */
    {"AO", "S-1-5-32-548", 0},       /* account operators */
    {"AP", NULL, 525},               /* protected users */
    {"AS", "S-1-18-1", 0},           /* authentication authority asserted identity */
    {"AU", "S-1-5-11", 0},           /* authenticated users */
    {"BA", "S-1-5-32-544", 0},       /* builtin administrators */
    {"BG", "S-1-5-32-546", 0},       /* builtin guests */
    {"BO", "S-1-5-32-551", 0},       /* backup operators */
    {"BU", "S-1-5-32-545", 0},       /* builtin users */
    {"CA", NULL, 517},               /* certificate publishers */
    {"CD", "S-1-5-32-574", 0},       /* certificate service DCOM access */
    {"CG", "S-1-3-1", 0},            /* creator group */
    {"CN", NULL, 522},               /* cloneable domain controllers */
    {"CO", "S-1-3-0", 0},            /* creator owner */
    {"CY", "S-1-5-32-569", 0},       /* cryptographic operators */
    {"DA", NULL, 512},               /* domain admins */
    {"DC", NULL, 515},               /* domain computers */
    {"DD", NULL, 516},               /* domain controllers */
    {"DG", NULL, 514},               /* domain guests */
    {"DU", NULL, 513},               /* domain users */
    {"EA", NULL, 519},               /* enterprise admins */
    {"ED", "S-1-5-9", 0},            /* enterprise domain controllers */
    {"EK", NULL, 527},               /* enterprise key admins */
    {"ER", "S-1-5-32-573", 0},       /* event log readers */
    {"ES", "S-1-5-32-576", 0},       /* RDS endpoint servers */
    {"HA", "S-1-5-32-578", 0},       /* Hyper-V administrators */
    {"HI", "S-1-16-12288", 0},       /* high integrity level */
    {"IS", "S-1-5-32-568", 0},       /* IIS users */
    {"IU", "S-1-5-4", 0},            /* interactive */
    {"KA", NULL, 526},               /* key admins */
    {"LA", NULL, 500},               /* local administrator */
    {"LG", NULL, 501},               /* local guest */
    {"LS", "S-1-5-19", 0},           /* local service */
    {"LU", "S-1-5-32-559", 0},       /* performance log users */
    {"LW", "S-1-16-4096", 0},        /* low integrity level */
    {"ME", "S-1-16-8192", 0},        /* medium integrity level */
    {"MP", "S-1-16-8448", 0},        /* medium plus integrity level */
    {"MS", "S-1-5-32-577", 0},       /* RDS management servers */
    {"MU", "S-1-5-32-558", 0},       /* performance monitor users */
    {"NO", "S-1-5-32-556", 0},       /* network configuration operators */
    {"NS", "S-1-5-20", 0},           /* network service */
    {"NU", "S-1-5-2", 0},            /* network */
    {"OW", "S-1-3-4", 0},            /* owner rights */
    {"PA", NULL, 520},               /* group policy creator owners */
    {"PO", "S-1-5-32-550", 0},       /* printer operators */
    {"PS", "S-1-5-10", 0},           /* principal self */
    {"PU", "S-1-5-32-547", 0},       /* power users */
    {"RA", "S-1-5-32-575", 0},       /* RDS remote access servers */
    {"RC", "S-1-5-12", 0},           /* restricted code */
    {"RD", "S-1-5-32-555", 0},       /* remote desktop users */
    {"RE", "S-1-5-32-552", 0},       /* replicator */
    {"RM", "S-1-5-32-580", 0},       /* remote management users */
    {"RO", NULL, 498},               /* enterprise read-only domain controllers */
    {"RS", NULL, 553},               /* RAS servers */
    {"RU", "S-1-5-32-554", 0},       /* pre-Windows 2000 compatible access */
    {"SA", NULL, 518},               /* schema admins */
    {"SI", "S-1-16-16384", 0},       /* system integrity level */
    {"SO", "S-1-5-32-549", 0},       /* server operators */
    {"SS", "S-1-18-2", 0},           /* service asserted identity */
    {"SU", "S-1-5-6", 0},            /* service */
    {"SY", "S-1-5-18", 0},           /* local system */
    {"UD", "S-1-5-84-0-0-0-0-0", 0}, /* user-mode drivers */
    {"WD", "S-1-1-0", 0},            /* everyone */
    {"WR", "S-1-5-33", 0},           /* write restricted code */
};
#define NALIASES (sizeof aliases / sizeof aliases[0])

/* First uid of posixsec.c's local domain range: uid 0x30000 + RID maps to
 * S-1-5-21-<local domain>-RID, so the domain is never spelled out twice. */
#define LOCAL_DOMAIN_UID 0x30000u

static size_t alias_sid(const struct sddl_alias *a, void *buf)
{
    if (a->sid)
        return fsp_sid_from_string(a->sid, buf, FSP_SID_MAX_SIZE);
    return fsp_posix_uid_to_sid(LOCAL_DOMAIN_UID + a->rid, buf);
}

static const struct sddl_alias *alias_of_sid(const void *sid)
{
    uint8_t buf[FSP_SID_MAX_SIZE];
    for (size_t i = 0; i < NALIASES; i++)
        if (alias_sid(&aliases[i], buf) && fsp_sid_equal(buf, sid))
            return &aliases[i];
    return NULL;
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_xdigit(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

DWORD fsp_sddl_parse_sid(const char **ps, void *buf)
{
    const char *s = *ps;
    if ((s[0] == 'S' || s[0] == 's') && s[1] == '-') {
        /* Digits and dashes; a 0x authority brings hex digits. Hex letters
         * are not taken otherwise: "S-1-5-32-544D:" ends before the D. */
        size_t n = 2;
        for (;;) {
            if (s[n] == '0' && (s[n + 1] == 'x' || s[n + 1] == 'X')) {
                n += 2;
                while (is_xdigit(s[n]))
                    n++;
            } else if (is_digit(s[n]) || s[n] == '-')
                n++;
            else
                break;
        }
        char tmp[FSP_SID_STRING_MAX];
        if (n >= sizeof tmp)
            return ERROR_INVALID_SID;
        memcpy(tmp, s, n);
        tmp[n] = 0;
        if (!fsp_sid_from_string(tmp, buf, FSP_SID_MAX_SIZE))
            return ERROR_INVALID_SID;
        *ps = s + n;
        return 0;
    }
    if (!is_upper(s[0]) || !is_upper(s[1]))
        return ERROR_INVALID_SID;
    for (size_t i = 0; i < NALIASES; i++)
        if (aliases[i].name[0] == s[0] && aliases[i].name[1] == s[1]) {
            if (!alias_sid(&aliases[i], buf))
                return ERROR_INVALID_SID;
            *ps = s + 2;
            return 0;
        }
    return ERROR_NONE_MAPPED;
}

int fsp_sddl_sid_to_string(const void *sid, char *buf, size_t size)
{
    if (!fsp_sid_valid_length(sid, FSP_SID_MAX_SIZE))
        return -1;
    const struct sddl_alias *a = alias_of_sid(sid);
    if (a)
        return snprintf(buf, size, "%s", a->name);
    return fsp_sid_to_string(sid, buf, size);
}

/* --- Code tables ------------------------------------------------------------------- */

struct code {
    char name[3];
    uint32_t value;
};

static const struct code ace_types[] = {
    {"A", ACCESS_ALLOWED_ACE_TYPE},          {"D", ACCESS_DENIED_ACE_TYPE},
    {"AU", SYSTEM_AUDIT_ACE_TYPE},           {"AL", SYSTEM_ALARM_ACE_TYPE},
    {"ML", SYSTEM_MANDATORY_LABEL_ACE_TYPE},
};

/* In bit order: the order they are printed in. */
static const struct code ace_flags[] = {
    {"OI", OBJECT_INHERIT_ACE},
    {"CI", CONTAINER_INHERIT_ACE},
    {"NP", NO_PROPAGATE_INHERIT_ACE},
    {"IO", INHERIT_ONLY_ACE},
    {"ID", INHERITED_ACE},
    {"SA", SUCCESSFUL_ACCESS_ACE_FLAG},
    {"FA", FAILED_ACCESS_ACE_FLAG},
};

/* Whole-mask names, tried first when printing. */
static const struct code full_rights[] = {
    {"FA", FILE_ALL_ACCESS},
    {"FR", FILE_GENERIC_READ},
    {"FW", FILE_GENERIC_WRITE},
    {"FX", FILE_GENERIC_EXECUTE},
};

/* One-bit names, in bit order. */
static const struct code bit_rights[] = {
    {"CC", 0x1},           {"DC", 0x2},          {"LC", 0x4},
    {"SW", 0x8},           {"RP", 0x10},         {"WP", 0x20},
    {"DT", 0x40},          {"LO", 0x80},         {"CR", 0x100},
    {"SD", DELETE},        {"RC", READ_CONTROL}, {"WD", WRITE_DAC},
    {"WO", WRITE_OWNER},   {"GA", GENERIC_ALL},  {"GX", GENERIC_EXECUTE},
    {"GW", GENERIC_WRITE}, {"GR", GENERIC_READ},
};

/* Mandatory label policy bits (SYSTEM_MANDATORY_LABEL_NO_*_UP). */
static const struct code label_rights[] = {
    {"NW", 0x1},
    {"NR", 0x2},
    {"NX", 0x4},
};

#define NCODES(t) (sizeof(t) / sizeof((t)[0]))

/* Match a code of table at s; advance *ps and return it, or NULL. */
static const struct code *match_code(const char **ps, const struct code *table, size_t n)
{
    const struct code *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(table[i].name);
        if (l > best_len && strncmp(*ps, table[i].name, l) == 0) {
            best = &table[i];
            best_len = l;
        }
    }
    if (best)
        *ps += best_len;
    return best;
}

/* --- SDDL -> descriptor ------------------------------------------------------------- */

static DWORD parse_rights(const char **ps, uint8_t type, uint32_t *pmask)
{
    const char *s = *ps;
    uint64_t v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        if (!is_xdigit(*s))
            return ERROR_INVALID_ACL;
        for (; is_xdigit(*s); s++) {
            unsigned d = is_digit(*s) ? (unsigned)(*s - '0') : (unsigned)((*s | 0x20) - 'a' + 10);
            v = v * 16 + d;
            if (v > 0xffffffffu)
                return ERROR_INVALID_ACL;
        }
    } else if (is_digit(*s)) {
        for (; is_digit(*s); s++) {
            v = v * 10 + (unsigned)(*s - '0');
            if (v > 0xffffffffu)
                return ERROR_INVALID_ACL;
        }
    } else {
        while (*s != ';') {
            const struct code *c = match_code(&s, full_rights, NCODES(full_rights));
            if (!c)
                c = match_code(&s, bit_rights, NCODES(bit_rights));
            if (!c && type == SYSTEM_MANDATORY_LABEL_ACE_TYPE)
                c = match_code(&s, label_rights, NCODES(label_rights));
            if (!c)
                return ERROR_INVALID_ACL;
            v |= c->value;
        }
    }
    *ps = s;
    *pmask = (uint32_t)v;
    return 0;
}

static DWORD parse_ace(const char **ps, bool sacl, FSP_ACL_BUILDER *b)
{
    const char *s = *ps + 1; /* past '(' */
    const struct code *c = match_code(&s, ace_types, NCODES(ace_types));
    if (!c || *s++ != ';')
        return ERROR_INVALID_ACL;
    uint8_t type = (uint8_t)c->value;
    bool dacl_type = type == ACCESS_ALLOWED_ACE_TYPE || type == ACCESS_DENIED_ACE_TYPE;
    if (dacl_type == sacl)
        return ERROR_INVALID_ACL;
    uint8_t flags = 0;
    while (*s != ';') {
        c = match_code(&s, ace_flags, NCODES(ace_flags));
        if (!c)
            return ERROR_INVALID_ACL;
        flags |= (uint8_t)c->value;
    }
    s++;
    uint32_t mask;
    DWORD err = parse_rights(&s, type, &mask);
    if (err)
        return err;
    /* rights; object guid; inherited object guid (both empty); sid */
    if (s[0] != ';' || s[1] != ';' || s[2] != ';')
        return ERROR_INVALID_ACL;
    s += 3;
    uint8_t sid[FSP_SID_MAX_SIZE];
    err = fsp_sddl_parse_sid(&s, sid);
    if (err)
        return err;
    if (*s++ != ')')
        return ERROR_INVALID_ACL;
    fsp_acl_builder_add(b, type, flags, mask, sid);
    *ps = s;
    return 0;
}

static bool at_component(const char *s)
{
    return (s[0] == 'O' || s[0] == 'G' || s[0] == 'D' || s[0] == 'S') && s[1] == ':';
}

/* ACL flags and ACEs after "D:" or "S:". *pnull for NO_ACCESS_CONTROL. */
static DWORD parse_acl(const char **ps, bool sacl, uint16_t *pcontrol, bool *pnull,
                       FSP_ACL_BUILDER *b)
{
    const char *s = *ps;
    uint16_t control = 0;
    *pnull = false;
    for (;;) {
        if (strncmp(s, "NO_ACCESS_CONTROL", 17) == 0) {
            *pnull = true;
            s += 17;
        } else if (s[0] == 'P' && s[1] != ':') {
            control |= sacl ? SE_SACL_PROTECTED : SE_DACL_PROTECTED;
            s++;
        } else if (s[0] == 'A' && s[1] == 'I') {
            control |= sacl ? SE_SACL_AUTO_INHERITED : SE_DACL_AUTO_INHERITED;
            s += 2;
        } else if (s[0] == 'A' && s[1] == 'R') {
            control |= sacl ? SE_SACL_AUTO_INHERIT_REQ : SE_DACL_AUTO_INHERIT_REQ;
            s += 2;
        } else
            break;
    }
    for (;;) {
        while (is_space(*s))
            s++;
        if (*s != '(')
            break;
        if (*pnull)
            return ERROR_INVALID_ACL;
        DWORD err = parse_ace(&s, sacl, b);
        if (err)
            return err;
    }
    if (*s && !at_component(s))
        return ERROR_INVALID_ACL;
    *ps = s;
    *pcontrol |= control;
    return 0;
}

DWORD fsp_sddl_to_sd(const char *sddl, PSECURITY_DESCRIPTOR *psd, size_t *plen)
{
    uint8_t owner[FSP_SID_MAX_SIZE], group[FSP_SID_MAX_SIZE];
    bool have_owner = false, have_group = false, have[2] = {false, false}, null_acl[2];
    uint16_t control = 0;
    FSP_ACL_BUILDER b[2]; /* 0: DACL, 1: SACL */
    DWORD err = 0;
    const char *s = sddl;

    *psd = NULL;
    if (!s)
        return ERROR_INVALID_PARAMETER;
    fsp_acl_builder_init(&b[0]);
    fsp_acl_builder_init(&b[1]);
    for (;;) {
        while (is_space(*s))
            s++;
        if (!*s)
            break;
        if (!at_component(s)) {
            err = ERROR_INVALID_PARAMETER;
            break;
        }
        char which = s[0];
        s += 2;
        if (which == 'O' || which == 'G') {
            bool *seen = which == 'O' ? &have_owner : &have_group;
            if (*seen) {
                err = ERROR_INVALID_PARAMETER;
                break;
            }
            err = fsp_sddl_parse_sid(&s, which == 'O' ? owner : group);
            if (err)
                break;
            *seen = true;
            if (*s && !is_space(*s) && !at_component(s)) {
                err = ERROR_INVALID_PARAMETER;
                break;
            }
        } else {
            int i = which == 'S';
            if (have[i]) {
                err = ERROR_INVALID_PARAMETER;
                break;
            }
            have[i] = true;
            err = parse_acl(&s, i, &control, &null_acl[i], &b[i]);
            if (err)
                break;
        }
    }

    const void *acl[2] = {NULL, NULL};
    for (int i = 0; i < 2 && !err; i++) {
        if (!have[i])
            continue;
        if (null_acl[i]) {
            control |= i ? SE_SACL_PRESENT : SE_DACL_PRESENT;
            continue;
        }
        NTSTATUS st;
        acl[i] = fsp_acl_builder_acl(&b[i], NULL, &st);
        if (!acl[i])
            err = st == STATUS_INSUFFICIENT_RESOURCES ? ERROR_NOT_ENOUGH_MEMORY : ERROR_INVALID_ACL;
    }
    if (!err && fsp_sd_build(control, have_owner ? owner : NULL, have_group ? group : NULL, acl[1],
                             acl[0], psd, plen) != STATUS_SUCCESS)
        err = ERROR_NOT_ENOUGH_MEMORY;
    fsp_acl_builder_free(&b[0]);
    fsp_acl_builder_free(&b[1]);
    return err;
}

/* --- Descriptor -> SDDL ------------------------------------------------------------- */

struct strbuf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void sb_add(struct strbuf *sb, const char *s, size_t n)
{
    if (sb->oom)
        return;
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 128;
        while (cap < sb->len + n + 1)
            cap *= 2;
        char *np = realloc(sb->p, cap);
        if (!np) {
            sb->oom = true;
            return;
        }
        sb->p = np;
        sb->cap = cap;
    }
    memcpy(sb->p + sb->len, s, n);
    sb->len += n;
    sb->p[sb->len] = 0;
}

static void sb_puts(struct strbuf *sb, const char *s)
{
    sb_add(sb, s, strlen(s));
}

static void sb_sid(struct strbuf *sb, const void *sid)
{
    char buf[FSP_SID_STRING_MAX];
    fsp_sddl_sid_to_string(sid, buf, sizeof buf);
    sb_puts(sb, buf);
}

static void sb_rights(struct strbuf *sb, uint8_t type, uint32_t mask)
{
    for (size_t i = 0; i < NCODES(full_rights); i++)
        if (mask == full_rights[i].value) {
            sb_puts(sb, full_rights[i].name);
            return;
        }
    const struct code *bits = bit_rights;
    size_t nbits = NCODES(bit_rights);
    uint32_t named = 0;
    for (size_t i = 0; i < nbits; i++)
        named |= bits[i].value;
    if (type == SYSTEM_MANDATORY_LABEL_ACE_TYPE) {
        bits = label_rights;
        nbits = NCODES(label_rights);
        named = 0x7;
    }
    if (mask && !(mask & ~named)) {
        for (size_t i = 0; i < nbits; i++)
            if (mask & bits[i].value)
                sb_puts(sb, bits[i].name);
        return;
    }
    char hex[16];
    snprintf(hex, sizeof hex, "0x%x", (unsigned)mask);
    sb_puts(sb, hex);
}

static DWORD sb_ace(struct strbuf *sb, const FSP_ACE *ace)
{
    const char *type = NULL;
    for (size_t i = 0; i < NCODES(ace_types); i++)
        if (ace_types[i].value == ace->type)
            type = ace_types[i].name;
    /* Simple layout only: the ACE must end with its SID (no callback data). */
    if (!type || !ace->sid || FSP_ACE_HEADER_SIZE + 4 + ace->sid_len + 3 < ace->size)
        return ERROR_INVALID_ACL;
    sb_puts(sb, "(");
    sb_puts(sb, type);
    sb_puts(sb, ";");
    for (size_t i = 0; i < NCODES(ace_flags); i++)
        if (ace->flags & ace_flags[i].value)
            sb_puts(sb, ace_flags[i].name);
    sb_puts(sb, ";");
    sb_rights(sb, ace->type, ace->mask);
    sb_puts(sb, ";;;");
    sb_sid(sb, ace->sid);
    sb_puts(sb, ")");
    return 0;
}

/* "D:" or "S:" with flags and ACEs; label_only keeps only ML ACEs. */
static DWORD sb_acl(struct strbuf *sb, const void *sd, size_t len, bool sacl, bool label_only)
{
    bool present;
    const void *acl = sacl ? fsp_sd_sacl(sd, len, &present) : fsp_sd_dacl(sd, len, &present);
    if (!present)
        return 0;
    uint16_t control = fsp_sd_control(sd);
    sb_puts(sb, sacl ? "S:" : "D:");
    if (control & (sacl ? SE_SACL_PROTECTED : SE_DACL_PROTECTED))
        sb_puts(sb, "P");
    if (control & (sacl ? SE_SACL_AUTO_INHERIT_REQ : SE_DACL_AUTO_INHERIT_REQ))
        sb_puts(sb, "AR");
    if (control & (sacl ? SE_SACL_AUTO_INHERITED : SE_DACL_AUTO_INHERITED))
        sb_puts(sb, "AI");
    if (!acl) {
        sb_puts(sb, "NO_ACCESS_CONTROL");
        return 0;
    }
    FSP_ACL_ITER it;
    FSP_ACE ace;
    fsp_acl_iter_init(&it, acl);
    while (fsp_acl_iter_next(&it, &ace)) {
        if (label_only && ace.type != SYSTEM_MANDATORY_LABEL_ACE_TYPE)
            continue;
        DWORD err = sb_ace(sb, &ace);
        if (err)
            return err;
    }
    return 0;
}

DWORD fsp_sd_to_sddl(const void *sd, size_t len, SECURITY_INFORMATION info, char **pstr,
                     size_t *plen)
{
    struct strbuf sb = {NULL, 0, 0, false};
    DWORD err = 0;

    *pstr = NULL;
    if (!fsp_sd_valid(sd, len))
        return ERROR_INVALID_SECURITY_DESCR;
    sb_add(&sb, "", 0);
    const void *owner = fsp_sd_owner(sd, len), *group = fsp_sd_group(sd, len);
    if ((info & OWNER_SECURITY_INFORMATION) && owner) {
        sb_puts(&sb, "O:");
        sb_sid(&sb, owner);
    }
    if ((info & GROUP_SECURITY_INFORMATION) && group) {
        sb_puts(&sb, "G:");
        sb_sid(&sb, group);
    }
    if (info & DACL_SECURITY_INFORMATION)
        err = sb_acl(&sb, sd, len, false, false);
    if (!err && (info & (SACL_SECURITY_INFORMATION | LABEL_SECURITY_INFORMATION)))
        err = sb_acl(&sb, sd, len, true, !(info & SACL_SECURITY_INFORMATION));
    if (!err && sb.oom)
        err = ERROR_NOT_ENOUGH_MEMORY;
    if (err) {
        free(sb.p);
        return err;
    }
    *pstr = sb.p;
    if (plen)
        *plen = sb.len;
    return 0;
}

/* --- Public API ----------------------------------------------------------------------- */

static BOOL fail(DWORD err)
{
    fsp_set_last_error(err);
    return FALSE;
}

/* malloc'd UTF-8 copy of a UTF-16 string; *perr on failure. */
static char *to_utf8(PCWSTR ws, DWORD *perr)
{
    int n = fsp_utf16_to_utf8(ws, FSP_UTF_NTS, NULL, 0, 0);
    if (n < 0) {
        *perr = ERROR_INVALID_PARAMETER;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        *perr = ERROR_NOT_ENOUGH_MEMORY;
        return NULL;
    }
    fsp_utf16_to_utf8(ws, FSP_UTF_NTS, s, (size_t)n + 1, 0);
    return s;
}

/* malloc'd UTF-16 copy of an ASCII/UTF-8 string of n bytes; NULL on failure. */
static PWSTR to_utf16(const char *s, size_t n, DWORD *perr)
{
    int wn = fsp_utf8_to_utf16(s, n, NULL, 0, 0);
    if (wn < 0) {
        *perr = ERROR_INVALID_PARAMETER;
        return NULL;
    }
    PWSTR ws = malloc(((size_t)wn + 1) * sizeof(WCHAR));
    if (!ws) {
        *perr = ERROR_NOT_ENOUGH_MEMORY;
        return NULL;
    }
    fsp_utf8_to_utf16(s, n, ws, (size_t)wn + 1, 0);
    ws[wn] = 0;
    return ws;
}

FSP_API BOOL ConvertStringSecurityDescriptorToSecurityDescriptorA(
    PCSTR StringSecurityDescriptor, DWORD StringSDRevision,
    PSECURITY_DESCRIPTOR *SecurityDescriptor, PULONG SecurityDescriptorSize)
{
    size_t len;
    if (!SecurityDescriptor)
        return fail(ERROR_INVALID_PARAMETER);
    *SecurityDescriptor = NULL;
    if (!StringSecurityDescriptor)
        return fail(ERROR_INVALID_PARAMETER);
    if (StringSDRevision != SDDL_REVISION_1)
        return fail(ERROR_UNKNOWN_REVISION);
    DWORD err = fsp_sddl_to_sd(StringSecurityDescriptor, SecurityDescriptor, &len);
    if (err)
        return fail(err);
    if (SecurityDescriptorSize)
        *SecurityDescriptorSize = (ULONG)len;
    return TRUE;
}

FSP_API BOOL ConvertStringSecurityDescriptorToSecurityDescriptorW(
    PCWSTR StringSecurityDescriptor, DWORD StringSDRevision,
    PSECURITY_DESCRIPTOR *SecurityDescriptor, PULONG SecurityDescriptorSize)
{
    DWORD err = 0;
    if (!SecurityDescriptor)
        return fail(ERROR_INVALID_PARAMETER);
    *SecurityDescriptor = NULL;
    if (!StringSecurityDescriptor)
        return fail(ERROR_INVALID_PARAMETER);
    char *s = to_utf8(StringSecurityDescriptor, &err);
    if (!s)
        return fail(err);
    BOOL ok = ConvertStringSecurityDescriptorToSecurityDescriptorA(
        s, StringSDRevision, SecurityDescriptor, SecurityDescriptorSize);
    free(s);
    return ok;
}

FSP_API BOOL ConvertSecurityDescriptorToStringSecurityDescriptorA(
    PSECURITY_DESCRIPTOR SecurityDescriptor, DWORD RequestedStringSDRevision,
    SECURITY_INFORMATION SecurityInformation, PSTR *StringSecurityDescriptor,
    PULONG StringSecurityDescriptorLen)
{
    size_t n;
    if (!StringSecurityDescriptor)
        return fail(ERROR_INVALID_PARAMETER);
    *StringSecurityDescriptor = NULL;
    if (!SecurityDescriptor)
        return fail(ERROR_INVALID_PARAMETER);
    if (RequestedStringSDRevision != SDDL_REVISION_1)
        return fail(ERROR_UNKNOWN_REVISION);
    size_t len = fsp_sd_length(SecurityDescriptor, FSP_SD_MAX_SIZE);
    if (!len)
        return fail(ERROR_INVALID_SECURITY_DESCR);
    DWORD err =
        fsp_sd_to_sddl(SecurityDescriptor, len, SecurityInformation, StringSecurityDescriptor, &n);
    if (err)
        return fail(err);
    if (StringSecurityDescriptorLen)
        *StringSecurityDescriptorLen = (ULONG)n + 1;
    return TRUE;
}

FSP_API BOOL ConvertSecurityDescriptorToStringSecurityDescriptorW(
    PSECURITY_DESCRIPTOR SecurityDescriptor, DWORD RequestedStringSDRevision,
    SECURITY_INFORMATION SecurityInformation, PWSTR *StringSecurityDescriptor,
    PULONG StringSecurityDescriptorLen)
{
    char *s;
    ULONG n;
    DWORD err = 0;
    if (!StringSecurityDescriptor)
        return fail(ERROR_INVALID_PARAMETER);
    *StringSecurityDescriptor = NULL;
    if (!ConvertSecurityDescriptorToStringSecurityDescriptorA(
            SecurityDescriptor, RequestedStringSDRevision, SecurityInformation, &s, &n))
        return FALSE;
    PWSTR ws = to_utf16(s, n - 1, &err);
    free(s);
    if (!ws)
        return fail(err);
    *StringSecurityDescriptor = ws;
    if (StringSecurityDescriptorLen)
        *StringSecurityDescriptorLen = n; /* SDDL is ASCII: as many units as bytes */
    return TRUE;
}

FSP_API BOOL ConvertStringSidToSidA(PCSTR StringSid, PSID *Sid)
{
    uint8_t buf[FSP_SID_MAX_SIZE];
    if (!Sid)
        return fail(ERROR_INVALID_PARAMETER);
    *Sid = NULL;
    if (!StringSid)
        return fail(ERROR_INVALID_PARAMETER);
    const char *s = StringSid;
    DWORD err = fsp_sddl_parse_sid(&s, buf);
    if (!err && *s)
        err = ERROR_INVALID_SID;
    if (err)
        return fail(err);
    *Sid = fsp_sid_dup(buf);
    return *Sid ? TRUE : fail(ERROR_NOT_ENOUGH_MEMORY);
}

FSP_API BOOL ConvertStringSidToSidW(PCWSTR StringSid, PSID *Sid)
{
    DWORD err = 0;
    if (!Sid)
        return fail(ERROR_INVALID_PARAMETER);
    *Sid = NULL;
    if (!StringSid)
        return fail(ERROR_INVALID_PARAMETER);
    char *s = to_utf8(StringSid, &err);
    if (!s)
        return fail(err == ERROR_INVALID_PARAMETER ? ERROR_INVALID_SID : err);
    BOOL ok = ConvertStringSidToSidA(s, Sid);
    free(s);
    return ok;
}

FSP_API BOOL ConvertSidToStringSidA(PSID Sid, PSTR *StringSid)
{
    char buf[FSP_SID_STRING_MAX];
    if (!StringSid)
        return fail(ERROR_INVALID_PARAMETER);
    *StringSid = NULL;
    if (!Sid || fsp_sid_to_string(Sid, buf, sizeof buf) < 0)
        return fail(ERROR_INVALID_SID);
    *StringSid = strdup(buf);
    return *StringSid ? TRUE : fail(ERROR_NOT_ENOUGH_MEMORY);
}

FSP_API BOOL ConvertSidToStringSidW(PSID Sid, PWSTR *StringSid)
{
    char buf[FSP_SID_STRING_MAX];
    DWORD err = 0;
    if (!StringSid)
        return fail(ERROR_INVALID_PARAMETER);
    *StringSid = NULL;
    int n = Sid ? fsp_sid_to_string(Sid, buf, sizeof buf) : -1;
    if (n < 0)
        return fail(ERROR_INVALID_SID);
    *StringSid = to_utf16(buf, (size_t)n, &err);
    return *StringSid ? TRUE : fail(err);
}
