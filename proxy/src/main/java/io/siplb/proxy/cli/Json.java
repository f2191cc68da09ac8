package io.siplb.proxy.cli;

/**
 * Builds one-line JSON objects for command output and the admin listener's answers, escaping strings per RFC 8259
 * §7. Not thread-safe; confined to the thread writing the output.
 */
public final class Json {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final StringBuilder sb = new StringBuilder(256);
    private boolean first = true;

    /** Starts an empty object. */
    public Json() {
        sb.append('{');
    }

    /** Adds {@code "name": "value"}, or {@code "name": null} when {@code value} is {@code null}. */
    public Json add(String name, String value) {
        key(name);
        if (value == null) {
            sb.append("null");
        } else {
            quote(sb, value);
        }
        return this;
    }

    /** Adds {@code "name": value}. */
    public Json add(String name, long value) {
        key(name);
        sb.append(value);
        return this;
    }

    /**
     * Adds {@code "name": value} with at most three decimals ({@code null} when {@code value} is not finite, which
     * JSON cannot express).
     */
    public Json add(String name, double value) {
        key(name);
        if (!Double.isFinite(value)) {
            sb.append("null");
        } else if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            sb.append((long) value);
        } else {
            sb.append(java.math.BigDecimal.valueOf(value).setScale(3, java.math.RoundingMode.HALF_EVEN)
                                          .stripTrailingZeros().toPlainString());
        }
        return this;
    }

    /** Adds {@code "name": true|false}. */
    public Json add(String name, boolean value) {
        key(name);
        sb.append(value);
        return this;
    }

    /** Adds {@code "name": {...}} with an already built object, or {@code null}. */
    public Json add(String name, Json object) {
        key(name);
        sb.append(object == null ? "null" : object.toString());
        return this;
    }

    /** Adds {@code "name": [...]} with already built objects. */
    public Json add(String name, java.util.List<Json> objects) {
        key(name);
        sb.append('[');
        for (int i = 0; i < objects.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(objects.get(i));
        }
        sb.append(']');
        return this;
    }

    private void key(String name) {
        if (!first) {
            sb.append(',');
        }
        first = false;
        quote(sb, name);
        sb.append(':');
    }

    /** Returns {@code s} as a JSON string literal. */
    public static String quote(String s) {
        final StringBuilder sb = new StringBuilder(s.length() + 2);
        quote(sb, s);
        return sb.toString();
    }

    /** Appends {@code s} as a JSON string literal. */
    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                case '\b':
                    sb.append("\\b");
                    break;
                case '\f':
                    sb.append("\\f");
                    break;
                default:
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        sb.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf])
                          .append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return sb + "}";
    }
}
