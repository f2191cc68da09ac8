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
 *   <li>{@link io.siplb.codec.SipDecoderConfig} holds the limits; failures are values:
 *       {@link io.siplb.codec.SipDecodeError} / {@link io.siplb.codec.SipDecoderException}.</li>
 * </ul>
 *
 * <p>Nothing in this package logs. Every method returns non-null values unless its documentation says
 * {@code null}.
 */
package io.siplb.codec;
