package io.siplb.loadtests.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SippExecutableTest {

    @TempDir
    Path tmp;

    @Test
    void usesTheConfiguredExecutable() throws Exception {
        final Path sipp = executable(tmp.resolve("my-sipp"));

        assertThat(SippExecutable.locate(sipp.toString(), null)).isEqualTo(sipp);
    }

    @Test
    void fallsBackToSippOnPath() throws Exception {
        final Path bin = Files.createDirectories(tmp.resolve("bin"));
        final Path sipp = executable(bin.resolve("sipp"));

        assertThat(SippExecutable.locate(tmp.resolve("missing").toString(), tmp.resolve("empty") + ":" + bin))
                .isEqualTo(sipp);
    }

    @Test
    void failsLoudlyNamingThePackageWhenSippIsMissing() throws Exception {
        final Path notExecutable = Files.writeString(tmp.resolve("sipp"), "");

        assertThatThrownBy(() -> SippExecutable.locate(notExecutable.toString(), tmp.toString()))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("sipp is not installed")
                .hasMessageContaining("apt-get install -y sip-tester");
        assertThatThrownBy(() -> SippExecutable.locate(tmp.resolve("missing").toString(), null))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("sip-tester");
    }

    private static Path executable(Path file) throws Exception {
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
