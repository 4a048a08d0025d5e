#!/bin/bash
# bench/run.sh - side-by-side benchmark of FSP against tmpfs and libfuse.
#
#   sudo bench/run.sh [--quick] [--rounds=N] [--fio-runtime=S] [--targets=A,B,...]
#                     [--no-fio] [--no-mem] [--no-build]
#
# Targets, each mounted under a private temporary directory (--targets picks
# some; tmpfs, the reference, is always run):
#   tmpfs         mount -t tmpfs (the limit: no user space at all)
#   memfs         build/memfs -t -1, FSP's native API
#   memfs_w       the same with -w (the kernel's writeback cache)
#   memfs_uring   the same as memfs over FUSE io_uring (FSP_IO_URING=1)
#   fsp           build/memfs-fuse3: samples/memfs-fuse3 on FSP's libfuse3.so.3
#   fsp_uring     the same with -o io_uring
#   libfuse       samples/memfs-fuse3 built against Debian's libfuse3 (the peer)
#   ptll          build/passthrough-ll over a tmpfs source
#   ptll_kpt      the same with -o passthrough (the kernel's FUSE passthrough)
#   ptll_libfuse  samples/passthrough-ll built against Debian's libfuse3
#   ptf3          build/passthrough-fuse3 over a tmpfs source
#   ptf3_libfuse  samples/passthrough-fuse3 built against Debian's libfuse3
# and, only when named in --targets, MEMFS with one kernel-session knob turned
# (FSP_TUNE, see src/kernel/tune.h), each compared with memfs:
#   memfs_thr1, memfs_thr2, memfs_thr8   1, 2 or 8 worker threads (default 4)
#   memfs_mw128k  max_write 128 KiB (default 1 MiB; max_pages follows)
#   memfs_nordp   no READDIRPLUS
#   memfs_nopdo   no parallel directory operations
#
# Tests: every bench/fsbench test, single-threaded and with --threads=2, and a
# fio matrix (sequential 1 MiB, random 4 KiB buffered and O_DIRECT at queue
# depth 1 and 16, and fio's filecreate/filestat/filedelete engines; --no-fio
# leaves fio out). Then (unless --no-mem) MEMFS's memory for 100,000 files of
# 4 KiB.
#
# The runs are interleaved: each test runs on every target in turn, and the
# whole round is repeated (3 times; 1 with --quick), keeping each target's best
# (least seconds, most MiB/s or operations/s). Noise on the machine thus hits
# all targets alike.
#
# Output: tables on stdout, and in bench/results/: <date>.csv (best values and
# ratios), <date>-raw.csv (every run), <date>.txt (the tables), <date>.md (the
# same as Markdown), <date>.png and <date>-passthrough.png (each target's
# speed relative to tmpfs).
#
# Needs root (mount -t tmpfs, allow_other, FUSE passthrough). As root it
# installs fio, gnuplot-nox, jq, pkg-config, fuse3 and libfuse3-dev with
# apt-get when they are missing. The io_uring targets need the fuse module's
# enable_uring parameter; the runner sets it to Y and restores it on exit.
# Everything it mounts is unmounted and every process it started is ended
# (by PID) on any exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
OUT=$ROOT/bench/results
QUICK=0
ROUNDS=
FIO_RUNTIME=
DO_BUILD=1
DO_MEM=1
DO_FIO=1
ALL_TARGETS=(tmpfs memfs memfs_w memfs_uring fsp fsp_uring libfuse
    ptll ptll_kpt ptll_libfuse ptf3 ptf3_libfuse)
declare -A TUNE=(
    [memfs_thr1]=threads=1 [memfs_thr2]=threads=2 [memfs_thr8]=threads=8
    [memfs_mw128k]=max_write=128K [memfs_nordp]=readdirplus=0 [memfs_nopdo]=parallel_dirops=0
)
TUNE_TARGETS=(memfs_thr1 memfs_thr2 memfs_thr8 memfs_mw128k memfs_nordp memfs_nopdo)
WANT_TARGETS=

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

for arg in "$@"; do
    case $arg in
    --quick) QUICK=1 ;;
    --rounds=*) ROUNDS=${arg#--rounds=} ;;
    --fio-runtime=*) FIO_RUNTIME=${arg#--fio-runtime=} ;;
    --targets=*) WANT_TARGETS=${arg#--targets=} ;;
    --no-fio) DO_FIO=0 ;;
    --no-mem) DO_MEM=0 ;;
    --no-build) DO_BUILD=0 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

if [ "$QUICK" = 1 ]; then
    : "${ROUNDS:=1}" "${FIO_RUNTIME:=2}"
    FSB_ARGS=(--files=500 --open=2 --list=10 --rdwr-cc=5 --rdwr-nc=2 --mmap=5)
    FIO_SIZE=64M
    META_FILES=500
    MEM_FILES=20000
else
    : "${ROUNDS:=3}" "${FIO_RUNTIME:=5}"
    FSB_ARGS=(--files=2000 --open=5 --list=50 --rdwr-cc=20 --rdwr-nc=10 --mmap=20)
    FIO_SIZE=256M
    META_FILES=2000
    MEM_FILES=100000
fi
# Metadata caching: MEMFS runs with -t -1 (attributes and entries cached
# forever); the FUSE targets get the same through very long timeouts (11.5
# days). negative_timeout stays at its default 0 on all FUSE targets (MEMFS
# does not cache absent names either).
CACHE_TIMEOUT=1000000
FUSE_OPTS=default_permissions,allow_other,kernel_cache,auto_unmount
FUSE_OPTS+=,entry_timeout=$CACHE_TIMEOUT,attr_timeout=$CACHE_TIMEOUT
# The passthrough samples take one timeout for entries and attributes, and
# always add default_permissions.
PT_OPTS=allow_other,auto_unmount,timeout=$CACHE_TIMEOUT
MEMFS_ARGS=(-t -1 -n 1000000 -s 4G)
URING_PARAM=/sys/module/fuse/parameters/enable_uring

declare -A LABEL=(
    [tmpfs]="tmpfs" [memfs]="MEMFS" [memfs_w]="MEMFS -w" [memfs_uring]="MEMFS io_uring"
    [fsp]="memfs-fuse3 FSP" [fsp_uring]="memfs-fuse3 FSP io_uring"
    [libfuse]="memfs-fuse3 libfuse" [ptll]="passthrough-ll FSP"
    [ptll_kpt]="passthrough-ll FSP kernel passthrough" [ptll_libfuse]="passthrough-ll libfuse"
    [ptf3]="passthrough-fuse3 FSP" [ptf3_libfuse]="passthrough-fuse3 libfuse"
    [memfs_thr1]="MEMFS 1 thread" [memfs_thr2]="MEMFS 2 threads" [memfs_thr8]="MEMFS 8 threads"
    [memfs_mw128k]="MEMFS max_write 128K" [memfs_nordp]="MEMFS no readdirplus"
    [memfs_nopdo]="MEMFS no parallel dirops"
)
# Ratios beside "vs tmpfs": A:B is the speed of A relative to B.
ALL_PAIRS=(fsp:libfuse ptll:ptll_libfuse ptf3:ptf3_libfuse memfs:libfuse memfs_w:memfs
    memfs_uring:memfs fsp_uring:fsp ptll_kpt:ptll)
for t in "${TUNE_TARGETS[@]}"; do ALL_PAIRS+=("$t:memfs"); done

log() { printf '%s\n' "$*" >&2; }
die() { log "run.sh: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it mounts tmpfs and uses allow_other)"

TARGETS=(tmpfs)
for t in "${ALL_TARGETS[@]:1}"; do
    if [ -z "$WANT_TARGETS" ] || [[ ",$WANT_TARGETS," == *",$t,"* ]]; then
        TARGETS+=("$t")
    fi
done
for t in "${TUNE_TARGETS[@]}"; do # never by default
    [[ ",$WANT_TARGETS," == *",$t,"* ]] && TARGETS+=("$t")
done
for t in ${WANT_TARGETS//,/ }; do
    [ -n "${LABEL[$t]:-}" ] || die "unknown target '$t' (see --help)"
done
has_target() { [[ " ${TARGETS[*]} " == *" $1 "* ]]; }
if { has_target memfs_uring || has_target fsp_uring; } && [ ! -w "$URING_PARAM" ]; then
    log "this kernel has no FUSE over io_uring ($URING_PARAM): io_uring targets left out"
    TARGETS=("${TARGETS[@]/memfs_uring/}")
    TARGETS=("${TARGETS[@]/fsp_uring/}")
    read -r -a TARGETS <<<"${TARGETS[*]}"
fi
PAIRS=()
for p in "${ALL_PAIRS[@]}"; do
    has_target "${p%%:*}" && has_target "${p##*:}" && PAIRS+=("$p")
done

# --- prerequisites ------------------------------------------------------------
need=()
command -v fio >/dev/null || need+=(fio)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
command -v jq >/dev/null || need+=(jq)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v fusermount3 >/dev/null || need+=(fuse3)
command -v python3 >/dev/null || need+=(python3)
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
    make -C "$ROOT" -s -j2 all bench >&2
fi
FSBENCH=$BUILD/bench/fsbench
mkdir -p "$BUILD/bench"

libfuse_of() { ldd "$1" | awk '$1 == "libfuse3.so.3" { print $3 }'; }

# build_peer NAME SOURCES...: the sample built against the system libfuse3
# (the system's pkg-config directories only: never build/pkgconfig) into
# build/bench/NAME-libfuse, and checked to load the system library.
build_peer() {
    local name=$1 bin=$BUILD/bench/$1-libfuse lib
    shift
    log "building $name against the system libfuse3"
    # shellcheck disable=SC2046 # pkg-config output is a list of words
    env -u PKG_CONFIG_PATH cc -O2 -Wall -o "$bin" "$@" \
        $(env -u PKG_CONFIG_PATH pkg-config --cflags --libs fuse3)
    lib=$(libfuse_of "$bin")
    case $lib in
    /usr/lib/* | /lib/*) ;;
    *) die "$bin uses '$lib', not the system libfuse3" ;;
    esac
    SYS_LIBFUSE=$(readlink -f "$lib")
}
# check_fsp NAME: build/NAME must load FSP's build/libfuse3.so.3.
check_fsp() {
    local lib
    lib=$(libfuse_of "$BUILD/$1")
    [ "$(readlink -f "$lib")" = "$(readlink -f "$BUILD/libfuse3.so.3")" ] ||
        die "build/$1 uses '$lib', not build/libfuse3.so.3"
}
SYS_LIBFUSE=$(readlink -f "$(env -u PKG_CONFIG_PATH pkg-config --variable=libdir fuse3)/libfuse3.so.3")
if has_target libfuse; then
    build_peer memfs-fuse3 "$ROOT/samples/memfs-fuse3/memfs_fuse3.c" "$ROOT"/samples/memfs-common/*.c
fi
has_target ptll_libfuse && build_peer passthrough-ll "$ROOT"/samples/passthrough-ll/*.c
has_target ptf3_libfuse && build_peer passthrough-fuse3 "$ROOT"/samples/passthrough-fuse3/*.c
for s in memfs-fuse3 passthrough-ll passthrough-fuse3; do check_fsp "$s"; done
log "peer library: $SYS_LIBFUSE"

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
TMPFS_MNTS=()
OLD_URING=

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
    local pid d i
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
    # FUSE mounts first, then the tmpfs under them.
    for d in "${MNT[@]}" "${TMPFS_MNTS[@]}"; do
        if is_mounted "$d"; then
            umount "$d" 2>/dev/null || umount -l "$d" 2>/dev/null || fusermount3 -uz "$d" 2>/dev/null
        fi
    done
    for d in "${MNT[@]}" "${TMPFS_MNTS[@]}"; do
        is_mounted "$d" && log "WARNING: $d still mounted"
    done
    [ -n "$OLD_URING" ] && echo "$OLD_URING" >"$URING_PARAM"
    rm -rf "$WORK" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# start_fs TARGET DIR CMD...: start a file system logging to WORK/TARGET.log.
start_fs() {
    local t=$1 dir=$2
    shift 2
    MNT[$t]=$dir
    "$@" >"$WORK/$t.log" 2>&1 &
    PID[$t]=$!
    STARTED+=("$!")
    wait_mounted "$dir" "${PID[$t]}" || { cat "$WORK/$t.log" >&2; die "$t did not mount"; }
}

mount_tmpfs() { # DIR NAME
    mkdir -p "$1"
    mount -t tmpfs -o size=6G,mode=0755 "$2" "$1"
    TMPFS_MNTS+=("$1")
}

# rings PID: io_uring instances the process holds (0: it serves /dev/fuse).
rings() {
    local f n=0
    for f in /proc/"$1"/fd/*; do
        [[ $(readlink "$f" 2>/dev/null) == *io_uring* ]] && n=$((n + 1))
    done
    echo "$n"
}

if has_target memfs_uring || has_target fsp_uring; then
    OLD_URING=$(cat "$URING_PARAM")
    echo Y >"$URING_PARAM"
fi

NOTES=()
for t in "${TARGETS[@]}"; do
    d=$WORK/$t
    mkdir -p "$d"
    case $t in
    tmpfs) mount_tmpfs "$d" fsp-bench-tmpfs; MNT[$t]=$d ;;
    memfs) start_fs "$t" "$d" "$BUILD/memfs" -m "$d" "${MEMFS_ARGS[@]}" ;;
    memfs_w) start_fs "$t" "$d" "$BUILD/memfs" -m "$d" "${MEMFS_ARGS[@]}" -w ;;
    memfs_uring) start_fs "$t" "$d" env FSP_IO_URING=1 "$BUILD/memfs" -m "$d" "${MEMFS_ARGS[@]}" ;;
    memfs_thr1 | memfs_thr2 | memfs_thr8 | memfs_mw128k | memfs_nordp | memfs_nopdo)
        start_fs "$t" "$d" env FSP_TUNE="${TUNE[$t]}" "$BUILD/memfs" -m "$d" "${MEMFS_ARGS[@]}" ;;
    fsp) start_fs "$t" "$d" "$BUILD/memfs-fuse3" -f -o "$FUSE_OPTS" "$d" ;;
    fsp_uring) start_fs "$t" "$d" "$BUILD/memfs-fuse3" -f -o "$FUSE_OPTS,io_uring" "$d" ;;
    libfuse) start_fs "$t" "$d" "$BUILD/bench/memfs-fuse3-libfuse" -f -o "$FUSE_OPTS" "$d" ;;
    ptll | ptll_kpt | ptll_libfuse | ptf3 | ptf3_libfuse)
        src=$WORK/$t.src
        mount_tmpfs "$src" "fsp-bench-$t-src"
        case $t in
        ptll) bin=$BUILD/passthrough-ll opts=$PT_OPTS ;;
        ptll_kpt) bin=$BUILD/passthrough-ll opts=$PT_OPTS,passthrough ;;
        ptll_libfuse) bin=$BUILD/bench/passthrough-ll-libfuse opts=$PT_OPTS ;;
        ptf3) bin=$BUILD/passthrough-fuse3 opts=$PT_OPTS ;;
        ptf3_libfuse) bin=$BUILD/bench/passthrough-fuse3-libfuse opts=$PT_OPTS ;;
        esac
        start_fs "$t" "$d" "$bin" -f -o "$opts" "$src" "$d"
        ;;
    esac
done
# Make sure every FUSE target has answered INIT, then check the transports.
for t in "${TARGETS[@]}"; do stat "${MNT[$t]}" >/dev/null; done
for t in memfs_uring fsp_uring; do
    has_target "$t" || continue
    n=$(rings "${PID[$t]}")
    [ "$n" -gt 0 ] || NOTES+=("WARNING: $t holds no io_uring instance: it runs on /dev/fuse")
    log "$t: $n io_uring instance(s)"
done
log "mounted under $WORK"

# --- measurement --------------------------------------------------------------
STAMP=$(date +%Y-%m-%d-%H%M)
[ "$QUICK" = 1 ] && STAMP+=-quick
mkdir -p "$OUT"
RAW=$OUT/$STAMP-raw.csv
SUMMARY=$OUT/$STAMP.csv
echo "test,unit,target,round,value" >"$RAW"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

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
    log "round $r/$ROUNDS: fsbench ($(( SECONDS - T0 )) s so far)"
    for th in 1 2; do
        for test in "${FSB_TESTS[@]}"; do
            for t in "${TARGETS[@]}"; do
                record "$test/t$th" s "$t" "$r" "$(run_fsbench "$test" "$th" "$t")"
            done
        done
    done
    if [ "$DO_FIO" = 1 ]; then
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
    fi
done
ELAPSED=$((SECONDS - T0))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# Kernel passthrough: did passthrough-ll get its backing files?
if has_target ptll_kpt && grep -q '^passthrough-ll:' "$WORK/ptll_kpt.log"; then
    NOTES+=("WARNING: ptll_kpt: $(grep -m1 '^passthrough-ll:' "$WORK/ptll_kpt.log")")
fi
for t in memfs_uring fsp_uring; do
    has_target "$t" || continue
    NOTES+=("$t: $(rings "${PID[$t]}") io_uring instance(s) at the end of the run")
done

# --- MEMFS memory per file ------------------------------------------------------
# A fresh MEMFS; its resident memory before, after creating MEM_FILES empty
# files (in 100 directories: the cost of a file itself), and after writing
# 4 KiB into each (the cost of the data).
MEM_LINES=()
if [ "$DO_MEM" = 1 ]; then
    log "memory: $MEM_FILES files of 4 KiB on a fresh MEMFS"
    d=$WORK/memfs_mem
    mkdir -p "$d"
    start_fs memfs_mem "$d" "$BUILD/memfs" -m "$d" "${MEMFS_ARGS[@]}"
    stat "$d" >/dev/null
    rss() { awk '/^VmRSS:/ { print $2 }' "/proc/${PID[memfs_mem]}/status"; }   # KiB
    vdata() { awk '/^VmData:/ { print $2 }' "/proc/${PID[memfs_mem]}/status"; } # KiB
    fill() { # fill DIR N create|write
        python3 - "$@" <<'EOF'
import os, sys
root, n, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = bytes(range(256)) * 16  # 4 KiB
for i in range(n):
    sub = os.path.join(root, "d%02d" % (i % 100))
    name = os.path.join(sub, "f%06d" % i)
    if what == "create":
        if i < 100:
            os.mkdir(sub)
        os.close(os.open(name, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644))
    else:
        fd = os.open(name, os.O_WRONLY)
        os.write(fd, data)
        os.close(fd)
EOF
    }
    v0=$(vdata) m0=$(rss)
    fill "$d" "$MEM_FILES" create
    m1=$(rss)
    fill "$d" "$MEM_FILES" write
    sync
    m2=$(rss) v2=$(vdata)
    count=$(find "$d" -type f -size 4k | wc -l)
    [ "$count" = "$MEM_FILES" ] || NOTES+=("WARNING: memory test: $count files of 4 KiB, not $MEM_FILES")
    mapfile -t MEM_LINES < <(awk -v m0="$m0" -v m1="$m1" -v m2="$m2" -v v0="$v0" -v v2="$v2" -v n="$MEM_FILES" 'BEGIN {
        data = n * 4; total = m2 - m0
        printf "MEMFS memory, %d files of 4 KiB (%.1f MiB of data): resident %.1f MiB empty, " \
            "%.1f MiB with the files, %.1f MiB with their data\n", n, data / 1024, m0 / 1024,
            m1 / 1024, m2 / 1024
        printf "MEMFS memory per file: %.0f bytes per empty file; %.0f bytes per 4 KiB of data " \
            "(%.2f x); in all %.2f x the data, or the data + %.0f bytes per file\n",
            (m1 - m0) * 1024 / n, (m2 - m1) * 1024 / n, (m2 - m1) / data, total / data,
            (total - data) * 1024 / n
        printf "MEMFS memory allocated (VmData, resident or not): +%.1f MiB, %.2f x the data\n",
            (v2 - v0) / 1024, (v2 - v0) / data }')
    printf '%s\n' "${MEM_LINES[@]}" >&2
fi

# --- summary ------------------------------------------------------------------
# Best per test and target; "speed" ratios, > 1 meaning faster than the
# reference: for seconds, ref/value; for MiB/s and ops/s, value/ref.
awk -F, -v targets="${TARGETS[*]}" -v pairs="${PAIRS[*]}" '
BEGIN { nt = split(targets, T, " "); np = split(pairs, P, " ") }
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
    h = "test,unit"
    for (i = 1; i <= nt; i++) h = h "," T[i]
    for (i = 2; i <= nt; i++) h = h "," T[i] "_vs_tmpfs"
    for (i = 1; i <= np; i++) { split(P[i], ab, ":"); h = h "," ab[1] "_vs_" ab[2] }
    print h
    for (k = 1; k <= n; k++) {
        t = order[k]
        line = t "," unit[t]
        for (i = 1; i <= nt; i++) line = line "," val(t, T[i])
        for (i = 2; i <= nt; i++) line = line "," speed(t, T[i], "tmpfs")
        for (i = 1; i <= np; i++) { split(P[i], ab, ":"); line = line "," speed(t, ab[1], ab[2]) }
        print line
    }
}' "$RAW" >"$SUMMARY"

NT=${#TARGETS[@]}
NP=${#PAIRS[@]}
# Column numbers in SUMMARY: values 3..NT+2, vs tmpfs NT+3..2NT+1, pairs after.
VS0=$((NT + 3))
PAIR0=$((2 * NT + 2))

# table FIRST LAST: the columns FIRST..LAST of SUMMARY (with test and unit)
# as a fixed-width text table.
table() {
    awk -F, -v f="$1" -v l="$2" '{
        printf "%-30s %-5s", $1, $2
        for (i = f; i <= l; i++) {
            h = $i
            if (NR == 1 && !sub(/_vs_tmpfs$/, "/tmp", h)) sub(/_vs_/, "/", h)
            printf " %12s", h
        }
        printf "\n"
    }' "$SUMMARY"
}
# mdtable FIRST LAST: the same as a Markdown table.
mdtable() {
    awk -F, -v f="$1" -v l="$2" '{
        line = "| " $1 " | " $2 " |"
        for (i = f; i <= l; i++) {
            h = $i
            if (NR == 1) gsub(/_vs_/, " / ", h)
            line = line " " h " |"
        }
        print line
        if (NR == 1) {
            line = "|---|---|"
            for (i = f; i <= l; i++) line = line "--:|"
            print line
        }
    }' "$SUMMARY"
}

MACHINE="$(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
FOOT=(
    "ratios are speeds (> 1: faster than the reference); peer library: $(basename "$SYS_LIBFUSE")"
    "best of $ROUNDS interleaved round(s), fio runtime $FIO_RUNTIME s; measuring took $ELAPSED s"
    "machine: $MACHINE; load average before: $LOAD_BEFORE, after: $LOAD_AFTER"
)
for t in "${TARGETS[@]}"; do FOOT+=("$t = ${LABEL[$t]}"); done
FOOT+=("${MEM_LINES[@]}")
FOOT+=("${NOTES[@]}")
{
    echo "== values (s: lower is better; MiB/s, ops/s: higher is better)"
    table 3 $((NT + 2))
    echo
    echo "== speed relative to tmpfs"
    table "$VS0" $((PAIR0 - 1))
    if [ "$NP" -gt 0 ]; then
        echo
        echo "== speed relative to the peer or the base variant"
        table "$PAIR0" $((PAIR0 + NP - 1))
    fi
    echo
    printf '%s\n' "${FOOT[@]}"
} | tee "$OUT/$STAMP.txt"
{
    echo "### Speed relative to tmpfs"
    echo
    mdtable "$VS0" $((PAIR0 - 1))
    if [ "$NP" -gt 0 ]; then
        echo
        echo "### Speed relative to the peer or the base variant"
        echo
        mdtable "$PAIR0" $((PAIR0 + NP - 1))
    fi
    echo
    echo "### Values"
    echo
    mdtable 3 $((NT + 2))
    echo
    printf -- '- %s\n' "${FOOT[@]}"
} >"$OUT/$STAMP.md"

# --- charts -------------------------------------------------------------------
# chart PNG TITLE TARGET...: a histogram of the targets' speed vs tmpfs.
chart() {
    local png=$1 title=$2 t col plot='' i=0 n
    local colors=("#1f77b4" "#aec7e8" "#17becf" "#2ca02c" "#98df8a" "#d62728" "#9467bd"
        "#ff7f0e" "#c5b0d5" "#8c564b" "#e377c2")
    shift 2
    for t in "$@"; do
        has_target "$t" || continue
        col=$(head -1 "$SUMMARY" | tr , '\n' | grep -nx "${t}_vs_tmpfs" | cut -d: -f1)
        [ -n "$col" ] || continue
        [ -n "$plot" ] && plot+=", "
        if [ -z "$plot" ]; then plot+="\"$SUMMARY\" using $col:xtic(1)"; else plot+="\"\" using $col"; fi
        plot+=" title \"${LABEL[$t]}\" lc rgb \"${colors[i % ${#colors[@]}]}\""
        i=$((i + 1))
    done
    [ -n "$plot" ] || return 0
    n=$(($(wc -l <"$SUMMARY") - 1))
    gnuplot <<EOF || log "gnuplot failed: no chart $png"
set terminal pngcairo size 2000,850 font ",10" noenhanced
set output "$png"
set datafile separator ","
set datafile missing "NA"
set title "$title (1 = tmpfs; higher is better; log scale), best of $ROUNDS round(s)"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
set logscale y
set yrange [0.005:*]
set grid ytics
set xtics rotate by -50 scale 0 font ",9"
set key top right
set xrange [-1:$((n + 1))]
set key autotitle columnhead
plot $plot, 1 notitle with lines lc rgb "black" dt 2
EOF
}
chart "$OUT/$STAMP.png" "MEMFS and memfs-fuse3: speed relative to tmpfs" \
    memfs memfs_w memfs_uring fsp fsp_uring libfuse
chart "$OUT/$STAMP-passthrough.png" "Passthrough samples: speed relative to tmpfs" \
    ptll ptll_kpt ptll_libfuse ptf3 ptf3_libfuse
for t in "${TUNE_TARGETS[@]}"; do
    has_target "$t" || continue
    chart "$OUT/$STAMP-tuning.png" "MEMFS with one knob turned (FSP_TUNE): speed relative to tmpfs" \
        memfs "${TUNE_TARGETS[@]}"
    log "wrote $OUT/$STAMP-tuning.png"
    break
done
log "wrote $OUT/$STAMP{.csv,-raw.csv,.txt,.md,.png,-passthrough.png}"
