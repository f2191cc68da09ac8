package io.siplb.codec;

import static java.util.Objects.requireNonNull;

/**
 * One departure from the RFC 3261 grammar found by {@link SipStrictValidator}: where ({@code header}, a header
 * name as written, or {@code "start line"} / {@code "message"}), the offending text (printable ASCII, at most 64
 * characters) and what the grammar expects there. Immutable.
 *
 * @param header the header name as written, {@code "start line"} or {@code "message"}
 * @param value an excerpt of the offending value
 * @param expected what RFC 3261 expects there
 */
public record SipProblem(String header, String value, String expected) {

    /** Checks that no component is {@code null}. */
    public SipProblem {
        requireNonNull(header, "header");
        requireNonNull(value, "value");
        requireNonNull(expected, "expected");
    }

    /** Returns {@code header: value (expected: expected)}, the form of the decoder's error texts. */
    @Override
    public String toString() {
        return header + ": " + value + " (expected: " + expected + ')';
    }
}
