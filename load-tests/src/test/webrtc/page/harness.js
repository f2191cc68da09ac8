// Browser side of the WebRTC SIP harness: runs in headless Chromium, after jssip.js (the JsSIP bundle) has
// defined window.JsSIP. webrtc-call.mjs calls window.siplbHarness.run(config) through Playwright and receives the
// outcome object, which it prints as one JSON line.
//
// Steps, each bounded by its own timeout: WebSocket connect, REGISTER, INVITE until confirmed (200 received,
// remote SDP accepted by setRemoteDescription, ACK sent), hold, BYE, un-REGISTER, stop. Every SIP message sent
// and received on the WebSocket is recorded (first line, CSeq, top Via transport, and the raw text for the trace
// file), so that the outcome reports what was on the wire, not only what JsSIP's events say.
/* global JsSIP */
'use strict';

(function () {
  function now() {
    return Date.now();
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Resolves with the first of the events, or rejects after `ms` with `what` in the message. */
  function waitFor(emitter, events, ms, what) {
    return new Promise((resolve, reject) => {
      const handlers = {};
      const done = () => {
        clearTimeout(timer);
        for (const [event, handler] of Object.entries(handlers)) {
          emitter.removeListener(event, handler);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timeout after ${ms} ms waiting for ${what} (${events.join('|')})`));
      }, ms);
      for (const event of events) {
        handlers[event] = (data) => {
          done();
          resolve({ event, data });
        };
        emitter.on(event, handlers[event]);
      }
    });
  }

  /** Summary of one raw SIP message: request method or response status, CSeq, Call-ID, top Via transport. */
  function summarize(dir, raw) {
    const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
    const headerEnd = text.indexOf('\r\n\r\n');
    const head = headerEnd >= 0 ? text.slice(0, headerEnd) : text;
    const lines = head.split('\r\n');
    const first = lines[0] || '';
    const entry = { dir, t: now(), firstLine: first };
    const status = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(first);
    if (status) {
      entry.status = Number(status[1]);
      entry.reason = status[2];
    } else {
      const request = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(first);
      if (request) {
        entry.method = request[1];
        entry.ruri = request[2];
      }
    }
    const header = (names) => {
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0 && names.includes(line.slice(0, colon).trim().toLowerCase())) {
          return line.slice(colon + 1).trim();
        }
      }
      return null;
    };
    const cseq = header(['cseq']);
    if (cseq) {
      const parts = cseq.split(/\s+/);
      entry.cseq = Number(parts[0]);
      entry.cseqMethod = parts[1];
    }
    entry.callId = header(['call-id', 'i']);
    const via = header(['via', 'v']);
    if (via) {
      const transport = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)/i.exec(via);
      entry.viaTransport = transport ? transport[1].toUpperCase() : null;
    }
    entry.raw = text;
    return entry;
  }

  async function run(config) {
    const started = now();
    const result = {
      ok: false,
      jssipVersion: JsSIP.version,
      userAgent: navigator.userAgent,
      secureContext: window.isSecureContext,
      ws: { url: config.wsUrl, connected: false, subprotocol: null, closeCode: null },
      register: { status: null, reason: null, ok: false },
      call: {
        target: config.target,
        progress: [],
        finalStatus: null,
        finalReason: null,
        accepted: false,
        confirmed: false,
        ackSent: false,
        remoteSdpAccepted: false,
        remoteSdpError: null,
        signalingState: null,
        iceConnectionState: null,
        endedBy: null,
        failedCause: null,
      },
      inDialogRequests: [],
      bye: { sent: false, status: null, reason: null },
      unregister: { status: null, reason: null, ok: false },
      viaTransports: { sent: [], received: [] },
      recordRoute: [],
      errors: [],
      messages: [],
      durationMs: null,
    };
    const messages = [];
    const errors = result.errors;
    const fail = (step, e) => {
      errors.push(`${step}: ${e && e.message ? e.message : String(e)}`);
    };

    class LoggingSocket extends JsSIP.WebSocketInterface {
      send(message) {
        const sent = super.send(message);
        messages.push(Object.assign(summarize('out', message), { delivered: Boolean(sent) }));
        return sent;
      }

      _onOpen() {
        result.ws.connected = true;
        result.ws.subprotocol = this._ws ? this._ws.protocol : null;
        super._onOpen();
      }

      _onClose(event) {
        result.ws.closeCode = event.code;
        super._onClose(event);
      }

      _onMessage(event) {
        messages.push(summarize('in', event.data));
        super._onMessage(event);
      }
    }

    const responsesTo = (method, cseq) =>
      messages.filter((m) => m.dir === 'in' && m.status && m.cseqMethod === method && (cseq == null || m.cseq === cseq));
    const lastSent = (method) => [...messages].reverse().find((m) => m.dir === 'out' && m.method === method);

    /** Waits until a final response (>= 200) to the last sent `method` request has been received. */
    async function finalResponseTo(method, ms) {
      const deadline = now() + ms;
      while (now() < deadline) {
        const request = lastSent(method);
        if (request) {
          const final = responsesTo(method, request.cseq).find((m) => m.status >= 200);
          if (final) {
            return final;
          }
        }
        await sleep(50);
      }
      throw new Error(`no final response to ${method} within ${ms} ms`);
    }

    const timeouts = config.stepTimeoutsMs;
    let ua = null;
    let session = null;
    try {
      JsSIP.debug.disable();
      const socket = new LoggingSocket(config.wsUrl);
      ua = new JsSIP.UA({
        sockets: [socket],
        uri: config.aor,
        registrar_server: config.registrar || null,
        register: false,
        register_expires: 600,
        session_timers: false,
        no_answer_timeout: Math.ceil(timeouts.call / 1000),
        connection_recovery_min_interval: 2,
        connection_recovery_max_interval: 4,
        user_agent: `siplb-webrtc-harness JsSIP/${JsSIP.version}`,
      });
      ua.on('newRTCSession', ({ originator, session: s }) => {
        if (originator === 'remote') {
          errors.push('unexpected incoming INVITE');
          s.terminate();
        }
      });

      // 1. WebSocket
      const connected = waitFor(ua, ['connected', 'disconnected'], timeouts.connect, 'WebSocket connection');
      ua.start();
      const c = await connected;
      if (c.event !== 'connected') {
        throw new Error(`WebSocket ${config.wsUrl} did not open (code ${c.data && c.data.code})`);
      }

      // 2. REGISTER
      try {
        const registered = waitFor(ua, ['registered', 'registrationFailed'], timeouts.register, 'REGISTER answer');
        ua.register();
        const r = await registered;
        const response = r.data && r.data.response;
        result.register.status = response ? response.status_code : null;
        result.register.reason = response ? response.reason_phrase : (r.data && r.data.cause) || null;
        result.register.ok = r.event === 'registered' && result.register.status === 200;
        if (!result.register.ok) {
          errors.push(`register: ${r.event} ${result.register.status || ''} ${result.register.reason || ''}`.trim());
        }
      } catch (e) {
        const final = responsesTo('REGISTER').find((m) => m.status >= 200);
        if (final) {
          result.register.status = final.status;
          result.register.reason = final.reason;
          e = new Error(`${e.message}; JsSIP ignored the ${final.status} (no Contact pointing to it?)`);
        }
        fail('register', e);
      }

      // 3. INVITE until confirmed
      if (result.register.ok || !config.requireRegister) {
        let resolveEnd;
        const ended = new Promise((resolve) => {
          resolveEnd = resolve;
        });
        const confirmed = new Promise((resolve, reject) => {
          session = ua.call(config.target, {
            mediaConstraints: { audio: true, video: false },
            // No ICE servers and the relay-only policy: Chromium gathers no candidate at all, so the offer names
            // no interface address (host candidates would list every interface, not only loopback) and the
            // browser sends no ICE or media packet. The call needs none: SIP (200 + ACK) and the accepted SDP
            // answer confirm it.
            pcConfig: { iceServers: [], iceTransportPolicy: 'relay' },
            rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
            eventHandlers: {
              progress: (e) => {
                if (e.response) {
                  result.call.progress.push(e.response.status_code);
                }
              },
              accepted: (e) => {
                result.call.accepted = true;
                if (e.response) {
                  result.call.finalStatus = e.response.status_code;
                  result.call.finalReason = e.response.reason_phrase;
                  result.recordRoute = e.response.getHeaders('Record-Route');
                }
              },
              confirmed: () => {
                result.call.confirmed = true;
                resolve();
              },
              failed: (e) => {
                result.call.failedCause = e.cause;
                if (e.message && e.message.status_code) {
                  result.call.finalStatus = e.message.status_code;
                  result.call.finalReason = e.message.reason_phrase;
                }
                const error = new Error(`call failed: ${e.cause} (${e.originator})`);
                reject(error);
                resolveEnd({ originator: e.originator, cause: e.cause });
              },
              ended: (e) => {
                resolveEnd({ originator: e.originator, cause: e.cause });
              },
              'peerconnection:setremotedescriptionfailed': (error) => {
                // Chromium's reason for refusing the SDP answer (JsSIP then ACKs, sends a BYE and fails the call).
                result.call.remoteSdpError = String(error && error.message ? error.message : error);
                errors.push(`setRemoteDescription: ${result.call.remoteSdpError}`);
              },
              newInfo: (e) => {
                if (e.originator === 'remote') {
                  result.inDialogRequests.push({
                    method: 'INFO',
                    contentType: e.info.contentType || null,
                    body: e.info.body || null,
                  });
                }
              },
            },
          });
        });
        let callTimer;
        try {
          await Promise.race([
            confirmed,
            new Promise((_, reject) => {
              callTimer = setTimeout(
                () => reject(new Error(`call not confirmed within ${timeouts.call} ms`)), timeouts.call);
            }),
          ]);
        } catch (e) {
          fail('call', e);
        } finally {
          clearTimeout(callTimer);
        }
        const pc = session && session.connection;
        if (pc) {
          result.call.signalingState = pc.signalingState;
          result.call.remoteSdpAccepted = Boolean(pc.remoteDescription && pc.remoteDescription.type === 'answer');
        }
        const ack = messages.find((m) => m.dir === 'out' && m.method === 'ACK');
        result.call.ackSent = Boolean(ack && ack.delivered);
        if (result.call.finalStatus == null) {
          const final = responsesTo('INVITE').find((m) => m.status >= 200);
          if (final) {
            result.call.finalStatus = final.status;
            result.call.finalReason = final.reason;
          }
        }

        if (result.call.confirmed) {
          // 4. hold; the call must stay up for the whole hold
          const held = await Promise.race([
            sleep(config.holdMs).then(() => null),
            ended.then((e) => e),
          ]);
          if (pc) {
            result.call.iceConnectionState = pc.iceConnectionState;
          }
          if (held) {
            result.call.endedBy = held.originator;
            fail('hold', new Error(`call ended during the hold: ${held.cause} (${held.originator})`));
          } else {
            // 5. BYE
            session.terminate();
            const bye = lastSent('BYE');
            result.bye.sent = Boolean(bye && bye.delivered);
            result.call.endedBy = 'local';
            if (!result.bye.sent) {
              fail('bye', new Error('JsSIP did not send a BYE'));
            } else {
              try {
                const final = await finalResponseTo('BYE', timeouts.bye);
                result.bye.status = final.status;
                result.bye.reason = final.reason;
                if (final.status !== 200) {
                  errors.push(`bye: answered ${final.status} ${final.reason}`);
                }
              } catch (e) {
                fail('bye', e);
              }
            }
          }
        } else if (session && !session.isEnded()) {
          session.terminate();
        }
      } else {
        errors.push('call: not attempted, REGISTER failed');
      }

      // 6. un-REGISTER (also after a failed call, so the registrar is left clean)
      if (result.register.ok) {
        try {
          const unregistered = waitFor(ua, ['unregistered', 'registrationFailed'], timeouts.register,
            'un-REGISTER answer');
          ua.unregister();
          const u = await unregistered;
          const response = u.data && u.data.response;
          result.unregister.status = response ? response.status_code : null;
          result.unregister.reason = response ? response.reason_phrase : (u.data && u.data.cause) || null;
          result.unregister.ok = u.event === 'unregistered' && result.unregister.status === 200;
          if (!result.unregister.ok) {
            errors.push(`unregister: ${result.unregister.status || ''} ${result.unregister.reason || ''}`.trim());
          }
        } catch (e) {
          fail('unregister', e);
        }
      }
    } catch (e) {
      fail('run', e);
    } finally {
      if (ua) {
        try {
          const disconnected = waitFor(ua, ['disconnected'], 2000, 'WebSocket close').catch(() => null);
          ua.stop();
          if (result.ws.connected) {
            await disconnected;
          }
        } catch (e) {
          fail('stop', e);
        }
      }
    }

    const uniq = (values) => [...new Set(values.filter((v) => v))];
    result.viaTransports.sent = uniq(messages.filter((m) => m.dir === 'out').map((m) => m.viaTransport));
    result.viaTransports.received = uniq(messages.filter((m) => m.dir === 'in').map((m) => m.viaTransport));
    // Requests from the peer (in-dialog ones come back through the proxy toward the browser's Contact), with the
    // status the browser answered them with.
    const infos = result.inDialogRequests.splice(0);
    for (const m of messages) {
      if (m.dir === 'in' && m.method) {
        const answer = messages.find((r) => r.dir === 'out' && r.status && r.callId === m.callId &&
          r.cseq === m.cseq && r.cseqMethod === m.method);
        const info = m.method === 'INFO' ? infos.shift() : null;
        result.inDialogRequests.push({
          method: m.method,
          ruri: m.ruri,
          viaTransport: m.viaTransport,
          answered: answer ? answer.status : null,
          contentType: info ? info.contentType : null,
          body: info ? info.body : null,
        });
      }
    }
    result.messages = messages;
    result.durationMs = now() - started;

    const expected = config.expectIncoming || [];
    const seen = result.inDialogRequests.map((r) => r.method);
    for (const method of expected) {
      const request = result.inDialogRequests.find((r) => r.method === method);
      if (request && request.answered !== 200) {
        errors.push(`in-dialog: the peer's ${method} was answered ${request.answered}`);
      }
      if (!seen.includes(method)) {
        errors.push(`in-dialog: expected a ${method} from the peer, none arrived`);
      }
    }
    result.ok = errors.length === 0 &&
      result.ws.connected &&
      result.register.ok &&
      result.call.confirmed && result.call.finalStatus === 200 && result.call.ackSent &&
      result.call.remoteSdpAccepted &&
      result.bye.status === 200 &&
      result.unregister.ok &&
      result.viaTransports.sent.length > 0 && result.viaTransports.sent.every((t) => t === 'WS' || t === 'WSS');
    return result;
  }

  window.siplbHarness = { run, ready: true };
})();
