package io.siplb.proxy.cli;

import java.io.PrintStream;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.lifecycle.SiplbServer;
import io.siplb.proxy.udp.UdpListeners;

/**
 * {@code siplb run [-c FILE]}: loads the configuration, starts siplb and runs until SIGTERM or SIGINT, which stop it
 * gracefully through a shutdown hook. Static methods only. Immutable.
 */
final class RunCommand {

    private static final Logger logger = LoggerFactory.getLogger(RunCommand.class);

    private RunCommand() {}

    /**
     * Runs siplb until the JVM is asked to stop.
     *
     * @return {@link Main#EXIT_FAILED} when a listener cannot be bound, {@link Main#EXIT_OK} after a stop
     * @throws io.siplb.proxy.config.SiplbConfigException when the configuration is invalid
     */
    static int run(Path configFile, PrintStream err) {
        final SiplbConfig config = SiplbConfig.load(configFile);
        logger.info("Starting siplb with {}", configFile.toAbsolutePath().normalize());
        final SiplbServer server;
        try {
            server = SiplbServer.start(config);
        } catch (UdpListeners.BindFailedException e) {
            err.println("siplb: " + e.getMessage());
            return Main.EXIT_FAILED;
        }
        final Thread hook = new Thread(server::close, "siplb-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        logger.info("siplb is running; stop it with SIGTERM or SIGINT");
        server.awaitTermination();
        return Main.EXIT_OK;
    }
}
