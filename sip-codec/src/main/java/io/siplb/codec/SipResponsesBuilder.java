package io.siplb.codec;

import static java.util.Objects.requireNonNull;

/**
 * Builds {@link SipResponses}. Setters validate their argument at once. Not thread-safe; confined to the thread
 * that configures siplb.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>Name</th><th>Default</th><th>Meaning</th></tr>
 *   <tr><td>{@link #server(String)}</td><td>none</td><td>value of the {@code Server} header of every local
 *       response (RFC 3261 §20.35), e.g. {@code "siplb/0.1"}; {@code null} for no header</td></tr>
 *   <tr><td>{@link #warningAgent(String)}</td><td>{@value SipResponses#DEFAULT_WARNING_AGENT}</td><td>the
 *       warn-agent of {@code Warning} headers (RFC 3261 §20.43): the proxy's host[:port] or a pseudonym</td></tr>
 * </table>
 */
public final class SipResponsesBuilder {

    private String server;
    private String warningAgent = SipResponses.DEFAULT_WARNING_AGENT;

    SipResponsesBuilder() {
    }

    /** Sets the {@code Server} header value, or {@code null} for none. */
    public SipResponsesBuilder server(String server) {
        if (server != null) {
            if (server.isBlank() || hasControl(server)) {
                throw new IllegalArgumentException(
                        "server: \"" + server + "\" (expected: non-blank text without control characters)");
            }
        }
        this.server = server;
        return this;
    }

    /** Sets the warn-agent of {@code Warning} headers: a host[:port] or a token, without whitespace. */
    public SipResponsesBuilder warningAgent(String warningAgent) {
        requireNonNull(warningAgent, "warningAgent");
        if (warningAgent.isEmpty() || hasControl(warningAgent) || warningAgent.indexOf(' ') >= 0
            || warningAgent.indexOf('"') >= 0 || !isAscii(warningAgent)) {
            throw new IllegalArgumentException(
                    "warningAgent: \"" + warningAgent + "\" (expected: a host[:port] or a token)");
        }
        this.warningAgent = warningAgent;
        return this;
    }

    /** Returns the configured responses. */
    public SipResponses build() {
        return new SipResponses(server, warningAgent);
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                return true;
            }
        }
        return false;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
