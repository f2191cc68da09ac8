package io.siplb.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

import io.siplb.dispatch.config.DispatcherConfigLoader;

class DispatcherSmokeTest {

    @Test
    void selectsFromInlineSets() {
        final DispatcherSettings s = DispatcherConfigLoader.load(ConfigFactory.parseString(
                "siplb.dispatcher.sets = [ { id = 1, algorithm = hash-call-id, destinations = ["
                + " { uri = \"sip:127.0.0.1:5080\", attrs = \"weight=50;duid=a\" }, \"sip:127.0.0.1:5081\" ] },"
                + " { id = 2, algorithm = 4, destinations = [ \"127.0.0.1:5090\", \"127.0.0.1:5091\" ] } ]"),
                Path.of("siplb.conf"));
        final Dispatcher d = Dispatcher.create(s);
        final Selection a = d.select(1, SelectionKey.of("abc@host"));
        assertThat(a.isSelected()).isTrue();
        assertThat(a.size()).isEqualTo(2);
        assertThat(d.select(1, SelectionKey.of("abc@host")).destination()).isSameAs(a.destination());
        assertThat(d.select(2, SelectionKey.NONE).destination().port()).isEqualTo(5091); // equal priorities: reverse order
        assertThat(d.select(2, SelectionKey.NONE).destination().port()).isEqualTo(5090);
        assertThat(d.select(3, SelectionKey.NONE).status()).isEqualTo(Selection.Status.NO_SUCH_SET);
    }
}
