/*
 * native/security.h - the security core (internal): Windows SIDs, ACLs and
 * self-relative security descriptors in their binary (little-endian) layout,
 * and the POSIX uid/gid/mode mapping built on them.
 *
 * Everything here works on byte buffers and never assumes alignment: a
 * descriptor comes from a file system and may be stored anywhere. Functions
 * that take a length (len, avail) never read outside [p, p + len); the ones
 * that do not take a length expect an object that has already been validated.
 *
 * Layouts (all integers little-endian except the SID authority):
 *
 *   SID   u8 Revision (1), u8 SubAuthorityCount (0..15),
 *         u8 IdentifierAuthority[6] (big-endian 48-bit),
 *         u32 SubAuthority[SubAuthorityCount]                 8 + 4n bytes
 *   ACL   u8 AclRevision (2, or 3/4 for object ACEs), u8 Sbz1,
 *         u16 AclSize (header + ACEs), u16 AceCount, u16 Sbz2,
 *         then AceCount ACEs                                  8 + ... bytes
 *   ACE   u8 AceType, u8 AceFlags, u16 AceSize (multiple of 4), then by type:
 *         allowed/denied/audit/alarm/label/callback: u32 Mask, SID [, data]
 *         object types: u32 Mask, u32 Flags, [GUID ObjectType if Flags & 1],
 *                       [GUID InheritedObjectType if Flags & 2], SID [, data]
 *   SD    u8 Revision (1), u8 Sbz1, u16 Control (SE_SELF_RELATIVE required),
 *         u32 OffsetOwner, u32 OffsetGroup, u32 OffsetSacl, u32 OffsetDacl
 *         (0 = absent), components follow                    20 + ... bytes
 */
#ifndef FSP_NATIVE_SECURITY_H
#define FSP_NATIVE_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <winfsp/winfsp.h>

/* --- Windows constants the security core speaks ------------------------------ */

#define FSP_SID_REVISION            1
#define FSP_SID_MAX_SUB_AUTHORITIES 15
#define FSP_SID_HEADER_SIZE         8
#define FSP_SID_MAX_SIZE            (FSP_SID_HEADER_SIZE + 4 * FSP_SID_MAX_SUB_AUTHORITIES)
#define FSP_SID_STRING_MAX          192 /* "S-1-0x" + 12 hex + 15 * "-4294967295" + NUL */
#define FSP_ACL_HEADER_SIZE         8
#define FSP_ACL_MAX_SIZE            0xfffcu /* largest 4-aligned u16 */
#define FSP_ACE_HEADER_SIZE         4
#define FSP_SD_HEADER_SIZE          20
/* Largest packed self-relative descriptor: header, two SIDs, two ACLs. The
 * length-less public functions treat a descriptor as at most this long. */
#define FSP_SD_MAX_SIZE (FSP_SD_HEADER_SIZE + 2 * FSP_SID_MAX_SIZE + 2 * 0xffffu)

#ifndef ACL_REVISION
#define ACL_REVISION    2
#define ACL_REVISION3   3
#define ACL_REVISION_DS 4
#endif
#ifndef SECURITY_DESCRIPTOR_REVISION
#define SECURITY_DESCRIPTOR_REVISION 1
#endif

/* ACE types */
#ifndef ACCESS_ALLOWED_ACE_TYPE
#define ACCESS_ALLOWED_ACE_TYPE                 0x00
#define ACCESS_DENIED_ACE_TYPE                  0x01
#define SYSTEM_AUDIT_ACE_TYPE                   0x02
#define SYSTEM_ALARM_ACE_TYPE                   0x03
#define ACCESS_ALLOWED_COMPOUND_ACE_TYPE        0x04
#define ACCESS_ALLOWED_OBJECT_ACE_TYPE          0x05
#define ACCESS_DENIED_OBJECT_ACE_TYPE           0x06
#define SYSTEM_AUDIT_OBJECT_ACE_TYPE            0x07
#define SYSTEM_ALARM_OBJECT_ACE_TYPE            0x08
#define ACCESS_ALLOWED_CALLBACK_ACE_TYPE        0x09
#define ACCESS_DENIED_CALLBACK_ACE_TYPE         0x0a
#define ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE 0x0b
#define ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE  0x0c
#define SYSTEM_AUDIT_CALLBACK_ACE_TYPE          0x0d
#define SYSTEM_ALARM_CALLBACK_ACE_TYPE          0x0e
#define SYSTEM_AUDIT_CALLBACK_OBJECT_ACE_TYPE   0x0f
#define SYSTEM_ALARM_CALLBACK_OBJECT_ACE_TYPE   0x10
#define SYSTEM_MANDATORY_LABEL_ACE_TYPE         0x11
#define SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE      0x12
#define SYSTEM_SCOPED_POLICY_ID_ACE_TYPE        0x13
#endif

/* ACE flags */
#ifndef OBJECT_INHERIT_ACE
#define OBJECT_INHERIT_ACE         0x01
#define CONTAINER_INHERIT_ACE      0x02
#define NO_PROPAGATE_INHERIT_ACE   0x04
#define INHERIT_ONLY_ACE           0x08
#define INHERITED_ACE              0x10
#define VALID_INHERIT_FLAGS        0x1f
#define SUCCESSFUL_ACCESS_ACE_FLAG 0x40
#define FAILED_ACCESS_ACE_FLAG     0x80
#endif

/* Object ACE Flags field */
#ifndef ACE_OBJECT_TYPE_PRESENT
#define ACE_OBJECT_TYPE_PRESENT           0x1
#define ACE_INHERITED_OBJECT_TYPE_PRESENT 0x2
#endif

/* SECURITY_DESCRIPTOR_CONTROL */
#ifndef SE_SELF_RELATIVE
#define SE_OWNER_DEFAULTED       0x0001
#define SE_GROUP_DEFAULTED       0x0002
#define SE_DACL_PRESENT          0x0004
#define SE_DACL_DEFAULTED        0x0008
#define SE_SACL_PRESENT          0x0010
#define SE_SACL_DEFAULTED        0x0020
#define SE_DACL_AUTO_INHERIT_REQ 0x0100
#define SE_SACL_AUTO_INHERIT_REQ 0x0200
#define SE_DACL_AUTO_INHERITED   0x0400
#define SE_SACL_AUTO_INHERITED   0x0800
#define SE_DACL_PROTECTED        0x1000
#define SE_SACL_PROTECTED        0x2000
#define SE_RM_CONTROL_VALID      0x4000
#define SE_SELF_RELATIVE         0x8000
#endif

/* Identifier authorities */
#define FSP_SID_AUTHORITY_NULL      0
#define FSP_SID_AUTHORITY_WORLD     1
#define FSP_SID_AUTHORITY_LOCAL     2
#define FSP_SID_AUTHORITY_CREATOR   3
#define FSP_SID_AUTHORITY_NT        5
#define FSP_SID_AUTHORITY_UNIX_NFS  22 /* Samba's Unix users (S-1-22-1) and groups (S-1-22-2) */
#define FSP_SID_AUTHORITY_MANDATORY 16

/* Well-known SIDs, each FSP_SID_HEADER_SIZE + 4 bytes. */
extern const uint8_t fsp_sid_null[12];     /* S-1-0-0 (NULL SID) */
extern const uint8_t fsp_sid_everyone[12]; /* S-1-1-0 (Everyone, "WD") */
extern const uint8_t fsp_sid_nobody[12];   /* S-1-0-65534 (unmapped, FSP/WinFsp) */

/* --- SIDs ----------------------------------------------------------------------- */

/* Size of a SID with n sub-authorities. */
static inline size_t fsp_sid_size_for(unsigned n)
{
    return FSP_SID_HEADER_SIZE + 4 * (size_t)n;
}
/* Length of the valid SID at sid with at most avail bytes readable; 0 if it is
 * not a valid SID (revision, sub-authority count, truncation). */
size_t fsp_sid_valid_length(const void *sid, size_t avail);
/* Accessors for a valid SID. */
size_t fsp_sid_length(const void *sid);
unsigned fsp_sid_sub_count(const void *sid);
uint64_t fsp_sid_authority(const void *sid);
uint32_t fsp_sid_sub(const void *sid, unsigned index);
bool fsp_sid_equal(const void *a, const void *b);
/* Write a SID into buf (size bytes). Returns its length, 0 if buf is too small
 * or count > 15. authority must fit in 48 bits. */
size_t fsp_sid_init(void *buf, size_t size, uint64_t authority, unsigned count,
                    const uint32_t *subs);
/* Parse "S-1-<authority>-<sub>..." (authority decimal, or 0x-hex as Windows
 * prints it when >= 2^32) into buf. Returns the SID's length, 0 on a syntax
 * error or a too small buffer. */
size_t fsp_sid_from_string(const char *str, void *buf, size_t size);
/* Format a valid SID as "S-1-5-32-544". Returns the string length (as
 * snprintf: may be >= size, then truncated), or -1 if the SID is invalid. */
int fsp_sid_to_string(const void *sid, char *buf, size_t size);
/* malloc'd copy of a valid SID; NULL on allocation failure. */
PSID fsp_sid_dup(const void *sid);

/* --- ACLs ----------------------------------------------------------------------- */

/* One ACE as the iterator sees it. sid is NULL for types whose layout is not
 * known (compound, future types); for object ACEs it points past the GUIDs. */
typedef struct fsp_ace {
    uint8_t type, flags;
    uint16_t size;
    uint32_t mask;   /* 0 for types without a mask */
    const void *sid; /* inside the ACE, or NULL */
    size_t sid_len;
    const void *raw; /* the ACE itself: size bytes */
} FSP_ACE;

typedef struct fsp_acl_iter {
    const uint8_t *acl;
    size_t pos, end;
    unsigned index, count;
} FSP_ACL_ITER;

/* True if acl (avail bytes readable) is a valid ACL: header, AclSize within
 * avail, every ACE within AclSize with a sane size and an intact SID. */
bool fsp_acl_valid(const void *acl, size_t avail);
/* For a valid ACL. */
size_t fsp_acl_size(const void *acl);
unsigned fsp_acl_count(const void *acl);
/* Iterate the ACEs of a valid ACL. The iterator re-checks bounds and stops on
 * anything malformed, so it is also safe (if not complete) on invalid input. */
void fsp_acl_iter_init(FSP_ACL_ITER *it, const void *acl);
bool fsp_acl_iter_next(FSP_ACL_ITER *it, FSP_ACE *ace);
/* Parse one ACE (at most avail bytes) into *ace; false if malformed. */
bool fsp_ace_parse(const void *raw, size_t avail, FSP_ACE *ace);

/* ACL builder: append ACEs, then take the finished ACL. Errors (allocation,
 * AclSize overflow, bad SID) are sticky and reported by fsp_acl_builder_acl. */
typedef struct fsp_acl_builder {
    uint8_t *buf;
    size_t len, cap;
    unsigned count;
    uint8_t revision;
    NTSTATUS error;
} FSP_ACL_BUILDER;

void fsp_acl_builder_init(FSP_ACL_BUILDER *b);
/* Simple ACE (allowed, denied, audit, alarm, label): header, mask, SID. */
void fsp_acl_builder_add(FSP_ACL_BUILDER *b, uint8_t type, uint8_t flags, uint32_t mask,
                         const void *sid);
/* Copy an ACE verbatim (e.g. from fsp_acl_iter_next). */
void fsp_acl_builder_add_raw(FSP_ACL_BUILDER *b, const FSP_ACE *ace);
/* The finished ACL (owned by the builder) and its length; NULL with the error
 * status in *pstatus if anything failed. */
const void *fsp_acl_builder_acl(FSP_ACL_BUILDER *b, size_t *plen, NTSTATUS *pstatus);
void fsp_acl_builder_free(FSP_ACL_BUILDER *b);

/* Generic rights (GENERIC_READ ...) to file-specific rights. */
uint32_t fsp_map_generic_file_mask(uint32_t mask);

/* --- Security descriptors ----------------------------------------------------- */

/* Full validation of a self-relative descriptor in len bytes: header, revision,
 * SE_SELF_RELATIVE, every present component inside len and itself valid. */
bool fsp_sd_valid(const void *sd, size_t len);
/* Bytes the valid descriptor spans (the end of its furthest component); 0 if
 * it is not valid within len. */
size_t fsp_sd_length(const void *sd, size_t len);
/* Control word of a descriptor with at least FSP_SD_HEADER_SIZE bytes. */
uint16_t fsp_sd_control(const void *sd);
/* Components, each validated on its own: NULL if absent or malformed. For the
 * ACLs, *present (may be NULL) tells SE_*_PRESENT; present with a NULL result
 * and a zero offset is a NULL ACL (no restrictions). */
const void *fsp_sd_owner(const void *sd, size_t len);
const void *fsp_sd_group(const void *sd, size_t len);
const void *fsp_sd_dacl(const void *sd, size_t len, bool *present);
const void *fsp_sd_sacl(const void *sd, size_t len, bool *present);
/* Build a malloc'd self-relative descriptor from valid components (each may be
 * NULL). SE_SELF_RELATIVE is always set; SE_DACL_PRESENT / SE_SACL_PRESENT
 * are set when the ACL is given, and kept from control otherwise (a NULL
 * ACL). Free with free() or FspDeleteSecurityDescriptor. plen may be NULL. */
NTSTATUS fsp_sd_build(uint16_t control, const void *owner, const void *group, const void *sacl,
                      const void *dacl, PSECURITY_DESCRIPTOR *psd, size_t *plen);

/* --- POSIX mapping (posixsec.c) ----------------------------------------------- */

/* The id of SIDs outside the mapping (nobody, nogroup). */
#define FSP_POSIX_ID_NOBODY 65534u
/* What every entry of a mode or POSIX ACL is allowed besides its rwx, and
 * what the owner's entry also has (posixsec.c, posixacl.c). */
#define FSP_POSIX_BASE_RIGHTS (FILE_READ_ATTRIBUTES | READ_CONTROL | SYNCHRONIZE)
#define FSP_POSIX_OWNER_RIGHTS \
    (FSP_POSIX_BASE_RIGHTS | FILE_WRITE_ATTRIBUTES | WRITE_DAC | WRITE_OWNER)
/* uid -> user SID, gid -> group SID (see the table in posixsec.c) into buf
 * (FSP_SID_MAX_SIZE bytes). Returns the SID length; 0 for the invalid id -1. */
size_t fsp_posix_uid_to_sid(uint32_t uid, void *buf);
size_t fsp_posix_gid_to_sid(uint32_t gid, void *buf);
/* SID (user or group form) -> id. FSP_POSIX_ID_NOBODY for SIDs outside the mapping. */
uint32_t fsp_posix_sid_to_id(const void *sid);
/* Length-aware forms of the public functions, for descriptors whose buffer
 * size is known (the native adapter's). existing may be NULL. */
NTSTATUS fsp_posix_sd_to_perms(const void *sd, size_t len, uint32_t *puid, uint32_t *pgid,
                               uint32_t *pmode);
NTSTATUS fsp_posix_perms_to_sd(uint32_t uid, uint32_t gid, uint32_t mode, const void *existing,
                               size_t existing_len, PSECURITY_DESCRIPTOR *psd, size_t *plen);
/* fsp_posix_perms_to_sd without the POSIX ACL mask rule (posixacl.c's base). */
NTSTATUS fsp_posix_perms_merge(uint32_t uid, uint32_t gid, uint32_t mode, const void *existing,
                               size_t existing_len, PSECURITY_DESCRIPTOR *psd, size_t *plen);
/* Rights an allow (or deny) ACE carries for rwx bits, and rwx from rights. */
uint32_t fsp_posix_rwx_rights(uint32_t bits, bool allow, bool delete_child);
uint32_t fsp_posix_rights_rwx(uint32_t granted);

/* --- Well-known SIDs and status codes the access layer uses -------------------- */

#ifndef STATUS_INVALID_PRIMARY_GROUP
#define STATUS_INVALID_PRIMARY_GROUP ((NTSTATUS)0xC000005BL)
#endif
#ifndef STATUS_NO_SECURITY_ON_OBJECT
#define STATUS_NO_SECURITY_ON_OBJECT ((NTSTATUS)0xC00000D7L)
#endif

extern const uint8_t fsp_sid_creator_owner[12]; /* S-1-3-0 ("CO") */
extern const uint8_t fsp_sid_creator_group[12]; /* S-1-3-1 ("CG") */
extern const uint8_t fsp_sid_owner_rights[12];  /* S-1-3-4 ("OW") */
extern const uint8_t fsp_sid_system[12];        /* S-1-5-18 ("SY") */

/* Generic rights to specific ones by an explicit mapping (GENERIC_* cleared). */
uint32_t fsp_map_generic(uint32_t mask, const GENERIC_MAPPING *map);

/* --- SDDL (sddl.c) --------------------------------------------------------------- */

/* The thread's Win32 last error (GetLastError). */
void fsp_set_last_error(DWORD error);
/* SDDL -> malloc'd self-relative descriptor (*plen bytes; plen may be NULL).
 * Returns 0 or a Win32 error (see the Convert* functions in winfsp.h). */
DWORD fsp_sddl_to_sd(const char *sddl, PSECURITY_DESCRIPTOR *psd, size_t *plen);
/* Descriptor (len bytes) -> malloc'd NUL-terminated SDDL with the parts info
 * names; *plen (may be NULL) is its strlen. Returns 0 or a Win32 error. */
DWORD fsp_sd_to_sddl(const void *sd, size_t len, SECURITY_INFORMATION info, char **pstr,
                     size_t *plen);
/* A SID string "S-1-..." or a two-letter alias at *ps into buf
 * (FSP_SID_MAX_SIZE bytes); advances *ps past it. Returns 0 or
 * ERROR_INVALID_SID / ERROR_NONE_MAPPED. */
DWORD fsp_sddl_parse_sid(const char **ps, void *buf);
/* A valid SID as its alias ("BA") if it has one, else "S-1-...". Returns the
 * length as fsp_sid_to_string does. */
int fsp_sddl_sid_to_string(const void *sid, char *buf, size_t size);

/* --- Tokens and access checks (access.c) ---------------------------------------- */

/* Privileges an FSP_TOKEN may hold (Windows' SeXxxPrivilege). */
#define FSP_PRIV_TRAVERSE       0x01u /* SeChangeNotify: skip traverse checks */
#define FSP_PRIV_BACKUP         0x02u /* SeBackup: read anything (backup intent) */
#define FSP_PRIV_RESTORE        0x04u /* SeRestore: write anything (backup intent) */
#define FSP_PRIV_SECURITY       0x08u /* SeSecurity: ACCESS_SYSTEM_SECURITY */
#define FSP_PRIV_TAKE_OWNERSHIP 0x10u /* SeTakeOwnership: WRITE_OWNER */

/* What SeBackup / SeRestore grant under backup intent. */
#define FSP_BACKUP_RIGHTS \
    (READ_CONTROL | ACCESS_SYSTEM_SECURITY | FILE_GENERIC_READ | FILE_TRAVERSE)
#define FSP_RESTORE_RIGHTS                                                                   \
    (WRITE_DAC | WRITE_OWNER | ACCESS_SYSTEM_SECURITY | FILE_GENERIC_WRITE | FILE_ADD_FILE | \
     FILE_ADD_SUBDIRECTORY | DELETE)

/* A caller's identity: the user SID, the primary group (the group of objects
 * it creates) and every group SID it is a member of, and privileges. */
typedef struct fsp_token {
    uint8_t user[FSP_SID_MAX_SIZE];
    uint8_t group[FSP_SID_MAX_SIZE];
    uint8_t (*groups)[FSP_SID_MAX_SIZE]; /* malloc'd */
    size_t ngroups, cap;
    uint32_t privileges;
} FSP_TOKEN;

/* user and group are valid SIDs. The primary group is not a member group
 * until added. */
void fsp_token_init(FSP_TOKEN *t, const void *user, const void *group);
/* Add a member group (duplicates are ignored); false on allocation failure. */
bool fsp_token_add_group(FSP_TOKEN *t, const void *sid);
/* Is sid the user or one of the groups? */
bool fsp_token_has_sid(const FSP_TOKEN *t, const void *sid);
void fsp_token_free(FSP_TOKEN *t);
/* Token for POSIX ids: user = uid's SID, primary group = gid's SID; member
 * groups: gid, each of groups[0..n), Everyone, and unless uid is 65534
 * (nobody) Authenticated Users and Users; uid 0 is also in Administrators. */
NTSTATUS fsp_token_from_ids(FSP_TOKEN *t, uint32_t uid, uint32_t gid, const uint32_t *groups,
                            size_t n);
/* Token for FSP's AccessToken value (pid << 32 | uid): the gid and groups of
 * that process from /proc/<pid>/status when its fs uid is uid, else uid's
 * primary and supplementary groups from the group database. */
NTSTATUS fsp_token_from_access_token(FSP_TOKEN *t, uint64_t access_token);

/*
 * Windows' access check of a self-relative descriptor (len bytes) for token.
 * desired may hold generic rights (mapped by map) and MAXIMUM_ALLOWED. On
 * success *pgranted is the mapped desired access, or with MAXIMUM_ALLOWED
 * everything the descriptor grants. STATUS_ACCESS_DENIED when any desired
 * right is not granted (or MAXIMUM_ALLOWED finds nothing);
 * STATUS_PRIVILEGE_NOT_HELD for ACCESS_SYSTEM_SECURITY without SeSecurity
 * (or SeBackup/SeRestore); STATUS_INVALID_SECURITY_DESCR for a bad sd.
 */
NTSTATUS fsp_access_check(const void *sd, size_t len, const FSP_TOKEN *token, uint32_t desired,
                          const GENERIC_MAPPING *map, uint32_t *pgranted);

/* --- Descriptor inheritance and merging (sdset.c) ---------------------------------- */

/* The descriptor of a new object under parent (parent_len bytes; parent may
 * be NULL) created by token; is_dir selects container inheritance. */
NTSTATUS fsp_sd_inherit(const void *parent, size_t parent_len, bool is_dir, const FSP_TOKEN *token,
                        const GENERIC_MAPPING *map, PSECURITY_DESCRIPTOR *psd, size_t *plen);
/* FspSetSecurityDescriptor on descriptors of known lengths. */
NTSTATUS fsp_sd_merge(const void *in, size_t in_len, SECURITY_INFORMATION info, const void *mod,
                      size_t mod_len, const GENERIC_MAPPING *map, PSECURITY_DESCRIPTOR *psd,
                      size_t *plen);

#endif /* FSP_NATIVE_SECURITY_H */
