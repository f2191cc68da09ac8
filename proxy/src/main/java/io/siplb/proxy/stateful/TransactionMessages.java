package io.siplb.proxy.stateful;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.siplb.codec.CSeq;
import io.siplb.codec.NameAddr;
import io.siplb.codec.SipBranches;
import io.siplb.codec.SipHeader;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMethod;
import io.siplb.codec.Via;

/**
 * The requests a stateful proxy writes itself, and transaction keys: the CANCEL of a forwarded INVITE (RFC 3261
 * §9.1), the ACK of a non-2xx final response (§17.1.1.3), the key of a server transaction (§17.2.3, with the RFC 2543
 * rule for a branch without the magic cookie), and the aggregation of 401/407 challenges (§16.7 step 7). Static
 * methods only. Immutable.
 */
final class TransactionMessages {

    private TransactionMessages() {}

    /**
     * Returns the key a request is matched to its server transaction by (RFC 3261 §17.2.3): the top Via's branch,
     * sent-by and method, ACK matching the INVITE; for CANCEL with {@code cancelMatchesInvite} the INVITE it cancels.
     * A branch without the magic cookie (RFC 2543) is matched by Request-URI, From tag, Call-ID, CSeq number, top
     * Via and method. {@code null} when the request has no top Via.
     */
    static String serverKey(SipMessage request, boolean cancelMatchesInvite) {
        final Via top = request.topVia();
        if (top == null) {
            return null;
        }
        final SipMethod method = request.method();
        final String m = method == SipMethod.ACK || method == SipMethod.CANCEL && cancelMatchesInvite
                         ? "INVITE" : request.methodName();
        final String branch = top.branch();
        final StringBuilder sb = new StringBuilder(96);
        if (SipBranches.hasMagicCookie(branch)) {
            sb.append(branch).append('\u0000').append(top.host()).append(':').append(top.port());
        } else {
            final NameAddr from = request.from();
            final CSeq cseq = request.cseq();
            sb.append("2543\u0000").append(request.content().toString(request.requestUriStart(),
                    request.requestUriEnd() - request.requestUriStart(), StandardCharsets.UTF_8))
              .append('\u0000').append(from != null ? from.tag() : null)
              .append('\u0000').append(request.callId())
              .append('\u0000').append(cseq != null ? cseq.number() : -1)
              .append('\u0000').append(top);
        }
        return sb.append('\u0000').append(m).toString();
    }

    /**
     * Builds the CANCEL of a forwarded INVITE (RFC 3261 §9.1): the INVITE's Request-URI, its top Via only (the same
     * branch), Route, From, To, Call-ID and CSeq number.
     *
     * @param invite the INVITE as siplb sent it
     */
    static ByteBuf cancel(ByteBufAllocator alloc, SipMessage invite) {
        return build(alloc, invite, "CANCEL", null);
    }

    /**
     * Builds the ACK of a non-2xx final response (RFC 3261 §17.1.1.3): as the CANCEL, with the To of the response.
     *
     * @param invite the INVITE as siplb sent it
     * @param response the response
     */
    static ByteBuf ack(ByteBufAllocator alloc, SipMessage invite, SipMessage response) {
        final int to = response.firstHeader(SipHeader.TO);
        return build(alloc, invite, "ACK", to >= 0 ? response.headerValue(to) : null);
    }

    private static ByteBuf build(ByteBufAllocator alloc, SipMessage invite, String method, String toValue) {
        final StringBuilder sb = new StringBuilder(512);
        sb.append(method).append(' ')
          .append(invite.content().toString(invite.requestUriStart(),
                                            invite.requestUriEnd() - invite.requestUriStart(),
                                            StandardCharsets.UTF_8))
          .append(" SIP/2.0\r\n");
        final Via top = invite.topVia();
        sb.append("Via: ").append(invite.content().toString(top.valueStart(), top.valueEnd() - top.valueStart(),
                                                             StandardCharsets.UTF_8)).append("\r\n");
        for (int i = invite.firstHeader(SipHeader.ROUTE); i >= 0; i = invite.nextHeader(SipHeader.ROUTE, i)) {
            sb.append("Route: ").append(invite.headerValue(i)).append("\r\n");
        }
        sb.append("Max-Forwards: 70\r\n");
        appendHeader(sb, invite, SipHeader.FROM, "From");
        if (toValue != null) {
            sb.append("To: ").append(toValue).append("\r\n");
        } else {
            appendHeader(sb, invite, SipHeader.TO, "To");
        }
        appendHeader(sb, invite, SipHeader.CALL_ID, "Call-ID");
        sb.append("CSeq: ").append(invite.cseq().number()).append(' ').append(method).append("\r\n");
        sb.append("Content-Length: 0\r\n\r\n");
        return ByteBufUtil.writeUtf8(alloc, sb);
    }

    private static void appendHeader(StringBuilder sb, SipMessage m, SipHeader h, String name) {
        final int i = m.firstHeader(h);
        if (i >= 0) {
            sb.append(name).append(": ").append(m.headerValue(i)).append("\r\n");
        }
    }

    /** Returns whether header {@code i} is a WWW-Authenticate or Proxy-Authenticate. */
    static boolean isChallenge(SipMessage m, int i) {
        final String name = m.headerName(i);
        return "WWW-Authenticate".equalsIgnoreCase(name) || "Proxy-Authenticate".equalsIgnoreCase(name);
    }

    /**
     * Returns {@code response} with the challenge header lines of {@code others} added before its empty line (RFC
     * 3261 §16.7 step 7: a proxy forwarding a 401 or 407 collects the WWW-Authenticate and Proxy-Authenticate of
     * every 401 and 407 it received). The inputs are neither retained nor released.
     */
    static ByteBuf withChallenges(ByteBufAllocator alloc, SipMessage response, Iterable<SipMessage> others) {
        final StringBuilder extra = new StringBuilder();
        for (SipMessage o : others) {
            if (o == response) {
                continue;
            }
            for (int i = 0; i < o.headerCount(); i++) {
                if (isChallenge(o, i)) {
                    extra.append(o.headerName(i)).append(": ").append(o.headerValue(i)).append("\r\n");
                }
            }
        }
        final ByteBuf content = response.content();
        final int end = response.headersEnd();
        final ByteBuf out = alloc.buffer(content.readableBytes() + extra.length() * 3);
        out.writeBytes(content, content.readerIndex(), end - content.readerIndex());
        ByteBufUtil.writeUtf8(out, extra);
        out.writeBytes(content, end, content.writerIndex() - end);
        return out;
    }
}
