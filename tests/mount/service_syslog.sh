#!/usr/bin/env bash
# service_syslog.sh - the service framework's messages reach syslog.
#
# In service mode (not interactive: stdin not a terminal and console mode not
# allowed, or detached by FspServiceDetach) FspServiceLog sends each message
# to syslog, facility LOG_DAEMON, the service's name as ident, with its PID.
# Neither this machine nor a fresh CI machine need have a /dev/log, and the
# host's must not be touched: the test runs in a private mount namespace
# (unshare -m --propagation private) whose /dev is a new tmpfs holding the
# few devices needed (null, zero, urandom, fuse) and tests/tools/logsink, a
# datagram socket at /dev/log that writes each message down as sent.
#
# There tests/tools/svclog, a service on FspServiceCreate/FspServiceLoop,
# logs "started" from OnStart (LOG_INFO), fails its first stop in OnStop,
# which the framework reports (LOG_ERR), then logs "stopping" (LOG_WARNING)
# at the second; `svclog fail` logs an error and fails OnStart (exit 13,
# EACCES); and `memfs -b` on a missing mount point, a real daemon, reports
# the failure from the detached child (LOG_ERR, ident memfs, the child's
# PID). The messages must arrive in that order with exactly those
# priorities, idents and PIDs, and none on the services' stderr.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs
SVC=$FSP_BUILD/tests/svclog
SINK=$FSP_BUILD/tests/logsink
fsp_need_built service_syslog "$MEMFS" "$SVC" "$SINK"
fsp_need_root service_syslog
fsp_need_tools service_syslog unshare mknod mount

T=$FSP_TMP/ns
mkdir -p "$T"

# The part that runs in the namespace. It prints nothing the outer script
# checks but files in $T: log (what reached /dev/log), pids (every process
# it started, for the cleanup), and the exit status of each run.
cat >"$T/inner.sh" <<'EOF'
T=$1 SVC=$2 SINK=$3 MEMFS=$4
# wait_for SECONDS CMD...: poll CMD, bounded.
wait_for() {
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 20; i++)); do
        "$@" && return 0
        sleep 0.05
    done
    return 1
}
in_log() { grep -q -- "$1" "$T/log"; }

mount -t tmpfs -o mode=0755,size=1m fsp-syslog-dev /dev || exit 1
mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 &&
    mknod -m 666 /dev/urandom c 1 9 && mknod -m 666 /dev/fuse c 10 229 || exit 1
ln -s /proc/self/fd /dev/fd

"$SINK" /dev/log 60 >"$T/log" 2>"$T/sink.err" &
sink=$!
echo "$sink" >>"$T/pids"
wait_for 10 test -S /dev/log || { echo "no /dev/log"; exit 1; }

# svclog: start, a failed stop, a stop.
"$SVC" </dev/null >"$T/svc.out" 2>"$T/svc.err" &
svc=$!
echo "$svc" >>"$T/pids"
echo "$svc" >"$T/svc.pid"
wait_for 10 in_log ": started" || echo "no start message"
kill -TERM "$svc"
wait_for 10 in_log "failed to stop" || echo "no failed stop message"
kill -TERM "$svc"
if wait_for 10 eval '! kill -0 "$svc" 2>/dev/null'; then
    wait "$svc"
    echo $? >"$T/svc.rc"
fi

# svclog fail: OnStart fails.
"$SVC" fail </dev/null >"$T/fail.out" 2>"$T/fail.err" &
fail=$!
echo "$fail" >>"$T/pids"
echo "$fail" >"$T/fail.pid"
if wait_for 10 eval '! kill -0 "$fail" 2>/dev/null'; then
    wait "$fail"
    echo $? >"$T/fail.rc"
fi

# memfs -b on a missing mount point: the daemon's failure.
"$MEMFS" -b -m "$T/missing" </dev/null >"$T/memfs.out" 2>"$T/memfs.err" &
memfs=$!
echo "$memfs" >>"$T/pids"
echo "$memfs" >"$T/memfs.pid"
if wait_for 15 eval '! kill -0 "$memfs" 2>/dev/null'; then
    wait "$memfs"
    echo $? >"$T/memfs.rc"
fi
wait_for 10 in_log "memfs\[" || echo "no memfs message"

sleep 0.2 # late datagrams
kill -TERM "$sink"
wait "$sink"
EOF

devlog=$(ls -l /dev/log 2>&1)
timeout -k 5 90 unshare -m --propagation private bash "$T/inner.sh" "$T" "$SVC" "$SINK" "$MEMFS" \
    >"$T/inner.out" 2>&1
rc=$?
# Whatever it left running is ours to end (the namespace had no PID one).
while read -r pid; do
    _fsp_pids+=("$pid")
    kill -TERM "$pid" 2>/dev/null
done <"$T/pids" 2>/dev/null
check "the namespace part ran to its end (exit $rc)" [ "$rc" -eq 0 ]
sed 's/^/    /' "$T/inner.out"
fsp_same "the host's /dev/log is as it was" "$devlog" "$(ls -l /dev/log 2>&1)"

svc=$(cat "$T/svc.pid" 2>/dev/null)
fail=$(cat "$T/fail.pid" 2>/dev/null)
check "svclog: stops with 0 at the second SIGTERM" [ "$(cat "$T/svc.rc" 2>/dev/null)" == 0 ]
check "svclog fail: exits 13 (EACCES)" [ "$(cat "$T/fail.rc" 2>/dev/null)" == 13 ]
check "memfs -b on a missing mount point: exits 1" [ "$(cat "$T/memfs.rc" 2>/dev/null)" == 1 ]
check "service mode: nothing on svclog's stderr" [ ! -s "$T/svc.err" -a ! -s "$T/fail.err" ]

# What arrived, the timestamp taken out ("<PRI>Mmm dd hh:mm:ss ident[pid]:
# message" as syslog(3) sends it) and memfs's daemon PID checked apart.
got=$(sed -E 's/^(<[0-9]+>)[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} /\1 /' "$T/log")
daemon=$(sed -nE 's/^<[0-9]+> memfs\[([0-9]+)\]: .*/\1/p' <<<"$got" | head -1)
command=$(cat "$T/memfs.pid" 2>/dev/null)
check "memfs -b: the message comes from the detached daemon ($daemon), not the command ($command)" \
    [ -n "$daemon" -a "$daemon" != "$command" ]
want="<30> svclog[$svc]: started
<27> svclog[$svc]: the service failed to stop (status 0xc0000001)
<28> svclog[$svc]: stopping
<27> svclog[$fail]: refusing to start
<27> memfs[$daemon]: mount point '$T/missing': No such file or directory"
fsp_same "syslog: LOG_DAEMON with the right priority, ident and PID, in order" "$want" "$got"
fsp_done
