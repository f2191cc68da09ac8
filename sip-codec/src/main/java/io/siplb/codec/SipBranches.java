package io.siplb.codec;

import static java.util.Objects.requireNonNull;

/**
 * Via {@code branch} values for a stateless proxy (RFC 3261 §16.11). A stateless proxy keeps no transaction, so
 * the branch of the Via it adds must be computed from the request alone, such that a retransmission of a request
 * gets the same branch as the original, a CANCEL gets the same branch as the INVITE it cancels, and two different
 * transactions get different branches. Static methods only; Immutable.
 *
 * <p>As §16.11 recommends, when the received top Via branch begins with the magic cookie {@value #MAGIC_COOKIE},
 * the new branch is a hash of that branch alone: a CANCEL and the ACK for a non-2xx final response carry the
 * INVITE's branch, so they get the INVITE's new branch, as the next hop expects (§9.1, §17.1.1.3). Otherwise (an
 * RFC 2543 client) it is a hash of the whole top Via value, the To tag, the From tag, the Call-ID, the CSeq number
 * (not the method, so a CANCEL matches its INVITE) and the Request-URI; there the ACK for a non-2xx response,
 * whose To carries the response's tag, gets a branch of its own, exactly as §16.11 specifies.
 *
 * <p>The result is {@code "z9hG4bK"} followed by 22 base64url characters (RFC 4648 §5, all SIP token characters)
 * of a 128-bit MurmurHash3. It is the same on every JVM and every siplb instance given the same seed, so a
 * retransmission that reaches another instance still gets the same branch. A request that loops back through the
 * proxy arrives with the branch computed here and gets a new one, a hash of it.
 */
public final class SipBranches {

    /** The prefix of every RFC 3261 branch (§8.1.1.7). */
    public static final String MAGIC_COOKIE = "z9hG4bK";

    /** Length of a branch returned by {@link #stateless(SipMessage, long)}: the cookie and 22 characters. */
    public static final int STATELESS_BRANCH_LENGTH = MAGIC_COOKIE.length() + 22;

    /** Domain separator of branch hashes, so that a branch never equals another hash of the same fields. */
    private static final int BRANCH_DOMAIN = 'B';

    private SipBranches() {
    }

    /** Returns whether {@code branch} begins with {@value #MAGIC_COOKIE} (case-sensitive, RFC 3261 §8.1.1.7). */
    public static boolean hasMagicCookie(CharSequence branch) {
        if (branch == null || branch.length() < MAGIC_COOKIE.length()) {
            return false;
        }
        for (int i = 0; i < MAGIC_COOKIE.length(); i++) {
            if (branch.charAt(i) != MAGIC_COOKIE.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Returns {@link #stateless(SipMessage, long)} with seed 0. */
    public static String stateless(SipMessage request) {
        return stateless(request, 0);
    }

    /**
     * Returns the branch a stateless proxy puts in the Via it adds to {@code request} (RFC 3261 §16.11).
     *
     * @param request a request with a top Via
     * @param seed mixed into the hash; all instances that may see retransmissions of one request must use the same
     *             seed (0 when in doubt)
     * @throws IllegalArgumentException when {@code request} is a response or has no usable top Via
     */
    public static String stateless(SipMessage request, long seed) {
        requireNonNull(request, "request");
        if (!request.isRequest()) {
            throw new IllegalArgumentException("request: a response (expected: a request)");
        }
        final Via top = request.topVia();
        if (top == null) {
            throw new IllegalArgumentException("request: no usable top Via (expected: a decoded request)");
        }
        final SipRewriteHash hash = new SipRewriteHash().reset(seed);
        hash.update(BRANCH_DOMAIN);
        final String branch = top.branch();
        if (hasMagicCookie(branch)) {
            hash.update(1).field(branch);
        } else {
            final NameAddr to = request.to();
            final NameAddr from = request.from();
            final CSeq cseq = request.cseq();
            hash.update(2)
                .field(request.content(), top.valueStart(), top.valueEnd())
                .field(to == null ? null : to.tag())
                .field(from == null ? null : from.tag())
                .field(request.content(), request.callIdStart(), request.callIdEnd())
                .updateLong(cseq == null ? -1 : cseq.number())
                .field(request.content(), request.requestUriStart(), request.requestUriEnd());
        }
        hash.finish();
        final StringBuilder out = new StringBuilder(STATELESS_BRANCH_LENGTH).append(MAGIC_COOKIE);
        SipRewriteHash.appendBase64Url(out, hash.high());
        SipRewriteHash.appendBase64Url(out, hash.low());
        return out.toString();
    }
}
