package io.siplb.loadtests.gen;

import java.util.ArrayDeque;
import java.util.Locale;

/**
 * A minimal streaming JSON writer (RFC 8259) for the result file: objects, arrays, strings, numbers, booleans,
 * indented two spaces. Non-finite numbers are written as {@code null}. Not thread-safe.
 */
final class JsonWriter {

    private final StringBuilder out = new StringBuilder(4096);
    /** Per open container: whether it has an element yet. */
    private final ArrayDeque<boolean[]> open = new ArrayDeque<>();
    private boolean afterName;

    JsonWriter beginObject() {
        value();
        out.append('{');
        open.push(new boolean[1]);
        return this;
    }

    JsonWriter endObject() {
        close('}');
        return this;
    }

    JsonWriter beginArray() {
        value();
        out.append('[');
        open.push(new boolean[1]);
        return this;
    }

    JsonWriter endArray() {
        close(']');
        return this;
    }

    JsonWriter name(String name) {
        separate();
        string(name);
        out.append(": ");
        afterName = true;
        return this;
    }

    JsonWriter value(String s) {
        value();
        if (s == null) {
            out.append("null");
        } else {
            string(s);
        }
        return this;
    }

    JsonWriter value(long n) {
        value();
        out.append(n);
        return this;
    }

    JsonWriter value(double d) {
        value();
        if (Double.isFinite(d)) {
            out.append(String.format(Locale.ROOT, "%.3f", d));
        } else {
            out.append("null");
        }
        return this;
    }

    JsonWriter value(boolean b) {
        value();
        out.append(b);
        return this;
    }

    JsonWriter field(String name, String v) {
        return name(name).value(v);
    }

    JsonWriter field(String name, long v) {
        return name(name).value(v);
    }

    JsonWriter field(String name, double v) {
        return name(name).value(v);
    }

    JsonWriter field(String name, boolean v) {
        return name(name).value(v);
    }

    @Override
    public String toString() {
        if (!open.isEmpty()) {
            throw new IllegalStateException(open.size() + " JSON container(s) not closed");
        }
        return out.append('\n').toString();
    }

    private void value() {
        if (afterName) {
            afterName = false;
            return;
        }
        separate();
    }

    private void separate() {
        final boolean[] container = open.peek();
        if (container == null) {
            return;
        }
        if (container[0]) {
            out.append(',');
        }
        container[0] = true;
        newline(open.size());
    }

    private void close(char c) {
        final boolean[] container = open.pop();
        if (container[0]) {
            newline(open.size());
        }
        out.append(c);
    }

    private void newline(int depth) {
        out.append('\n');
        for (int i = 0; i < depth; i++) {
            out.append("  ");
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
