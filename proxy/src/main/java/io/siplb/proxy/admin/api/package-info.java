/**
 * The admin JSON API and the live status page served on the admin listener: sets and destinations with their
 * state, operator state changes, run-time destinations, probing on/off, hash and select, reload.
 *
 * <p>Starting points: {@link io.siplb.proxy.admin.api.AdminApi}, {@link io.siplb.proxy.admin.api.Reloader}.
 */
package io.siplb.proxy.admin.api;
