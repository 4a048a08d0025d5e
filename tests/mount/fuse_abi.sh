#!/usr/bin/env bash
# fuse_abi.sh - FSP's build/libfuse.so.2 and build/libfuse3.so.3 export
# every symbol Debian's libfuse 2.9 and libfuse3 3.14 export, each with the
# same version and the same default (@@) or non-default (@) binding,
# unversioned ones (fuse_main, fuse_new, __fuse_*) and CUSE (cuse_*)
# included, and none Debian's lack beyond the documented extensions. Then
# the old FUSE 2 ABIs at work: tests/unit/test_fuse2_compat (see there).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# The defined, exported names as readelf shows them: name@@VER, name@VER, name.
syms() {
    readelf --dyn-syms -W "$1" | awk '$7 != "UND" && $5 != "LOCAL" && NF >= 8 { print $8 }' |
        LC_ALL=C sort -u
}

# compare LABEL DEBIAN OURS [EXTENSIONS...]: the symbol sets are equal, but
# for the names listed as FSP's own extensions (doc/fuse-api.md).
compare() {
    local label=$1 debian=$2 ours=$3
    shift 3
    if [ ! -e "$ours" ]; then
        fail "$label: $ours is built"
        return
    fi
    if [ ! -e "$debian" ]; then
        echo "skip $label symbol comparison: $debian is not installed"
        return
    fi
    syms "$debian" >"$FSP_TMP/debian.syms"
    syms "$ours" | grep -vxF -f <(printf '%s\n' "$@" "") >"$FSP_TMP/ours.syms"
    local missing extra
    missing=$(LC_ALL=C comm -23 "$FSP_TMP/debian.syms" "$FSP_TMP/ours.syms")
    check "$label: every symbol of Debian's library, same version and binding" test -z "$missing"
    [ -z "$missing" ] || while read -r s; do echo "    missing: $s"; done <<<"$missing"
    extra=$(LC_ALL=C comm -13 "$FSP_TMP/debian.syms" "$FSP_TMP/ours.syms")
    check "$label: no symbol Debian's library lacks" test -z "$extra"
    [ -z "$extra" ] || while read -r s; do echo "    extra: $s"; done <<<"$extra"
}

OURS=$FSP_BUILD/libfuse.so.2
compare "libfuse.so.2" /lib/x86_64-linux-gnu/libfuse.so.2 "$OURS"
compare "libfuse3.so.3" /usr/lib/x86_64-linux-gnu/libfuse3.so.3 "$FSP_BUILD/libfuse3.so.3" \
    FUSE_3.17 fuse_passthrough_open@@FUSE_3.17 fuse_passthrough_close@@FUSE_3.17
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
