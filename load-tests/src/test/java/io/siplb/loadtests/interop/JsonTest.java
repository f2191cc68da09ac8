package io.siplb.loadtests.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parsesObjectsArraysAndScalars() {
        final Map<String, Object> o = Json.parseObject(
                " {\"a\": 1, \"b\": -2.5e1, \"c\": [true, false, null], \"d\": {\"e\": \"x\"}, \"f\": [], \"g\": {}} ");

        assertThat(o).containsOnlyKeys("a", "b", "c", "d", "f", "g");
        assertThat(o.get("a")).isEqualTo(1L);
        assertThat(o.get("b")).isEqualTo(-25.0);
        assertThat((List<?>) o.get("c")).isEqualTo(Arrays.asList(true, false, null));
        assertThat(Json.at(o, "d", "e")).isEqualTo("x");
        assertThat((List<?>) o.get("f")).isEmpty();
        assertThat((Map<?, ?>) o.get("g")).isEmpty();
        assertThat(Json.at(o, "d", "missing")).isNull();
        assertThat(Json.at(o, "a", "not-an-object")).isNull();
    }

    @Test
    void decodesStringEscapes() {
        assertThat(Json.parse("\"a\\\"b\\\\c\\/d\\r\\n\\t\\u00e9\\u20ac\"")).isEqualTo("a\"b\\c/d\r\n\t\u00e9\u20ac");
    }

    @Test
    void keepsLargeIntegersAsDoubles() {
        assertThat(Json.parse("12345678901234567890")).isEqualTo(1.2345678901234567e19);
        assertThat(Json.parse("9007199254740993")).isEqualTo(9007199254740993L);
    }

    @Test
    void rejectsMalformedInput() {
        for (String bad : List.of("", "{", "{\"a\" 1}", "{\"a\":1,}", "[1 2]", "tru", "\"open", "01x", "{} x",
                                  "\"\\q\"", "\"a\nb\"", "-", "1.", "{1:2}")) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                                                    .hasMessageContaining("malformed JSON");
        }
        assertThatThrownBy(() -> Json.parseObject("[1]")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.parse("[".repeat(100) + "]".repeat(100)))
                .hasMessageContaining("nested deeper");
    }
}
