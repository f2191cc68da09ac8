#!/usr/bin/env bash
# load-tests/bench/ab.sh — two builds (or two JVM option sets) of the stateful siplb, back to back, over UDP.
#
# What a change bought, measured the way load-tests/BENCHMARKS.md reports it: for each pair, A then B, each a fresh
# siplb (stateful, round-robin over two generator backends, record-route, failover armed) on 127.0.0.1, given the
# same traffic: a warm-up sweep of 200 to 1000 calls/s, then RATE calls/s for DURATION s from a generator that first
# places 5 s of uncounted calls (--warm-up). Measured over the middle of the run: siplb's CPU seconds per 1,000
# calls, split by thread (event loops, GC, JIT compiler, other) from /proc/PID/task/*/stat; the p99 and p99.9 of
# INVITE->200; siplb's resident memory at the end. Pairs alternate A and B so that the machine's drift hits both.
# Everything runs on loopback; every process the script starts is stopped by its pid on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
  cat <<'EOF'
Usage: load-tests/bench/ab.sh [OPTIONS]

  --a-jar FILE        siplb jar of A (default proxy/target/siplb.jar)
  --b-jar FILE        siplb jar of B (default: A's)
  --a-opts "OPTS"     JVM options of A (default bin/siplb's, as 'bin/siplb jvm-options' prints them)
  --b-opts "OPTS"     JVM options of B (default: A's)
  --a-conf "HOCON"    settings added to A's siplb config, e.g. "siplb.io.threads = 1" (default none)
  --b-conf "HOCON"    settings added to B's siplb config (default: A's)
  --pairs N           A/B pairs (default 3)
  --rate N            calls/s measured (default 1000)
  --duration S        seconds measured per run, at least 10 (default 24; CPU is read over all but the first 2 and
                      the last 2)
  --out DIR           output directory (default load-tests/target/ab/<UTC time>)
  --port-base N       first of the loopback ports used (default 28060; the script uses N .. N+30)
  --help              print this help

Prints one line per run and, at the end, the medians of A and B and their ratio. Needs java 17,
load-tests/target/benchmarks.jar (mvn -q -B -ntp -o install -DskipTests), awk.
EOF
}

a_jar="$root/proxy/target/siplb.jar"; b_jar=""
a_opts=$("$root/bin/siplb" jvm-options); b_opts=""; a_conf=""; b_conf=""; b_conf_set=0
pairs=3; rate=1000; duration=24; out=""; port_base=28060
while [ $# -gt 0 ]; do
  case "$1" in
    --a-jar) a_jar=$2; shift ;;
    --b-jar) b_jar=$2; shift ;;
    --a-opts) a_opts=$2; shift ;;
    --b-opts) b_opts=$2; shift ;;
    --a-conf) a_conf=$2; shift ;;
    --b-conf) b_conf=$2; b_conf_set=1; shift ;;
    --pairs) pairs=$2; shift ;;
    --rate) rate=$2; shift ;;
    --duration) duration=$2; shift ;;
    --out) out=$2; shift ;;
    --port-base) port_base=$2; shift ;;
    --help|-h) usage; exit 0 ;;
    *) echo "ab.sh: unknown option '$1' (see --help)" >&2; exit 1 ;;
  esac
  shift
done
: "${b_jar:=$a_jar}" "${b_opts:=$a_opts}"
[ "$b_conf_set" = 1 ] || b_conf=$a_conf
for v in "$pairs" "$rate" "$duration" "$port_base"; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "ab.sh: '$v' is not a whole number (see --help)" >&2; exit 1; }
done
[ "$duration" -ge 10 ] || { echo "ab.sh: --duration $duration (expected: >= 10)" >&2; exit 1; }
gen_jar="$root/load-tests/target/benchmarks.jar"
for f in "$a_jar" "$b_jar" "$gen_jar"; do
  [ -f "$f" ] || { echo "ab.sh: $f is missing (mvn -q -B -ntp -o install -DskipTests)" >&2; exit 1; }
done
[ -n "$out" ] || out="$root/load-tests/target/ab/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
port=$port_base; uas_a=$(( port_base + 20 )); uas_b=$(( port_base + 22 ))
clk_tck=$(getconf CLK_TCK)

started=()
cleanup() { for p in "${started[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# an array, not a function: "$!" of a backgrounded function is its subshell, and killing that leaves the JVM running
gen=(java -Xms256m -Xmx1g -cp "$gen_jar" io.siplb.loadtests.gen.LoadMain)

# ticks PID: CPU ticks (utime + stime) per thread class, "loop gc jit other"
ticks() {
  local t n v loop=0 gc=0 jit=0 other=0
  for t in /proc/"$1"/task/*; do
    n=$(cat "$t/comm" 2>/dev/null) || continue
    # utime + stime: fields 14 and 15, counted after the name in parentheses (thread names have spaces in them)
    v=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$t/stat" 2>/dev/null) || continue
    case "$n" in
      siplb-io*) loop=$(( loop + v )) ;;
      C1*|C2*) jit=$(( jit + v )) ;;
      GC*|G1*|Shenandoah*|Z*) gc=$(( gc + v )) ;;
      *) other=$(( other + v )) ;;
    esac
  done
  echo "$loop $gc $jit $other"
}

for name in a b; do
  "${gen[@]}" uas --listen "127.0.0.1:$([ "$name" = a ] && echo "$uas_a" || echo "$uas_b")" --name "$name" \
    > "$out/uas-$name.out" 2>&1 &
  started+=("$!")
done
cat > "$out/siplb.conf" <<EOF
# siplb of load-tests/bench/ab.sh: stateful, UDP, round-robin over two generator backends, record-route
siplb {
  listen = ["udp:127.0.0.1:$port"]
  proxy { mode = stateful, record-route = true }
  admin.listen = ""
  dispatcher {
    sets = [ { id = 1, algorithm = round-robin, destinations = [ "sip:127.0.0.1:$uas_a", "sip:127.0.0.1:$uas_b" ] } ]
    probing { interval = 1s, mode = inactive }
  }
}
EOF
printf '%s\n' "$a_conf" | cat "$out/siplb.conf" - > "$out/siplb-a.conf"
printf '%s\n' "$b_conf" | cat "$out/siplb.conf" - > "$out/siplb-b.conf"
sleep 2
# the backends' JIT warm-up, straight to each (no siplb): two cold generator JVMs behind the first siplb would
# answer seconds late at 200 calls/s, its calls time out, both destinations go inactive and the first run fails
for p in "$uas_a" "$uas_b"; do
  "${gen[@]}" uac --target "127.0.0.1:$p" --sockets 4 --threads 2 --timeout 4s --sweep 200:1000:200 --step-duration 3s \
    > "$out/warm-backend-$p.out" 2>&1 || true
done

# run LABEL JAR OPTS CONF: one measured run; prints "label cpu loop gc jit other p99 p999 rss_mib"
run() {
  local label=$1 jar=$2 opts=$3 conf=$4 pid uac t0 t1 c0 c1 calls rss
  # shellcheck disable=SC2086
  java $opts -jar "$jar" run -c "$conf" > "$out/siplb-$label.out" 2>&1 &
  pid=$!; started+=("$pid")
  for _ in $(seq 100); do grep -q "siplb is running" "$out/siplb-$label.out" 2>/dev/null && break; sleep 0.2; done
  "${gen[@]}" uac --target "127.0.0.1:$port" --sockets 4 --threads 2 --timeout 4s --sweep 200:1000:200 --step-duration 3s \
    > "$out/warm-$label.out" 2>&1 || true
  "${gen[@]}" uac --target "127.0.0.1:$port" --sockets 4 --threads 2 --timeout 4s --rate "$rate" --duration "${duration}s" \
    --warm-up 5s --json "$out/run-$label.json" > "$out/run-$label.out" 2>&1 &
  uac=$!; started+=("$uac")
  # the generator's 5 s warm-up and the first 2 s of the measured run are left out, and the last 2 s
  sleep 7; c0=$(ticks "$pid")
  sleep $(( duration - 4 )); c1=$(ticks "$pid")
  wait "$uac" || true
  rss=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  calls=$(( rate * (duration - 4) ))
  read -r -a a <<<"$c0"; read -r -a b <<<"$c1"
  awk -v l="$label" -v n="$calls" -v t="$clk_tck" -v rss="$rss" \
      -v l0="${a[0]}" -v g0="${a[1]}" -v j0="${a[2]}" -v o0="${a[3]}" \
      -v l1="${b[0]}" -v g1="${b[1]}" -v j1="${b[2]}" -v o1="${b[3]}" \
      -v p99="$(grep 'INVITE -> 200' "$out/run-$label.out" | awk '{ print $7 }')" \
      -v p999="$(grep 'INVITE -> 200' "$out/run-$label.out" | awk '{ print $8 }')" \
      -v failed="$(grep '^calls:' "$out/run-$label.out" | grep -o 'failed [0-9]*' | awk '{ print $2 }')" \
      'BEGIN { k = 1000 / n / t
               printf "%s cpu %.3f loop %.3f gc %.3f jit %.3f other %.3f p99 %s p99.9 %s failed %s rss %s\n", l,
                      ((l1 - l0) + (g1 - g0) + (j1 - j0) + (o1 - o0)) * k, (l1 - l0) * k, (g1 - g0) * k,
                      (j1 - j0) * k, (o1 - o0) * k, p99, p999, failed, rss }'
}

{
  echo "A: $a_jar $a_opts${a_conf:+ | $a_conf}"
  echo "B: $b_jar $b_opts${b_conf:+ | $b_conf}"
  echo "rate $rate calls/s for $duration s, $pairs pair(s); $(uptime)"
} | tee "$out/summary.txt"
for i in $(seq "$pairs"); do
  run "a$i" "$a_jar" "$a_opts" "$out/siplb-a.conf" | tee -a "$out/runs.txt"
  run "b$i" "$b_jar" "$b_opts" "$out/siplb-b.conf" | tee -a "$out/runs.txt"
done
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
{
  for f in cpu loop gc p99 p99.9 rss; do
    ma=$(awk -v f="$f" '$1 ~ /^a/ { for (i = 2; i < NF; i++) if ($i == f) print $(i + 1) }' "$out/runs.txt" | median)
    mb=$(awk -v f="$f" '$1 ~ /^b/ { for (i = 2; i < NF; i++) if ($i == f) print $(i + 1) }' "$out/runs.txt" | median)
    echo "median $f: A $ma, B $mb, B/A $(awk -v a="$ma" -v b="$mb" 'BEGIN { if (a + 0 == 0) print "n/a"; else printf "%.2f", b / a }')"
  done
  echo "(cpu, loop, gc: s per 1,000 calls; p99, p99.9: ms INVITE->200; rss: MiB)"
} | tee -a "$out/summary.txt"
