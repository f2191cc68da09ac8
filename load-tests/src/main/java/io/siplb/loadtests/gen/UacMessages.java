package io.siplb.loadtests.gen;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The text of the UAC's messages, compiled into {@link SipTemplate}s once per socket with its local address, the
 * target and the transport filled in. Static methods only. Immutable.
 */
final class UacMessages {

    /** The SDP offer of every INVITE (one PCMU audio stream; nothing listens on its port). */
    static final String SDP =
            "v=0\n" +
            "o=siplb-load 1 1 IN IP4 0.0.0.0\n" +
            "s=-\n" +
            "c=IN IP4 0.0.0.0\n" +
            "t=0 0\n" +
            "m=audio 49170 RTP/AVP 0\n" +
            "a=rtpmap:0 PCMU/8000\n";

    /** The body of every MESSAGE. */
    static final String MESSAGE_BODY = "siplb load generator message\n";

    private UacMessages() {}

    /** Returns {@code host:port}, an IPv6 host in brackets (RFC 3261 §25.1). */
    static String hostPort(InetSocketAddress a) {
        return host(a.getAddress()) + ':' + a.getPort();
    }

    static String host(InetAddress address) {
        final String h = address.getHostAddress();
        return address instanceof Inet6Address ? '[' + h.replaceFirst("%.*$", "") + ']' : h;
    }

    static UacHandler.Constants constants(UacConfig config, String runId, InetSocketAddress local) {
        final String t = config.transport().viaToken();
        final String param = config.transport().uriParameter();
        final String localHp = hostPort(local);
        final String localHost = host(local.getAddress());
        final String targetHp = hostPort(config.target());
        final String service = config.service();
        final String requestUri = "sip:" + service + '@' + targetHp + param;
        final String via = "Via: SIP/2.0/" + t + ' ' + localHp + ";branch=z9hG4bK{BRANCH};rport\n";
        final String from = "From: <sip:load@" + localHost + ">;tag=f{FROM_TAG}\n";
        final String initial;
        switch (config.mode()) {
            case INVITE:
                initial = "INVITE " + requestUri + " SIP/2.0\n" + via +
                          "Max-Forwards: 70\n" + from +
                          "To: <sip:" + service + '@' + targetHp + ">\n" +
                          "Call-ID: {CALL_ID}\n" +
                          "CSeq: 1 INVITE\n" +
                          "Contact: <sip:load@" + localHp + param + ">\n" +
                          "User-Agent: siplb-load\n" +
                          "Content-Type: application/sdp\n" +
                          "Content-Length: " + crlfLength(SDP) + "\n\n" + SDP;
                break;
            case OPTIONS:
                initial = "OPTIONS " + requestUri + " SIP/2.0\n" + via +
                          "Max-Forwards: 70\n" + from +
                          "To: <sip:" + service + '@' + targetHp + ">\n" +
                          "Call-ID: {CALL_ID}\n" +
                          "CSeq: 1 OPTIONS\n" +
                          "Accept: application/sdp\n" +
                          "User-Agent: siplb-load\n" +
                          "Content-Length: 0\n\n";
                break;
            case MESSAGE:
                initial = "MESSAGE " + requestUri + " SIP/2.0\n" + via +
                          "Max-Forwards: 70\n" + from +
                          "To: <sip:" + service + '@' + targetHp + ">\n" +
                          "Call-ID: {CALL_ID}\n" +
                          "CSeq: 1 MESSAGE\n" +
                          "User-Agent: siplb-load\n" +
                          "Content-Type: text/plain\n" +
                          "Content-Length: " + crlfLength(MESSAGE_BODY) + "\n\n" + MESSAGE_BODY;
                break;
            case REGISTER:
                initial = "REGISTER sip:" + targetHp + param + " SIP/2.0\n" + via +
                          "Max-Forwards: 70\n" +
                          "From: <sip:load{USER}@" + targetHp + ">;tag=f{FROM_TAG}\n" +
                          "To: <sip:load{USER}@" + targetHp + ">\n" +
                          "Call-ID: {CALL_ID}\n" +
                          "CSeq: 1 REGISTER\n" +
                          "Contact: <sip:load{USER}@" + localHp + param + ">\n" +
                          "Expires: 3600\n" +
                          "User-Agent: siplb-load\n" +
                          "Content-Length: 0\n\n";
                break;
            default:
                throw new IllegalStateException("mode " + config.mode());
        }
        final String ack = "ACK {REQUEST_URI} SIP/2.0\n" + via +
                           "{ROUTES}Max-Forwards: 70\n" + from +
                           "To: {TO}\n" +
                           "Call-ID: {CALL_ID}\n" +
                           "CSeq: 1 ACK\n" +
                           "Content-Length: 0\n\n";
        final String bye = "BYE {REQUEST_URI} SIP/2.0\n" + via +
                           "{ROUTES}Max-Forwards: 70\n" + from +
                           "To: {TO}\n" +
                           "Call-ID: {CALL_ID}\n" +
                           "CSeq: 2 BYE\n" +
                           "User-Agent: siplb-load\n" +
                           "Content-Length: 0\n\n";
        return new UacHandler.Constants(runId.getBytes(StandardCharsets.US_ASCII),
                                        ('@' + localHost).getBytes(StandardCharsets.US_ASCII),
                                        requestUri.getBytes(StandardCharsets.US_ASCII),
                                        SipTemplate.compile(initial), SipTemplate.compile(ack),
                                        SipTemplate.compile(bye));
    }

    /** Returns the length of {@code body} once its line ends are CRLF, as {@link SipTemplate} writes it. */
    static int crlfLength(String body) {
        return body.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8).length;
    }
}
