package io.siplb.proxy.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.siplb.codec.CSeq;
import io.siplb.codec.NameAddr;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMessageParser;
import io.siplb.codec.SipProblem;
import io.siplb.codec.SipStrictValidator;
import io.siplb.codec.Via;

/**
 * {@code siplb parse [--strict] FILE...}: parses each file as one SIP message (framed like a datagram) with the
 * proxy's decoder and prints one JSON object per file on one line: {@code file}, {@code valid} (the decoder's
 * verdict: the proxy would forward it), {@code error} and {@code errorReason} (when not valid), {@code method} or
 * {@code status}, {@code callId}, {@code cseq}, {@code from}/{@code to} (URI and tag), {@code topVia} (transport,
 * host, port, branch) and {@code headerCount}. With {@code --strict}, also {@code strict} (no problem against the
 * full RFC 3261 grammar, {@link SipStrictValidator}) and {@code problems}, every one found as
 * {@code {"header", "value", "expected"}}. Exit status 0 when every file is valid (with {@code --strict}: has no
 * problem), 1 otherwise. Static methods only. Immutable.
 */
final class ParseCommand {

    /**
     * What to parse.
     *
     * @param files the files, one message each
     * @param strict whether to apply the full RFC 3261 grammar too
     */
    record Request(List<Path> files, boolean strict) {}

    private ParseCommand() {}

    static int run(Request request, PrintStream out, PrintStream err) {
        final SipMessageParser parser = new SipMessageParser();
        boolean allPass = true;
        for (Path file : request.files()) {
            final Json json = new Json().add("file", file.toString());
            final byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                json.add("valid", false).add("error", "cannot read: " + e);
                if (request.strict()) {
                    json.add("strict", false).add("problems", List.of());
                }
                out.println(json);
                allPass = false;
                continue;
            }
            final ByteBuf buf = Unpooled.wrappedBuffer(bytes);
            final SipMessage msg = parser.parse(buf);
            try {
                final boolean valid = msg.decoderResult().isSuccess();
                describe(msg, valid, json);
                if (request.strict()) {
                    final List<SipProblem> problems = SipStrictValidator.validate(msg);
                    final List<Json> list = new ArrayList<>(problems.size());
                    for (SipProblem p : problems) {
                        list.add(new Json().add("header", p.header()).add("value", p.value())
                                           .add("expected", p.expected()));
                    }
                    json.add("strict", problems.isEmpty()).add("problems", list);
                    allPass &= problems.isEmpty();
                } else {
                    allPass &= valid;
                }
            } finally {
                msg.release();
                buf.release();
            }
            out.println(json);
        }
        return allPass ? Main.EXIT_OK : Main.EXIT_FAILED;
    }

    private static void describe(SipMessage msg, boolean valid, Json json) {
        json.add("valid", valid);
        if (!valid) {
            final String reason = msg.decodeError() != null ? msg.decodeError().name() : null;
            json.add("error", msg.errorText() != null ? msg.errorText() : reason);
            if (reason != null) {
                json.add("errorReason", reason);
            }
        }
        if (msg.isRequest()) {
            json.add("method", msg.methodName());
            if (msg.requestUri() != null) {
                json.add("requestUri", msg.requestUri().toString());
            }
        } else if (msg.isResponse()) {
            json.add("status", msg.statusCode());
        }
        json.add("callId", msg.callId());
        final CSeq cseq = msg.cseq();
        json.add("cseq", cseq != null ? cseq.number() + " " + cseq.method() : null);
        json.add("from", nameAddr(msg.from()));
        json.add("to", nameAddr(msg.to()));
        final Via via = msg.topVia();
        if (via != null) {
            json.add("topVia", new Json().add("transport", via.transport())
                                         .add("host", via.host())
                                         .add("port", via.port() > 0 ? via.port() : 5060)
                                         .add("branch", via.branch()));
        } else {
            json.add("topVia", (String) null);
        }
        json.add("headerCount", msg.headerCount());
    }

    private static Json nameAddr(NameAddr a) {
        if (a == null) {
            return null;
        }
        return new Json().add("uri", a.uri() != null ? a.uri().toString() : null).add("tag", a.tag());
    }
}
