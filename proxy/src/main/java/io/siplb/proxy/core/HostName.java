package io.siplb.proxy.core;

import static java.util.Objects.requireNonNull;

/**
 * A next hop named by a host name, to be looked up by a {@link NextHopResolver} (RFC 3263); {@code port} 0 means "by
 * SRV". Immutable.
 *
 * @param host the host name
 * @param port the port, or 0 when the SRV records give it
 */
public record HostName(String host, int port) {

    /** Creates a new instance. */
    public HostName {
        requireNonNull(host, "host");
    }

    @Override
    public String toString() {
        return port > 0 ? host + ':' + port : host;
    }
}
