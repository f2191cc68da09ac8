package io.siplb.loadtests.gen;

import java.util.Locale;

/** What one "call" of the UAC is. Immutable. */
public enum CallMode {
    /** INVITE, 1xx, 200, ACK, hold time, BYE, 200: a call with a dialog. */
    INVITE("INVITE"),
    /** One OPTIONS transaction. */
    OPTIONS("OPTIONS"),
    /** One MESSAGE transaction (RFC 3428) with a short text/plain body. */
    MESSAGE("MESSAGE"),
    /** One REGISTER transaction, a distinct address of record per call. */
    REGISTER("REGISTER");

    private final String method;

    CallMode(String method) {
        this.method = method;
    }

    /** Returns the method of the mode's first request. */
    public String method() {
        return method;
    }

    /** Parses {@code invite}, {@code options}, {@code message} or {@code register} (any case). */
    public static CallMode of(String name) {
        for (CallMode m : values()) {
            if (m.name().equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("mode: " + name.toLowerCase(Locale.ROOT) +
                                           " (expected: invite, options, message or register)");
    }
}
