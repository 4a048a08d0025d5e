#!/usr/bin/env bash
# fuse3_ll.sh - FSP's libfuse3 (FUSE 3 low-level API) end to end, through
# samples/hello-ll: mount, read, listing, stat; -d tracing; -s single
# thread; clean stops on SIGTERM/SIGHUP; auto_unmount after SIGKILL;
# unknown options refused; a program built with our pkg-config file; and
# binary compatibility: the same program built against Debian's libfuse3
# headers and library runs on ours through LD_LIBRARY_PATH.
. "$(dirname "$0")/../lib.sh"

HELLO=$FSP_BUILD/hello-ll
TEXT='Hello, FUSE on FSP!'
fsp_need_built fuse3_ll "$HELLO"

reads_hello() { [ "$(cat "$1/hello")" = "$TEXT" ]; }
lists_hello() { [ "$(ls -a "$1" | tr '\n' ' ')" = ". .. hello " ]; }
stats_hello() { [ "$(stat -c '%s %A %h' "$1/hello")" = "20 -r--r--r-- 1" ]; }
missing_enoent() { ! stat "$1/nope" 2>/dev/null && [ "$(stat "$1/nope" 2>&1 | grep -c 'No such file')" = 1 ]; }

# basic_checks LABEL DIR: the read-only hello tree looks right.
basic_checks() {
    check "$1: read hello" reads_hello "$2"
    check "$1: ls shows hello" lists_hello "$2"
    check "$1: stat hello" stats_hello "$2"
    check "$1: missing name is ENOENT" missing_enoent "$2"
    check "$1: write refused" bash -c "! echo x 2>/dev/null >'$2/hello'"
}

# --- Multi-threaded (default), mount table, SIGTERM -------------------------
M=$FSP_TMP/basic
if fsp_start_fs "$M" "$HELLO" -f "$M"; then
    pass "mount hello-ll"
    basic_checks mt "$M"
    check "mount type is fuse.hello-ll (default subtype)" \
        grep -q " $M fuse.hello-ll " /proc/self/mounts
    check "links our libfuse3" bash -c "ldd '$HELLO' | grep -q '$FSP_BUILD/libfuse3.so.3'"
    check "SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "mount hello-ll"
fi

# --- -d: debug trace; -s: one worker; SIGHUP ---------------------------------
# (Not SIGINT: bash starts background jobs with SIGINT ignored, and like
# libfuse we install handlers only over the default disposition.)
M=$FSP_TMP/debug
LOG=$FSP_TMP/debug.log
if fsp_start_fs "$M" "$HELLO" -d -s -o fsname=hellofs "$M" 2>"$LOG"; then
    basic_checks "-d -s" "$M"
    check "-d: INIT traced" grep -q 'INIT: using 7\.' "$LOG"
    check "-d: LOOKUP traced" grep -q 'LOOKUP(1) nodeid=1' "$LOG"
    # As in libfuse, naming the fsname drops the default subtype.
    check "-o fsname shows as the source" grep -q "^hellofs $M fuse " /proc/self/mounts
    check "SIGHUP unmounts and exits 0" stop_with HUP "$FSP_PID" "$M"
else
    fail "mount hello-ll -d -s"
fi

# --- auto_unmount: SIGKILL leaves no mount ----------------------------------
M=$FSP_TMP/killed
if fsp_start_fs "$M" "$HELLO" -f -o auto_unmount "$M"; then
    reads_hello "$M"
    kill -KILL "$FSP_PID" 2>/dev/null
    wait "$FSP_PID" 2>/dev/null
    check "SIGKILL with auto_unmount leaves no mount" fsp_wait_unmounted "$M" 5
else
    fail "mount hello-ll -o auto_unmount"
fi

# --- Options: unknown ones are refused, help and version ---------------------
M=$FSP_TMP/badopt
mkdir -p "$M"
out=$(timeout 10 "$HELLO" -f -o no_such_option "$M" 2>&1)
rc=$?
check "unknown -o option fails" [ "$rc" -ne 0 ]
check "unknown -o option is named" grep -q "unknown option(s): \`-o no_such_option'" <<<"$out"
check "unknown option leaves no mount" bash -c "! grep -q ' $M fuse' /proc/self/mounts"
check "-V prints the versions" bash -c "'$HELLO' -V | grep -q 'FUSE library version 3.14.0'"
check "-h prints the options" bash -c "'$HELLO' -h | grep -q 'allow_other'"

# --- A program built with our pkg-config file --------------------------------
SRC=$FSP_TOP/samples/hello-ll/hello_ll.c
PC=$FSP_TMP/hello-pc
if command -v pkg-config >/dev/null; then
    if PKG_CONFIG_PATH=$FSP_BUILD/pkgconfig cc -o "$PC" "$SRC" \
        $(PKG_CONFIG_PATH=$FSP_BUILD/pkgconfig pkg-config --cflags --libs fuse3) 2>"$FSP_TMP/pc.err"; then
        pass "builds with pkg-config fuse3 (ours)"
        check "pkg-config build uses our libfuse3" \
            bash -c "LD_LIBRARY_PATH='$FSP_BUILD' ldd '$PC' | grep -q '$FSP_BUILD/libfuse3.so.3'"
        M=$FSP_TMP/pc
        if LD_LIBRARY_PATH=$FSP_BUILD fsp_start_fs "$M" "$PC" -f "$M"; then
            basic_checks pkg-config "$M"
            check "pkg-config build: SIGTERM stops it" stop_with TERM "$FSP_PID" "$M"
        else
            fail "pkg-config build mounts"
        fi
    else
        fail "builds with pkg-config fuse3 (ours)"
        cat "$FSP_TMP/pc.err"
    fi
else
    fail "pkg-config installed (apt-get install pkg-config)"
fi

# --- Binary compatibility with Debian's libfuse3 ------------------------------
# Built against /usr/include/fuse3 and linked with the system's libfuse3.so.3;
# LD_LIBRARY_PATH then makes it load ours instead, unmodified.
DEB=$FSP_TMP/hello-debian
if [ -f /usr/include/fuse3/fuse_lowlevel.h ] && command -v pkg-config >/dev/null &&
    PKG_CONFIG_PATH= pkg-config --exists fuse3; then
    if env -u PKG_CONFIG_PATH cc -o "$DEB" "$SRC" $(env -u PKG_CONFIG_PATH pkg-config --cflags --libs fuse3) \
        2>"$FSP_TMP/deb.err"; then
        pass "builds against Debian's libfuse3"
        check "Debian build references libfuse's symbol versions" \
            bash -c "objdump -T '$DEB' | grep -q 'FUSE_3.12.*fuse_parse_cmdline'"
        check "Debian build normally loads the system libfuse3" \
            bash -c "env -u LD_LIBRARY_PATH ldd '$DEB' | grep 'libfuse3.so.3' | grep -vq '$FSP_BUILD'"
        check "with LD_LIBRARY_PATH it loads ours" \
            bash -c "LD_LIBRARY_PATH='$FSP_BUILD' ldd '$DEB' | grep -q '$FSP_BUILD/libfuse3.so.3'"
        # A sanitizer build of the library needs its runtime loaded first.
        PRELOAD=$(ldd "$FSP_BUILD/libfuse3.so.3" | awk '/lib(a|ub)san/ {print $3}' | tr '\n' ':')
        check "Debian build runs on ours (-V names FSP)" \
            bash -c "LD_PRELOAD='$PRELOAD' LD_LIBRARY_PATH='$FSP_BUILD' '$DEB' -V | grep -q '(FSP)'"
        M=$FSP_TMP/debian
        if LD_PRELOAD=$PRELOAD LD_LIBRARY_PATH=$FSP_BUILD fsp_start_fs "$M" "$DEB" -f "$M"; then
            pass "Debian build mounts on our libfuse3"
            basic_checks debian "$M"
            check "Debian build: SIGTERM stops it" stop_with TERM "$FSP_PID" "$M"
        else
            fail "Debian build mounts on our libfuse3"
        fi
    else
        fail "builds against Debian's libfuse3"
        cat "$FSP_TMP/deb.err"
    fi
else
    fail "Debian's libfuse3-dev installed (apt-get install libfuse3-dev pkg-config)"
fi

fsp_done
