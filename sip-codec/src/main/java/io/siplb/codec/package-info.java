/**
 * SIP codec for siplb: zero-copy parsing and framing of SIP messages on Netty buffers, rewriting for forwarding,
 * and locally generated responses.
 *
 * <p>Starting points:
 * <ul>
 *   <li>{@link io.siplb.codec.DatagramSipDecoder} (UDP) and {@link io.siplb.codec.StreamSipDecoder} (TCP/TLS)
 *       emit {@link io.siplb.codec.SipMessage}s; {@link io.siplb.codec.SipMessageParser} parses one message from a
 *       buffer directly.</li>
 *   <li>{@link io.siplb.codec.SipMessage} exposes the header index as offsets plus lazy typed accessors
 *       ({@link io.siplb.codec.Via}, {@link io.siplb.codec.NameAddr}, {@link io.siplb.codec.CSeq},
 *       {@link io.siplb.codec.SipUri}).</li>
 *   <li>{@link io.siplb.codec.SipRewriter} edits a message for forwarding (one CompositeByteBuf of retained
 *       slices plus new bytes), {@link io.siplb.codec.SipBranches} computes RFC 3261 §16.11 stateless branches and
 *       {@link io.siplb.codec.SipResponses} / {@link io.siplb.codec.SipResponsesBuilder} build local responses
 *       (RFC 3261 §8.2.6).</li>
 *   <li>{@link io.siplb.codec.SipDecoderConfig} holds the limits; failures are values:
 *       {@link io.siplb.codec.SipDecodeError} / {@link io.siplb.codec.SipDecoderException}.</li>
 * </ul>
 *
 * <h2>How malformed input is treated</h2>
 * A request whose top Via (sent-protocol and sent-by), From, To, Call-ID and CSeq are present is
 * {@linkplain io.siplb.codec.SipMessage#isAnswerable() answerable}: the proxy sends
 * {@link io.siplb.codec.SipMessage#errorStatus()} (400; 501 for an unknown method with a mismatched CSeq; 505 for a
 * SIP-Version other than 2.0; 414 / 513 for a too long start line / message). Everything else that fails (responses,
 * requests without those headers, garbage) is dropped and counted by {@link io.siplb.codec.SipDecodeError}. Over
 * TCP/TLS a framing failure (Content-Length missing, malformed, negative or conflicting; a limit exceeded) also ends
 * decoding on that connection.
 *
 * <h2>What the decoder checks, and what strict checks</h2>
 * The decoder checks what the proxy reads (RFC 3261 §16.3): the start line and Request-URI, every Via, From and To
 * as far as their URI and tag, Call-ID, CSeq, Max-Forwards, Content-Length, Route and Proxy-Require. Every other
 * header is forwarded as received, well-formed or not: a message the decoder accepts is one the proxy forwards.
 * {@link io.siplb.codec.SipStrictValidator} holds a message to the full RFC 3261 grammar and names every problem
 * ({@code siplb parse --strict}); whatever the decoder rejects, strict rejects too.
 *
 * <h2>Where siplb is deliberately liberal</h2>
 * This is the one list of inputs that RFC 3261 / RFC 4475 allow an element to reject but the decoder (so the proxy)
 * accepts; {@link io.siplb.codec.SipStrictValidator} rejects each of them. An item naming an RFC 4475 file in
 * {@code {@code file}} form is read by the RFC 4475 test ({@code TortureTest}), which checks that exactly those
 * files are accepted by the decoder and rejected by strict.
 * <ul>
 *   <li>{@code baddate} (RFC 4475 §3.1.2.12): a Date header with a zone other than GMT. A proxy does not interpret
 *       Date and forwards it unchanged.</li>
 *   <li>{@code regbadct} (RFC 4475 §3.1.2.13): a Contact addr-spec holding {@code ?} outside {@code <>}. The proxy
 *       never reads Contact; no Contact value is checked at decode time.</li>
 *   <li>An unquoted display name with non-token characters in From or To ({@code Bell, Alexander <sip:...>} of
 *       RFC 4475 §3.1.2.15, or unquoted UTF-8): the display name is anything before {@code <} that holds no
 *       {@code "}; the proxy reads only the URI and the tag. (The corpus file {@code baddn.dat} is still rejected:
 *       its header block has no terminating empty line.)</li>
 *   <li>From and To parameter values with octets outside token / quoted-string, such as a phone's
 *       {@code tag=abc"def} or a UTF-8 {@code tag=abé}: a value not starting a well-formed quoted string or
 *       token runs to the next {@code ;}, and the tag is compared as those octets.</li>
 *   <li>Every header the proxy does not read (Contact, Record-Route, Expires, Content-Type, Require, Supported,
 *       Date, extension headers) is forwarded as received, however malformed.</li>
 *   <li>Lines ended by a bare LF instead of CRLF are accepted (the line terminator of the message is kept as
 *       received; the rewriter does not normalise it).</li>
 *   <li>A Status-Line without the SP before an empty Reason-Phrase is accepted.</li>
 * </ul>
 * Accepted because RFC 4475 says a parser must (not liberal, strict accepts them too): unknown headers of any value
 * ({@code UnknownHeaderWithUnusualValue: ;;,,;;,;} of §3.1.1.1), a display name directly followed by {@code <}
 * (§3.1.1.6), RFC 2543 requests without branch, From tag, Content-Length or Max-Forwards (§3.4.1), URIs of unknown
 * schemes (§3.3.2 - §3.3.4). Rejected although a liberal element may accept them: {@code <>} around or LWS inside
 * the Request-URI, extra or trailing SPs in the Request-Line, escaped headers in a Request-URI, spaces inside
 * {@code <>} in From, To and Route, an unterminated quoted display name in From or To, Max-Forwards above 255 (all
 * answered 400). A request without From, To or Call-ID (§3.3.1) is dropped, as an answer could not be matched to
 * it.
 *
 * <p>Nothing in this package logs. Every method returns non-null values unless its documentation says
 * {@code null}.
 */
package io.siplb.codec;
