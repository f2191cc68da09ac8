#!/usr/bin/env bash
# Scaling curves of siplb alone (load-tests/BENCHMARKS.md, "Scaling curves"): CPU per call and latency of a
# stateful siplb (UDP, round-robin, failover armed) as the destination count of its one set grows, and as the number
# of concurrent INVITE transactions grows, each with siplb.io.threads 1 and 2. Everything runs on loopback: siplb
# from proxy/target/siplb.jar, one load generator UAS (bin/siplb load uas) and one UAC (bin/siplb load uac), each in
# a JVM of its own.
#
#   load-tests/bench/scaling.sh [--curves destinations,concurrency,profile] [--threads "1 2"] [--repeats 3]
#                               [--rate 1000] [--out DIR]
#
# One point:
#   1. writes siplb.conf and a Kamailio-format dispatcher.list (set 1: N destinations sip:bI@127.0.0.1:UAS_PORT, all
#      the same UAS, so that the selection and the per-destination state scale with N while the backend does not);
#      probing only of destinations out of rotation (mode inactive, every 1 s: 10,000 healthy destinations are not
#      probed, one marked down by a slow start comes back), timers long enough for the ringing time;
#   2. starts the UAS (mode answer, or ring=D: 180 at once, 200 D later, so every INVITE transaction stays open D in
#      siplb) and siplb (-Xms1g -Xmx1g), and waits for siplb's "Listening on" line;
#   3. warms siplb (and the generator) up, so that the JIT has compiled the hot paths before anything is measured:
#      OPTIONS, the rate stepped up to WARMUP_RATE (1000/s) in 5 steps of WARMUP_STEP (6 s), 18,000 requests (the
#      same parse, select and forwarding code as the calls), then, without ringing, 10 s of calls at half that rate;
#   4. runs the UAC (INVITE, 180, 200, ACK, BYE, 200; 4 sockets) at RATE calls/s; once the concurrency has settled
#      (D + SETTLE seconds after the start, when RATE x D transactions are open) it reads siplb's CPU time
#      (utime + stime of /proc/PID/stat, all threads, GC and JIT included; the JIT compiler threads' share is
#      recorded apart) and resident set, again MEASURE seconds later,
#      then stops the UAC with SIGINT (it prints its summary; calls still ringing count as unfinished);
#   5. stops siplb and the UAS by their pids (SIGTERM, SIGKILL after 10 s) and appends a line to results.tsv.
# CPU per call = CPU seconds in the window / (RATE x MEASURE): in steady state the calls that start and end in a
# second are RATE each. The UAC's latencies (p99 INVITE -> 100/180, INVITE -> 200, BYE -> 200) cover the whole run
# after the warm-up. Curve "profile" runs one point (2 destinations, no ringing) with JFR on siplb and prints the
# share of parse + select (io.siplb.loadtests.JfrCpuShare): JFR is started by jcmd at the start of the measurement
# window and ends with it (the JDK's profile settings, Java and native stacks sampled every 1 ms).
#
# Bounded: every process gets a --duration or is stopped by pid; a trap stops what is still running on exit.
# Results: DIR/results.tsv, one directory per point with the configuration and logs, and charts and a Markdown
# table from io.siplb.loadtests.ScalingCharts (DIR/*.png, DIR/summary.md).
set -euo pipefail

here="$(cd "$(dirname "$0")/../.." && pwd)"
# SIPLB_JAR, LOAD_JAR: other jars (e.g. copies, so that a rebuild during a run does not disturb it).
siplb_jar="${SIPLB_JAR:-$here/proxy/target/siplb.jar}"
# siplb's JVM options as bin/siplb starts 'run' with them (Shenandoah where the JVM has it), with a 1 GiB heap
siplb_opts="$("$here/bin/siplb" jvm-options) -Xms1g -Xmx1g"
load_jar="${LOAD_JAR:-$here/load-tests/target/benchmarks.jar}"
out="$here/load-tests/target/scaling"
curves="destinations,concurrency"
threads_list="1 2"
repeats=3
rate=1000
warmup_rate=1000
warmup_step=6
warmup=$(( 5 * warmup_step + 10 ))
settle=5
measure=15
destinations_list="2 100 10000"
concurrency_list="1000 10000 100000"
siplb_port="${SIPLB_PORT:-35060}"
uas_port="${UAS_PORT:-35080}"

while [ $# -gt 0 ]; do
  case "$1" in
    --curves) curves="$2"; shift 2 ;;
    --threads) threads_list="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --destinations) destinations_list="$2"; shift 2 ;;
    --concurrency) concurrency_list="$2"; shift 2 ;;
    --measure) measure="$2"; shift 2 ;;
    --warmup-rate) warmup_rate="$2"; shift 2 ;;
    --warmup-step) warmup_step="$2"; warmup=$(( 5 * warmup_step + 10 )); shift 2 ;;
    --help|-h) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "scaling.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

for jar in "$siplb_jar" "$load_jar"; do
  [ -f "$jar" ] || { echo "scaling.sh: $jar missing; build: mvn -q -o install -DskipTests" >&2; exit 1; }
done
mkdir -p "$out"
results="$out/results.tsv"
[ -f "$results" ] || printf 'curve\tthreads\tdestinations\tconcurrency\tring_ms\trep\tcpu_us_per_call\tp99_first_ms\tp99_invite_200_ms\tp99_bye_200_ms\tcompleted\tfailed\tunfinished\trss_mib\tload1\tstart_utc\tjit_us_per_call\n' > "$results"
clk_tck="$(getconf CLK_TCK)"

pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  pids=()
}
trap cleanup EXIT INT TERM

stop_pid() {  # stop_pid PID: SIGTERM, SIGKILL after 10 s
  local p="$1"
  kill -TERM "$p" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
}

cpu_ticks() {  # utime + stime of process $1 (fields 14 and 15 of /proc/PID/stat; the name in field 2 has no space)
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

jit_ticks() {  # utime + stime of the JIT compiler threads of process $1 (thread names "C1 CompilerThre", "C2 ...")
  local t=0 f
  for f in /proc/"$1"/task/*/stat; do
    t=$(( t + $(awk '/\((C1|C2) CompilerThre/ { sub(/^.*\) /, ""); print $12 + $13; exit } { print 0 }' "$f" 2>/dev/null || echo 0) ))
  done
  echo "$t"
}

rss_kib() {
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# p99 column of the UAC summary line starting with $2 (e.g. "INVITE -> 200").
p99_of() {
  awk -v what="$2" 'index($0, "  " what " ") == 1 { n = split(what, w, " "); print $(n + 4); exit }' "$1"
}

run_point() {  # run_point CURVE THREADS DESTINATIONS RING_MS REP [JFR]
  local curve="$1" threads="$2" dests="$3" ring_ms="$4" rep="$5" jfr="${6:-}"
  local conc=$(( rate * ring_ms / 1000 ))
  local dir="$out/$curve/t$threads-d$dests-c$conc-r$rep"
  rm -rf "$dir"; mkdir -p "$dir"
  local start_utc; start_utc="$(date -u +%H:%M:%S)"
  echo "== $curve: io.threads $threads, $dests destinations, ring ${ring_ms} ms ($conc concurrent), run $rep ($start_utc, $(uptime | sed 's/.*load average: //'))"

  : > "$dir/dispatcher.list"
  for i in $(seq 1 "$dests"); do echo "1 sip:b$i@127.0.0.1:$uas_port" >> "$dir/dispatcher.list"; done
  cat > "$dir/siplb.conf" <<EOF
siplb {
  listen = ["udp:127.0.0.1:$siplb_port"]
  io { threads = $threads, transport = epoll }
  proxy {
    mode = stateful
    record-route = true
    max-transactions = 1000000
    fr-timeout = 2s
    fr-inv-timeout = 10m
    timers { timer-c = 20m }
  }
  admin { listen = "" }
  dispatcher {
    list-file = "dispatcher.list"
    default-algorithm = round-robin
    probing { interval = 1s, mode = inactive }
  }
}
EOF

  local ring_s=$(( (ring_ms + 999) / 1000 ))
  local run_s=$(( ring_s + settle + measure + 5 ))
  local bound=$(( warmup + run_s + 60 ))
  local mode=answer
  [ "$ring_ms" -gt 0 ] && mode="ring=${ring_ms}ms"

  java -Xms512m -Xmx2g -Djava.awt.headless=true -cp "$load_jar" io.siplb.loadtests.gen.LoadMain uas \
    --listen "127.0.0.1:$uas_port" --mode "$mode" --name scaling --duration "${bound}s" > "$dir/uas.log" 2>&1 &
  local uas_pid=$!; pids+=("$uas_pid")

  java $siplb_opts -jar "$siplb_jar" run -c "$dir/siplb.conf" > "$dir/siplb.log" 2>&1 &
  local siplb_pid=$!; pids+=("$siplb_pid")
  for _ in $(seq 1 300); do
    grep -q 'Listening on udp' "$dir/siplb.log" 2>/dev/null && break
    kill -0 "$siplb_pid" 2>/dev/null || { echo "siplb exited:"; tail -20 "$dir/siplb.log"; return 1; }
    sleep 0.1
  done
  grep -q 'Listening on udp' "$dir/siplb.log" || { echo "siplb did not start in 30 s"; return 1; }

  local uac=(java -Xms512m -Xmx2g -Djava.awt.headless=true -cp "$load_jar" io.siplb.loadtests.gen.LoadMain uac
             --target "127.0.0.1:$siplb_port" --sockets 4 --max-concurrent 400000)
  "${uac[@]}" --mode options --sweep "$(( warmup_rate / 5 )):$warmup_rate:$(( warmup_rate / 5 ))" \
    --step-duration "${warmup_step}s" > "$dir/warmup.txt" 2>&1 || true
  if [ "$ring_ms" -eq 0 ]; then
    # And INVITE calls, which take code paths OPTIONS does not (INVITE transactions, ACK, BYE).
    "${uac[@]}" --rate "$(( warmup_rate / 2 ))" --duration 10s > "$dir/warmup-invite.txt" 2>&1 || true
  fi
  sleep 2

  # A fresh generator JVM's first second would be the p99 of the run: 5 s of uncounted calls first, where calls
  # end at once (the warm-up waits for its calls to end, which ringing ones do only after ring_ms).
  local gen_warm=() gen_warm_s=0
  [ "$ring_ms" -eq 0 ] && gen_warm=(--warm-up 5s) && gen_warm_s=6
  "${uac[@]}" "${gen_warm[@]}" --rate "$rate" --duration "${run_s}s" --timeout "$(( ring_s + 32 ))s" \
    --json "$dir/uac.json" > "$dir/uac.txt" 2>&1 &
  local uac_pid=$!; pids+=("$uac_pid")
  sleep $(( gen_warm_s + ring_s + settle ))
  local cpu0 cpu1 jit0 jit1 rss
  cpu0="$(cpu_ticks "$siplb_pid")"; jit0="$(jit_ticks "$siplb_pid")"
  if [ -n "$jfr" ]; then
    # JFR over the measurement window only (after the warm-up and the settling).
    jcmd "$siplb_pid" JFR.start name=scaling "settings=$out/sampling.jfc" "duration=${measure}s" \
      "filename=$dir/siplb.jfr" > "$dir/jcmd.txt" 2>&1
  fi
  sleep "$measure"
  cpu1="$(cpu_ticks "$siplb_pid")"; jit1="$(jit_ticks "$siplb_pid")"
  rss="$(rss_kib "$siplb_pid")"
  if [ -n "$jfr" ]; then
    for _ in $(seq 1 100); do [ -s "$dir/siplb.jfr" ] && break; sleep 0.1; done
    sleep 1
  fi
  kill -INT "$uac_pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$uac_pid" 2>/dev/null || break; sleep 0.1; done
  stop_pid "$uac_pid"
  stop_pid "$siplb_pid"
  stop_pid "$uas_pid"
  pids=()

  local cpu_us
  cpu_us="$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$clk_tck" -v r="$rate" -v m="$measure" \
            'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / (r * m) }')"
  local jit_us
  jit_us="$(awk -v a="$jit0" -v b="$jit1" -v hz="$clk_tck" -v r="$rate" -v m="$measure" \
            'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / (r * m) }')"
  local calls completed failed unfinished
  calls="$(grep -m1 '^calls:' "$dir/uac.txt" || true)"
  completed="$(echo "$calls" | sed -n 's/.*completed \([0-9]*\).*/\1/p')"
  failed="$(echo "$calls" | sed -n 's/.*failed \([0-9]*\).*/\1/p')"
  unfinished="$(echo "$calls" | sed -n 's/.*unfinished \([0-9]*\).*/\1/p')"
  local load1; load1="$(awk '{ print $1 }' /proc/loadavg)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$curve" "$threads" "$dests" "$conc" \
    "$ring_ms" "$rep" "$cpu_us" "$(p99_of "$dir/uac.txt" 'INVITE -> first response')" \
    "$(p99_of "$dir/uac.txt" 'INVITE -> 200')" "$(p99_of "$dir/uac.txt" 'BYE -> 200')" \
    "${completed:-?}" "${failed:-?}" "${unfinished:-?}" "$(( ${rss:-0} / 1024 ))" "$load1" "$start_utc" "$jit_us" \
    >> "$results"
  tail -1 "$results"
  if [ -n "$jfr" ] && [ -f "$dir/siplb.jfr" ]; then
    java -cp "$load_jar" io.siplb.loadtests.JfrCpuShare "$dir/siplb.jfr" --top 30 | tee "$dir/jfr-share.txt"
  fi
}

# JFR settings of the profile: the JDK's "profile" settings, with Java and native stacks sampled every millisecond
# (instead of 10 and 20 ms), so that a 15 s window at a modest rate gives enough samples.
jfc_dir="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/jfr"
sed -e 's|control="method-sampling-java-interval">[^<]*<|control="method-sampling-java-interval">1 ms<|' \
    -e 's|control="method-sampling-native-interval">[^<]*<|control="method-sampling-native-interval">1 ms<|' \
    "$jfc_dir/profile.jfc" > "$out/sampling.jfc"

IFS=',' read -r -a curve_names <<< "$curves"
for rep in $(seq 1 "$repeats"); do
  for curve in "${curve_names[@]}"; do
    for t in $threads_list; do
      case "$curve" in
        destinations)
          for d in $destinations_list; do run_point destinations "$t" "$d" 0 "$rep"; done ;;
        concurrency)
          for c in $concurrency_list; do run_point concurrency "$t" 2 $(( c * 1000 / rate )) "$rep"; done ;;
        profile)
          run_point profile "$t" 2 0 "$rep" jfr ;;
        *) echo "scaling.sh: unknown curve $curve (expected: destinations, concurrency, profile)" >&2; exit 2 ;;
      esac
    done
  done
done

java -Djava.awt.headless=true -cp "$load_jar" io.siplb.loadtests.ScalingCharts "$results" "$out" || true
