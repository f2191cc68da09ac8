package io.siplb.loadtests.gen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict little JSON parser (RFC 8259) for checking the result file in tests: objects become {@link Map}s
 * (duplicate keys rejected), arrays {@link List}s, numbers {@link Double}s, and {@code null} the string "null".
 * Throws {@link IllegalArgumentException} at the first error. Not thread-safe.
 */
final class MiniJson {

    private final String s;
    private int p;

    private MiniJson(String s) {
        this.s = s;
    }

    static Object parse(String text) {
        final MiniJson j = new MiniJson(text);
        final Object v = j.value();
        j.ws();
        if (j.p != text.length()) {
            throw j.error("trailing text");
        }
        return v;
    }

    private Object value() {
        ws();
        if (p >= s.length()) {
            throw error("end of input");
        }
        final char c = s.charAt(p);
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", "null");
            default:
                return number();
        }
    }

    private Map<String, Object> object() {
        final Map<String, Object> m = new LinkedHashMap<>();
        p++;
        ws();
        if (peek() == '}') {
            p++;
            return m;
        }
        while (true) {
            ws();
            final String k = string();
            ws();
            expect(':');
            if (m.put(k, value()) != null) {
                throw error("duplicate key " + k);
            }
            ws();
            if (peek() == ',') {
                p++;
                continue;
            }
            expect('}');
            return m;
        }
    }

    private List<Object> array() {
        final List<Object> l = new ArrayList<>();
        p++;
        ws();
        if (peek() == ']') {
            p++;
            return l;
        }
        while (true) {
            l.add(value());
            ws();
            if (peek() == ',') {
                p++;
                continue;
            }
            expect(']');
            return l;
        }
    }

    private String string() {
        expect('"');
        final StringBuilder b = new StringBuilder();
        while (true) {
            if (p >= s.length()) {
                throw error("unterminated string");
            }
            final char c = s.charAt(p++);
            if (c == '"') {
                return b.toString();
            }
            if (c < 0x20) {
                throw error("control character in string");
            }
            if (c == '\\') {
                final char e = s.charAt(p++);
                switch (e) {
                    case 'n':
                        b.append('\n');
                        break;
                    case 't':
                        b.append('\t');
                        break;
                    case 'r':
                        b.append('\r');
                        break;
                    case 'u':
                        b.append((char) Integer.parseInt(s.substring(p, p + 4), 16));
                        p += 4;
                        break;
                    case '"':
                    case '\\':
                    case '/':
                        b.append(e);
                        break;
                    default:
                        throw error("bad escape \\" + e);
                }
            } else {
                b.append(c);
            }
        }
    }

    private Double number() {
        final int start = p;
        while (p < s.length() && "+-0123456789.eE".indexOf(s.charAt(p)) >= 0) {
            p++;
        }
        final String n = s.substring(start, p);
        if (!n.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
            throw error("bad number '" + n + "'");
        }
        return Double.valueOf(n);
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, p)) {
            throw error("expected " + word);
        }
        p += word.length();
        return v;
    }

    private void ws() {
        while (p < s.length() && " \t\r\n".indexOf(s.charAt(p)) >= 0) {
            p++;
        }
    }

    private char peek() {
        return p < s.length() ? s.charAt(p) : '\0';
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        p++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at offset " + p);
    }
}
