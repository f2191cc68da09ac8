package io.siplb.dispatch.cli;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Locale;
import java.util.StringJoiner;

import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatchSnapshot;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.DispatcherSettings;
import io.siplb.dispatch.HashMode;
import io.siplb.dispatch.KamailioHash;
import io.siplb.dispatch.Selection;
import io.siplb.dispatch.SelectionKey;
import io.siplb.dispatch.config.DispatcherConfigLoader;

/**
 * The library side of the {@code siplb hash} and {@code siplb select} commands: each returns the text to print.
 * The proxy's command line parses the arguments and prints the result. Stateless. Immutable.
 */
public final class DispatchCommands {

    private DispatchCommands() {
    }

    /**
     * {@code siplb hash --slots N VALUE [VALUE2]}: Kamailio's hash of the values and the slot
     * {@code hash % N}, printed as Kamailio's {@code dispatcher.hash} RPC result. For a URI pass the user as
     * {@code value} and {@code host[:port]} as {@code value2}.
     *
     * <pre>
     * {
     * 	hashid: 1834959896
     * 	slot: 6
     * }
     * </pre>
     *
     * @param value2 the second value, or {@code null}
     * @throws IllegalArgumentException if {@code slots < 1}
     */
    public static String hash(int slots, String value, String value2) {
        requireNonNull(value, "value");
        if (slots < 1) {
            throw new IllegalArgumentException("slots: " + slots + " (expected: >= 1)");
        }
        final int h = KamailioHash.hash(value, value2);
        return "{\n\thashid: " + KamailioHash.unsigned(h) + "\n\tslot: " + Integer.remainderUnsigned(h, slots)
               + "\n}\n";
    }

    /**
     * {@code siplb select -c FILE --set ID --key KEY}: loads {@code file} (HOCON, or a Kamailio
     * {@code dispatcher.list} when its name ends with {@code .list}), selects from set {@code setId} and describes
     * the chosen destination and the failover list. Destinations are taken in their configured state (flags).
     *
     * @param algorithm the algorithm name or number, or {@code null} for the set's default ({@code hash-call-id}
     *                  for a list file)
     * @param hashMode {@code consistent} or {@code kamailio}, or {@code null} for the configured mode
     *                 ({@code kamailio} for a list file)
     * @throws io.siplb.dispatch.config.DispatchConfigException if the file is invalid
     * @throws IllegalArgumentException if the set does not exist or an argument is invalid
     */
    public static String select(Path file, int setId, String key, String algorithm, String hashMode) {
        requireNonNull(file, "file");
        requireNonNull(key, "key");
        final Algorithm alg = algorithm != null ? Algorithm.fromConfig(algorithm) : null;
        final HashMode mode = hashMode != null ? HashMode.fromConfig(hashMode) : null;
        DispatcherSettings settings;
        if (file.getFileName() != null && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".list")) {
            settings = DispatcherConfigLoader.loadListFile(file, alg != null ? alg : Algorithm.HASH_CALL_ID,
                                                           mode != null ? mode : HashMode.KAMAILIO);
        } else {
            settings = DispatcherConfigLoader.load(file);
            if (mode != null && mode != settings.hashMode()) {
                final DispatcherSettings.Builder b = DispatcherSettings.builder().hashMode(mode)
                        .boundedLoadFactor(settings.boundedLoadFactor()).source(settings.source());
                settings.sets().forEach(b::addSet);
                settings = b.build();
            }
        }
        return select(settings, setId, key, alg);
    }

    /** {@link #select(Path, int, String, String, String)} on already loaded settings. */
    public static String select(DispatcherSettings settings, int setId, String key, Algorithm algorithm) {
        requireNonNull(settings, "settings");
        requireNonNull(key, "key");
        final DestinationSet set = settings.set(setId);
        if (set == null) {
            final StringJoiner ids = new StringJoiner(", ");
            settings.sets().forEach(s -> ids.add(Integer.toString(s.id())));
            throw new IllegalArgumentException("set: " + setId + " (expected: one of the configured sets: "
                                               + (ids.length() == 0 ? "none" : ids.toString()) + ')');
        }
        final Algorithm alg = algorithm != null ? algorithm : set.algorithm();
        final Dispatcher dispatcher = Dispatcher.create(settings);
        final SelectionKey selectionKey = SelectionKey.of(key);
        return selectionText(dispatcher.snapshot(), setId, alg, key, dispatcher.select(setId, alg, selectionKey));
    }

    /**
     * Describes {@code selection}, made from set {@code setId} of {@code snapshot} with {@code alg} for {@code key},
     * as {@link #select(Path, int, String, String, String)} prints it: the set line, the key's hash (hash
     * algorithms), the selected destination and the failover list, or {@code no destination: STATUS}.
     *
     * @throws IllegalArgumentException if {@code snapshot} has no set {@code setId}
     */
    public static String selectionText(DispatchSnapshot snapshot, int setId, Algorithm alg, String key,
                                       Selection selection) {
        requireNonNull(snapshot, "snapshot");
        requireNonNull(alg, "alg");
        requireNonNull(key, "key");
        requireNonNull(selection, "selection");
        final DispatcherSettings settings = snapshot.settings();
        final DestinationSet set = snapshot.set(setId);
        if (set == null) {
            throw new IllegalArgumentException("set: " + setId + " (expected: a set of the snapshot)");
        }
        final SelectionKey selectionKey = SelectionKey.of(key);
        final StringBuilder sb = new StringBuilder();
        sb.append("set ").append(setId).append(": algorithm ").append(alg.configName()).append(" (")
          .append(alg.kamailioNumber()).append("), hash-mode ").append(settings.hashMode().configName())
          .append(", ").append(set.destinations().size()).append(" destination(s), ")
          .append(snapshot.activeDestinations(setId).size()).append(" active\n");
        if (alg.isHash() && selectionKey.isPresent()) {
            sb.append("key: \"").append(key.trim()).append("\" hashid ")
              .append(KamailioHash.unsigned(selectionKey.hash()));
            if (settings.hashMode() == HashMode.KAMAILIO) {
                sb.append(" slot ").append(Integer.remainderUnsigned(selectionKey.hash(), set.destinations().size()));
            }
            sb.append('\n');
        }
        if (!selection.isSelected()) {
            sb.append("no destination: ").append(selection.status()).append('\n');
            return sb.toString();
        }
        sb.append(selection.isParallel() ? "parallel: " : "selected: ").append(describe(selection.destination()))
          .append('\n');
        if (selection.size() > 1) {
            sb.append(selection.isParallel() ? "also:\n" : "failover:\n");
            for (int i = 1; i < selection.size(); i++) {
                sb.append("  ").append(i).append(". ").append(describe(selection.get(i))).append('\n');
            }
        }
        return sb.toString();
    }

    private static String describe(Destination d) {
        final StringBuilder sb = new StringBuilder(d.uri()).append(" (");
        if (d.address().isUnresolved()) {
            sb.append(d.address().getHostString()).append(':').append(d.port()).append(" unresolved");
        } else {
            sb.append(d.address().getAddress().getHostAddress()).append(':').append(d.port());
        }
        sb.append(' ').append(d.transport().uriName()).append(", priority ").append(d.priority());
        if (!d.attributes().body().isEmpty()) {
            sb.append(", attrs ").append(d.attributes().body());
        }
        return sb.append(')').toString();
    }
}
