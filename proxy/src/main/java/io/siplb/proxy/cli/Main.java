package io.siplb.proxy.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.siplb.proxy.config.SiplbConfigException;

/**
 * The command line behind {@code bin/siplb}: {@code run} (the default), {@code parse}, {@code hash},
 * {@code select} and {@code ctl} (a running siplb's admin API, {@link CtlCommand}). Usage errors print the usage and exit with status 2, as do configuration errors; the messages name
 * what was wrong and what was expected, without stack traces. Static methods only. Immutable.
 */
public final class Main {

    /** Exit status of a successful command. */
    static final int EXIT_OK = 0;
    /** Exit status of a command that ran and failed (e.g. a file that does not parse, a port in use). */
    static final int EXIT_FAILED = 1;
    /** Exit status of a usage or configuration error. */
    static final int EXIT_USAGE = 2;

    static final String USAGE =
            "Usage: siplb [COMMAND] [OPTIONS]\n" +
            "\n" +
            "Commands:\n" +
            "  demo [--duration D] [--rate N]     (bin/siplb only) siplb at work in about 20 s, on loopback: siplb\n" +
            "                                     in front of two backends, a caller at 50 calls/s, one backend\n" +
            "                                     stopping halfway (failover, health change, 0 failed calls), one\n" +
            "                                     line a second and a summary. Run from the load-tests jar; exit\n" +
            "                                     status 1 when a call failed. See 'siplb demo --help'.\n" +
            "  run [-c FILE]                      Start the proxy (the default command). FILE is a HOCON\n" +
            "                                     configuration; default $SIPLB_HOME/conf/siplb.conf when\n" +
            "                                     SIPLB_HOME is set, else conf/siplb.conf. Stops on SIGTERM/SIGINT.\n" +
            "  parse [--strict] FILE...           Parse one SIP message per file as the proxy does and print one\n" +
            "                                     JSON object per file (one line each); \"valid\": true means the\n" +
            "                                     proxy would forward it. Exit status 0 when every file is valid.\n" +
            "                                     --strict also applies the full RFC 3261 grammar: \"strict\" and\n" +
            "                                     \"problems\" (every one found); exit status 0 when none has one.\n" +
            "  hash --slots N VALUE [VALUE2]      Print Kamailio's dispatcher hash of VALUE (then VALUE2) and the\n" +
            "                                     slot it maps to among N, as Kamailio's dispatcher.hash RPC.\n" +
            "  select -c FILE --set ID --key KEY [--algorithm NAME] [--hash-mode consistent|kamailio]\n" +
            "  select -c FILE --request REQFILE [--source IP:PORT]   which rule a request matches, where it goes\n" +
            "                                     Print the destination set ID's algorithm (or NAME) picks for KEY\n" +
            "                                     (e.g. a Call-ID) and the failover order, with the destinations of\n" +
            "                                     FILE (a siplb configuration, or a Kamailio dispatcher .list).\n" +
            "  ctl VERB [--admin URL | -c FILE] [--token T] [--json]\n" +
            "                                     Drive a running siplb through its admin API, as kamcmd\n" +
            "                                     dispatcher.* does; readable tables, --json for scripts. The API\n" +
            "                                     is --admin URL, else FILE's siplb.admin.listen and .token, else\n" +
            "                                     http://127.0.0.1:9460 (token also from $SIPLB_ADMIN_TOKEN).\n" +
            "    list [--set ID]                  sets and destinations: FLAGS (AP, IP, DX...), state, latency,\n" +
            "                                     active calls, share of traffic\n" +
            "    set-state STATE SET URI          STATE: active, inactive, disabled or draining\n" +
            "    set-state STATE --duid DUID [--set SET]\n" +
            "    add SET URI [FLAGS [PRIORITY [ATTRS]]] [--algorithm NAME]   until the next reload\n" +
            "    remove SET URI | remove --duid DUID [--set SET]\n" +
            "    ping [on|off]                    keepalive probing on or off (dispatcher.ping_active)\n" +
            "    hash --slots N VALUE [VALUE2]    as 'siplb hash'\n" +
            "    select --set ID --key KEY [--algorithm NAME] | select --request FILE [--source IP:PORT]\n" +
            "                                     as 'siplb select', with the running destinations' states\n" +
            "    reload                           reload the configuration file\n" +
            "  load uac|uas [OPTIONS]             (bin/siplb only) The SIP load generator: a UAC placing calls\n" +
            "                                     on an open-model schedule, a UAS answering them; run from the\n" +
            "                                     load-tests jar. See 'siplb load uac --help', 'load uas --help'.\n" +
            "  help, --help, -h                   Print this help.\n" +
            "\n" +
            "Exit status: 0 success, 1 failure, 2 usage or configuration error.\n";

    private Main() {}

    /** Runs the command line and exits with its status (except after {@code run}, which ends with the JVM). */
    public static void main(String[] args) {
        final int status = execute(args, System.out, System.err, System.getenv("SIPLB_HOME"));
        if (status != EXIT_OK) {
            System.exit(status);
        }
    }

    /**
     * Runs one command line.
     *
     * @param args the arguments
     * @param out where command output goes
     * @param err where errors and usage go
     * @param siplbHome the value of {@code SIPLB_HOME}, or {@code null}
     * @return the exit status
     */
    static int execute(String[] args, PrintStream out, PrintStream err, String siplbHome) {
        final List<String> list = new ArrayList<>(Arrays.asList(args));
        final String command;
        if (list.isEmpty() || list.get(0).startsWith("-") && !isHelp(list.get(0))) {
            command = "run";
        } else {
            command = list.remove(0);
        }
        try {
            switch (command) {
                case "help":
                case "--help":
                case "-h":
                    out.print(USAGE);
                    return EXIT_OK;
                case "run":
                    return RunCommand.run(runConfigFile(list, siplbHome), err);
                case "parse":
                    return ParseCommand.run(parseArgs(list), out, err);
                case "hash":
                    return HashCommand.run(list, out);
                case "select":
                    return SelectCommand.run(list, out);
                case "ctl":
                    return CtlCommand.run(list, out, err, System.getenv());
                case "load":
                    throw new UsageException("load: the load generator runs from the load-tests jar, started by " +
                                             "bin/siplb (expected: bin/siplb load uac|uas --help)");
                case "demo":
                    throw new UsageException("demo: the demo runs from the load-tests jar, started by bin/siplb " +
                                             "(expected: bin/siplb demo)");
                default:
                    throw new UsageException("unknown command '" + command +
                                             "' (expected: run, parse, hash, select, ctl or help)");
            }
        } catch (UsageException e) {
            err.println("siplb: " + e.getMessage());
            err.println();
            err.print(USAGE);
            return EXIT_USAGE;
        } catch (SiplbConfigException e) {
            err.println("siplb: configuration error: " + e.getMessage());
            return EXIT_USAGE;
        }
    }

    private static boolean isHelp(String arg) {
        return "--help".equals(arg) || "-h".equals(arg);
    }

    /** Reads {@code [-c FILE]} of {@code run}. */
    private static Path runConfigFile(List<String> args, String siplbHome) {
        final Map<String, String> options = Options.parse("run", args, List.of("-c"), List.of());
        if (options.containsKey("--help")) {
            throw new UsageException("run: --help is not an option of run (expected: siplb --help)");
        }
        final String file = options.get("-c");
        if (file != null) {
            return Paths.get(file);
        }
        if (siplbHome != null && !siplbHome.isEmpty()) {
            return Paths.get(siplbHome, "conf", "siplb.conf");
        }
        return Paths.get("conf", "siplb.conf");
    }

    private static ParseCommand.Request parseArgs(List<String> args) {
        final List<Path> files = new ArrayList<>();
        boolean strict = false;
        boolean endOfOptions = false;
        for (String a : args) {
            if (!endOfOptions && "--".equals(a)) {
                endOfOptions = true;
                continue;
            }
            if (!endOfOptions && "--strict".equals(a)) {
                strict = true;
                continue;
            }
            if (!endOfOptions && a.startsWith("-") && a.length() > 1) {
                throw new UsageException("parse: unknown option '" + a + "' (expected: [--strict] FILE...)");
            }
            files.add(Paths.get(a));
        }
        if (files.isEmpty()) {
            throw new UsageException("parse: no FILE given (expected: siplb parse [--strict] FILE...)");
        }
        return new ParseCommand.Request(files, strict);
    }
}
