package io.siplb.proxy.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

import io.netty.util.NetUtil;

/**
 * The SIP domain identities of a certificate (RFC 5922 §7.1) and their comparison with the host siplb connected to
 * (§7.2). Immutable (static methods only).
 *
 * <p>For a host name, the identities are, in this order of precedence:
 * <ol>
 * <li>the host of every subjectAltName URI with scheme {@code sip} and no user part ({@code sip:example.com});
 *     {@code sips:} URIs and URIs with a user part ({@code sip:alice@example.com}) are never identities;</li>
 * <li>only when there is no such URI, every subjectAltName DNS name;</li>
 * <li>only when the certificate has no subjectAltName extension at all, the subject's common names (CN).</li>
 * </ol>
 * Names compare case-insensitively, a trailing dot ignored. RFC 5922 §7.2 has no wildcard matching, so an identity
 * holding {@code *} matches no host.
 *
 * <p>For an IP literal (RFC 5922 names only domains), the identities are the subjectAltName iPAddress entries and
 * the {@code sip:} URI hosts that are IP literals, compared as addresses ({@code ::1} equals
 * {@code 0:0:0:0:0:0:0:1}); without a subjectAltName extension, a CN holding the same address.
 */
final class SipIdentities {

    /** subjectAltName GeneralName tags (RFC 5280 §4.2.1.6). */
    private static final int DNS_NAME = 2;
    private static final int URI = 6;
    private static final int IP_ADDRESS = 7;

    private SipIdentities() {}

    /** Returns whether {@code certificate} identifies {@code host} (a host name or an IP literal, IPv6 bare). */
    static boolean matches(X509Certificate certificate, String host) {
        final String target = normalize(host);
        if (target.isEmpty() || target.indexOf('*') >= 0) {
            return false;
        }
        final byte[] targetIp = NetUtil.createByteArrayFromIpAddressString(target);
        final Collection<List<?>> sans = subjectAltNames(certificate);
        if (sans == null) {
            for (String cn : commonNames(certificate)) {
                if (targetIp != null ? Arrays.equals(targetIp, NetUtil.createByteArrayFromIpAddressString(cn))
                                     : equalsName(cn, target)) {
                    return true;
                }
            }
            return false;
        }
        if (targetIp != null) {
            for (List<?> san : sans) {
                final String value = valueOf(san);
                final int type = typeOf(san);
                final String candidate = type == IP_ADDRESS ? value : type == URI ? sipDomain(value) : null;
                if (candidate != null &&
                    Arrays.equals(targetIp, NetUtil.createByteArrayFromIpAddressString(normalize(candidate)))) {
                    return true;
                }
            }
            return false;
        }
        boolean anySipUri = false;
        for (List<?> san : sans) {
            if (typeOf(san) == URI) {
                final String domain = sipDomain(valueOf(san));
                if (domain != null) {
                    anySipUri = true;
                    if (equalsName(domain, target)) {
                        return true;
                    }
                }
            }
        }
        if (anySipUri) {
            return false; // §7.1: DNS names count only when no sip: URI identity is present
        }
        for (List<?> san : sans) {
            if (typeOf(san) == DNS_NAME && equalsName(valueOf(san), target)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Describes the identities of {@code certificate} for an error message, e.g.
     * {@code "URI:sip:example.com, DNS:example.com"} or {@code "CN=example.com"} (no subjectAltName).
     */
    static String describe(X509Certificate certificate) {
        final Collection<List<?>> sans = subjectAltNames(certificate);
        if (sans == null) {
            final List<String> cns = commonNames(certificate);
            return cns.isEmpty() ? "no subjectAltName and no CN" : "CN=" + String.join(", CN=", cns);
        }
        final List<String> parts = new ArrayList<>();
        for (List<?> san : sans) {
            switch (typeOf(san)) {
                case URI:
                    parts.add("URI:" + valueOf(san));
                    break;
                case DNS_NAME:
                    parts.add("DNS:" + valueOf(san));
                    break;
                case IP_ADDRESS:
                    parts.add("IP:" + valueOf(san));
                    break;
                default:
                    break;
            }
        }
        return parts.isEmpty() ? "no URI, DNS or IP subjectAltName" : String.join(", ", parts);
    }

    /**
     * The host of a {@code sip:} URI without user part, brackets removed from an IPv6 literal, or {@code null}
     * when the URI is not a SIP domain identity (another scheme, {@code sips:}, a user part, no host).
     */
    static String sipDomain(String uri) {
        if (uri == null || !uri.regionMatches(true, 0, "sip:", 0, 4)) {
            return null;
        }
        String rest = uri.substring(4);
        if (rest.indexOf('@') >= 0) {
            return null;
        }
        for (char c : new char[] { ';', '?' }) {
            final int i = rest.indexOf(c);
            if (i >= 0) {
                rest = rest.substring(0, i);
            }
        }
        final String host;
        if (rest.startsWith("[")) {
            final int close = rest.indexOf(']');
            host = close < 0 ? "" : rest.substring(1, close);
        } else {
            final int colon = rest.indexOf(':');
            host = colon < 0 ? rest : rest.substring(0, colon);
        }
        return host.isEmpty() ? null : host;
    }

    private static boolean equalsName(String identity, String target) {
        if (identity == null) {
            return false;
        }
        final String id = normalize(identity);
        return id.indexOf('*') < 0 && id.equals(target);
    }

    /** Lower case (ASCII), without a trailing dot or IPv6 brackets. */
    private static String normalize(String name) {
        String n = name.trim();
        if (n.startsWith("[") && n.endsWith("]")) {
            n = n.substring(1, n.length() - 1);
        }
        if (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        return n.toLowerCase(Locale.ROOT);
    }

    /** The subjectAltName entries, or {@code null} when the certificate has no such extension. */
    private static Collection<List<?>> subjectAltNames(X509Certificate certificate) {
        try {
            return certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return List.of(); // an unreadable extension is present: it names nothing, and the CN is not used
        }
    }

    private static int typeOf(List<?> san) {
        return san.size() >= 2 && san.get(0) instanceof Integer ? (Integer) san.get(0) : -1;
    }

    private static String valueOf(List<?> san) {
        return san.size() >= 2 && san.get(1) instanceof String ? (String) san.get(1) : null;
    }

    private static List<String> commonNames(X509Certificate certificate) {
        final List<String> cns = new ArrayList<>(1);
        try {
            final LdapName dn = new LdapName(certificate.getSubjectX500Principal().getName(X500Principal.RFC2253));
            for (Rdn rdn : dn.getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType()) && rdn.getValue() instanceof String) {
                    cns.add((String) rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            // no usable CN
        }
        return cns;
    }
}
