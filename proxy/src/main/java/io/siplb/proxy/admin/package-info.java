/**
 * The admin HTTP listener ({@code siplb.admin}): a small HTTP/1.1 server on Netty's codec-http with a router of
 * method and path to handler, bearer-token protection off loopback, and JSON errors.
 *
 * <p>Starting points: {@link io.siplb.proxy.admin.AdminServer}, {@link io.siplb.proxy.admin.AdminRouter},
 * {@link io.siplb.proxy.admin.AdminSettings}, {@link io.siplb.proxy.admin.Readiness}.
 */
package io.siplb.proxy.admin;
