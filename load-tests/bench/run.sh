#!/usr/bin/env bash
# load-tests/bench/run.sh — siplb against Kamailio, side by side, on this machine, in one run.
#
# The same traffic (siplb's load generator, INVITE/180/200/ACK/BYE/200 calls, hold 0) goes through
#   direct     the caller straight to one backend: the harness's own ceiling;
#   relay      (UDP, the p99 point only) socat relaying the datagrams to that backend and its answers back: one more
#              process on the path and no SIP work, the floor under any proxy's p99 added on this machine;
#   siplb      stateful (round-robin over two backends, record-route, failover armed: fr-timeout and failover codes),
#              and stateless (UDP), with bin/siplb's JVM options (Shenandoah); over UDP also the stateful siplb on
#              the G1 collector (siplb-g1);
#   kamailio   Kamailio 5.6 with dispatcher, the usual stateful configuration (kamailio-stateful.cfg: tm,
#              ds_select_dst round-robin, record_route, failure_route with ds_next_dst), 'children' tuned on UDP
#              among 1, 2, 4, 8; and stateless (kamailio-stateless.cfg: forward() without tm; UDP).
# over UDP->UDP, TCP->TCP and TLS->TLS, and measures for each: the highest offered rate with <= 0.1 % failed calls
# over 30 s (a sweep, then a 30 s confirmation), the proxy's CPU seconds per 1,000 calls at 1,000 calls/s
# (utime+stime of its processes from /proc/PID/stat), the p99 INVITE->200 at half of Kamailio's maximum (the added
# latency is the through-proxy p99 minus the direct p99 of the same repetition), and resident memory. sipp
# (sip-tester) cross-checks the UDP figures. Everything runs on 127.0.0.1; every process the script starts is
# stopped by its pid on exit (trap); every run is bounded in time. Run with --help for the options.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
  cat <<'EOF'
Usage: load-tests/bench/run.sh [--quick | --full] [OPTIONS]

Runs siplb, Kamailio and the direct path side by side on loopback and writes the results (results.tsv,
summary.md, the generator's JSON files and charts) to the output directory.

  --quick               short steps, one repetition, Kamailio children 2 only (about 5 minutes per transport:
                        5 min 18 s for --transports udp on 3 Dec 2026)
  --full                the measured run (default): 30 s confirmations, repeated fixed-rate points, Kamailio
                        children 1, 2, 4, 8 tried on UDP: about 45 minutes for the three transports (43 min on a quiet
                        machine on 3 Dec 2026; the UDP block alone, with --children 2 --reps 1, about 16)
  --out DIR             output directory (default load-tests/target/bench/<UTC time>)
  --transports LIST     comma-separated, among udp,tcp,tls (default udp,tls,tcp)
  --reps N              repetitions of each fixed-rate point over UDP (default: full 3, quick 1)
  --stream-reps N       the same over TCP and TLS (default 1)
  --children LIST       Kamailio children (and tcp_children) values to try (default: full 1,2,4,8, quick 2)
  --sweep FROM:TO:STEP  the rate sweep of every target (default: full 500:5000:500, quick 500:3500:1000)
  --step-duration S     seconds per sweep step (default 2)
  --confirm-duration S  seconds of the confirmation run at the sweep's highest clean rate (default: full 30,
                        quick 4); a run that is not clean is repeated a fifth lower (at least one step), at most 6 times
  --fixed-duration S    seconds measured at a fixed rate, after as many seconds at half that rate (default:
                        full 5, quick 2)
  --cpu-rate N          the fixed rate of the CPU measurement (default 1000 calls/s)
  --latency-rate N      the rate of the p99 point (default: half of stateful Kamailio's maximum in this run), so
                        that runs on machines of different hours stay comparable (e.g. 750)
  --latency-duration S  seconds measured at the p99 point, after as many at half its rate (default: --fixed-duration);
                        a 5 s step at 750 calls/s puts the p99 on the 38 slowest of 3,750 calls
  --latency-only        only the p99 points (with the relay's, unless --no-relay): no sweeps, no CPU runs, no sipp,
                        Kamailio with the first of --children; needs --latency-rate
  --gen-warm-up S       seconds of uncounted calls at its first rate that every generator run starts with
                        (--warm-up; default: full 3, quick 2)
  --warm-duration S     seconds of calls at 100, 200, 300 then 400/s through each target before it is measured
                        (default: full 8, quick 2): the JIT warm-up of siplb and of the backends
  --no-sipp             leave out the sipp cross-check
  --no-relay            leave out the relay (socat) p99 point
  --residence           over UDP, one more run per proxy at half of Kamailio's maximum with tcpdump capturing loopback:
                        each message's residence in the proxy (bench/residence.py), in residence-udp-TARGET.txt
  --jfr                 record the stateful siplb of each transport with Java Flight Recorder (settings=profile,
                        which costs siplb a little CPU) and list its top frames in jfr-top-frames-TRANSPORT.txt
  --port-base N         first of the loopback ports used (default 27000; the script uses N .. N+299)
  --help                print this help

Needs: java 17 (proxy/target/siplb.jar and load-tests/target/benchmarks.jar built, e.g. with
'mvn -q -B -ntp -o install -DskipTests'), /usr/sbin/kamailio with kamailio-tls-modules, /usr/bin/sipp
(sip-tester), socat (the relay; not with --no-relay), tcpdump and python3 (--residence only), openssl, jq, ss.
Exit status: 0 when every run ran (targets met or not), 1 on an error.
EOF
}

# ---------------------------------------------------------------------------------------------------- options
profile=full
out=""
transports="udp,tls,tcp"
reps=""
stream_reps=""
children_list=""
sweep=""
step_duration=""
confirm_duration=""
fixed_duration=""
cpu_rate=1000
latency_rate=""
latency_duration=""
latency_only=0
warm_sweep=100:400:100
warm_duration=""
gen_warm_duration=""
with_sipp=1
with_relay=1
with_residence=0
with_jfr=0
port_base=27000
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) profile=quick ;;
    --full) profile=full ;;
    --out) out=$2; shift ;;
    --transports) transports=$2; shift ;;
    --reps) reps=$2; shift ;;
    --stream-reps) stream_reps=$2; shift ;;
    --children) children_list=$2; shift ;;
    --sweep) sweep=$2; shift ;;
    --step-duration) step_duration=$2; shift ;;
    --confirm-duration) confirm_duration=$2; shift ;;
    --fixed-duration) fixed_duration=$2; shift ;;
    --cpu-rate) cpu_rate=$2; shift ;;
    --latency-rate) latency_rate=$2; shift ;;
    --latency-duration) latency_duration=$2; shift ;;
    --latency-only) latency_only=1 ;;
    --warm-duration) warm_duration=$2; shift ;;
    --gen-warm-up) gen_warm_duration=$2; shift ;;
    --no-sipp) with_sipp=0 ;;
    --no-relay) with_relay=0 ;;
    --residence) with_residence=1 ;;
    --jfr) with_jfr=1 ;;
    --port-base) port_base=$2; shift ;;
    --help|-h) usage; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 1 ;;
  esac
  shift
done
if [ "$profile" = quick ]; then
  : "${reps:=1}" "${stream_reps:=1}" "${children_list:=2}" "${sweep:=500:3500:1000}" "${step_duration:=2}"
  : "${confirm_duration:=4}" "${fixed_duration:=2}" "${warm_duration:=2}" "${gen_warm_duration:=2}"
else
  : "${reps:=3}" "${stream_reps:=1}" "${children_list:=1,2,4,8}" "${sweep:=500:5000:500}" "${step_duration:=2}"
  : "${confirm_duration:=30}" "${fixed_duration:=5}" "${warm_duration:=8}" "${gen_warm_duration:=3}"
fi
IFS=: read -r sweep_from sweep_to sweep_step <<<"$sweep"
: "${latency_duration:=$fixed_duration}"
if [ "$latency_only" = 1 ]; then
  [ -n "$latency_rate" ] || { echo "run.sh: --latency-only needs --latency-rate" >&2; exit 1; }
  with_sipp=0
fi
for v in "$latency_duration" "$reps" "$stream_reps" "$warm_duration" "$gen_warm_duration" "$step_duration" "$confirm_duration" "$fixed_duration" "$cpu_rate" "$port_base" \
         "$sweep_from" "$sweep_to" "$sweep_step"; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "run.sh: '$v' is not a whole number (see --help)" >&2; exit 1; }
done
[ -z "$latency_rate" ] || [[ "$latency_rate" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --latency-rate '$latency_rate' is not a positive whole number" >&2; exit 1; }
warm_step="$(( warm_duration * 1000 / 4 ))ms"
[ -n "$out" ] || out="$root/load-tests/target/bench/$(date -u +%Y%m%dT%H%M%SZ)"
# siplb's configs in a directory of their own: siplb watches its config's directory for changes, and every file
# written next to the config (a capture, the generator's output) would wake its watcher threads
mkdir -p "$out" "$out/siplb-conf"
out=$(cd "$out" && pwd)

siplb_jar="$root/proxy/target/siplb.jar"
gen_jar="$root/load-tests/target/benchmarks.jar"
kamailio=/usr/sbin/kamailio
sipp=/usr/bin/sipp
modules_dir=/usr/lib/x86_64-linux-gnu/kamailio/modules
for f in "$siplb_jar" "$gen_jar"; do
  [ -f "$f" ] || { echo "run.sh: $f is missing; build it: (cd $root && mvn -q -B -ntp -o install -DskipTests)" >&2; exit 1; }
done
[ -x "$kamailio" ] || { echo "run.sh: $kamailio is missing: apt-get install -y kamailio kamailio-tls-modules" >&2; exit 1; }
[ -f "$modules_dir/tls.so" ] || { echo "run.sh: $modules_dir/tls.so is missing: apt-get install -y kamailio-tls-modules" >&2; exit 1; }
[ "$with_sipp" = 0 ] || [ -x "$sipp" ] || { echo "run.sh: $sipp is missing: apt-get install -y sip-tester" >&2; exit 1; }
[ "$with_residence" = 0 ] || { command -v tcpdump >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; } || { echo "run.sh: --residence needs tcpdump and python3: apt-get install -y tcpdump python3" >&2; exit 1; }
[ "$with_relay" = 0 ] || command -v socat >/dev/null 2>&1 || { echo "run.sh: socat is missing: apt-get install -y socat (or --no-relay)" >&2; exit 1; }
for c in java openssl jq ss awk; do
  command -v "$c" >/dev/null 2>&1 || { echo "run.sh: '$c' is needed" >&2; exit 1; }
done
clk_tck=$(getconf CLK_TCK)
java_opts=(-Xms256m -Xmx1g)
# siplb's JVM options as bin/siplb starts 'run' with them (Shenandoah where the JVM has it)
siplb_default_opts=$("$root/bin/siplb" jvm-options)

# ---------------------------------------------------------------------------------------------------- processes
started=()          # every pid this script started, stopped on exit
log() { printf '%s  %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$out/run.log" >&2; }

stop_pid() {        # stop_pid PID: SIGTERM, SIGKILL after 5 s; only a pid this script started
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${started[@]}"; do stop_pid "$pid"; done
  started=()
}
trap cleanup EXIT
trap 'log "interrupted"; exit 1' INT TERM

forget_pid() { local p keep=(); for p in "${started[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done; started=("${keep[@]}"); }
stop() { stop_pid "$1"; forget_pid "$1"; }

wait_for_line() {   # wait_for_line FILE REGEX SECONDS PID
  local i
  for i in $(seq $(( $3 * 10 ))); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    kill -0 "$4" 2>/dev/null || { log "process $4 ended before '$2' appeared in $1"; tail -5 "$1" >&2; return 1; }
    sleep 0.1
  done
  log "'$2' did not appear in $1 within $3 s"; return 1
}
wait_for_elapsed() { # wait_for_elapsed FILE SECONDS TIMEOUT PID: until a progress line says SECONDS or later
  local i
  for i in $(seq $(( $3 * 20 ))); do
    awk -v n="$2" '/^ *[0-9]+s  started/ { v = $1; sub(/s$/, "", v); if (v + 0 >= n) { found = 1; exit } }
                   END { exit !found }' "$1" 2>/dev/null && return 0
    kill -0 "$4" 2>/dev/null || { log "the generator ended before its progress reached ${2}s ($1)"; return 1; }
    sleep 0.05
  done
  log "the generator's progress did not reach ${2}s within $3 s ($1)"; return 1
}
wait_for_port() {   # wait_for_port udp|tcp PORT SECONDS PID
  local i flag=-u
  [ "$1" = tcp ] && flag=-t
  for i in $(seq $(( $3 * 10 ))); do
    [ -n "$(ss -Hln $flag "sport = :$2" 2>/dev/null)" ] && return 0
    kill -0 "$4" 2>/dev/null || { log "process $4 ended before listening on $1 port $2"; return 1; }
    sleep 0.1
  done
  log "nothing listens on $1 port $2 after $3 s"; return 1
}

# Processes of a proxy: its pid and, for Kamailio, the processes it forked (read once, after start-up).
proc_tree() {
  awk -v parent="$1" 'BEGIN { print parent } FNR == 1 { rest = $0; sub(/^.*\) /, "", rest); split(rest, f, " ");
       if (f[2] == parent) print $1 }' /proc/[0-9]*/stat 2>/dev/null || true   # processes may end meanwhile
}
cpu_ticks() {       # cpu_ticks PID...: utime + stime of the processes, in clock ticks
  local t=0 p v
  for p in "$@"; do
    v=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)
    t=$(( t + v ))
  done
  echo "$t"
}
mem_kib() {         # mem_kib PID...: "RSS PSS" summed over the processes, in KiB
  local rss=0 pss=0 p r s
  for p in "$@"; do
    r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
    s=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    rss=$(( rss + ${r:-0} )); pss=$(( pss + ${s:-0} ))
  done
  echo "$rss $pss"
}
load1() { awk '{ print $1 }' /proc/loadavg; }

# settle: wait until the processes this script started (and their children) are quiet, under 5 % of a CPU over a
# second, at most 45 s: after an overloaded step the backends retransmit their unacknowledged 200s (up to 64 T1,
# 16 s with the backends' T1 of 250 ms) and
# the proxies their transactions' messages, which would load the next measurement.
settle() {
  local i a b pids=() p
  for p in "${started[@]}"; do pids+=($(proc_tree "$p")); done
  for i in $(seq 45); do
    a=$(cpu_ticks "${pids[@]}"); sleep 1; b=$(cpu_ticks "${pids[@]}")
    [ $(( b - a )) -le $(( clk_tck / 20 )) ] && return 0
  done
  log "  still busy after 45 s (load $(load1))"
}

# ---------------------------------------------------------------------------------------------------- results
results="$out/results.tsv"
printf 'transport\ttarget\tmetric\trep\tvalue\tload1\tnote\n' > "$results"
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$(load1)" "${6:-}" >> "$results"; }
result() {          # result TRANSPORT TARGET METRIC: the median over the repetitions (empty if none)
  awk -F'\t' -v t="$1" -v g="$2" -v m="$3" '$1 == t && $2 == g && $3 == m && $5 != "" { print $5 }' "$results" \
    | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
spread() {          # spread TRANSPORT TARGET METRIC: "min..max" over the repetitions
  awk -F'\t' -v t="$1" -v g="$2" -v m="$3" '$1 == t && $2 == g && $3 == m && $5 != "" { print $5 }' "$results" \
    | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR > 1) printf "%s..%s", lo, hi }'
}

# ---------------------------------------------------------------------------------------------------- set-up
pki="$out/pki"
make_pki() {
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" -days 7 \
    -subj "/CN=siplb bench CA" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -keyout "$pki/leaf.key" -out "$pki/leaf.csr" -subj "/CN=127.0.0.1" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' \
    > "$pki/leaf.ext"
  openssl x509 -req -in "$pki/leaf.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 7 \
    -extfile "$pki/leaf.ext" -out "$pki/cert.pem" >/dev/null 2>&1
  openssl pkcs8 -topk8 -nocrypt -in "$pki/leaf.key" -out "$pki/key.pem"
  sed -e "s|@CERTIFICATE@|$pki/cert.pem|" -e "s|@PRIVATE_KEY@|$pki/key.pem|" -e "s|@CA_LIST@|$pki/ca.pem|" \
    "$here/tls.cfg" > "$out/kamailio-tls.cfg"
}

# Ports: each transport its own block of 100 (udp +0, tcp +100, tls +200) so that no port is reused.
block_base() { case "$1" in udp) echo "$port_base" ;; tcp) echo $(( port_base + 100 )) ;; tls) echo $(( port_base + 200 )) ;; esac; }
uri_param() { case "$1" in udp) echo "" ;; *) echo ";transport=$1" ;; esac; }

start_uas() {       # start_uas TRANSPORT PORT NAME -> pid in $REPLY
  local log_file="$out/uas-$1-$3.out" args=()
  [ "$1" = tls ] && args=(--cert "$pki/cert.pem" --key "$pki/key.pem")
  java "${java_opts[@]}" -cp "$gen_jar" io.siplb.loadtests.gen.LoadMain uas --transport "$1" \
    --listen "127.0.0.1:$2" --name "$3" --threads 1 --t1 250ms --duration 3600s "${args[@]}" > "$log_file" 2>&1 &
  REPLY=$!; started+=("$REPLY")
  wait_for_port "$( [ "$1" = udp ] && echo udp || echo tcp )" "$2" 30 "$REPLY"
}

start_siplb() {     # start_siplb NAME MODE TRANSPORT PORT BACKEND_PORT... -> pid in $REPLY
  local name=$1 mode=$2 tr=$3 port=$4 d="" p conf="$out/siplb-conf/siplb-$1.conf" tls=""
  shift 4
  for p in "$@"; do d+="\"sip:127.0.0.1:$p$(uri_param "$tr")\", "; done
  [ "$tr" = tls ] && tls="tls { certificate = \"$pki/cert.pem\", private-key = \"$pki/key.pem\", ca-bundle = \"$pki/ca.pem\" }"
  cat > "$conf" <<EOF
# siplb of load-tests/bench/run.sh ($name): $mode, $tr, round-robin over the backends, record-route; failover
# (stateful) with the defaults: fr-timeout 2s, failover codes 408, 500, 502, 503, 504.
siplb {
  listen = ["$tr:127.0.0.1:$port"]
  proxy { mode = $mode, record-route = true }
  admin.listen = ""
  $tls
  dispatcher {
    sets = [ { id = 1, algorithm = round-robin, destinations = [ ${d%, } ] } ]
    # destinations taken out by the passive health signal (failover) come back once they answer a probe
    probing { interval = 1s, mode = inactive }
  }
}
EOF
  local jfr=()
  [ "$with_jfr" = 1 ] && [ "$mode" = stateful ] && \
    jfr=("-XX:StartFlightRecording=filename=$out/siplb-$name.jfr,settings=profile,dumponexit=true")
  java ${siplb_opts:-$siplb_default_opts} "${jfr[@]}" -jar "$siplb_jar" run -c "$conf" > "$out/siplb-$name.out" 2>&1 &
  REPLY=$!; started+=("$REPLY")
  wait_for_line "$out/siplb-$name.out" "siplb is running" 60 "$REPLY"
}

# start_relay PORT BACKEND_PORT -> pid in $REPLY: socat forks one child per caller socket (fork), connected to the
# backend; a child ends after 10 s without traffic (-T 10); stop_relay stops the children and then the parent
start_relay() {
  socat -T 10 "UDP4-LISTEN:$1,bind=127.0.0.1,fork,reuseaddr" "UDP4:127.0.0.1:$2" > "$out/relay-$1.out" 2>&1 &
  REPLY=$!; started+=("$REPLY")
  wait_for_port udp "$1" 10 "$REPLY"
}
stop_relay() {
  local c
  for c in $(proc_tree "$1"); do [ "$c" = "$1" ] || stop_pid "$c"; done
  stop "$1"
}

start_kamailio() {  # start_kamailio NAME CFG CHILDREN PORT TLS_PORT LIST_FILE -> pid in $REPLY
  local name=$1 cfg="$out/kamailio-$1.cfg"
  sed -e "s|@CHILDREN@|$3|" -e "s|@PORT@|$4|g" -e "s|@TLS_PORT@|$5|g" -e "s|@MODULES_DIR@|$modules_dir|" \
      -e "s|@TLS_CFG@|$out/kamailio-tls.cfg|" -e "s|@LIST_FILE@|$6|" "$here/$2" > "$cfg"
  # -DD: stay in the foreground (no daemon), so that $! is Kamailio's main process. -m: 1 GiB shared memory,
  # -M: 64 MiB private memory per process: more than a run needs.
  "$kamailio" -DD -E -f "$cfg" -m 1024 -M 64 -w "$out" > "$out/kamailio-$name.out" 2>&1 &
  REPLY=$!; started+=("$REPLY")
  wait_for_port udp "$4" 30 "$REPLY"
  sleep 1   # the children fork after the sockets are bound
}

# ---------------------------------------------------------------------------------------------------- runs
# uac TRANSPORT PORT JSON LOG ARGS...: one generator run (bounded by timeout), its exit status ignored. Every run
# starts with gen_warm_duration s of calls at its first rate that it does not count (--warm-up): a new generator
# JVM compiles its hot paths during its first second, and without the warm-up that second's stalls (100-250 ms
# here) would be the p99 of every run, through a proxy or not.
uac() {
  local tr=$1 port=$2 json=$3 log_file=$4 args=()
  shift 4
  [ "$tr" = tls ] && args=(--ca "$pki/ca.pem")
  timeout 600 java "${java_opts[@]}" -Djava.awt.headless=true -cp "$gen_jar" io.siplb.loadtests.gen.LoadMain uac \
    --transport "$tr" --target "127.0.0.1:$port" --sockets 4 --threads 2 --timeout 4s "${args[@]}" \
    --warm-up "${gen_warm_duration}s" --json "$json" "$@" > "$log_file" 2>&1 || true
}
clean_step() {      # clean_step JSON INDEX: 0 when step INDEX had <= 0.1 % failed (and unfinished) calls
  jq -e --argjson i "$2" '.steps[$i] | select(.attempted > 0 and (.attempted - .completed) * 1000 <= .attempted)' "$1" >/dev/null 2>&1
}

# sweep TRANSPORT TARGET PORT: the sweep; prints the highest rate up to which every step was clean (0: none)
sweep() {
  local tr=$1 target=$2 port=$3 json="$out/sweep-$1-$2.json" best=0 i n
  uac "$tr" "$port" "$json" "$out/sweep-$tr-$target.out" --sweep "$sweep" --step-duration "${step_duration}s" \
    --charts "$out/charts-sweep-$tr-$target"
  settle
  n=$(jq '.steps | length' "$json" 2>/dev/null || echo 0)
  for i in $(seq 0 $(( n - 1 ))); do
    clean_step "$json" "$i" || break
    best=$(jq -r --argjson i "$i" '.steps[$i].offered_rate | floor' "$json")
  done
  jq -r '.steps[] | [.offered_rate, .throughput_per_s, .p99_ms, .failed] | @tsv' "$json" 2>/dev/null \
    | awk -v t="$tr" -v g="$target" '{ print t "\t" g "\t" $0 }' >> "$out/sweeps.tsv"
  echo "$best"
}

# fixed TRANSPORT TARGET PORT RATE JSON [SECONDS]: warm-up at RATE/2 for SECONDS, then RATE for SECONDS (default
# fixed_duration); prints "p99_ms completed failed cpu_s": the measured step's p99 INVITE->200, its calls, and the CPU
# seconds the proxy's processes ($proxy_pids) spent in it (read at the generator's progress lines of the step's start and end).
proxy_pids=()
fixed() {
  local tr=$1 target=$2 port=$3 rate=$4 json=$5 secs=${6:-$fixed_duration} log_file=${5%.json}.out half c0 c1 pid
  half=$(( rate / 2 )); [ "$half" -ge 1 ] || half=1
  uac "$tr" "$port" "$json" "$log_file" --sweep "$half:$rate:$(( rate - half ))" \
      --step-duration "${secs}s" --progress &
  pid=$!
  c0=""; c1=""
  if [ "${#proxy_pids[@]}" -gt 0 ]; then
    # progress lines are "   Ns  started ..." with N the seconds since the schedule started
    if wait_for_elapsed "$log_file" "$secs" $(( secs + 60 )) "$pid"; then
      c0=$(cpu_ticks "${proxy_pids[@]}")
      if wait_for_elapsed "$log_file" $(( 2 * secs )) $(( secs + 60 )) "$pid"; then
        c1=$(cpu_ticks "${proxy_pids[@]}")
      fi
    fi
  fi
  wait "$pid" || true
  settle
  local p99 completed failed
  p99=$(jq -r '.steps[1].p99_ms // empty' "$json" 2>/dev/null || true)
  completed=$(jq -r '.steps[1].completed // 0' "$json" 2>/dev/null || echo 0)
  failed=$(jq -r '(.steps[1].attempted // 0) - (.steps[1].completed // 0)' "$json" 2>/dev/null || echo 0)
  local cpu=""
  [ -n "$c0" ] && [ -n "$c1" ] && cpu=$(awk -v a="$c0" -v b="$c1" -v t="$clk_tck" 'BEGIN { printf "%.3f", (b - a) / t }')
  echo "${p99:-nan} $completed $failed ${cpu:-nan}"
}

# residence TARGET PORT RATE: one generator run at RATE for fixed_duration s with tcpdump capturing the proxy's port
# and the backends' on loopback; residence-udp-TARGET.txt gets bench/residence.py's table (the capture is deleted)
residence() {
  local g=$1 port=$2 rate=$3 pcap="$out/residence-udp-$1.pcap" tp
  tcpdump -i lo -s 0 -j adapter_unsynced --time-stamp-precision=nano -w "$pcap" \
    "udp and (port $port or port $uas_a or port $uas_b)" > "$out/tcpdump-$g.out" 2>&1 &
  tp=$!; started+=("$tp")
  sleep 1
  uac udp "$port" "$out/residence-udp-$g.json" "$out/residence-udp-$g.out" --rate "$rate" --duration "${fixed_duration}s"
  sleep 1
  stop "$tp"
  # left out: the generator's warm-up, which starts with the first request
  python3 "$here/residence.py" "$pcap" "$port" "$uas_a,$uas_b" --skip "$gen_warm_duration" \
    > "$out/residence-udp-$g.txt" 2>&1 || log "  residence $g: $(tail -1 "$out/residence-udp-$g.txt")"
  rm -f "$pcap"
  settle
}
# resid_of TARGET MESSAGE: "p50 p99" in us of MESSAGE (e.g. "INVITE", "200 INVITE") in residence-udp-TARGET.txt
resid_of() {
  awk -v m="$2" 'NR > 2 { k = $1; i = 2; if ($2 ~ /^[A-Z]+$/) { k = $1 " " $2; i = 3 }
                          if (k == m) print $(i + 1) " / " $(i + 3) }' "$out/residence-udp-$1.txt" 2>/dev/null
}

# p99_point TRANSPORT TARGET REP: the fixed run at half_sf calls/s; records its p99, its failed calls and (not for
# direct, whose p99 it keeps in direct_p99 as the baseline of the repetition) the p99 added; leaves p99 and failed set
p99_point() {
  local tr=$1 g=$2 rep=$3 done_calls cpu
  read -r p99 done_calls failed cpu <<<"$(fixed "$tr" "$g" "${port_of[$g]}" "$half_sf" "$out/half-$tr-$g-$rep.json" "$latency_duration")"
  record "$tr" "$g" p99_at_half_ms "$rep" "$p99" "at $half_sf calls/s"
  record "$tr" "$g" failed_at_half "$rep" "$failed" "at $half_sf calls/s"
  if [ "$g" = direct ]; then
    direct_p99=$p99
  elif [ "$p99" != nan ] && [ "${direct_p99:-nan}" != nan ]; then
    record "$tr" "$g" p99_added_ms "$rep" "$(awk -v a="$p99" -v b="$direct_p99" 'BEGIN { printf "%.3f", a - b }')" \
      "minus direct $direct_p99 ms, same repetition, at $half_sf calls/s"
  fi
}

# confirm TRANSPORT TARGET PORT RATE: confirm_duration s at RATE (one generator run; its JVM warm-up is in it);
# down by a fifth of the rate (in whole sweep steps, at least one; at most 6 tries) until a run has <= 0.1 % failed or
# unfinished calls; prints the confirmed rate (0: none). A 2 s sweep step is clean well above the rate that stays
# clean for 30 s, hence steps of a fifth rather than of one sweep step.
confirm() {
  local tr=$1 target=$2 port=$3 rate=$4 try json
  local down
  for try in 1 2 3 4 5 6; do
    [ "$rate" -ge 1 ] || break
    json="$out/confirm-$tr-$target-$rate.json"
    uac "$tr" "$port" "$json" "${json%.json}.out" --rate "$rate" --duration "${confirm_duration}s"
    settle
    if jq -e '.calls | select(.attempted > 0 and (.attempted - .completed) * 1000 <= .attempted)' "$json" >/dev/null 2>&1; then
      echo "$rate"; return
    fi
    log "  $target $tr: $rate calls/s not clean over ${confirm_duration} s ($(jq -r '.calls | "\(.attempted - .completed) of \(.attempted) failed or unfinished"' "$json" 2>/dev/null))"
    down=$(( rate / 5 / sweep_step * sweep_step )); [ "$down" -ge "$sweep_step" ] || down=$sweep_step
    rate=$(( rate - down ))
  done
  echo 0
}

# sipp_run TRANSPORT TARGET PORT RATE SECONDS: sipp UAC (sipp-uac.xml) at RATE for SECONDS; records its result
sipp_run() {
  local tr=$1 target=$2 port=$3 rate=$4 secs=$5 dir="$out/sipp-$2-$4" c0="" c1="" calls sipp_port=$(( port_base + 90 ))
  calls=$(( rate * secs ))
  mkdir -p "$dir"
  [ "${#proxy_pids[@]}" -gt 0 ] && c0=$(cpu_ticks "${proxy_pids[@]}")
  # direct: no proxy, so no Record-Route for the scenario to require
  local scenario="$here/sipp-uac.xml"
  if [ "$target" = direct ]; then
    scenario="$out/sipp-uac-direct.xml"
    sed -e 's/check_it="true"/check_it="false"/' "$here/sipp-uac.xml" > "$scenario"
  fi
  (cd "$dir" && timeout $(( secs + 60 )) "$sipp" -sf "$scenario" -i 127.0.0.1 -p "$sipp_port" -t u1 \
     -r "$rate" -m "$calls" -l 100000 -timeout $(( secs + 40 ))s -timeout_error -recv_timeout 10s \
     -trace_stat -fd 1 -trace_rtt -rtt_freq 1 -nostdin 127.0.0.1:"$port" > sipp.out 2>&1 < /dev/null) || true
  [ "${#proxy_pids[@]}" -gt 0 ] && c1=$(cpu_ticks "${proxy_pids[@]}")
  local stat ok fail p99
  stat=$(ls "$dir"/*_.csv 2>/dev/null | grep -v rtt | head -1 || true)
  ok=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "SuccessfulCall(C)") c = i } END { print $c }' "$stat" 2>/dev/null || echo "")
  fail=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "FailedCall(C)") c = i } END { print $c }' "$stat" 2>/dev/null || echo "")
  p99=$(cat "$dir"/*_rtt.csv 2>/dev/null | awk -F';' '$2 ~ /^[0-9.]+$/ { print $2 }' | sort -g \
        | awk '{ v[NR] = $1 } END { if (NR) print v[int(NR * 0.99 + 0.999)] }')
  record "$tr" "$target" sipp_completed 1 "${ok:-}" "sipp at $rate/s for $secs s"
  record "$tr" "$target" sipp_failed 1 "${fail:-}" "sipp at $rate/s"
  record "$tr" "$target" sipp_p99_ms 1 "${p99:-}" "sipp at $rate/s (ms resolution)"
  if [ -n "$c0" ] && [ -n "$c1" ] && [ -n "${ok:-}" ] && [ "${ok:-0}" -gt 0 ]; then
    record "$tr" "$target" sipp_cpu_s_per_1000 1 \
      "$(awk -v a="$c0" -v b="$c1" -v t="$clk_tck" -v n="$ok" 'BEGIN { printf "%.3f", (b - a) / t / n * 1000 }')" \
      "sipp at $rate/s, whole run"
  fi
  log "  sipp $target at $rate/s: successful ${ok:-?}, failed ${fail:-?}, p99 ${p99:-?} ms"
}

# ---------------------------------------------------------------------------------------------------- the run
t_start=$(date +%s)
p99_at="half Kamailio's max"
[ -z "$latency_rate" ] || p99_at="$latency_rate calls/s"
make_pki
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "profile: $profile; transports $transports; reps $reps; children $children_list; sweep $sweep x ${step_duration}s;"
  echo "  confirm ${confirm_duration}s; fixed ${fixed_duration}s (after as long at half rate); cpu rate $cpu_rate/s;"
  echo "  p99 point ${latency_duration}s at $p99_at$( [ "$latency_only" = 0 ] || echo ", p99 points only")"
  echo "host: $(uname -srm); $(nproc) CPUs: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "kamailio: $("$kamailio" -v 2>&1 | head -1)"
  [ "$with_sipp" = 0 ] || echo "sipp: $("$sipp" -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -1)"
  echo "uptime at start: $(uptime)"
} > "$out/machine.txt"
cat "$out/machine.txt" >&2
printf 'transport\ttarget\toffered\tthroughput\tp99_ms\tfailed\n' > "$out/sweeps.tsv"

IFS=, read -r -a children_values <<<"$children_list"
IFS=, read -r -a transport_list <<<"$transports"
best_children=${children_values[0]}   # tuned in the UDP block; without UDP, the first of --children

for tr in "${transport_list[@]}"; do
  case "$tr" in udp|tcp|tls) ;; *) echo "run.sh: unknown transport '$tr'" >&2; exit 1 ;; esac
  base=$(block_base "$tr")
  uas_a=$(( base + 80 )); uas_b=$(( base + 82 ))
  log "== $tr: backends (generator UAS) on $uas_a and $uas_b"
  start_uas "$tr" "$uas_a" a; pid_uas_a=$REPLY
  start_uas "$tr" "$uas_b" b; pid_uas_b=$REPLY
  list_file="$out/dispatcher-$tr.list"
  {
    echo "# sets 1 (udp), 2 (tcp), 3 (tls): the two backends of the transport block being run"
    for s in 1 2 3; do
      case $s in 1) p="" ;; 2) p=";transport=tcp" ;; 3) p=";transport=tls" ;; esac
      echo "$s sip:127.0.0.1:$uas_a$p"; echo "$s sip:127.0.0.1:$uas_b$p"
    done
  } > "$list_file"
  # the backends' JIT warm-up, before any measurement (Kamailio's children tuning included)
  uac "$tr" "$uas_a" "$out/warm-$tr-direct-a.json" "$out/warm-$tr-direct-a.out" --sweep "$warm_sweep" --step-duration "$warm_step"
  uac "$tr" "$uas_b" "$out/warm-$tr-direct-b.json" "$out/warm-$tr-direct-b.out" --sweep "$warm_sweep" --step-duration "$warm_step"
  settle

  # --- proxies of this block
  targets=(direct)
  declare -A port_of=() pids_of=()
  port_of[direct]=$uas_a
  start_siplb "sf-$tr" stateful "$tr" $(( base + 60 )) "$uas_a" "$uas_b"
  port_of[siplb]=$(( base + 60 )); pids_of[siplb]=$REPLY; targets+=(siplb)
  if [ "$tr" = udp ]; then
    start_siplb "sl-$tr" stateless udp $(( base + 62 )) "$uas_a" "$uas_b"
    port_of[siplb-stateless]=$(( base + 62 )); pids_of[siplb-stateless]=$REPLY
    # the same stateful siplb on the G1 collector (young pauses of tens of ms when the lingering transactions
    # are copied): what the default collector buys
    siplb_opts="${java_opts[*]} -XX:+UseG1GC" start_siplb "sfg-$tr" stateful udp $(( base + 64 )) "$uas_a" "$uas_b"
    port_of[siplb-g1]=$(( base + 64 )); pids_of[siplb-g1]=$REPLY; siplb_variants=(siplb-g1)
  else
    siplb_variants=()
  fi

  # --- Kamailio's children: tuned on UDP (the best clean sweep rate; ties: the lower p99 at that rate)
  if [ "$tr" = udp ]; then
    best_rate=-1; best_p99=1e9
    if [ "${#children_values[@]}" -gt 1 ] && [ "$latency_only" = 0 ]; then
      for n in "${children_values[@]}"; do
        start_kamailio "tune-$n" kamailio-stateful.cfg "$n" $(( base + 10 + 2 * n )) $(( base + 11 + 2 * n )) "$list_file"
        kpid=$REPLY
        r=$(sweep udp "kamailio-children-$n" $(( base + 10 + 2 * n )))
        p=$(jq -r --argjson r "$r" '[.steps[] | select((.offered_rate | floor) == $r) | .p99_ms][0] // 1e9' \
              "$out/sweep-udp-kamailio-children-$n.json" 2>/dev/null || echo 1e9)
        record udp "kamailio-children-$n" sweep_clean_rate 1 "$r"
        log "  kamailio children=$n: clean up to $r calls/s (p99 there $p ms)"
        if [ "$r" -gt "$best_rate" ] || { [ "$r" -eq "$best_rate" ] && awk -v a="$p" -v b="$best_p99" 'BEGIN { exit !(a < b) }'; }; then
          best_children=$n; best_rate=$r; best_p99=$p
        fi
        stop "$kpid"
      done
    fi
    log "  kamailio: children = $best_children"
    echo "kamailio children: $best_children (tuned on UDP among $children_list)" >> "$out/machine.txt"
  fi
  kport=$(( base + 10 )); ktls=$(( base + 11 ))
  start_kamailio "sf-$tr" kamailio-stateful.cfg "$best_children" "$kport" "$ktls" "$list_file"
  pids_of[kamailio]=$REPLY; targets+=(kamailio "${siplb_variants[@]}")
  if [ "$tr" = tls ]; then port_of[kamailio]=$ktls; else port_of[kamailio]=$kport; fi
  stateless_targets=()
  if [ "$tr" = udp ]; then
    start_kamailio "sl-$tr" kamailio-stateless.cfg "$best_children" $(( base + 40 )) $(( base + 41 )) "$list_file"
    port_of[kamailio-stateless]=$(( base + 40 )); pids_of[kamailio-stateless]=$REPLY
    stateless_targets=(siplb-stateless kamailio-stateless)
  fi
  declare -A tree_of=()
  for g in "${!pids_of[@]}"; do tree_of[$g]=$(proc_tree "${pids_of[$g]}" | tr '\n' ' '); done
  relay_pid=""
  if [ "$tr" = udp ] && [ "$with_relay" = 1 ]; then
    start_relay $(( base + 66 )) "$uas_a"; relay_pid=$REPLY; port_of[relay]=$(( base + 66 ))
  fi

  # --- warm-up: every target (and the backends) takes warm_duration s of calls at 100 to 400/s first, so that no
  # measurement includes a JVM's just-in-time compilation of the proxy or of the backends
  for g in "${targets[@]:1}" "${stateless_targets[@]}"; do
    uac "$tr" "${port_of[$g]}" "$out/warm-$tr-$g.json" "$out/warm-$tr-$g.out" --sweep "$warm_sweep" --step-duration "$warm_step"
    settle
    log "  warm-up $g $tr: $(jq -r '.calls | "\(.completed) of \(.attempted) calls completed"' "$out/warm-$tr-$g.json" 2>/dev/null)"
  done

  # --- maximum clean rate: sweep, then confirm over confirm_duration s
  [ "$latency_only" = 1 ] || for g in "${targets[@]}" "${stateless_targets[@]}"; do
    r=$(sweep "$tr" "$g" "${port_of[$g]}")
    record "$tr" "$g" sweep_clean_rate 1 "$r"
    c=$(confirm "$tr" "$g" "${port_of[$g]}" "$r")
    record "$tr" "$g" max_clean_rate 1 "$c" "confirmed over ${confirm_duration}s"
    log "  $g $tr: sweep clean up to $r calls/s, confirmed $c calls/s over ${confirm_duration} s (load $(load1))"
  done

  # --- fixed rates: CPU at cpu_rate, p99 at half of (stateful) Kamailio's maximum (or --latency-rate), for every
  # target (the stateless ones too, so that one direct run is the baseline of all); repetitions interleaved
  half_sf=$(result "$tr" kamailio max_clean_rate); half_sf=$(( ${half_sf:-0} / 2 ))
  [ "$half_sf" -gt 0 ] || half_sf=$(( cpu_rate / 2 ))
  [ -z "$latency_rate" ] || half_sf=$latency_rate
  n_reps=$reps
  [ "$tr" = udp ] || n_reps=$stream_reps
  for rep in $(seq "$n_reps"); do
    for g in "${targets[@]}" "${stateless_targets[@]}"; do
      if [ "$latency_only" = 0 ]; then
        read -r -a proxy_pids <<<"${tree_of[$g]:-}"
        read -r p99 done_calls failed cpu <<<"$(fixed "$tr" "$g" "${port_of[$g]}" "$cpu_rate" "$out/cpu-$tr-$g-$rep.json")"
        record "$tr" "$g" p99_at_cpu_rate_ms "$rep" "$p99"
        record "$tr" "$g" failed_at_cpu_rate "$rep" "$failed"
        if [ "$g" != direct ] && [ "$cpu" != nan ] && [ "$done_calls" -gt 0 ]; then
          record "$tr" "$g" cpu_s_per_1000 "$rep" "$(awk -v c="$cpu" -v n="$done_calls" 'BEGIN { printf "%.3f", c / n * 1000 }')" \
            "$cpu s for $done_calls calls"
          read -r rss pss <<<"$(mem_kib "${proxy_pids[@]}")"
          record "$tr" "$g" rss_kib "$rep" "$rss"; record "$tr" "$g" pss_kib "$rep" "$pss"
        fi
        proxy_pids=()
      fi
      p99_point "$tr" "$g" "$rep"
      log "  $tr rep $rep $g: cpu/1000 $(awk -F'\t' -v t="$tr" -v g="$g" -v r="$rep" '$1 == t && $2 == g && $3 == "cpu_s_per_1000" && $4 == r { print $5 }' "$results") s, p99 at $half_sf/s $p99 ms, $failed failed (load $(load1))"
    done
    if [ -n "$relay_pid" ]; then
      # the relay: only the p99 point (its CPU is socat's, not a proxy's)
      proxy_pids=()
      p99_point "$tr" relay "$rep"
      log "  $tr rep $rep relay: p99 at $half_sf/s $p99 ms, $failed failed (load $(load1))"
    fi
  done

  # --- residence in each proxy (UDP): one captured run each at half of Kamailio's maximum
  if [ "$tr" = udp ] && [ "$with_residence" = 1 ]; then
    residence_targets=(siplb kamailio "${stateless_targets[@]}")
    [ -z "$relay_pid" ] || residence_targets+=(relay)
    for g in "${residence_targets[@]}"; do
      residence "$g" "${port_of[$g]}" "$half_sf"
      log "  residence $g: INVITE p50/p99 $(resid_of "$g" INVITE) us, 200 $(resid_of "$g" "200 INVITE") us, per call $(resid_of "$g" "INVITE->200") us"
    done
  fi

  # --- sipp cross-check (UDP): the same targets at cpu_rate and at half of Kamailio's maximum
  if [ "$tr" = udp ] && [ "$with_sipp" = 1 ]; then
    secs=$(( fixed_duration + 2 ))
    for g in direct kamailio siplb; do
      read -r -a proxy_pids <<<"${tree_of[$g]:-}"
      sipp_run udp "$g" "${port_of[$g]}" "$cpu_rate" "$secs"
    done
    proxy_pids=()
  fi

  # --- stop this block's processes
  for g in "${!pids_of[@]}"; do stop "${pids_of[$g]}"; done
  [ -z "$relay_pid" ] || stop_relay "$relay_pid"
  stop "$pid_uas_a"; stop "$pid_uas_b"
  if [ "$with_jfr" = 1 ] && [ -f "$out/siplb-sf-$tr.jfr" ]; then
    # the innermost frame of every execution sample, counted (Java code only: time in native calls, epoll and
    # the sockets' system calls, is in jdk.NativeMethodSample, not here)
    jfr print --events jdk.ExecutionSample "$out/siplb-sf-$tr.jfr" 2>/dev/null \
      | awk '/stackTrace = \[/ { getline; sub(/^ +/, ""); sub(/ +line:.*/, ""); top[$0]++; n++ }
             END { for (k in top) printf "%6d %5.1f%%  %s\n", top[k], 100 * top[k] / n, k }' \
      | sort -rn | head -30 > "$out/jfr-top-frames-$tr.txt" || true
  fi
  unset port_of pids_of tree_of
done

# ---------------------------------------------------------------------------------------------------- chart
java -Djava.awt.headless=true -cp "$gen_jar" io.siplb.loadtests.gen.BenchChart "$out/sweeps.tsv" "$out/charts" \
  > "$out/charts.out" 2>&1 || log "charts: $(tail -1 "$out/charts.out")"

# ---------------------------------------------------------------------------------------------------- summary
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
fmt() { local m s; m=$(result "$1" "$2" "$3"); s=$(spread "$1" "$2" "$3"); echo "${m:-n/a}${s:+ ($s)}"; }
{
  echo "# siplb against Kamailio: $(date -u +%Y-%m-%d) ($profile run, $(( ($(date +%s) - t_start) / 60 )) min)"
  echo
  sed 's/^/    /' "$out/machine.txt"
  echo "    uptime at end: $(uptime)"
  echo
  echo "Medians of $reps repetition(s), (min..max) when more than one; rates in calls/s, CPU in s per 1,000 calls,"
  echo "p99 INVITE->200 in ms, memory in MiB (Kamailio: all its processes; RSS counts its shared memory in each)."
  echo
  echo "| transport | target | max clean rate (30 s) | CPU s / 1000 calls at $cpu_rate/s | p99 at $p99_at | p99 added | RSS MiB | PSS MiB |"
  echo "|---|---|---|---|---|---|---|---|"
  for tr in "${transport_list[@]}"; do
    for g in direct kamailio siplb siplb-g1 kamailio-stateless siplb-stateless; do
      [ -n "$(result "$tr" "$g" max_clean_rate)$(result "$tr" "$g" p99_at_half_ms)" ] || continue
      rss=$(result "$tr" "$g" rss_kib); pss=$(result "$tr" "$g" pss_kib)
      echo "| $tr | $g | $(result "$tr" "$g" max_clean_rate) | $(fmt "$tr" "$g" cpu_s_per_1000) | $(fmt "$tr" "$g" p99_at_half_ms) | $(fmt "$tr" "$g" p99_added_ms) | $( [ -n "$rss" ] && awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }') | $( [ -n "$pss" ] && awk -v k="$pss" 'BEGIN { printf "%.0f", k / 1024 }') |"
    done
  done
  if [ -n "$(result udp relay p99_at_half_ms)" ]; then
    echo
    echo "One more process on the path and no SIP work (udp, socat relaying to the direct path's backend): p99 at"
    echo "$p99_at $(fmt udp relay p99_at_half_ms) ms, added $(fmt udp relay p99_added_ms) ms; failed calls $(fmt udp relay failed_at_half)."
  fi
  if [ "$with_residence" = 1 ] && [ -f "$out/residence-udp-siplb.txt" ]; then
    echo
    echo "Residence in the proxy over UDP (us, p50 / p99; one run each at $p99_at with tcpdump capturing;"
    echo "from the message's arrival in the proxy's socket to its departure: bench/residence.py):"
    echo
    echo "| target | INVITE | 180 | 200 (INVITE) | ACK | BYE | 200 (BYE) | INVITE -> 200 in the proxy, per call |"
    echo "|---|---|---|---|---|---|---|---|"
    for g in siplb kamailio siplb-stateless kamailio-stateless relay; do
      [ -f "$out/residence-udp-$g.txt" ] || continue
      echo "| $g | $(resid_of "$g" INVITE) | $(resid_of "$g" "180 INVITE") | $(resid_of "$g" "200 INVITE") | $(resid_of "$g" ACK) | $(resid_of "$g" BYE) | $(resid_of "$g" "200 BYE") | $(resid_of "$g" "INVITE->200") |"
    done
  fi
  if [ "$latency_only" = 0 ]; then
    echo
    echo "Ratios, siplb / Kamailio, same run:"
    echo
    for tr in "${transport_list[@]}"; do
      echo "- $tr stateful: rate $(ratio "$(result "$tr" siplb max_clean_rate)" "$(result "$tr" kamailio max_clean_rate)")x, CPU $(ratio "$(result "$tr" siplb cpu_s_per_1000)" "$(result "$tr" kamailio cpu_s_per_1000)")x; direct ceiling $(result "$tr" direct max_clean_rate)"
      if [ "$tr" = udp ]; then
        echo "- udp stateful, siplb on G1: rate $(ratio "$(result udp siplb-g1 max_clean_rate)" "$(result udp kamailio max_clean_rate)")x, CPU $(ratio "$(result udp siplb-g1 cpu_s_per_1000)" "$(result udp kamailio cpu_s_per_1000)")x"
        echo "- udp stateless: rate $(ratio "$(result udp siplb-stateless max_clean_rate)" "$(result udp kamailio-stateless max_clean_rate)")x, CPU $(ratio "$(result udp siplb-stateless cpu_s_per_1000)" "$(result udp kamailio-stateless cpu_s_per_1000)")x"
      fi
    done
  fi
  if [ "$with_sipp" = 1 ]; then
    echo
    echo "sipp cross-check (UDP, $cpu_rate calls/s for $(( fixed_duration + 2 )) s):"
    echo
    for g in direct kamailio siplb; do
      echo "- $g: successful $(result udp "$g" sipp_completed), failed $(result udp "$g" sipp_failed), p99 $(result udp "$g" sipp_p99_ms) ms, proxy CPU $(result udp "$g" sipp_cpu_s_per_1000) s / 1000 calls"
    done
  fi
  if [ "$latency_only" = 0 ]; then
    echo
    echo "Kamailio children tuning (UDP sweep, clean up to):"
    for n in "${children_values[@]}"; do
      v=$(result udp "kamailio-children-$n" sweep_clean_rate); [ -n "$v" ] && echo "- children=$n: $v calls/s"
    done
  fi
} > "$out/summary.md"
cat "$out/summary.md"
log "done in $(( $(date +%s) - t_start )) s; results in $out"
