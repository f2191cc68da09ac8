package io.siplb.loadtests.gen;

/** Why a UAC call failed. Immutable. */
public enum FailureReason {
    /** No final response to the INVITE, the BYE or the request before {@code --timeout} (Timer B/F). */
    TIMEOUT("timeout"),
    /** A final response of 300..699 to the INVITE, the BYE or the request; counted by code as well. */
    STATUS("status"),
    /** The connection closed or failed (TCP, TLS), or the socket was unusable, before the call ended. */
    TRANSPORT_ERROR("transport_error"),
    /** A 2xx the call cannot go on from (no Contact, an unusable route or target URI). */
    UNEXPECTED_MESSAGE("unexpected_message"),
    /** The call was due while {@code --max-concurrent} calls were in flight, so it was not started. */
    MAX_CONCURRENT("max_concurrent");

    private final String key;

    FailureReason(String key) {
        this.key = key;
    }

    /** Returns the name used in the JSON result and the summary. */
    public String key() {
        return key;
    }
}
