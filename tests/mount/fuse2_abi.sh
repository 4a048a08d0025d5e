#!/usr/bin/env bash
# fuse2_abi.sh - build/libfuse.so.2 exports every symbol Debian's libfuse
# 2.9 exports, each with the same version and the same default (@@) or
# non-default (@) binding, unversioned ones (fuse_main, fuse_new, __fuse_*)
# included; CUSE (cuse_*) is left out. Then the old ABIs at work:
# tests/unit/test_fuse2_compat (see there) when it is built.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

DEBIAN=/lib/x86_64-linux-gnu/libfuse.so.2
OURS=$FSP_BUILD/libfuse.so.2
if [ ! -e "$OURS" ]; then
    fail "libfuse.so.2 is built"
    fsp_done
fi

# The defined, exported names as readelf shows them: name@@VER, name@VER, name.
syms() {
    readelf --dyn-syms -W "$1" | awk '$7 != "UND" && $5 != "LOCAL" && NF >= 8 { print $8 }' |
        grep -v '^cuse_' | LC_ALL=C sort -u
}

if [ -e "$DEBIAN" ]; then
    syms "$DEBIAN" >"$FSP_TMP/debian.syms"
    syms "$OURS" >"$FSP_TMP/ours.syms"
    missing=$(LC_ALL=C comm -23 "$FSP_TMP/debian.syms" "$FSP_TMP/ours.syms")
    check "every symbol of Debian's libfuse.so.2, same version and binding" test -z "$missing"
    [ -z "$missing" ] || while read -r s; do echo "    missing: $s"; done <<<"$missing"
    extra=$(LC_ALL=C comm -13 "$FSP_TMP/debian.syms" "$FSP_TMP/ours.syms")
    check "no symbol Debian's library lacks" test -z "$extra"
    [ -z "$extra" ] || while read -r s; do echo "    extra: $s"; done <<<"$extra"
else
    echo "skip symbol comparison: $DEBIAN is not installed (libfuse2 package)"
fi
for s in fuse_main_real@FUSE_2.2 fuse_main_real@FUSE_2.5 fuse_main_real@@FUSE_2.6 \
    fuse_new@FUSE_2.2 fuse_new@FUSE_2.5 fuse_new@@FUSE_2.6 fuse_lowlevel_new@FUSE_2.4 \
    fuse_reply_open@FUSE_2.4 fuse_main __fuse_setup __fuse_teardown; do
    check "exports $s" grep -qxF "$s" <(syms "$OURS")
done

if [ -x "$FSP_BUILD/tests/test_fuse2_compat" ]; then
    check "old ABIs serve mounts (test_fuse2_compat)" \
        timeout -k 5 280 "$FSP_BUILD/tests/test_fuse2_compat"
fi

fsp_done
