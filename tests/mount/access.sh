#!/usr/bin/env bash
# access.sh - the native adapter's access gate (doc/windows-on-linux.md,
# "The access gate"): on MEMFS, as users other than root, descriptors set
# through system.fsp.sddl with what POSIX rwx cannot say: rights beyond rwx
# that allow (FILE_ADD_SUBDIRECTORY or FILE_DELETE_CHILD alone, DELETE on a
# file, appending only) and deny ACEs the POSIX view cannot carry (DELETE,
# WRITE_DAC and WRITE_OWNER through OWNER RIGHTS, FILE_WRITE_ATTRIBUTES,
# FILE_READ_EA / FILE_WRITE_EA, a group deny escaped through another group).
# Each refusal's errno is the one tmpfs gives for the POSIX case it stands
# for (run on tmpfs alongside). Root passes every one. A POSIX ACL keeps
# POSIX semantics. Then acfs (tests/tools/acfs), a file system calling
# FspAccessCheckEx and FspCreateSecurityDescriptor itself with the Create
# request of FspFileSystemGetOperationContext.
# shellcheck disable=SC2016 # the test scripts are single-quoted for bash -c
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs
ACFS=$FSP_BUILD/tests/acfs

fsp_need_tools access setfattr getfattr setfacl setpriv truncate
fsp_need_built access "$MEMFS" "$ACFS"
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP access.sh needs root (other users, tmpfs)"
    fsp_done
fi

chmod 0711 "$FSP_TMP"
# U: uid 70000 in group 70001; V: 70002 in 70003 and 70001; W: 70004 in 70003.
U="setpriv --reuid=70000 --regid=70001 --clear-groups"
V="setpriv --reuid=70002 --regid=70003 --groups=70001"
W="setpriv --reuid=70004 --regid=70003 --clear-groups"
SU=S-1-22-1-70000
SV=S-1-22-1-70002
G1=S-1-22-2-70001
G3=S-1-22-2-70003
# Masks: list+traverse (FILE_GENERIC_READ | FILE_GENERIC_EXECUTE), and the
# rights of a directory beyond it.
LT=0x1200a9

REF=$FSP_TMP/ref
M=$FSP_TMP/m
if ! fsp_mount_tmpfs "$REF" fsp-access-ref size=16m,mode=0755; then
    fail "access: mount the reference tmpfs"
    fsp_done
fi
if ! fsp_start_logged memfs "$M" "$MEMFS"; then
    fail "access: mount MEMFS"
    fsp_done
fi
chmod 0755 "$M"

# try CMD...: "ok", or the errno its message names.
try() {
    local out
    if out=$(timeout 30 "$@" 2>&1 >/dev/null); then
        echo ok
    else
        case $out in
        *"Permission denied"*) echo EACCES ;;
        *"Operation not permitted"*) echo EPERM ;;
        *) echo "other: $out" ;;
        esac
    fi
}

# sd PATH DACL: keep PATH's owner and group, set the DACL ("D:P(...)").
sd() {
    local cur
    cur=$(getfattr -h --absolute-names --only-values -n system.fsp.sddl "$1") || return 1
    setfattr -h -n system.fsp.sddl -v "${cur%%D:*}$2" "$1"
}

# expect NAME WANT CMD...: CMD (run in $M) ends as WANT ("ok", EACCES, EPERM).
expect() {
    local name=$1 want=$2 got
    shift 2
    got=$(cd "$M" && try "$@")
    if [ "$got" == "$want" ]; then
        pass "$name"
    else
        fail "$name: want $want, got $got"
    fi
}

# ref NAME WANT CMD...: the POSIX case on tmpfs ends as WANT too.
ref() {
    local name=$1 want=$2 got
    shift 2
    got=$(cd "$REF" && try "$@")
    if [ "$got" == "$want" ]; then
        pass "tmpfs: $name"
    else
        fail "tmpfs: $name: want $want, got $got"
    fi
}

# --- The POSIX cases on tmpfs, for their errnos ------------------------------
mkdir "$REF/ro" "$REF/rw" && chmod 0555 "$REF/ro" && chmod 0777 "$REF/rw"
touch "$REF/ro/f" "$REF/rw/mine" "$REF/rw/rof" && chown 70000:70001 "$REF/rw/mine"
chmod 0444 "$REF/rw/rof"
ref "create in a directory without w" EACCES $U touch ro/new
ref "unlink in a directory without w" EACCES $U rm -f ro/f
ref "rename into a directory without w" EACCES $U mv rw/rof ro/x
ref "chmod by a non-owner" EPERM $U chmod 0600 rw/rof
ref "chgrp by a non-owner" EPERM $U chgrp 70001 rw/rof
ref "explicit times by a non-owner" EPERM $U touch -h -d 2000-01-01 rw/rof
ref "times set to now without w" EACCES $U touch -h rw/rof
cp /bin/true "$REF/rw/exe" && chmod 0744 "$REF/rw/exe"
ref "exec without x" EACCES $U sh -c rw/exe
ref "truncate without w" EACCES $U truncate -s 0 rw/rof
ref "O_TRUNC without w" EACCES $U sh -c '>rw/rof'
ref "setfattr user.* without w" EACCES $U setfattr -n user.a -v 1 rw/rof
setfattr -n user.a -v 1 "$REF/rw/mine" && chmod 0200 "$REF/rw/mine"
ref "getfattr user.* without r" EACCES $V getfattr -n user.a rw/mine

# --- Creating: FILE_ADD_FILE and FILE_ADD_SUBDIRECTORY -------------------------
mkdir "$M/addsub" "$M/addfile"
sd "$M/addsub" "D:P(A;;FA;;;SY)(A;;0x1200ad;;;WD)"  # + FILE_ADD_SUBDIRECTORY
sd "$M/addfile" "D:P(A;;FA;;;SY)(A;;0x1200ab;;;WD)" # + FILE_ADD_FILE
expect "FILE_ADD_SUBDIRECTORY alone: create refused" EACCES $U touch addsub/f
expect "FILE_ADD_SUBDIRECTORY alone: mkdir allowed" ok $U mkdir addsub/d
expect "FILE_ADD_FILE alone: mkdir refused" EACCES $U mkdir addfile/d
expect "FILE_ADD_FILE alone: create allowed" ok $U touch addfile/f
expect "FILE_ADD_FILE alone: symlink allowed" ok $U ln -s target addfile/l
expect "FILE_ADD_FILE alone: mkfifo allowed" ok $U mkfifo addfile/p
expect "FILE_ADD_SUBDIRECTORY alone: symlink refused" EACCES $U ln -s target addsub/l
expect "root creates anyway" ok touch addsub/root-made

# --- Deleting: DELETE on the file or FILE_DELETE_CHILD on the directory --------
mkdir "$M/delchild" "$M/nodc" "$M/open"
touch "$M/delchild/f" "$M/delchild/g" "$M/nodc/plain" "$M/nodc/del" "$M/nodc/denied" \
    "$M/open/denied"
mkdir "$M/nodc/sub"
sd "$M/delchild" "D:P(A;;FA;;;SY)(A;;0x1200e9;;;WD)" # list, traverse, FILE_DELETE_CHILD
sd "$M/nodc" "D:P(A;;FA;;;SY)(A;;0x1201bf;;;WD)"     # everything but FILE_DELETE_CHILD
sd "$M/nodc/del" "D:P(A;;SD;;;WD)(A;;FR;;;WD)"
sd "$M/nodc/denied" "D:P(D;;SD;;;$SU)(A;;SD;;;WD)(A;;FR;;;WD)"
sd "$M/nodc/sub" "D:P(D;;SD;;;$SU)(A;;SD;;;WD)(A;;$LT;;;WD)"
chmod 0777 "$M/open"
sd "$M/open/denied" "D:P(D;;SD;;;$SU)(A;;FA;;;WD)"
expect "FILE_DELETE_CHILD alone: unlink allowed without w" ok $U rm -f delchild/f
expect "FILE_DELETE_CHILD alone: create refused" EACCES $U touch delchild/new
expect "no DELETE, no FILE_DELETE_CHILD: unlink refused" EACCES $U rm -f nodc/plain
expect "DELETE on the file: unlink allowed" ok $U rm -f nodc/del
expect "a deny of DELETE for one user: unlink refused" EACCES $U rm -f nodc/denied
expect "a deny of DELETE for one user: rmdir refused" EACCES $U rmdir nodc/sub
expect "...and another user may" ok $V rm -f nodc/denied
expect "...and another user may rmdir" ok $V rmdir nodc/sub
expect "FILE_DELETE_CHILD on the directory beats a deny of DELETE (Windows' rule)" ok \
    $U rm -f open/denied
expect "root deletes anyway" ok rm -f nodc/plain

# --- Renaming: delete the source, add to the target directory -----------------
touch "$M/delchild/m1" "$M/delchild/m2" "$M/delchild/m3" "$M/nodc/target"
sd "$M/nodc/target" "D:P(D;;SD;;;$SU)(A;;SD;;;WD)(A;;FR;;;WD)"
expect "rename into a directory without FILE_ADD_FILE" EACCES $U mv delchild/m1 addsub/m1
expect "rename into a directory with FILE_ADD_FILE" ok $U mv delchild/m1 addfile/m1
expect "rename out of a directory without FILE_DELETE_CHILD or DELETE" EACCES \
    $U mv addfile/m1 delchild/m1
expect "rename over a file the user may not delete" EACCES $U mv delchild/m2 nodc/target
expect "...which another user may replace" ok $V mv delchild/m3 nodc/target

# --- Ownership: WRITE_DAC and WRITE_OWNER (OWNER RIGHTS takes the owner's) ----
touch "$M/owned" "$M/owned2"
chown 70000:70001 "$M/owned" "$M/owned2"
sd "$M/owned" "D:P(A;;0x1201bf;;;OW)(A;;FR;;;WD)" # no WRITE_DAC, no WRITE_OWNER
sd "$M/owned2" "D:P(A;;0x1601bf;;;OW)(A;;FR;;;WD)" # WRITE_DAC, no WRITE_OWNER
expect "owner without WRITE_DAC: chmod" EPERM $U chmod 0600 owned
expect "owner without WRITE_DAC: setfacl" EPERM $U setfacl -m u:70002:r owned
expect "owner without WRITE_OWNER: chgrp" EPERM $U chgrp 70001 owned2
expect "owner with WRITE_DAC: chmod" ok $U chmod 0640 owned2
expect "root chmods anyway" ok chmod 0644 owned

# --- Times and size: FILE_WRITE_ATTRIBUTES, FILE_WRITE_DATA ---------------------
touch "$M/times" "$M/append"
chown 70000:70001 "$M/times"
sd "$M/times" "D:P(D;;0x100;;;$SU)(A;;FA;;;OW)(A;;FR;;;WD)" # FILE_WRITE_ATTRIBUTES
sd "$M/append" "D:P(A;;FA;;;SY)(A;;0x12008d;;;WD)" # read and FILE_APPEND_DATA
expect "no FILE_WRITE_ATTRIBUTES: explicit times" EPERM $U touch -h -d 2000-01-01 times
expect "no FILE_WRITE_ATTRIBUTES: times set to now" EACCES $U touch -h times
expect "FILE_APPEND_DATA alone: append allowed" ok $U sh -c 'echo x >>append'
expect "FILE_APPEND_DATA alone: O_TRUNC refused" EACCES $U sh -c 'echo x >append'
expect "FILE_APPEND_DATA alone: truncate refused" EACCES $U truncate -s 0 append
expect "FILE_APPEND_DATA alone: O_WRONLY without O_APPEND refused" EACCES \
    $U dd if=/dev/null of=append conv=notrunc status=none
expect "root truncates anyway" ok truncate -s 0 append

# --- Extended attributes: FILE_READ_EA, FILE_WRITE_EA ---------------------------
touch "$M/ea"
setfattr -n user.a -v 1 "$M/ea"
sd "$M/ea" "D:P(D;;0x18;;;$SU)(A;;FA;;;SY)(A;;0x12019f;;;WD)" # U: no EA rights
expect "no FILE_READ_EA: getfattr user.*" EACCES $U getfattr -n user.a ea
expect "no FILE_WRITE_EA: setfattr user.*" EACCES $U setfattr -n user.b -v 1 ea
expect "another user reads the EA" ok $V getfattr -n user.a ea

# --- A group deny that POSIX would let a member escape --------------------------
touch "$M/grp"
sd "$M/grp" "D:P(A;;FA;;;SY)(D;;FW;;;$G1)(A;;0x12019f;;;$G3)(A;;FR;;;WD)"
expect "group deny: a member of the denied and the allowed group" EACCES \
    $V sh -c 'echo x >>grp'
expect "group deny: a member of the allowed group only" ok $W sh -c 'echo x >>grp'
expect "group deny: root" ok sh -c 'echo x >>grp'
cp /bin/true "$M/exe" && chmod 0755 "$M/exe"
sd "$M/exe" "D:P(A;;FA;;;SY)(D;;FX;;;$G1)(A;;0x1200a9;;;$G3)(A;;FR;;;WD)"
expect "group deny of FILE_EXECUTE: exec by a member of both groups" EACCES $V sh -c ./exe
expect "group deny of FILE_EXECUTE: exec by a member of the allowed group" ok $W sh -c ./exe

# --- POSIX-exact descriptors keep POSIX semantics (the gate stays out) ---------
touch "$M/pacl" "$REF/pacl"
for f in "$M/pacl" "$REF/pacl"; do
    chmod 0640 "$f"
    setfacl -m g:70001:r,g:70003:rw "$f"
done
ref "POSIX ACL: the union of two group entries" ok $V sh -c 'echo x >>pacl'
expect "POSIX ACL: the union of two group entries" ok $V sh -c 'echo x >>pacl'

check "access: SIGTERM unmounts MEMFS and exits 0" stop_with TERM "$FSP_PID" "$M"

# --- acfs: FspAccessCheckEx and FspCreateSecurityDescriptor in the file system -
A=$FSP_TMP/a
LOG=$FSP_TMP/acfs.log
if ! fsp_start_logged acfs "$A" "$ACFS" -l "$LOG"; then
    fail "access: mount acfs"
    fsp_done
fi
expect_a() {
    local name=$1 want=$2 got
    shift 2
    got=$(cd "$A" && try "$@")
    if [ "$got" == "$want" ]; then pass "acfs: $name"; else fail "acfs: $name: want $want, got $got"; fi
}
# logged OP NAME PATTERN: the last log line for OP NAME matches PATTERN.
logged() {
    local line
    line=$(grep "^$1 $2 " "$LOG" | tail -1)
    if [[ $line =~ $3 ]]; then
        pass "acfs: $1 $2 logged as $3"
    else
        fail "acfs: $1 $2: '$line' does not match '$3'"
    fi
}
expect_a "a user creates a file (O_CREAT|O_TRUNC)" ok $U sh -c 'echo hi >f'
logged create /f "uid=70000 pid=[1-9][0-9]* disp=FILE_OVERWRITE_IF opts=0x40 attrs=0x20 desired=0x120116 st=0x00000000"
expect_a "O_CREAT|O_EXCL" ok $U sh -c 'set -C; echo hi >g'
logged create /g "uid=70000 .* disp=FILE_CREATE "
check "acfs: the new file inherits CREATOR OWNER's ACE (FspCreateSecurityDescriptor)" \
    sh -c "getfattr --absolute-names --only-values -n system.fsp.sddl '$A/f' | grep -q '(A;ID;FA;;;$SU)'"
expect_a "the user reads it" ok $U cat f
logged open /f "uid=70000 .* disp=FILE_OPEN opts=0x40 desired=0x120089 granted=0x120089 st=0x00000000"
expect_a "O_RDWR|O_TRUNC is FILE_OVERWRITE" ok $U sh -c 'echo x 1<>f >f'
logged open /f "uid=70000 .* disp=FILE_OVERWRITE .*st=0x00000000"
# READ_CONTROL is not rwx: neither the kernel nor the gate asks for it, the
# file system's own check (FILE_GENERIC_READ) does.
setfattr -n system.fsp.sddl -v "O:${SU}G:${G1}D:P(A;;0x1;;;WD)" "$A/f"
expect_a "the file system's FspAccessCheckEx refuses" EACCES $U cat f
logged open /f "uid=70000 .* desired=0x120089 granted=0x0 st=0xc0000022"
expect_a "root opens with backup intent" ok cat f
logged open /f "uid=0 .* opts=0x4040 desired=0x120089 granted=0x120089 st=0x00000000"
check "access: SIGTERM unmounts acfs and exits 0" stop_with TERM "$FSP_PID" "$A"
fsp_umount_tmpfs "$REF"
fsp_done
