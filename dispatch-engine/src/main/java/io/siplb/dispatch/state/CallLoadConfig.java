/*
 * Copyright 2026 The siplb authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *   https://www.apache.org/licenses/LICENSE-2.0
 */
package io.siplb.dispatch.state;

import java.time.Duration;

/**
 * Settings of a {@link CallLoadTable} read from configuration ({@code siplb.dispatcher.state.call-load}); apply
 * them with {@link CallLoadTable.Builder#config(CallLoadConfig)}. Immutable.
 *
 * <table>
 * <caption>Settings</caption>
 * <tr><th>Name</th><th>Default</th><th>Meaning</th></tr>
 * <tr><td>{@code maxCalls}</td><td>{@value CallLoadTable#DEFAULT_MAX_CALLS}</td><td>entries tracked at most
 *     </td></tr>
 * <tr><td>{@code expire}</td><td>7200 s</td><td>lifetime of any entry, from selection (Kamailio
 *     {@code ds_hash_expire})</td></tr>
 * <tr><td>{@code initExpire}</td><td>7200 s</td><td>lifetime of an unconfirmed entry, from selection (Kamailio
 *     {@code ds_hash_initexpire})</td></tr>
 * </table>
 */
public final class CallLoadConfig {

    private static final CallLoadConfig DEFAULT = builder().build();

    private final int maxCalls;
    private final Duration expire;
    private final Duration initExpire;

    private CallLoadConfig(Builder b) {
        maxCalls = b.maxCalls;
        expire = b.expire;
        initExpire = b.initExpire;
    }

    /** The defaults. */
    public static CallLoadConfig defaults() {
        return DEFAULT;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Entries tracked at most. */
    public int maxCalls() {
        return maxCalls;
    }

    /** Lifetime of any entry, counted from selection. */
    public Duration expire() {
        return expire;
    }

    /** Lifetime of an unconfirmed entry, counted from selection. */
    public Duration initExpire() {
        return initExpire;
    }

    @Override
    public String toString() {
        return "CallLoadConfig{maxCalls=" + maxCalls + ", expire=" + expire + ", initExpire=" + initExpire + '}';
    }

    /**
     * Builds a {@link CallLoadConfig}; each setter validates its argument.
     * Not thread-safe; confined to the building thread.
     */
    public static final class Builder {
        private int maxCalls = CallLoadTable.DEFAULT_MAX_CALLS;
        private Duration expire = CallLoadTable.DEFAULT_EXPIRE;
        private Duration initExpire = CallLoadTable.DEFAULT_INIT_EXPIRE;

        private Builder() {
        }

        /** Entries tracked at most; {@code > 0}. */
        public Builder maxCalls(int maxCalls) {
            this.maxCalls = CallLoadTable.Builder.checkMaxCalls(maxCalls);
            return this;
        }

        /** Lifetime of any entry, counted from selection; {@code > 0}. */
        public Builder expire(Duration expire) {
            this.expire = CallLoadTable.Builder.positive(expire, "expire");
            return this;
        }

        /** Lifetime of an unconfirmed entry, counted from selection; {@code > 0}. */
        public Builder initExpire(Duration initExpire) {
            this.initExpire = CallLoadTable.Builder.positive(initExpire, "initExpire");
            return this;
        }

        /** A new immutable {@link CallLoadConfig}. */
        public CallLoadConfig build() {
            return new CallLoadConfig(this);
        }
    }
}
