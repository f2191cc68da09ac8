package io.siplb.dispatch;

import java.util.ArrayList;
import java.util.List;

/** Builds small destination sets on loopback for the selection tests. */
final class TestSets {

    private TestSets() {
    }

    /** One destination line: port, flags, priority, attrs. */
    static final class Line {
        final int port;
        final int flags;
        final int priority;
        final String attrs;

        Line(int port, int flags, int priority, String attrs) {
            this.port = port;
            this.flags = flags;
            this.priority = priority;
            this.attrs = attrs;
        }
    }

    static Line line(int port) {
        return new Line(port, 0, 0, "");
    }

    static Line line(int port, int flags, int priority, String attrs) {
        return new Line(port, flags, priority, attrs);
    }

    static Destination destination(int setId, Line l) {
        return Destination.of(setId, "sip:127.0.0.1:" + l.port, l.flags, l.priority,
                              DestinationAttributes.parse(l.attrs));
    }

    static DispatcherSettings settings(HashMode mode, Algorithm algorithm, Line... lines) {
        final List<Destination> list = new ArrayList<>();
        for (Line l : lines) {
            list.add(destination(1, l));
        }
        return DispatcherSettings.builder().hashMode(mode).addSet(DestinationSet.of(1, algorithm, list))
                                 .source("test").build();
    }

    /** {@code count} destinations on ports base, base+1, ... with no flags, priority 0 and {@code attrs}. */
    static Line[] lines(int count, int basePort, String attrs) {
        final Line[] lines = new Line[count];
        for (int i = 0; i < count; i++) {
            lines[i] = line(basePort + i, 0, 0, attrs);
        }
        return lines;
    }
}
