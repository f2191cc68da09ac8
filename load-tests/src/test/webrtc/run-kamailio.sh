#!/usr/bin/env bash
# Validation run of the WebRTC harness against a third-party SIP WebSocket server, all on 127.0.0.1:
#
#   JsSIP in headless Chromium --ws--> Kamailio 5.6 (websocket, xhttp, nathelper, rr, tm) --udp--> sipp UAS
#
# sipp runs sipp/uas_webrtc.xml (REGISTER 200, INVITE 180/200 with a WebRTC SDP answer, ACK, an INFO toward the
# browser, BYE 200, un-REGISTER 200) and exits after those two sipp calls; Kamailio runs kamailio/kamailio-ws.cfg
# with free ports filled in; webrtc-call.mjs registers, calls, holds, hangs up and unregisters, expecting the INFO.
#
#   load-tests/src/test/webrtc/run-kamailio.sh [--out DIR] [--hold SECONDS] [--timeout SECONDS]
#
# Passes (exit 0, last line "webrtc-kamailio: PASS") only when the client exits 0 and sipp exits 0 (both of its
# calls successful). Every wait is bounded; the whole run ends within --timeout plus about 40 s. Only the
# processes this script started are stopped, by their pids (SIGTERM, SIGKILL after 10 s). Logs: --out
# (default load-tests/target/webrtc-kamailio/).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$HERE/../../../target/webrtc-kamailio"
HOLD=3
TIMEOUT=60
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --hold) HOLD="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    *) echo "usage: $0 [--out DIR] [--hold SECONDS] [--timeout SECONDS]" >&2; exit 2 ;;
  esac
done

die() { echo "run-kamailio: $*" >&2; echo "webrtc-kamailio: FAIL"; exit 2; }

KAMAILIO="${KAMAILIO:-/usr/sbin/kamailio}"
SIPP="${SIPP:-$(command -v sipp || echo /usr/bin/sipp)}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
command -v node >/dev/null 2>&1 || die "node is not installed (apt-get install -y nodejs npm)"
[ -x "$KAMAILIO" ] || die "Kamailio not found at $KAMAILIO (apt-get install -y kamailio kamailio-websocket-modules)"
[ -x "$SIPP" ] || die "sipp not found (apt-get install -y sip-tester)"
[ -x "$CHROMIUM" ] || die "Chromium not found at $CHROMIUM (apt-get install -y chromium)"
MODULES=""
for dir in /usr/lib/*/kamailio/modules /usr/lib64/kamailio/modules /usr/local/lib64/kamailio/modules; do
  if [ -f "$dir/tm.so" ]; then MODULES="$dir"; break; fi
done
[ -n "$MODULES" ] || die "no Kamailio modules directory with tm.so (apt-get install -y kamailio)"
for module in websocket xhttp nathelper; do
  [ -f "$MODULES/$module.so" ] || die "Kamailio module $module.so is missing in $MODULES (apt-get install -y kamailio-websocket-modules)"
done
if [ ! -d "$HERE/node_modules/jssip" ] || [ ! -d "$HERE/node_modules/playwright-core" ]; then
  command -v npm >/dev/null 2>&1 || die "node_modules is missing in $HERE and npm is not installed (apt-get install -y npm)"
  echo "== npm ci in $HERE"
  (cd "$HERE" && npm ci --no-audit --no-fund) >&2
fi

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
rm -rf "$OUT/run" "$OUT/client"
mkdir -p "$OUT/run" "$OUT/client"
rm -f "$OUT"/*.log "$OUT"/*.out "$OUT/kamailio.cfg" "$OUT/result.json"

read -r WS_PORT KAM_UDP_PORT UAS_PORT MEDIA_PORT < <(node "$HERE/lib/free-ports.mjs" tcp udp udp udp2) || true
[ -n "${MEDIA_PORT:-}" ] || die "could not find free loopback ports (lib/free-ports.mjs)"

SIPP_PID=""
KAM_PID=""
stop_pid() { # name pid: SIGTERM, then SIGKILL after 10 s; only this pid
  local name="$1" pid="$2" i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "run-kamailio: $name (pid $pid) still running 10 s after SIGTERM: SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  stop_pid kamailio "$KAM_PID"
  stop_pid sipp "$SIPP_PID"
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# sipp UAS: two calls (the registration, the INVITE dialog), bounded by its own -timeout.
SIPP_LIFETIME=$((TIMEOUT + 30))
"$SIPP" -sf "$HERE/sipp/uas_webrtc.xml" -i 127.0.0.1 -p "$UAS_PORT" -mp "$MEDIA_PORT" -t u1 \
  -m 2 -nostdin -timeout "${SIPP_LIFETIME}s" -timeout_error \
  -trace_msg -message_file "$OUT/uas_messages.log" \
  -trace_err -error_file "$OUT/uas_errors.log" \
  -trace_screen -screen_file "$OUT/uas_screen.log" \
  >"$OUT/sipp.out" 2>&1 &
SIPP_PID=$!

sed -e "s/@WS_PORT@/$WS_PORT/g" -e "s/@UDP_PORT@/$KAM_UDP_PORT/g" -e "s/@UAS_PORT@/$UAS_PORT/g" \
    -e "s#@MODULES_DIR@#$MODULES#g" "$HERE/kamailio/kamailio-ws.cfg" >"$OUT/kamailio.cfg"
"$KAMAILIO" -DD -E -f "$OUT/kamailio.cfg" -P "$OUT/run/kamailio.pid" -Y "$OUT/run" -m 64 -M 8 \
  >"$OUT/kamailio.log" 2>&1 &
KAM_PID=$!

# Kamailio is up when its WebSocket port accepts a TCP connection (at most 20 s).
up=""
for i in $(seq 1 200); do
  kill -0 "$KAM_PID" 2>/dev/null || break
  if (exec 3<>"/dev/tcp/127.0.0.1/$WS_PORT") 2>/dev/null; then up=1; break; fi
  sleep 0.1
done
if [ -z "$up" ]; then
  echo "run-kamailio: Kamailio did not listen on 127.0.0.1:$WS_PORT within 20 s; $OUT/kamailio.log:" >&2
  tail -30 "$OUT/kamailio.log" >&2
  echo "webrtc-kamailio: FAIL"
  exit 1
fi
kill -0 "$SIPP_PID" 2>/dev/null || { echo "run-kamailio: sipp exited at start:" >&2; tail -20 "$OUT/sipp.out" >&2; echo "webrtc-kamailio: FAIL"; exit 1; }

echo "== ws://127.0.0.1:$WS_PORT (Kamailio, udp:127.0.0.1:$KAM_UDP_PORT) -> sipp UAS udp:127.0.0.1:$UAS_PORT"
client_rc=0
node "$HERE/webrtc-call.mjs" --ws "ws://127.0.0.1:$WS_PORT" \
  --aor "sip:alice@127.0.0.1" --registrar "sip:127.0.0.1" --target "sip:bob@127.0.0.1" \
  --hold "$HOLD" --timeout "$TIMEOUT" --expect-incoming INFO --chromium "$CHROMIUM" --log-dir "$OUT/client" \
  >"$OUT/client.out" 2>"$OUT/client.err" || client_rc=$?
cat "$OUT/client.err" >&2
RESULT="$(sed -n '/^{/h; ${x;p}' "$OUT/client.out")"
echo "client exit $client_rc: $RESULT"

# sipp exits by itself once both calls completed (at most 15 s after the client).
sipp_rc=""
for i in $(seq 1 150); do
  if ! kill -0 "$SIPP_PID" 2>/dev/null; then
    set +e; wait "$SIPP_PID"; sipp_rc=$?; set -e
    break
  fi
  sleep 0.1
done
if [ -z "$sipp_rc" ]; then
  echo "run-kamailio: sipp did not finish its two calls within 15 s of the client" >&2
  sipp_rc=timeout
fi
SIPP_PID_DONE="$SIPP_PID"
[ "$sipp_rc" = timeout ] || SIPP_PID=""
echo "sipp UAS (pid $SIPP_PID_DONE) exit $sipp_rc: $(grep -E 'Successful call|Failed call' "$OUT/uas_screen.log" 2>/dev/null | tail -2 | tr -s ' ' | tr '\n' ';')"
echo "logs: $OUT"
if [ "$client_rc" = 0 ] && [ "$sipp_rc" = 0 ]; then
  echo "webrtc-kamailio: PASS"
  exit 0
fi
echo "webrtc-kamailio: FAIL"
exit 1
