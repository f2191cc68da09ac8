package io.siplb.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Names of the RFC 4475 torture messages of the test-jar ({@code torture/<name>.dat}), read from
 * {@code torture/SHA256SUMS} so the list works from a directory and from a jar. Immutable.
 */
final class SipRewriteTortureNames {

    private SipRewriteTortureNames() {
    }

    /** Returns every torture message name, e.g. {@code "wsinv"}, in the order of SHA256SUMS. */
    static List<String> all() {
        final String sums = new String(SipTestMessages.resource("torture/SHA256SUMS"), StandardCharsets.US_ASCII);
        final List<String> names = new ArrayList<>();
        for (String line : sums.split("\n")) {
            final String file = line.trim().replaceFirst("^[0-9a-f]+\\s+\\*?", "");
            if (file.endsWith(".dat")) {
                names.add(file.substring(0, file.length() - ".dat".length()));
            }
        }
        if (names.size() < 49) {
            throw new IllegalStateException("torture/SHA256SUMS lists " + names.size() + " messages (expected: 50)");
        }
        return names;
    }
}
