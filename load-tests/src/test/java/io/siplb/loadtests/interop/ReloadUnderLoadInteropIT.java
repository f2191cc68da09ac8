package io.siplb.loadtests.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hot reload under load, in the sipp interop suite ({@code -Pinterop}, see {@link SippInteropIT} for how sipp and
 * siplb's jar are run): a sipp UAC makes {@value #CALLS} calls at {@value #RATE} calls/s through a stateful siplb
 * (round-robin) to three sipp UAS backends while the test rewrites siplb's list file 50 times, an editor's way (a
 * new file renamed over the old one), alternately without and with the third backend. siplb's file watcher
 * ({@code siplb.reload.debounce = 50ms}) must apply each version within 2 s, as its log shows, before the next is
 * written; and no call may fail: calls routed to the third backend before it was removed finish there (their ACK
 * and BYE follow the Record-Route), the other backends keep their state, and every INVITE reaches exactly one
 * backend. Not thread-safe; confined to the test thread.
 */
class ReloadUnderLoadInteropIT {

    static final int CALLS = 6000;
    static final int RATE = 200;
    static final int RELOADS = 50;
    /** How long one reload may take to show in siplb's log (the brief's bound for a list-file edit). */
    private static final long RELOAD_WITHIN_MILLIS = 2000;

    private static final Pattern RELOADED = Pattern.compile("Configuration reloaded \\(file change\\)");

    private final SippInteropIT harness = new SippInteropIT();

    @AfterEach
    void stopEverythingStarted() throws InterruptedException {
        harness.stopEverythingStarted();
    }

    @Test
    void fiftyReloadsWhileSippCallsRunFailNoCall() throws Exception {
        final int[] applied = { 0 };
        final long[] slowest = { 0 };
        final SippInteropIT.Outcome o = harness.run(
                new SippInteropIT.Setup("reload-under-load", "stateful", "round-robin", null,
                                        List.of(SippInteropIT.Backend.uas("uas1"), SippInteropIT.Backend.uas("uas2"),
                                                SippInteropIT.Backend.uas("uas3")),
                                        Integer.getInteger("interop.reload.calls", CALLS), RATE, null),
                "siplb.reload.debounce = 50ms\n",
                (uac, siplb, dir, ports) -> {
                    for (int i = 1; i <= RELOADS; i++) {
                        assertThat(uac.isAlive()).as("sipp UAC still running at reload %d", i).isTrue();
                        final boolean withThird = i % 2 == 0;
                        final StringBuilder list = new StringBuilder("# reload " + i + "\n");
                        for (String name : withThird ? List.of("uas1", "uas2", "uas3") : List.of("uas1", "uas2")) {
                            list.append("1 sip:127.0.0.1:").append(ports.get(name)).append(" 0 0  # ")
                                .append(name).append('\n');
                        }
                        final Path tmp = dir.resolve(".dispatcher.list.tmp");
                        Files.writeString(tmp, list.toString());
                        Files.move(tmp, dir.resolve("dispatcher.list"), StandardCopyOption.ATOMIC_MOVE,
                                   StandardCopyOption.REPLACE_EXISTING);
                        final long start = System.nanoTime();
                        while (reloads(siplb.log()) < i) {
                            final long waited = (System.nanoTime() - start) / 1_000_000;
                            assertThat(waited).as("reload %d in siplb's log %s within %d ms", i, siplb.log(),
                                                  RELOAD_WITHIN_MILLIS)
                                              .isLessThan(RELOAD_WITHIN_MILLIS);
                            Thread.sleep(10);
                        }
                        slowest[0] = Math.max(slowest[0], (System.nanoTime() - start) / 1_000_000);
                        applied[0] = i;
                        Thread.sleep(100);
                    }
                    assertThat(uac.isAlive()).as("sipp UAC still running after the last reload (the reloads "
                                                 + "happened under load)").isTrue();
                });
        System.out.println("sipp interop [reload-under-load]: " + applied[0] + " reloads applied, the slowest in "
                           + slowest[0] + " ms");
        final String log = Files.readString(o.dir().resolve("siplb.out"), StandardCharsets.ISO_8859_1);
        assertThat(applied[0]).isEqualTo(RELOADS);
        assertThat(count(RELOADED, log)).as("reloads in siplb's log; %s", o.summary()).isEqualTo(RELOADS);
        assertThat(log).as("refused reloads in siplb's log").doesNotContain("Reload (file change) refused");
        SippInteropIT.assertEveryCallSucceeded(o);
        for (String name : List.of("uas1", "uas2", "uas3")) {
            assertThat(o.invitesAt(name)).as("INVITEs at %s; %s", name, o.summary()).isPositive();
        }
    }

    private static int reloads(Path log) throws IOException {
        return count(RELOADED, Files.readString(log, StandardCharsets.ISO_8859_1));
    }

    private static int count(Pattern p, String text) {
        final Matcher m = p.matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
