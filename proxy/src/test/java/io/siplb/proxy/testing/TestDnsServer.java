package io.siplb.proxy.testing;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;

/**
 * A real, minimal authoritative DNS server on a UDP port of 127.0.0.1 for tests: answers A, AAAA and SRV questions
 * from the records added, NXDOMAIN for names it has no record of, nothing for names made silent, and remembers
 * every question asked. Thread-safe.
 */
public final class TestDnsServer implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final Map<String, List<InetAddress>> addresses = new ConcurrentHashMap<>();
    private final Map<String, List<int[]>> srvPorts = new ConcurrentHashMap<>();
    private final Map<String, List<String>> srvTargets = new ConcurrentHashMap<>();
    private final List<String> questions = new CopyOnWriteArrayList<>();
    private final java.util.Set<String> silent = ConcurrentHashMap.newKeySet();
    private volatile int ttl = 60;

    private TestDnsServer() {
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                                 .handler(new ChannelInitializer<DatagramChannel>() {
                                     @Override
                                     protected void initChannel(DatagramChannel ch) {
                                         ch.pipeline().addLast(new DatagramDnsQueryDecoder(),
                                                               new DatagramDnsResponseEncoder(), new Answer());
                                     }
                                 })
                                 .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                                 .syncUninterruptibly().channel();
    }

    /** Starts a server on an ephemeral port of 127.0.0.1. */
    public static TestDnsServer start() {
        return new TestDnsServer();
    }

    /** The address siplb's {@code siplb.dns.servers} should name. */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Adds an A (IPv4) or AAAA (IPv6) record of {@code name}. */
    public TestDnsServer address(String name, InetAddress address) {
        addresses.computeIfAbsent(key(name), k -> new CopyOnWriteArrayList<>()).add(address);
        return this;
    }

    /** Adds an SRV record: {@code name} (e.g. {@code _sip._udp.example.test}) served by {@code target:port}. */
    public TestDnsServer srv(String name, int priority, int weight, int port, String target) {
        srvPorts.computeIfAbsent(key(name), k -> new CopyOnWriteArrayList<>()).add(new int[] { priority, weight, port });
        srvTargets.computeIfAbsent(key(name), k -> new CopyOnWriteArrayList<>()).add(target);
        return this;
    }

    /** Sets the time to live of the records in later answers (60 s unless set). */
    public TestDnsServer ttl(int seconds) {
        ttl = seconds;
        return this;
    }

    /** Removes every record of {@code name} (address and SRV): later questions get NXDOMAIN. */
    public TestDnsServer remove(String name) {
        addresses.remove(key(name));
        srvPorts.remove(key(name));
        srvTargets.remove(key(name));
        return this;
    }

    /** Answers questions about {@code name} again after {@link #silent}. */
    public TestDnsServer answer(String name) {
        silent.remove(key(name));
        return this;
    }

    /** Leaves every question about {@code name} unanswered, as a server that has gone away would. */
    public TestDnsServer silent(String name) {
        silent.add(key(name));
        return this;
    }

    /** Every question received, as {@code TYPE name}, in order. */
    public List<String> questions() {
        return List.copyOf(questions);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static String key(String name) {
        final String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n : n + '.';
    }

    /** Answers one query. Confined to the server's event loop. */
    private final class Answer extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            final DnsQuestion q = query.recordAt(DnsSection.QUESTION);
            final DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(),
                                                                         query.id());
            response.setAuthoritativeAnswer(true).setRecursionAvailable(true);
            if (q == null) {
                ctx.writeAndFlush(response.setCode(DnsResponseCode.FORMERR));
                return;
            }
            final String name = key(q.name());
            questions.add(q.type().name() + ' ' + name);
            if (silent.contains(name)) {
                response.release();
                return;
            }
            response.addRecord(DnsSection.QUESTION, q);
            final boolean known = addresses.containsKey(name) || srvPorts.containsKey(name);
            if (q.type() == DnsRecordType.A || q.type() == DnsRecordType.AAAA) {
                final int length = q.type() == DnsRecordType.A ? 4 : 16;
                for (InetAddress a : addresses.getOrDefault(name, List.of())) {
                    if (a.getAddress().length == length) {
                        response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(
                                q.name(), q.type(), ttl, Unpooled.wrappedBuffer(a.getAddress())));
                    }
                }
            } else if (q.type() == DnsRecordType.SRV) {
                final List<int[]> ports = srvPorts.getOrDefault(name, List.of());
                final List<String> targets = srvTargets.getOrDefault(name, List.of());
                for (int i = 0; i < ports.size(); i++) {
                    final ByteBuf rdata = Unpooled.buffer();
                    rdata.writeShort(ports.get(i)[0]).writeShort(ports.get(i)[1]).writeShort(ports.get(i)[2]);
                    for (String label : targets.get(i).split("\\.")) {
                        final byte[] b = label.getBytes(StandardCharsets.US_ASCII);
                        rdata.writeByte(b.length).writeBytes(b);
                    }
                    rdata.writeByte(0);
                    response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(q.name(), DnsRecordType.SRV, ttl,
                                                                                  rdata));
                }
            }
            if (!known) {
                response.setCode(DnsResponseCode.NXDOMAIN);
            }
            ctx.writeAndFlush(response);
        }
    }
}
