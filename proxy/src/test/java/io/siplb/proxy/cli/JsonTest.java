package io.siplb.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * JSON string escaping of the command output. Not thread-safe; confined to the test thread.
 */
class JsonTest {

    @Test
    void escapesStringsPerRfc8259() {
        final String json = new Json().add("s", "a\"b\\c\r\n\t\u0000\u001f\u007f\u2028é")
                                      .add("n", 5)
                                      .add("b", false)
                                      .add("null", (String) null)
                                      .add("o", new Json().add("x", "y"))
                                      .toString();
        assertThat(json).isEqualTo("{\"s\":\"a\\\"b\\\\c\\r\\n\\t\\u0000\\u001f\\u007f\\u2028é\",\"n\":5,"
                                   + "\"b\":false,\"null\":null,\"o\":{\"x\":\"y\"}}");
    }

    @Test
    void doublesHaveAtMostThreeDecimalsAndNonFiniteOnesAreNull() {
        final String json = new Json().add("a", 0.1 + 0.2)
                                      .add("b", 2.0)
                                      .add("c", 1.23456)
                                      .add("d", -0.0005)
                                      .add("e", Double.NaN)
                                      .add("f", Double.POSITIVE_INFINITY)
                                      .toString();
        assertThat(json).isEqualTo("{\"a\":0.3,\"b\":2,\"c\":1.235,\"d\":0,\"e\":null,\"f\":null}");
    }
}
