package io.siplb.proxy.routing;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

import io.siplb.codec.SipMethod;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipUri;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatchSnapshot;

/**
 * The conditions of one routing rule; a request matches when every condition given holds, and a rule without
 * conditions ({@link #ALWAYS}) matches every request. Immutable.
 *
 * <p>Conditions, checked in this order (cheapest first):
 * <ul>
 *   <li><b>method</b>: the method is one of the names, compared case-sensitively (RFC 3261 §7.1); extension
 *       methods are compared by name.</li>
 *   <li><b>source</b>: the source IP is inside one of the IPv4/IPv6 blocks ({@code IP} or {@code IP/BITS}).</li>
 *   <li><b>source-set</b>: Kamailio's {@code ds_is_from_list(set)} with its default mode (IP and port, any
 *       transport, any destination state): the source IP equals the resolved address of a destination of that set
 *       in the snapshot passed to {@link #matches}, and so does the port, unless the destination's URI names no
 *       port (then any port matches, as in Kamailio) or {@code source-set-ignore-port} is set (Kamailio's mode bit
 *       1). A set the snapshot lacks matches nothing; destinations left unresolved ({@code flags} 16) never match.
 *       Linear in the set's size.</li>
 *   <li><b>request-uri-user</b>, <b>request-uri-host</b>: the regular expression is found
 *       ({@link java.util.regex.Matcher#find()}) in the Request-URI's user part (escapes kept; the number of a
 *       {@code tel:} URI) or host (as written, IPv6 in brackets); a Request-URI without that part does not
 *       match.</li>
 *   <li><b>header</b>: a header field of that name is present (any case, compact forms included), and, when a
 *       value expression is given, it is found in the value of at least one such field (each header field line is
 *       one value, as written: values a field separates by commas are not split).</li>
 * </ul>
 *
 * <p>Cost: everything is compiled at load (methods as a table by {@link SipMethod}, blocks as octets, patterns
 * once). A match allocates only what the conditions it checks need: the source's octet array for {@code source},
 * and a {@link java.util.regex.Matcher} plus the String of the part searched for each expression.
 */
public final class RuleMatch {

    /** Matches every request (a rule without {@code match}). */
    public static final RuleMatch ALWAYS = new RuleMatch(List.of(), List.of(), -1, false, null, null, List.of());

    private static final SipMethod[] METHODS = SipMethod.values();

    private final List<String> methodNames;
    /** {@code null}: any method; else indexed by {@link SipMethod#ordinal()}, {@link SipMethod#EXTENSION} unused. */
    private final boolean[] knownMethods;
    private final String[] extensionMethods;
    private final List<String> sourceTexts;
    private final IpPrefix[] sources;
    private final int sourceSet;
    private final boolean sourceSetIgnorePort;
    private final Pattern requestUriUser;
    private final Pattern requestUriHost;
    private final List<HeaderCondition> headers;
    private final HeaderCondition[] headerArray;

    RuleMatch(List<String> methods, List<IpPrefix> sources, int sourceSet, boolean sourceSetIgnorePort,
              Pattern requestUriUser, Pattern requestUriHost, List<HeaderCondition> headers) {
        methodNames = List.copyOf(methods);
        if (methods.isEmpty()) {
            knownMethods = null;
            extensionMethods = new String[0];
        } else {
            knownMethods = new boolean[METHODS.length];
            final List<String> ext = new ArrayList<>();
            for (String m : methods) {
                final SipMethod known = SipMethod.of(m);
                if (known == SipMethod.EXTENSION) {
                    if (!ext.contains(m)) {
                        ext.add(m);
                    }
                } else {
                    knownMethods[known.ordinal()] = true;
                }
            }
            extensionMethods = ext.toArray(new String[0]);
        }
        this.sources = sources.isEmpty() ? null : sources.toArray(new IpPrefix[0]);
        final List<String> texts = new ArrayList<>();
        for (IpPrefix p : sources) {
            texts.add(p.toString());
        }
        sourceTexts = Collections.unmodifiableList(texts);
        this.sourceSet = sourceSet;
        this.sourceSetIgnorePort = sourceSetIgnorePort;
        this.requestUriUser = requestUriUser;
        this.requestUriHost = requestUriHost;
        this.headers = List.copyOf(headers);
        headerArray = headers.toArray(new HeaderCondition[0]);
    }

    /**
     * Returns {@code true} when {@code request}, received from {@code source}, meets every condition.
     *
     * @param snapshot the dispatcher's current snapshot, for {@code source-set} (sets change on reload)
     */
    public boolean matches(SipMessage request, InetSocketAddress source, DispatchSnapshot snapshot) {
        if (knownMethods != null && !methodMatches(request)) {
            return false;
        }
        if (sources != null && !sourceMatches(source)) {
            return false;
        }
        if (sourceSet >= 0 && !isFromSet(source, snapshot)) {
            return false;
        }
        if (requestUriUser != null || requestUriHost != null) {
            final SipUri ruri = request.requestUri();
            if (ruri == null || requestUriUser != null && !finds(requestUriUser, ruri.user()) ||
                requestUriHost != null && !finds(requestUriHost, ruri.host())) {
                return false;
            }
        }
        for (HeaderCondition h : headerArray) {
            if (!h.matches(request)) {
                return false;
            }
        }
        return true;
    }

    private boolean methodMatches(SipMessage request) {
        final SipMethod m = request.method();
        if (m == null) {
            return false;
        }
        if (m != SipMethod.EXTENSION) {
            return knownMethods[m.ordinal()];
        }
        if (extensionMethods.length == 0) {
            return false;
        }
        final String name = request.methodName();
        for (String e : extensionMethods) {
            if (e.equals(name)) {
                return true;
            }
        }
        return false;
    }

    private boolean sourceMatches(InetSocketAddress source) {
        final InetAddress ip = source.getAddress();
        if (ip == null) {
            return false;
        }
        final byte[] octets = ip.getAddress();
        for (IpPrefix p : sources) {
            if (p.contains(octets)) {
                return true;
            }
        }
        return false;
    }

    private boolean isFromSet(InetSocketAddress source, DispatchSnapshot snapshot) {
        final DestinationSet set = snapshot.set(sourceSet);
        final InetAddress ip = source.getAddress();
        if (set == null || ip == null) {
            return false;
        }
        final List<Destination> destinations = set.destinations();
        for (int i = 0, n = destinations.size(); i < n; i++) {
            final Destination d = destinations.get(i);
            final InetSocketAddress a = d.address();
            if (a == null || a.isUnresolved() || !ip.equals(a.getAddress())) {
                continue;
            }
            if (sourceSetIgnorePort || !d.hasExplicitPort() || a.getPort() == source.getPort()) {
                return true;
            }
        }
        return false;
    }

    private static boolean finds(Pattern p, String s) {
        return s != null && p.matcher(s).find();
    }

    /** Returns {@code true} for {@link #ALWAYS} and every match without conditions. */
    public boolean isAlways() {
        return knownMethods == null && sources == null && sourceSet < 0 && requestUriUser == null &&
               requestUriHost == null && headerArray.length == 0;
    }

    /** Returns the method names, as configured (empty: any method). */
    public List<String> methods() {
        return methodNames;
    }

    /** Returns the source blocks as configured (empty: any source). */
    public List<String> sources() {
        return sourceTexts;
    }

    /** Returns the {@code source-set}, or -1 when the rule has none. */
    public int sourceSet() {
        return sourceSet;
    }

    /** Returns {@code true} when {@code source-set} compares the IP only. */
    public boolean sourceSetIgnorePort() {
        return sourceSetIgnorePort;
    }

    /** Returns the Request-URI user expression, or {@code null}. */
    public Pattern requestUriUser() {
        return requestUriUser;
    }

    /** Returns the Request-URI host expression, or {@code null}. */
    public Pattern requestUriHost() {
        return requestUriHost;
    }

    /** Returns the header conditions. */
    public List<HeaderCondition> headers() {
        return headers;
    }

    @Override
    public String toString() {
        if (isAlways()) {
            return "always";
        }
        final StringBuilder sb = new StringBuilder("{");
        if (!methodNames.isEmpty()) {
            sb.append(" method=").append(methodNames);
        }
        if (sources != null) {
            sb.append(" source=").append(sourceTexts);
        }
        if (sourceSet >= 0) {
            sb.append(" source-set=").append(sourceSet);
            if (sourceSetIgnorePort) {
                sb.append(" source-set-ignore-port=true");
            }
        }
        if (requestUriUser != null) {
            sb.append(" request-uri-user=\"").append(requestUriUser.pattern()).append('"');
        }
        if (requestUriHost != null) {
            sb.append(" request-uri-host=\"").append(requestUriHost.pattern()).append('"');
        }
        for (HeaderCondition h : headers) {
            sb.append(" header=").append(h);
        }
        return sb.append(" }").toString();
    }

    /**
     * One {@code header { name, value }} condition: a field of that name is present and, when {@link #value()} is
     * not {@code null}, the expression is found in the value of one such field. Immutable.
     */
    public static final class HeaderCondition {

        private final HeaderName name;
        private final Pattern value;

        HeaderCondition(HeaderName name, Pattern value) {
            this.name = requireNonNull(name, "name");
            this.value = value;
        }

        /** Returns the header name as configured. */
        public String name() {
            return name.name();
        }

        /** Returns the value expression, or {@code null} (presence only). */
        public Pattern value() {
            return value;
        }

        boolean matches(SipMessage m) {
            for (int i = name.first(m); i >= 0; i = name.next(m, i)) {
                if (value == null || value.matcher(m.headerValue(i)).find()) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return value == null ? "{ name=\"" + name + "\" }"
                                 : "{ name=\"" + name + "\", value=\"" + value.pattern() + "\" }";
        }
    }
}
