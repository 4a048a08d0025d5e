#!/bin/bash
# bench/run.sh - side-by-side benchmark of FSP against tmpfs and libfuse.
#
#   sudo bench/run.sh [--quick] [--rounds=N] [--no-build]
#
# Targets, each mounted under a private temporary directory:
#   tmpfs     mount -t tmpfs (the limit: no user space at all)
#   memfs     build/memfs, FSP's native API
#   fsp       build/memfs-fuse3: samples/memfs-fuse3 on FSP's libfuse3.so.3
#   libfuse   the same source built against Debian's libfuse3 (the peer)
#
# Tests: every bench/fsbench test, single-threaded and with --threads=2, and a
# fio matrix (sequential 1 MiB, random 4 KiB buffered and O_DIRECT at queue
# depth 1 and 16, and fio's filecreate/filestat/filedelete engines).
#
# The runs are interleaved: each test runs on every target in turn, and the
# whole round is repeated (3 times; 1 with --quick), keeping each target's best
# (least seconds, most MiB/s or operations/s). Noise on the machine thus hits
# all targets alike.
#
# Output: a table on stdout, bench/results/<date>.csv (summary: values and
# ratios), bench/results/<date>-raw.csv (every run) and bench/results/<date>.png
# (a chart of each target's speed relative to tmpfs).
#
# Needs root (mount -t tmpfs, allow_other). As root it installs fio,
# gnuplot-nox and libfuse3-dev with apt-get when they are missing.
# Everything it mounts is unmounted and every process it started is ended
# (by PID) on any exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
OUT=$ROOT/bench/results
QUICK=0
ROUNDS=
DO_BUILD=1

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

for arg in "$@"; do
    case $arg in
    --quick) QUICK=1 ;;
    --rounds=*) ROUNDS=${arg#--rounds=} ;;
    --no-build) DO_BUILD=0 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

if [ "$QUICK" = 1 ]; then
    : "${ROUNDS:=1}"
    FSB_ARGS=(--files=500 --open=2 --list=10 --rdwr-cc=5 --rdwr-nc=2 --mmap=5)
    FIO_SIZE=64M
    FIO_RUNTIME=2
    META_FILES=500
else
    : "${ROUNDS:=3}"
    FSB_ARGS=(--files=2000 --open=5 --list=50 --rdwr-cc=20 --rdwr-nc=10 --mmap=20)
    FIO_SIZE=256M
    FIO_RUNTIME=5
    META_FILES=2000
fi
# Metadata caching: MEMFS runs with -t -1 (attributes and entries cached
# forever); the FUSE targets get the same through very long timeouts (11.5
# days). negative_timeout stays at its default 0 on both FUSE targets (MEMFS
# does not cache absent names either).
CACHE_TIMEOUT=1000000
FUSE_OPTS=default_permissions,allow_other,kernel_cache,auto_unmount
FUSE_OPTS+=,entry_timeout=$CACHE_TIMEOUT,attr_timeout=$CACHE_TIMEOUT

TARGETS=(tmpfs memfs fsp libfuse)

log() { printf '%s\n' "$*" >&2; }
die() { log "run.sh: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it mounts tmpfs and uses allow_other)"

# --- prerequisites ------------------------------------------------------------
need=()
command -v fio >/dev/null || need+=(fio)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v fusermount3 >/dev/null || need+=(fuse3)
[ -f /usr/include/fuse3/fuse.h ] || need+=(libfuse3-dev)
if [ ${#need[@]} -gt 0 ]; then
    log "installing: ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2 ||
        { apt-get update -q >&2 &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2; }
fi

# --- build --------------------------------------------------------------------
if [ "$DO_BUILD" = 1 ]; then
    log "building FSP"
    make -C "$ROOT" -s -j2 all >&2
fi
FSBENCH=$BUILD/bench/fsbench
LIBFUSE_BIN=$BUILD/bench/memfs-fuse3-libfuse
mkdir -p "$BUILD/bench"
log "building memfs-fuse3 against the system libfuse3"
# Only the system's pkg-config directories: never build/pkgconfig.
# shellcheck disable=SC2046 # pkg-config output is a list of words
env -u PKG_CONFIG_PATH cc -O2 -Wall -o "$LIBFUSE_BIN" \
    "$ROOT/samples/memfs-fuse3/memfs_fuse3.c" "$ROOT"/samples/memfs-common/*.c \
    $(env -u PKG_CONFIG_PATH pkg-config --cflags --libs fuse3)

libfuse_of() { ldd "$1" | awk '$1 == "libfuse3.so.3" { print $3 }'; }
lib=$(libfuse_of "$LIBFUSE_BIN")
case $lib in
/usr/lib/* | /lib/*) ;;
*) die "$LIBFUSE_BIN uses '$lib', not the system libfuse3" ;;
esac
SYS_LIBFUSE=$(readlink -f "$lib")
lib=$(libfuse_of "$BUILD/memfs-fuse3")
[ "$(readlink -f "$lib")" = "$(readlink -f "$BUILD/libfuse3.so.3")" ] ||
    die "build/memfs-fuse3 uses '$lib', not build/libfuse3.so.3"
log "peer: $LIBFUSE_BIN -> $SYS_LIBFUSE"

AIO=psync
fio --enghelp 2>/dev/null | grep -qw libaio && AIO=libaio
META=0
if fio --enghelp 2>/dev/null | grep -qw filecreate &&
    fio --enghelp 2>/dev/null | grep -qw filestat &&
    fio --enghelp 2>/dev/null | grep -qw filedelete; then
    META=1
fi

# --- mounts -------------------------------------------------------------------
WORK=$(mktemp -d /tmp/fsp-bench.XXXXXX)
declare -A MNT PID
STARTED=()

is_mounted() { awk -v d="$1" '$2 == d { f = 1 } END { exit !f }' /proc/self/mounts; }

wait_mounted() { # DIR PID: bounded wait; fails if PID dies first
    local i
    for ((i = 0; i < 200; i++)); do
        is_mounted "$1" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

cleanup() {
    local pid t i
    set +e
    for pid in "${STARTED[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${STARTED[@]}"; do
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    for t in "${TARGETS[@]}"; do
        [ -n "${MNT[$t]:-}" ] || continue
        if is_mounted "${MNT[$t]}"; then
            umount "${MNT[$t]}" 2>/dev/null || umount -l "${MNT[$t]}" 2>/dev/null ||
                fusermount3 -uz "${MNT[$t]}" 2>/dev/null
        fi
    done
    for t in "${TARGETS[@]}"; do
        [ -n "${MNT[$t]:-}" ] && is_mounted "${MNT[$t]}" && log "WARNING: ${MNT[$t]} still mounted"
    done
    rm -rf "$WORK" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

start_fs() { # TARGET CMD...
    local t=$1
    shift
    "$@" >"$WORK/$t.log" 2>&1 &
    PID[$t]=$!
    STARTED+=("$!")
    wait_mounted "${MNT[$t]}" "${PID[$t]}" || { cat "$WORK/$t.log" >&2; die "$t did not mount"; }
}

for t in "${TARGETS[@]}"; do
    MNT[$t]=$WORK/$t
    mkdir -p "${MNT[$t]}"
done
mount -t tmpfs -o size=6G,mode=0755 fsp-bench-tmpfs "${MNT[tmpfs]}"
start_fs memfs "$BUILD/memfs" -m "${MNT[memfs]}" -t -1 -n 1000000 -s 4G
start_fs fsp "$BUILD/memfs-fuse3" -f -o "$FUSE_OPTS" "${MNT[fsp]}"
start_fs libfuse "$LIBFUSE_BIN" -f -o "$FUSE_OPTS" "${MNT[libfuse]}"
log "mounted under $WORK"

# --- measurement --------------------------------------------------------------
STAMP=$(date +%Y-%m-%d-%H%M)
[ "$QUICK" = 1 ] && STAMP+=-quick
mkdir -p "$OUT"
RAW=$OUT/$STAMP-raw.csv
SUMMARY=$OUT/$STAMP.csv
echo "test,unit,target,round,value" >"$RAW"

record() { echo "$1,$2,$3,$4,$5" >>"$RAW"; }

# fsbench TEST THREADS TARGET: seconds on stdout ("NA" if it did not run).
run_fsbench() {
    local dir=${MNT[$3]}/fsb out v
    rm -rf "$dir"
    mkdir "$dir"
    out=$(cd "$dir" && timeout 300 "$FSBENCH" --csv --threads="$2" "${FSB_ARGS[@]}" "$1" 2>>"$WORK/fsbench.err") || true
    rm -rf "$dir"
    v=$(awk -F, -v t="$1" '$1 == t && $3 ~ /^[0-9.]+$/ { print $3 }' <<<"$out")
    echo "${v:-NA}"
}

# fio DIR JQ-METRIC ARGS...: the metric on stdout ("NA" on failure).
run_fio() {
    local dir=$1 metric=$2 v
    shift 2
    v=$(cd "$dir" && timeout 120 fio --output-format=json --directory="$dir" "$@" \
        2>>"$WORK/fio.err" | jq -r "$metric" 2>/dev/null) || true
    case $v in '' | null | 0 | 0.0) v=NA ;; esac
    echo "$v"
}

FSB_TESTS=(file_create file_open file_overwrite file_attr file_list file_list_single
    file_list_none file_delete file_mkdir file_rmdir
    rdwr_cc_write_page rdwr_cc_read_page rdwr_cc_write_large rdwr_cc_read_large
    rdwr_nc_write_page rdwr_nc_read_page rdwr_nc_write_large rdwr_nc_read_large
    mmap_write mmap_read)

FIO_COMMON=(--name=bench --filename=fio.dat --size="$FIO_SIZE" --time_based
    --runtime="$FIO_RUNTIME" --numjobs=1 --group_reporting --randrepeat=0)
BW_R='.jobs[0].read.bw_bytes / 1048576'
BW_W='.jobs[0].write.bw_bytes / 1048576'
# name | metric | fio arguments
FIO_TESTS=(
    "fio_seq_read_1M|$BW_R|--rw=read --bs=1M --ioengine=psync"
    "fio_seq_write_1M|$BW_W|--rw=write --bs=1M --ioengine=psync"
    "fio_rand_read_4k|$BW_R|--rw=randread --bs=4k --ioengine=psync"
    "fio_rand_write_4k|$BW_W|--rw=randwrite --bs=4k --ioengine=psync"
    "fio_rand_read_4k_direct_qd1|$BW_R|--rw=randread --bs=4k --direct=1 --ioengine=$AIO --iodepth=1"
    "fio_rand_write_4k_direct_qd1|$BW_W|--rw=randwrite --bs=4k --direct=1 --ioengine=$AIO --iodepth=1"
)
if [ "$AIO" = libaio ]; then
    FIO_TESTS+=(
        "fio_rand_read_4k_direct_qd16|$BW_R|--rw=randread --bs=4k --direct=1 --ioengine=libaio --iodepth=16"
        "fio_rand_write_4k_direct_qd16|$BW_W|--rw=randwrite --bs=4k --direct=1 --ioengine=libaio --iodepth=16"
    )
fi
META_ARGS=(--name=meta --nrfiles="$META_FILES" --filesize=4k --bs=4k --openfiles=1
    --fallocate=none)
IOPS='.jobs[0].read.iops'

T0=$SECONDS
for ((r = 1; r <= ROUNDS; r++)); do
    log "round $r/$ROUNDS: fsbench"
    for th in 1 2; do
        for test in "${FSB_TESTS[@]}"; do
            for t in "${TARGETS[@]}"; do
                record "$test/t$th" s "$t" "$r" "$(run_fsbench "$test" "$th" "$t")"
            done
        done
    done
    log "round $r/$ROUNDS: fio ($(( SECONDS - T0 )) s so far)"
    for spec in "${FIO_TESTS[@]}"; do
        IFS='|' read -r name metric fargs <<<"$spec"
        read -r -a fargs <<<"$fargs"
        for t in "${TARGETS[@]}"; do
            record "$name" MiB/s "$t" "$r" "$(run_fio "${MNT[$t]}" "$metric" "${FIO_COMMON[@]}" "${fargs[@]}")"
        done
    done
    for t in "${TARGETS[@]}"; do rm -f "${MNT[$t]}/fio.dat"; done
    if [ "$META" = 1 ]; then
        for t in "${TARGETS[@]}"; do
            mkdir -p "${MNT[$t]}/meta"
            for eng in filecreate filestat filedelete; do
                record "fio_$eng" ops/s "$t" "$r" \
                    "$(run_fio "${MNT[$t]}/meta" "$IOPS" "${META_ARGS[@]}" --ioengine="$eng")"
            done
            rm -rf "${MNT[$t]}/meta"
        done
    fi
done
ELAPSED=$((SECONDS - T0))

# --- summary ------------------------------------------------------------------
# Best per test and target; "speed" ratios, > 1 meaning faster than the
# reference: for seconds, ref/value; for MiB/s and ops/s, value/ref.
awk -F, -v targets="${TARGETS[*]}" '
NR == 1 { next }
{
    key = $1 SUBSEP $3
    if (!($1 in unit)) { order[++n] = $1; unit[$1] = $2 }
    if ($5 == "NA") next
    if (!(key in best) || ($2 == "s" ? $5 < best[key] : $5 > best[key])) best[key] = $5
}
function speed(test, a, b) { # speed of a relative to b
    if (!((test SUBSEP a) in best) || !((test SUBSEP b) in best)) return "NA"
    if (unit[test] == "s") return sprintf("%.3f", best[test SUBSEP b] / best[test SUBSEP a])
    return sprintf("%.3f", best[test SUBSEP a] / best[test SUBSEP b])
}
function val(test, t) {
    if (!((test SUBSEP t) in best)) return "NA"
    return unit[test] == "s" ? best[test SUBSEP t] : sprintf("%.1f", best[test SUBSEP t])
}
END {
    print "test,unit,tmpfs,memfs,fsp_fuse3,libfuse_fuse3,memfs_vs_tmpfs,fsp_vs_tmpfs,libfuse_vs_tmpfs,fsp_vs_libfuse"
    for (i = 1; i <= n; i++) {
        t = order[i]
        printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", t, unit[t], val(t, "tmpfs"), val(t, "memfs"),
            val(t, "fsp"), val(t, "libfuse"), speed(t, "memfs", "tmpfs"), speed(t, "fsp", "tmpfs"),
            speed(t, "libfuse", "tmpfs"), speed(t, "fsp", "libfuse")
    }
}' "$RAW" >"$SUMMARY"

{
    printf '%-32s %-6s %10s %10s %10s %10s %9s %9s\n' test unit tmpfs MEMFS FSP-fuse3 \
        libfuse MEMFS/tmp FSP/libf
    awk -F, 'NR > 1 { printf "%-32s %-6s %10s %10s %10s %10s %9s %9s\n",
        $1, $2, $3, $4, $5, $6, $7, $10 }' "$SUMMARY"
    echo
    echo "ratios are speeds (> 1: faster): MEMFS/tmp = MEMFS vs tmpfs,"
    echo "FSP/libf = memfs-fuse3 on FSP vs the same program on $(basename "$SYS_LIBFUSE");"
    echo "best of $ROUNDS interleaved round(s); measuring took $ELAPSED s"
} | tee "$OUT/$STAMP.txt"

# --- chart --------------------------------------------------------------------
PNG=$OUT/$STAMP.png
n=$(($(wc -l <"$SUMMARY") - 1))
gnuplot <<EOF || log "gnuplot failed: no chart"
set terminal pngcairo size 1600,800 font ",10" noenhanced
set output "$PNG"
set datafile separator ","
set datafile missing "NA"
set title "Speed relative to tmpfs (1 = tmpfs; higher is better; log scale), best of $ROUNDS round(s)"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
set logscale y
set yrange [0.01:*]
set grid ytics
set xtics rotate by -50 scale 0 font ",9"
set key top right
set xrange [-1:$((n + 1))]
plot "$SUMMARY" using 7:xtic(1) title "FSP MEMFS (native)" lc rgb "#1f77b4", \
     "" using 8 title "memfs-fuse3 on FSP" lc rgb "#2ca02c", \
     "" using 9 title "memfs-fuse3 on libfuse $(basename "$SYS_LIBFUSE" | sed 's/libfuse3.so.//')" lc rgb "#d62728", \
     1 notitle with lines lc rgb "black" dt 2
EOF
log "wrote $SUMMARY, $RAW, $OUT/$STAMP.txt${PNG:+, $PNG}"
