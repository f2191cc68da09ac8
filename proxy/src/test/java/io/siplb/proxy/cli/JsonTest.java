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
}
