package io.siplb.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class KamailioHashTest {

    /** One line of src/test/resources/kamailio-hash/vectors.tsv. */
    private static final class Vector {
        final byte[] key1;
        final byte[] key2;
        final long hash;
        final int mod7;
        final int mod10;

        Vector(byte[] key1, byte[] key2, long hash, int mod7, int mod10) {
            this.key1 = key1;
            this.key2 = key2;
            this.hash = hash;
            this.mod7 = mod7;
            this.mod10 = mod10;
        }
    }

    private static List<Vector> vectors() throws IOException {
        final List<Vector> list = new ArrayList<>();
        try (InputStream in = KamailioHashTest.class.getResourceAsStream("/kamailio-hash/vectors.tsv")) {
            assertThat(in).isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                final String[] f = line.split("\t");
                assertThat(f).hasSize(5);
                list.add(new Vector(unescape(f[0]), "-".equals(f[1]) ? null : unescape(f[1]), Long.parseLong(f[2]),
                                    Integer.parseInt(f[3]), Integer.parseInt(f[4])));
            }
        }
        return list;
    }

    private static byte[] unescape(String s) {
        if ("(empty)".equals(s)) {
            return new byte[0];
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\' && i + 3 < s.length() && s.charAt(i + 1) == 'x') {
                out.write(Integer.parseInt(s.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                out.write(s.charAt(i));
            }
        }
        return out.toByteArray();
    }

    private static String utf8OrNull(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                                         .onUnmappableCharacter(CodingErrorAction.REPORT)
                                         .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    @Test
    void bytesMatchTheCVectors() throws IOException {
        final List<Vector> vectors = vectors();
        assertThat(vectors).hasSize(31);
        for (Vector v : vectors) {
            int h = KamailioHash.update(0, v.key1, 0, v.key1.length);
            if (v.key2 != null) {
                h = KamailioHash.update(h, v.key2, 0, v.key2.length);
            }
            h = KamailioHash.finish(h);
            assertThat(KamailioHash.unsigned(h)).as(new String(v.key1, StandardCharsets.ISO_8859_1))
                                                .isEqualTo(v.hash);
            assertThat(Integer.remainderUnsigned(h, 7)).isEqualTo(v.mod7);
            assertThat(Integer.remainderUnsigned(h, 10)).isEqualTo(v.mod10);
            if (v.key2 == null) {
                assertThat(KamailioHash.unsigned(KamailioHash.hash(v.key1, 0, v.key1.length))).isEqualTo(v.hash);
            }
        }
    }

    @Test
    void stringsHashTheirUtf8Bytes() throws IOException {
        int checked = 0;
        for (Vector v : vectors()) {
            final String k1 = utf8OrNull(v.key1);
            final String k2 = v.key2 == null ? null : utf8OrNull(v.key2);
            if (k1 == null || (v.key2 != null && k2 == null)) {
                continue; // not valid UTF-8 (e.g. \xFF\xFE\xFD\xFC): covered by the byte test
            }
            checked++;
            assertThat(KamailioHash.unsigned(KamailioHash.hash(k1, k2))).as(k1).isEqualTo(v.hash);
            if (k1.isEmpty() && k2 != null) {
                continue;
            }
            assertThat(KamailioHash.unsigned(SelectionKey.of(k1, k2).hash())).as(k1).isEqualTo(v.hash);
        }
        assertThat(checked).isEqualTo(29);
    }

    @Test
    void singleKeyIsTrimmedLikeTheCallIdBody() {
        assertThat(SelectionKey.of("  a84b4c76e66710@pc33.atlanta.com\t").hash())
                .isEqualTo(KamailioHash.hash("a84b4c76e66710@pc33.atlanta.com"));
        assertThat(SelectionKey.of(" \t").isPresent()).isFalse();
        assertThat(KamailioHash.unsigned(SelectionKey.ofHash((int) 3610933276L).hash())).isEqualTo(3610933276L);
    }

    @Test
    void uriKeysAddTheOnlyPortThatIsNotTheDefault() {
        // Values from vectors.tsv: bob + biloxi.example.com:5070 and alice + atlanta.example.com.
        assertThat(KamailioHash.unsigned(SelectionKey.ofUri("bob", "biloxi.example.com", 5070, false).hash()))
                .isEqualTo(571038932L);
        assertThat(KamailioHash.unsigned(SelectionKey.ofUri("alice", "atlanta.example.com", 5060, false).hash()))
                .isEqualTo(654714186L);
        assertThat(KamailioHash.unsigned(SelectionKey.ofUri("alice", "atlanta.example.com", -1, false).hash()))
                .isEqualTo(654714186L);
        assertThat(SelectionKey.ofUri("alice", "atlanta.example.com", 5061, true).hash())
                .isEqualTo(SelectionKey.ofUri("alice", "atlanta.example.com", -1, true).hash())
                .isNotEqualTo(SelectionKey.ofUri("alice", "atlanta.example.com", 5061, false).hash());
    }

    @Test
    void hashIsNeverZero() {
        assertThat(KamailioHash.finish(0)).isEqualTo(1);
    }
}
