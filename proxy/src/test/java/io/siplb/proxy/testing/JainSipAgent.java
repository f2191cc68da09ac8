package io.siplb.proxy.testing;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EventObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.ListeningPoint;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipException;
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.AddressFactory;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.RecordRouteHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import gov.nist.javax.sip.EventScanner;
import gov.nist.javax.sip.EventWrapper;
import gov.nist.javax.sip.ListeningPointImpl;
import gov.nist.javax.sip.RequestEventExt;
import gov.nist.javax.sip.ResponseEventExt;
import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.stack.MessageProcessor;
import gov.nist.javax.sip.stack.UDPMessageProcessor;

/**
 * A SIP user agent on a real third-party stack, JAIN-SIP RI: one {@link SipStack} with one {@link ListeningPoint}
 * (UDP on 127.0.0.1 by default; TCP or TLS, and {@code ::1}, by {@link Listen}), acting as a UAC ({@link #invite},
 * {@link #send}, then {@link Call}) and as a UAS answering whatever reaches it according to its {@link Mode}.
 * Thread-safe: JAIN-SIP calls the listener methods on its own threads and a test calls the rest on its own, so every
 * piece of shared state is a concurrent collection, a volatile field or guarded by the {@link Call}'s monitor; every
 * wait is bounded.
 *
 * <p>Each agent is an independent stack: a unique {@code javax.sip.STACK_NAME}, automatic dialog support off (the
 * agent creates its dialogs itself, so that {@link Mode#NEVER_ANSWER} can leave an INVITE without a server
 * transaction and so without the stack's automatic 100 Trying), the stack's logs sent to SLF4J ({@link
 * JainSipStackLogger}, {@link JainSipServerLogger}; WARN and up in logback-test.xml, so quiet) and no log4j.
 *
 * <p>As a UAC, requests go to the address given (siplb's listener) through a pre-loaded Route of that address (RFC 3261
 * §8.1.2, an outbound proxy) naming the agent's transport ({@code ;transport=tcp|tls}, so JAIN-SIP's router sends
 * over it), with the Request-URI, From and To of {@link RequestOptions}. In-dialog requests (ACK of a 2xx, BYE) are
 * built by the JAIN-SIP {@link Dialog} and so follow the route set learned from Record-Route.
 *
 * <p>As a UAS, every request received is recorded ({@link #received()}, {@link #awaitRequest}) before it is answered:
 * <ul>
 * <li>INVITE and out-of-dialog OPTIONS, REGISTER, MESSAGE...: by the current {@link Mode}.</li>
 * <li>In-dialog requests (a To tag) such as BYE: 200.</li>
 * <li>CANCEL: 200 for the CANCEL, then 487 for the INVITE if it is still unanswered.</li>
 * <li>ACK: nothing (the dialog or the INVITE server transaction absorbs it).</li>
 * </ul>
 * A retransmitted request that matches a server transaction is absorbed by the stack (which resends the last response)
 * and not recorded; with {@link Mode#NEVER_ANSWER} there is no server transaction, so every copy is recorded.
 *
 * <p>Usage:
 * <pre>{@code
 * try (JainSipAgent uac = JainSipAgent.start("uac"); JainSipAgent uas = JainSipAgent.start("uas")) {
 *     JainSipAgent.Call call = uac.invite(siplb);
 *     call.awaitStatus(180, JainSipAgent.WAIT);
 *     call.awaitFinal(JainSipAgent.WAIT);           // 200
 *     call.ack();
 *     call.bye().awaitFinal(JainSipAgent.WAIT);     // 200
 *     uas.awaitRequest("BYE", JainSipAgent.WAIT);
 * }
 * }</pre>
 */
public final class JainSipAgent implements SipListener, AutoCloseable {

    /** A generous bound for one exchange on loopback. */
    public static final Duration WAIT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(JainSipAgent.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final String HOST = "127.0.0.1";

    private final String name;
    private final Listen listen;
    /** The listening address as it is written in a URI or a Via ({@code [::1]} for IPv6). */
    private final String uriHost;
    private final String stackName;
    private final SipStack stack;
    private final ListeningPoint listeningPoint;
    private final SipProvider provider;
    private final AddressFactory addresses;
    private final HeaderFactory headers;
    private final MessageFactory messages;
    private final ScheduledExecutorService timer;
    private volatile Mode mode = Mode.RING_AND_ANSWER;

    /** UAC: calls by {@link #key(javax.sip.message.Message)} (Call-ID, CSeq number and method). */
    private final ConcurrentMap<String, Call> calls = new ConcurrentHashMap<>();
    /** UAS: every request received, in order. */
    private final List<ReceivedRequest> received = new CopyOnWriteArrayList<>();
    /** UAS: requests received and not yet taken by {@link #awaitRequest}, by method. */
    private final ConcurrentMap<String, BlockingQueue<ReceivedRequest>> unclaimed = new ConcurrentHashMap<>();
    /** UAS: INVITE server transactions without final response, by Call-ID and top Via branch. */
    private final ConcurrentMap<String, PendingInvite> pendingInvites = new ConcurrentHashMap<>();
    /** UAS: the dialogs of the INVITEs answered, by Call-ID. */
    private final ConcurrentMap<String, Dialog> answeredDialogs = new ConcurrentHashMap<>();
    /** Responses that matched no {@link Call}, and failures inside listener methods. */
    private final List<Response> strayResponses = new CopyOnWriteArrayList<>();
    private final List<Throwable> listenerErrors = new CopyOnWriteArrayList<>();

    private JainSipAgent(String name, int port, Listen listen) throws Exception {
        this.name = Objects.requireNonNull(name);
        this.listen = Objects.requireNonNull(listen);
        this.uriHost = listen.host().indexOf(':') >= 0 ? '[' + listen.host() + ']' : listen.host();
        this.stackName = "siplb-test-" + name + '-' + SEQUENCE.incrementAndGet();
        final Properties p = new Properties();
        p.setProperty("javax.sip.STACK_NAME", stackName);
        p.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "off");
        p.setProperty("gov.nist.javax.sip.STACK_LOGGER", JainSipStackLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", JainSipServerLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "0");
        p.setProperty("gov.nist.javax.sip.LOG_MESSAGE_CONTENT", "false");
        // Listener calls one at a time, in arrival order (JAIN-SIP's default, stated so it stays so).
        p.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "false");
        p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", "1");
        // An ACK of a non-2xx goes to the INVITE server transaction, not to the listener (default, stated).
        p.setProperty("gov.nist.javax.sip.PASS_INVITE_NON_2XX_ACK_TO_LISTENER", "false");
        if (listen.tls() != null) {
            listen.tls().apply(p);
        }
        this.stack = new SipStackImpl(p);
        final SipFactory factory = SipFactory.getInstance();
        this.addresses = factory.createAddressFactory();
        this.headers = factory.createHeaderFactory();
        this.messages = factory.createMessageFactory();
        ListeningPoint lp = null;
        Exception last = null;
        // JAIN-SIP's listening points cannot bind port 0 and report the port chosen: take a free one, retrying
        // when another process takes it in between.
        for (int attempt = 0; attempt < 10 && lp == null; attempt++) {
            try {
                lp = stack.createListeningPoint(listen.host(), port != 0 ? port : freePort(listen),
                                                listen.transport());
            } catch (Exception e) {
                last = e;
                if (port != 0) {
                    break;
                }
            }
        }
        if (lp == null) {
            stack.stop();
            throw new IllegalStateException("no " + listen.transport() + " listening point for agent " + name, last);
        }
        this.listeningPoint = lp;
        this.provider = stack.createSipProvider(lp);
        this.provider.addSipListener(this);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "jain-sip-agent-" + name);
            t.setDaemon(true);
            return t;
        });
        stack.start();
        if (ListeningPoint.UDP.equalsIgnoreCase(listen.transport())) {
            awaitUdpReader();
        }
    }

    /**
     * Waits until the stack's UDP reader thread has set up its message channels. JAIN-SIP RI 1.3.0-91 creates them at
     * the start of that thread's run(), and SipStack.stop() fails with a NullPointerException (leaving the socket
     * open) when called before: an agent closed right after it started would leak its port.
     */
    private void awaitUdpReader() throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        final MessageProcessor mp = ((ListeningPointImpl) listeningPoint).getMessageProcessor();
        if (!(mp instanceof UDPMessageProcessor)) {
            throw new IllegalStateException(name + ": not a JAIN-SIP UDP listening point: " + mp);
        }
        final Field channels = UDPMessageProcessor.class.getDeclaredField("messageChannels");
        channels.setAccessible(true);
        while (channels.get(mp) == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + ": JAIN-SIP's UDP reader did not start");
            }
            Thread.sleep(1);
        }
    }

    /** Starts an agent named {@code name} on a free UDP port of 127.0.0.1. */
    public static JainSipAgent start(String name) {
        return start(name, 0);
    }

    /** Starts an agent named {@code name} on UDP port {@code port} of 127.0.0.1 (0: a free one). */
    public static JainSipAgent start(String name, int port) {
        return start(name, port, Listen.UDP);
    }

    /** Starts an agent named {@code name} on a free port listening as {@code listen} says. */
    public static JainSipAgent start(String name, Listen listen) {
        return start(name, 0, listen);
    }

    /** Starts an agent named {@code name} on port {@code port} (0: a free one) listening as {@code listen} says. */
    public static JainSipAgent start(String name, int port, Listen listen) {
        try {
            return new JainSipAgent(name, port, listen);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start JAIN-SIP agent " + name, e);
        }
    }

    private static int freePort(Listen listen) throws IOException {
        final InetAddress ip = InetAddress.getByName(listen.host());
        if (ListeningPoint.UDP.equalsIgnoreCase(listen.transport())) {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(ip, 0))) {
                return s.getLocalPort();
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, ip)) {
            return s.getLocalPort();
        }
    }

    /** Returns the name given at start (the user part of this agent's From and Contact). */
    public String name() {
        return name;
    }

    /** Returns the port listened on. */
    public int port() {
        return listeningPoint.getPort();
    }

    /** Returns the address listened on and {@link #port()}. */
    public InetSocketAddress address() {
        return new InetSocketAddress(listen.host(), port());
    }

    /** Returns how this agent listens. */
    public Listen listen() {
        return listen;
    }

    /**
     * Returns this agent's Contact URI, {@code sip:NAME@127.0.0.1:PORT}, with {@code ;transport=tcp|tls} when it
     * listens on a stream transport.
     */
    public String contactUri() {
        return "sip:" + name + '@' + uriHost + ':' + port() + listen.uriParameter();
    }

    /**
     * Returns a URI of this agent as a destination of siplb's dispatcher: {@code sip:HOST:PORT} with the transport
     * parameter of {@link #contactUri()}.
     */
    public String destinationUri() {
        return "sip:" + uriHost + ':' + port() + listen.uriParameter();
    }

    /** Returns the JAIN-SIP stack, for what this class does not cover. */
    public SipStack stack() {
        return stack;
    }

    /** Returns the JAIN-SIP provider, for what this class does not cover. */
    public SipProvider provider() {
        return provider;
    }

    /** Returns the header factory, for extra headers built by a test. */
    public HeaderFactory headerFactory() {
        return headers;
    }

    /** Returns how this agent answers INVITEs and out-of-dialog requests. */
    public Mode mode() {
        return mode;
    }

    /** Sets how this agent answers requests received from now on; returns this agent. */
    public JainSipAgent mode(Mode newMode) {
        this.mode = Objects.requireNonNull(newMode);
        return this;
    }

    // ------------------------------------------------------------------ UAC

    /** Sends an INVITE with default options (see {@link RequestOptions}) to {@code to}. */
    public Call invite(InetSocketAddress to) {
        return send(Request.INVITE, to, o -> {});
    }

    /** Sends an INVITE to {@code to} with the options {@code options} sets. */
    public Call invite(InetSocketAddress to, Consumer<RequestOptions> options) {
        return send(Request.INVITE, to, options);
    }

    /** Sends an out-of-dialog {@code method} request (OPTIONS, REGISTER, MESSAGE, INVITE...) to {@code to}. */
    public Call send(String method, InetSocketAddress to) {
        return send(method, to, o -> {});
    }

    /** Sends an out-of-dialog {@code method} request to {@code to} with the options {@code options} sets. */
    public Call send(String method, InetSocketAddress to, Consumer<RequestOptions> options) {
        final RequestOptions o = new RequestOptions(method);
        options.accept(o);
        try {
            final String callId = o.callId != null ? o.callId : name + '-' + UUID.randomUUID() + '@' + HOST;
            final FromHeader from = headers.createFromHeader(addresses.createAddress(o.from), tag());
            final ToHeader toHeader = headers.createToHeader(addresses.createAddress(o.to), null);
            final CallIdHeader callIdHeader = headers.createCallIdHeader(callId);
            final CSeqHeader cseq = headers.createCSeqHeader(o.cseq, method);
            final ViaHeader via = headers.createViaHeader(listen.host(), port(), listen.transport(), null);
            via.setRPort();
            final MaxForwardsHeader maxForwards = headers.createMaxForwardsHeader(o.maxForwards);
            final Request request = messages.createRequest(addresses.createURI(o.requestUri), method, callIdHeader,
                                                           cseq, from, toHeader, List.of(via), maxForwards);
            request.addHeader(headers.createContactHeader(addresses.createAddress("<" + contactUri() + ">")));
            if (o.route) {
                final String ip = to.getAddress().getHostAddress();
                request.addHeader(headers.createRouteHeader(addresses.createAddress(
                        "<sip:" + (ip.indexOf(':') >= 0 ? '[' + ip + ']' : ip) + ':' + to.getPort() +
                        listen.uriParameter() + ";lr>")));
            }
            for (Map.Entry<String, List<String>> h : o.extraHeaders.entrySet()) {
                for (String value : h.getValue()) {
                    request.addHeader(headers.createHeader(h.getKey(), value));
                }
            }
            if (o.body != null) {
                final String[] type = o.contentType.split("/", 2);
                request.setContent(o.body, headers.createContentTypeHeader(type[0], type[1]));
            }
            final ClientTransaction tx = provider.getNewClientTransaction(request);
            if (Request.INVITE.equals(method)) {
                provider.getNewDialog(tx);
            }
            final Call call = new Call(request, tx);
            calls.put(key(request), call);
            tx.sendRequest();
            return call;
        } catch (Exception e) {
            throw new IllegalStateException(name + ": cannot send " + method, e);
        }
    }

    /**
     * Options of an out-of-dialog request; the defaults are a Request-URI {@code sip:bob@example.com} (for REGISTER
     * {@code sip:example.com}), From {@code <sip:NAME@example.com>} with a fresh tag, To the Request-URI (for REGISTER
     * the From), a fresh Call-ID, CSeq 1, Max-Forwards 70, a Route to the address sent to, no body. Not thread-safe;
     * used by the thread that sends.
     */
    public final class RequestOptions {
        private String callId;
        private String requestUri;
        private String from;
        private String to;
        private long cseq = 1;
        private int maxForwards = 70;
        private boolean route = true;
        private String contentType;
        private String body;
        private final Map<String, List<String>> extraHeaders = new LinkedHashMap<>();

        private RequestOptions(String method) {
            final boolean register = Request.REGISTER.equals(method);
            this.requestUri = register ? "sip:example.com" : "sip:bob@example.com";
            this.from = "<sip:" + name + "@example.com>";
            this.to = register ? from : "<" + requestUri + ">";
        }

        /** Sets the Call-ID (default: a fresh one). */
        public RequestOptions callId(String value) {
            this.callId = value;
            return this;
        }

        /** Sets the Request-URI, and the To when it was the default one. */
        public RequestOptions requestUri(String value) {
            if (to.equals("<" + requestUri + ">")) {
                to = "<" + value + ">";
            }
            this.requestUri = value;
            return this;
        }

        /** Sets the From address, e.g. {@code "Alice" <sip:alice@example.com>}; a fresh tag is added. */
        public RequestOptions from(String address) {
            this.from = address;
            return this;
        }

        /** Sets the To address (no tag). */
        public RequestOptions to(String address) {
            this.to = address;
            return this;
        }

        /** Sets the CSeq number. */
        public RequestOptions cseq(long value) {
            this.cseq = value;
            return this;
        }

        /** Sets Max-Forwards. */
        public RequestOptions maxForwards(int value) {
            this.maxForwards = value;
            return this;
        }

        /** Whether to pre-load a Route to the address sent to (default yes; without it the Request-URI routes). */
        public RequestOptions route(boolean value) {
            this.route = value;
            return this;
        }

        /** Adds a header (repeatable). */
        public RequestOptions header(String headerName, String value) {
            extraHeaders.computeIfAbsent(headerName, k -> new ArrayList<>()).add(value);
            return this;
        }

        /** Sets a body and its Content-Type, e.g. {@code application/sdp}. */
        public RequestOptions body(String type, String content) {
            this.contentType = type;
            this.body = content;
            return this;
        }
    }

    /**
     * One request this agent sent as a UAC and its client transaction, with every response received for it. Thread-safe:
     * responses are added by JAIN-SIP's thread and read by the test's under this object's monitor.
     */
    public final class Call {
        private final Request request;
        private final ClientTransaction transaction;
        private final List<Response> responses = new ArrayList<>(); // guarded by this
        private String timeout; // guarded by this

        private Call(Request request, ClientTransaction transaction) {
            this.request = request;
            this.transaction = transaction;
        }

        /** Returns the request as sent (with the branch the stack gave it). */
        public Request request() {
            return request;
        }

        /** Returns the method of the request. */
        public String method() {
            return request.getMethod();
        }

        /** Returns the request's Call-ID. */
        public String callId() {
            return ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId();
        }

        /** Returns the client transaction. */
        public ClientTransaction transaction() {
            return transaction;
        }

        /** Returns the dialog of an INVITE (null for other requests). */
        public Dialog dialog() {
            return transaction.getDialog();
        }

        /** Returns the status codes received so far, in order. */
        public synchronized List<Integer> statuses() {
            final List<Integer> codes = new ArrayList<>(responses.size());
            for (Response r : responses) {
                codes.add(r.getStatusCode());
            }
            return codes;
        }

        /** Returns the responses received so far, in order. */
        public synchronized List<Response> responses() {
            return List.copyOf(responses);
        }

        /** Waits up to {@code timeout} for a response with status {@code code} (or returns one already received). */
        public Response awaitStatus(int code, Duration timeout) {
            return await(r -> r.getStatusCode() == code, timeout, "a " + code);
        }

        /** Waits up to {@code timeout} for the first final (200 to 699) response. */
        public Response awaitFinal(Duration timeout) {
            return await(r -> r.getStatusCode() >= 200, timeout, "a final response");
        }

        private synchronized Response await(Predicate<Response> wanted, Duration timeout, String what) {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                for (Response r : responses) {
                    if (wanted.test(r)) {
                        return r;
                    }
                }
                final long left = deadline - System.nanoTime();
                if (left <= 0 || this.timeout != null) {
                    throw new AssertionError(name + ": no " + what + " to " + method() + " " + callId() + " within " +
                                             timeout + "; got " + statuses() +
                                             (this.timeout != null ? "; " + this.timeout : ""));
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }

        private synchronized void add(Response response) {
            responses.add(response);
            notifyAll();
        }

        private synchronized void timedOut(String why) {
            this.timeout = why;
            notifyAll();
        }

        /** Sends the ACK of the 2xx this INVITE got, built by its dialog (route set from Record-Route). */
        public void ack() {
            final Response ok = awaitStatus2xx();
            try {
                final long cseq = ((CSeqHeader) ok.getHeader(CSeqHeader.NAME)).getSeqNumber();
                final Dialog dialog = dialog();
                dialog.sendAck(dialog.createAck(cseq));
            } catch (Exception e) {
                throw new IllegalStateException(name + ": cannot ACK " + callId(), e);
            }
        }

        private synchronized Response awaitStatus2xx() {
            for (Response r : responses) {
                if (r.getStatusCode() / 100 == 2) {
                    return r;
                }
            }
            throw new IllegalStateException(name + ": no 2xx to ACK for " + callId() + "; got " + statuses());
        }

        /** Sends a BYE in this INVITE's dialog; returns its {@link Call}. */
        public Call bye() {
            return inDialog(Request.BYE);
        }

        /** Sends a {@code method} request built by this INVITE's dialog; returns its {@link Call}. */
        public Call inDialog(String method) {
            final Dialog dialog = dialog();
            if (dialog == null) {
                throw new IllegalStateException(name + ": " + callId() + " has no dialog");
            }
            try {
                final Request r = dialog.createRequest(method);
                final ClientTransaction tx = provider.getNewClientTransaction(r);
                final Call call = new Call(r, tx);
                calls.put(key(r), call);
                dialog.sendRequest(tx);
                return call;
            } catch (SipException e) {
                throw new IllegalStateException(name + ": cannot send " + method + " in " + callId(), e);
            }
        }

        /** Sends a CANCEL of this (pending) INVITE; returns the CANCEL's {@link Call}. */
        public Call cancel() {
            try {
                final Request cancel = transaction.createCancel();
                final ClientTransaction tx = provider.getNewClientTransaction(cancel);
                final Call call = new Call(cancel, tx);
                calls.put(key(cancel), call);
                tx.sendRequest();
                return call;
            } catch (SipException e) {
                throw new IllegalStateException(name + ": cannot CANCEL " + callId(), e);
            }
        }
    }

    // ------------------------------------------------------------------ transports

    /**
     * How an agent listens: its one listening point's transport and address, and for TLS the key and trust stores.
     * Immutable.
     *
     * @param transport {@code UDP}, {@code TCP} or {@code TLS} (JAIN-SIP's names)
     * @param host the address listened on, {@code 127.0.0.1} or {@code ::1}
     * @param tls the key material of a TLS agent, else {@code null}
     */
    public record Listen(String transport, String host, TlsStores tls) {

        /** UDP on 127.0.0.1. */
        public static final Listen UDP = new Listen(ListeningPoint.UDP, HOST, null);
        /** TCP on 127.0.0.1. */
        public static final Listen TCP = new Listen(ListeningPoint.TCP, HOST, null);

        public Listen {
            Objects.requireNonNull(transport);
            Objects.requireNonNull(host);
            if (ListeningPoint.TLS.equalsIgnoreCase(transport) != (tls != null)) {
                throw new IllegalArgumentException("TLS key material is for a TLS agent, and a TLS agent needs it");
            }
        }

        /** TCP on {@code host}. */
        public static Listen tcp(String host) {
            return new Listen(ListeningPoint.TCP, host, null);
        }

        /** TLS on 127.0.0.1 with {@code stores}. */
        public static Listen tls(TlsStores stores) {
            return new Listen(ListeningPoint.TLS, HOST, Objects.requireNonNull(stores));
        }

        /** Returns {@code ""} for UDP, else {@code ;transport=tcp} or {@code ;transport=tls}. */
        public String uriParameter() {
            return ListeningPoint.UDP.equalsIgnoreCase(transport) ? ""
                   : ";transport=" + transport.toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The key material of a TLS agent as JAIN-SIP RI takes it (stack properties {@code javax.net.ssl.keyStore},
     * {@code javax.net.ssl.trustStore} and their passwords, PKCS#12 files): the agent's own certificate and key (a
     * key store without a key entry: no certificate to show), the CAs it trusts, and whether, as a TLS server, it
     * asks its clients for a certificate. Cipher suites: TLS 1.2 ECDHE with ECDSA or RSA (JAIN-SIP's own default list
     * has only RSA and anonymous suites, which an EC certificate cannot serve). Immutable.
     *
     * @param keyStore the PKCS#12 key store
     * @param trustStore the PKCS#12 trust store
     * @param password the password of both stores and of the key entry
     * @param clientAuth JAIN-SIP's {@code TLS_CLIENT_AUTH_TYPE}: {@code Enabled}, {@code Want}, {@code Disabled}
     */
    public record TlsStores(Path keyStore, Path trustStore, String password, String clientAuth) {

        /** The suites offered and accepted. */
        static final String CIPHER_SUITES = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,"
                                            + "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,"
                                            + "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";

        public TlsStores {
            Objects.requireNonNull(keyStore);
            Objects.requireNonNull(trustStore);
            Objects.requireNonNull(password);
            Objects.requireNonNull(clientAuth);
        }

        void apply(Properties p) {
            p.setProperty("javax.net.ssl.keyStore", keyStore.toString());
            p.setProperty("javax.net.ssl.keyStorePassword", password);
            p.setProperty("javax.net.ssl.keyStoreType", "PKCS12");
            p.setProperty("javax.net.ssl.trustStore", trustStore.toString());
            p.setProperty("javax.net.ssl.trustStorePassword", password);
            p.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
            p.setProperty("gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE", clientAuth);
            p.setProperty("gov.nist.javax.sip.TLS_CLIENT_PROTOCOLS", "TLSv1.2");
            p.setProperty("gov.nist.javax.sip.ENABLED_CIPHER_SUITES", CIPHER_SUITES);
            p.setProperty("gov.nist.javax.sip.SSL_HANDSHAKE_TIMEOUT", "3000");
        }
    }

    // ------------------------------------------------------------------ UAS

    /**
     * How an agent answers an INVITE or an out-of-dialog request. Immutable. For a non-INVITE, the provisional
     * responses are left out: {@link #RING_AND_ANSWER} is a plain 200.
     *
     * @param kind what to do
     * @param code the final status code
     * @param delay the time before the final response ({@link Kind#ANSWER_AFTER})
     */
    public record Mode(Kind kind, int code, Duration delay) {

        /** What an agent does with an INVITE. */
        public enum Kind {
            /** 180 Ringing then the final response (2xx with To tag and Contact), at once. */
            RING_AND_ANSWER,
            /** The final response at once, without 180. */
            ANSWER_WITH,
            /** 180 Ringing at once (and the stack's 100 Trying after 200 ms), the final response after a delay. */
            ANSWER_AFTER,
            /** Nothing at all: no server transaction, so not even the stack's automatic 100 Trying. */
            NEVER_ANSWER
        }

        /** 180 then 200. */
        public static final Mode RING_AND_ANSWER = new Mode(Kind.RING_AND_ANSWER, 200, Duration.ZERO);
        /** Silence. */
        public static final Mode NEVER_ANSWER = new Mode(Kind.NEVER_ANSWER, 0, Duration.ZERO);

        public Mode {
            Objects.requireNonNull(kind);
            Objects.requireNonNull(delay);
            if (kind != Kind.NEVER_ANSWER && (code < 200 || code > 699)) {
                throw new IllegalArgumentException("final status code expected: " + code);
            }
        }

        /** The final response {@code code} (e.g. 486, 503, 603, or 200) at once. */
        public static Mode answerWith(int code) {
            return new Mode(Kind.ANSWER_WITH, code, Duration.ZERO);
        }

        /** 180 at once, 200 after {@code delay} unless CANCELed before. */
        public static Mode answerAfter(Duration delay) {
            return answerAfter(delay, 200);
        }

        /** 180 at once, final response {@code code} after {@code delay} unless CANCELed before. */
        public static Mode answerAfter(Duration delay, int code) {
            return new Mode(Kind.ANSWER_AFTER, code, delay);
        }
    }

    /**
     * A request as a UAS agent received it. Immutable (the {@link Request} is JAIN-SIP's and must not be changed).
     *
     * @param method the method
     * @param callId the Call-ID
     * @param requestUri the Request-URI
     * @param vias the Via values, top first
     * @param recordRoutes the Record-Route values, top first
     * @param routes the Route values, top first
     * @param maxForwards Max-Forwards, -1 if absent
     * @param source where the datagram came from ({@code ip:port})
     * @param request the JAIN-SIP request
     */
    public record ReceivedRequest(String method, String callId, String requestUri, List<String> vias,
                                  List<String> recordRoutes, List<String> routes, int maxForwards, String source,
                                  Request request) {

        /** Returns the number of Via values. */
        public int viaCount() {
            return vias.size();
        }

        /** Returns the value of the first {@code headerName} header, or null. */
        public String header(String headerName) {
            final Header h = request.getHeader(headerName);
            return h == null ? null : value(h);
        }
    }

    /**
     * UAS: sends a BYE in the dialog of call {@code callId}, which this agent answered (the callee hangs up); the
     * BYE follows the route set the INVITE's Record-Route gave. Returns the BYE's {@link Call}.
     */
    public Call hangUp(String callId) {
        final Dialog dialog = answeredDialogs.get(callId);
        if (dialog == null) {
            throw new IllegalStateException(name + ": answered no INVITE of " + callId);
        }
        try {
            final Request bye = dialog.createRequest(Request.BYE);
            final ClientTransaction tx = provider.getNewClientTransaction(bye);
            final Call call = new Call(bye, tx);
            calls.put(key(bye), call);
            dialog.sendRequest(tx);
            return call;
        } catch (SipException e) {
            throw new IllegalStateException(name + ": cannot hang up " + callId, e);
        }
    }

    /** Returns every request received so far, in order. */
    public List<ReceivedRequest> received() {
        return List.copyOf(received);
    }

    /** Returns the requests received so far with method {@code method}, in order. */
    public List<ReceivedRequest> received(String method) {
        final List<ReceivedRequest> out = new ArrayList<>();
        for (ReceivedRequest r : received) {
            if (r.method().equals(method)) {
                out.add(r);
            }
        }
        return out;
    }

    /** Returns how many {@code method} requests of call {@code callId} were received. */
    public int count(String method, String callId) {
        int n = 0;
        for (ReceivedRequest r : received) {
            if (r.method().equals(method) && r.callId().equals(callId)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Waits up to {@code timeout} for the next {@code method} request not yet returned by this method (oldest first);
     * fails with an {@link AssertionError} naming what arrived otherwise.
     */
    public ReceivedRequest awaitRequest(String method, Duration timeout) {
        final ReceivedRequest r = pollRequest(method, timeout);
        if (r == null) {
            throw new AssertionError(name + ": no " + method + " within " + timeout + "; received " + summary());
        }
        return r;
    }

    /** Waits up to {@code timeout} for the next unclaimed {@code method} request; returns null if none came. */
    public ReceivedRequest pollRequest(String method, Duration timeout) {
        try {
            return queue(method).poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private BlockingQueue<ReceivedRequest> queue(String method) {
        return unclaimed.computeIfAbsent(method, m -> new LinkedBlockingQueue<>());
    }

    private String summary() {
        final List<String> s = new ArrayList<>();
        for (ReceivedRequest r : received) {
            s.add(r.method() + ' ' + r.callId());
        }
        return s.toString();
    }

    /** Returns responses that matched no request this agent sent. */
    public List<Response> strayResponses() {
        return List.copyOf(strayResponses);
    }

    /** Returns the failures thrown inside this agent's listener methods (should stay empty). */
    public List<Throwable> listenerErrors() {
        return List.copyOf(listenerErrors);
    }

    // ------------------------------------------------------------------ SipListener (JAIN-SIP's threads)

    @Override
    public void processRequest(RequestEvent event) {
        try {
            final Request request = event.getRequest();
            record(event);
            switch (request.getMethod()) {
                case Request.ACK -> {
                    // The dialog (2xx) or the INVITE server transaction (non-2xx) absorbs it.
                }
                case Request.CANCEL -> answerCancel(event);
                case Request.INVITE -> {
                    if (hasToTag(request)) {
                        answer(event, 200, null); // re-INVITE
                    } else {
                        answerInvite(event);
                    }
                }
                default -> {
                    if (hasToTag(request)) {
                        answer(event, 200, null);
                    } else {
                        answerOutOfDialog(event);
                    }
                }
            }
        } catch (Throwable t) {
            LOG.error("{}: failure handling {}", name, event.getRequest().getMethod(), t);
            listenerErrors.add(t);
        }
    }

    private void record(RequestEvent event) {
        final Request r = event.getRequest();
        final MaxForwardsHeader mf = (MaxForwardsHeader) r.getHeader(MaxForwardsHeader.NAME);
        final String source = event instanceof RequestEventExt ext ? ext.getRemoteIpAddress() + ':' +
                                                                      ext.getRemotePort() : "?";
        final ReceivedRequest rr = new ReceivedRequest(
                r.getMethod(), ((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId(),
                r.getRequestURI().toString(), values(r, ViaHeader.NAME), values(r, RecordRouteHeader.NAME),
                values(r, RouteHeader.NAME), mf == null ? -1 : mf.getMaxForwards(), source, r);
        received.add(rr);
        queue(rr.method()).add(rr);
    }

    private static List<String> values(Request r, String headerName) {
        final List<String> out = new ArrayList<>();
        for (ListIterator<?> it = r.getHeaders(headerName); it.hasNext(); ) {
            out.add(value((Header) it.next()));
        }
        return List.copyOf(out);
    }

    private static String value(Header h) {
        if (h instanceof SIPHeader sh) {
            return sh.getHeaderValue().trim();
        }
        final String s = h.toString().trim();
        final int colon = s.indexOf(':');
        return colon < 0 ? s : s.substring(colon + 1).trim();
    }

    private static boolean hasToTag(Request r) {
        return ((ToHeader) r.getHeader(ToHeader.NAME)).getTag() != null;
    }

    private ServerTransaction serverTransaction(RequestEvent event) throws SipException {
        final ServerTransaction st = event.getServerTransaction();
        return st != null ? st : provider.getNewServerTransaction(event.getRequest());
    }

    private void answerInvite(RequestEvent event) throws Exception {
        final Mode m = mode;
        if (m.kind() == Mode.Kind.NEVER_ANSWER) {
            return; // no server transaction: the stack sends nothing on its own
        }
        final ServerTransaction st = serverTransaction(event);
        final Request request = event.getRequest();
        answeredDialogs.put(((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId(),
                            provider.getNewDialog(st));
        final PendingInvite pending = new PendingInvite(st, tag());
        final String key = inviteKey(request);
        pendingInvites.put(key, pending);
        switch (m.kind()) {
            case RING_AND_ANSWER -> {
                respond(st, request, 180, pending.toTag);
                finish(key, pending, m.code());
            }
            case ANSWER_WITH -> finish(key, pending, m.code());
            case ANSWER_AFTER -> {
                respond(st, request, 180, pending.toTag);
                timer.schedule(() -> {
                    try {
                        finish(key, pending, m.code());
                    } catch (Throwable t) {
                        LOG.error("{}: failure answering INVITE {}", name, key, t);
                        listenerErrors.add(t);
                    }
                }, m.delay().toNanos(), TimeUnit.NANOSECONDS);
            }
            default -> throw new AssertionError(m);
        }
    }

    /** Sends the final response unless a CANCEL got there first. */
    private void finish(String key, PendingInvite pending, int code) throws Exception {
        if (pendingInvites.remove(key, pending)) {
            respond(pending.transaction, pending.transaction.getRequest(), code, pending.toTag);
        }
    }

    private void answerOutOfDialog(RequestEvent event) throws Exception {
        final Mode m = mode;
        switch (m.kind()) {
            case NEVER_ANSWER -> {
                // silence
            }
            case ANSWER_AFTER -> {
                final ServerTransaction st = serverTransaction(event);
                timer.schedule(() -> {
                    try {
                        respond(st, event.getRequest(), m.code(), tag());
                    } catch (Throwable t) {
                        LOG.error("{}: failure answering {}", name, event.getRequest().getMethod(), t);
                        listenerErrors.add(t);
                    }
                }, m.delay().toNanos(), TimeUnit.NANOSECONDS);
            }
            default -> answer(event, m.code(), tag());
        }
    }

    private void answer(RequestEvent event, int code, String toTag) throws Exception {
        respond(serverTransaction(event), event.getRequest(), code, toTag);
    }

    private void answerCancel(RequestEvent event) throws Exception {
        final Request cancel = event.getRequest();
        final Response ok = messages.createResponse(Response.OK, cancel);
        ServerTransaction st = event.getServerTransaction();
        if (st == null) {
            try {
                st = provider.getNewServerTransaction(cancel);
            } catch (Exception e) {
                st = null; // e.g. nothing to cancel: answer it without a transaction
            }
        }
        if (st != null) {
            st.sendResponse(ok);
        } else {
            provider.sendResponse(ok);
        }
        final PendingInvite pending = pendingInvites.remove(inviteKey(cancel));
        if (pending != null) {
            respond(pending.transaction, pending.transaction.getRequest(), Response.REQUEST_TERMINATED,
                    pending.toTag);
        }
    }

    private void respond(ServerTransaction st, Request request, int code, String toTag) throws Exception {
        final Response response = messages.createResponse(code, request);
        final ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
        if (to.getTag() == null && toTag != null && code > 100) {
            to.setTag(toTag);
        }
        if (code > 100 && code < 300 && (Request.INVITE.equals(request.getMethod()) ||
                                         Request.SUBSCRIBE.equals(request.getMethod()))) {
            response.addHeader(contact());
        }
        st.sendResponse(response);
    }

    private ContactHeader contact() throws Exception {
        return headers.createContactHeader(addresses.createAddress("<" + contactUri() + ">"));
    }

    private static String inviteKey(Request r) {
        final ViaHeader via = (ViaHeader) r.getHeader(ViaHeader.NAME);
        return ((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId() + '|' + via.getBranch();
    }

    private static String key(javax.sip.message.Message m) {
        final CSeqHeader cseq = (CSeqHeader) m.getHeader(CSeqHeader.NAME);
        return ((CallIdHeader) m.getHeader(CallIdHeader.NAME)).getCallId() + '|' + cseq.getSeqNumber() + '|' +
               cseq.getMethod();
    }

    private static String tag() {
        return Integer.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextInt() | 0x10000000);
    }

    private record PendingInvite(ServerTransaction transaction, String toTag) {}

    @Override
    public void processResponse(ResponseEvent event) {
        try {
            final Response response = event.getResponse();
            if (event instanceof ResponseEventExt ext && ext.isRetransmission()) {
                return; // a 2xx retransmission: the dialog re-ACKs it
            }
            final Call call = calls.get(key(response));
            if (call == null) {
                strayResponses.add(response);
            } else {
                call.add(response);
            }
        } catch (Throwable t) {
            LOG.error("{}: failure handling a response", name, t);
            listenerErrors.add(t);
        }
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
        if (event.isServerTransaction()) {
            return;
        }
        final Request r = event.getClientTransaction().getRequest();
        final Call call = calls.get(key(r));
        if (call != null) {
            call.timedOut("transaction timeout (" + event.getTimeout() + ")");
        }
    }

    @Override
    public void processIOException(IOExceptionEvent event) {
        LOG.warn("{}: I/O exception towards {}:{}", name, event.getHost(), event.getPort());
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent event) {}

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {}

    /**
     * Stops the stack, frees the port and ends the stack's threads. Takes about a second: JAIN-SIP's SipStack.stop()
     * sleeps 1 s to let work in progress finish; {@link #closeAll} closes several agents in parallel.
     */
    @Override
    public void close() {
        timer.shutdownNow();
        provider.removeSipListener(this);
        final EventScanner scanner = ((SipStackImpl) stack).getEventScanner();
        stack.stop();
        // JAIN-SIP RI 1.3.0-91's SipStack.stop() marks the listener thread (EventScannerThread, not a daemon) stopped
        // but leaves it blocked on its empty queue for ever: one event wakes it, and it sees it is stopped.
        if (scanner != null) {
            scanner.addEvent(new EventWrapper(new EventObject(this), null));
        }
    }

    /** Closes every non-null agent of {@code agents} in parallel; returns when all are closed. */
    public static void closeAll(JainSipAgent... agents) {
        final List<Thread> threads = new ArrayList<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (JainSipAgent agent : agents) {
            if (agent != null) {
                final Thread t = new Thread(() -> {
                    try {
                        agent.close();
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "close-" + agent.name);
                t.start();
                threads.add(t);
            }
        }
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted closing agents", e);
            }
        }
        if (!failures.isEmpty()) {
            final IllegalStateException e = new IllegalStateException("closing JAIN-SIP agents failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    @Override
    public String toString() {
        return "JainSipAgent[" + name + " " + listen.transport() + ' ' + uriHost + ':' + port() + ']';
    }
}
