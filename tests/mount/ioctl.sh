#!/usr/bin/env bash
# ioctl.sh - ioctl(2) on an FSP mount: control codes reach the file system's
# Control (MEMFS's ROT13 demo code, include/winfsp/fsp_ioctl.h's mapping),
# other ioctls get the answer tmpfs gives, and chattr/lsattr's flags map to
# FILE_ATTRIBUTE_READONLY (native/ops_ioctl.c).
source "$(dirname "$0")/../lib.sh"
IOC=$FSP_BUILD/tests/fspioctl
M=$FSP_TMP/ioctl
R=$FSP_TMP/ref

# Answers of the reference file system, when we can mount one.
ref_unknown="ENOTTY" ref_tcgets="ENOTTY" ref_flags="0x0"
if [ "$(id -u)" = 0 ] && fsp_mount_tmpfs "$R" fsp-ioctl-ref size=8m; then
    : >"$R/f"
    ref_unknown=$("$IOC" code "$R/f" M Z 16)
    ref_tcgets=$("$IOC" raw "$R/f" 0 T 1 0)
    ref_flags=$("$IOC" getflags "$R/f")
    fsp_umount_tmpfs "$R"
fi

if fsp_start_logged memfs "$M" "$FSP_BUILD/memfs"; then
    echo data >"$M/f"
    mkdir "$M/d"
    check "ROT13 control code: result is BytesTransferred, output encoded" \
        test "$("$IOC" rot13 "$M/f" "Hello, World")" = "64 Uryyb, Jbeyq"
    check "ROT13 twice gives the input back" \
        test "$("$IOC" rot13 "$M/f" "Uryyb, Jbeyq")" = "64 Hello, World"
    check "the control code works on a directory too" \
        test "$("$IOC" rot13 "$M/d" "abc")" = "64 nop"
    check "an unknown control code: $ref_unknown, as tmpfs" \
        test "$("$IOC" code "$M/f" M Z 16)" = "$ref_unknown"
    check "a non-control ioctl (TCGETS): $ref_tcgets, as tmpfs" \
        test "$("$IOC" raw "$M/f" 0 T 1 0)" = "$ref_tcgets"
    check "a write-only _IOW number is not a control code: ENOTTY" \
        test "$("$IOC" raw "$M/f" 1 M R 64)" = "ENOTTY"
    check "a control code larger than 4 KiB: EINVAL" \
        test "$("$IOC" code "$M/f" M R 4097)" = "EINVAL"
    check "FS_IOC_GETFLAGS on a plain file: $ref_flags, as tmpfs" \
        test "$("$IOC" getflags "$M/f")" = "$ref_flags"
    if [ "$(id -u)" = 0 ]; then
        check "chattr +i sets FILE_ATTRIBUTE_READONLY" chattr +i "$M/f"
        check "lsattr shows i" bash -c "lsattr '$M/f' | grep -q '^----i'"
        check "the Windows attributes have READONLY" \
            test "$(getfattr --only-values -n system.fsp.attributes "$M/f" 2>/dev/null)" = 0x00000021
        check "chattr -i clears it" chattr -i "$M/f"
        check "the Windows attributes lose READONLY" \
            test "$(getfattr --only-values -n system.fsp.attributes "$M/f" 2>/dev/null)" = 0x00000020
        check "other flags (chattr +c) are not supported, as on tmpfs" \
            bash -c "! chattr +c '$M/f' 2>/dev/null"
        check "a directory takes no i flag" bash -c "! chattr +i '$M/d' 2>/dev/null"
        check "READONLY set through system.fsp.attributes shows as i" \
            bash -c "setfattr -n system.fsp.attributes -v +readonly '$M/f' &&
                     lsattr '$M/f' | grep -q '^----i'"
    fi
    check "SIGTERM unmounts MEMFS" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount MEMFS"
fi

# A file system without DeviceControl: every control code is ENOTTY.
if fsp_start_logged hello "$M" "$FSP_BUILD/hello"; then
    check "no Control: the ROT13 code is ENOTTY" test "$("$IOC" rot13 "$M/hello.txt" abc)" = ENOTTY
    check "SIGTERM unmounts hello" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount hello"
fi
fsp_done
