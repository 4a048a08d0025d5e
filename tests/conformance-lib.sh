# tests/conformance-lib.sh - run the conformance suite on a tmpfs reference
# and compare another file system's transcript with it. Sourced by
# tests/mount/conformance.sh (MEMFS) and tests/mount/fuse3_hl.sh
# (memfs-fuse3) after tests/lib.sh.
#
# Needs CONF (the suite's binary). conf_reference sets ref_out; compare and
# asserted read it. The reference tmpfs is lib.sh's fsp_mount_tmpfs, so
# lib.sh's exit trap unmounts it if the run is cut short.

ref=$FSP_TMP/ref
ref_out=$FSP_TMP/ref.out

# conf_reference: the suite's transcript on a fresh tmpfs, into $ref_out.
# Returns 1 if the tmpfs could not be mounted.
conf_reference() {
    local rc
    if ! fsp_mount_tmpfs "$ref" fsp-conformance-ref size=1g,mode=0755; then
        fail "conformance: cannot mount the tmpfs reference"
        return 1
    fi
    (cd / && timeout -k 5 60 "$CONF" "$ref") >"$ref_out" 2>"$ref_out.err"
    rc=$?
    fsp_umount_tmpfs "$ref"
    if [ "$rc" -ne 0 ]; then
        fail "conformance/reference: the suite fails on tmpfs (exit $rc)"
        grep '^FAIL' "$ref_out" | sed 's/^/    /'
    fi
    return 0
}

# checks_of FILE CHECK: the transcript lines of CHECK in FILE.
checks_of() {
    grep -E "^((PASS|FAIL) )?$2(:|\$)" "$1"
}

# compare LABEL OUT [SKIPPED-CHECK...]: each plain check in OUT against the
# reference: PASS when the transcript lines are equal and the check passed
# on both; otherwise the diff (reference -> LABEL) is shown.
compare() {
    local label=$1 out=$2 c r m
    shift 2
    for c in $("$CONF" --list); do
        if [[ " $* " == *" $c "* ]]; then
            echo "skip conformance/$c ($label): not compared on this volume, see above"
            continue
        fi
        r=$(checks_of "$ref_out" "$c")
        m=$(checks_of "$out" "$c")
        if [ "$r" == "$m" ] && grep -qx "PASS $c" "$ref_out" && grep -qx "PASS $c" "$out"; then
            pass "conformance/$c ($label)"
        else
            fail "conformance/$c ($label)"
            # Indented, so no diff line reads as a PASS/FAIL line.
            diff -u --label tmpfs --label "$label" <(echo "$r") <(echo "$m") | head -80 |
                sed 's/^/    /'
        fi
    done
}

# asserted LABEL OUT KIND-OPTION: report the special checks' own verdicts.
asserted() {
    local label=$1 out=$2 opt=$3 c
    for c in $("$CONF" --list "$opt"); do
        if grep -qx "PASS $c" "$out"; then
            pass "conformance/$c ($label)"
        else
            fail "conformance/$c ($label)"
            checks_of "$out" "$c" | sed 's/^/    /'
        fi
    done
}

# known_fails LABEL OUT CHECK EXPECTED: for a check that compare skips on
# this volume because it cannot pass there: it must fail with exactly the
# FAIL lines in EXPECTED (one per line), no more, no fewer, so the limit
# stays visible and its end (or any other change) shows.
known_fails() {
    local label=$1 out=$2 c=$3 want=$4 got
    got=$(checks_of "$out" "$c" | grep '^FAIL')
    if [ "$got" == "$want" ]; then
        pass "conformance/$c ($label): fails exactly where expected"
    else
        fail "conformance/$c ($label): expected to fail exactly where listed"
        diff -u --label expected --label "$label" <(echo "$want") <(echo "$got") | sed 's/^/    /'
    fi
}

# The FUSE API has no statx operation in libfuse 3.14 (nor in FUSE 2), so
# FSP's FUSE adapters answer the kernel's STATX with ENOSYS and the kernel
# reports no btime on their volumes: the btime check stops at its first
# statx. (Native volumes report CreationTime: doc/windows-on-linux.md.)
NO_BTIME='FAIL btime: statx(f) reports no STATX_BTIME'
