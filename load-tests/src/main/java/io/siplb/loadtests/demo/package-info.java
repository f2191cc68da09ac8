/**
 * {@code bin/siplb demo} ({@link io.siplb.loadtests.demo.Demo}): siplb, two load-generator backends and a caller
 * in one process on loopback, one backend stopping halfway, to show a new user siplb's load balancing, failover
 * and health checking at work.
 *
 * <p>Nothing in this package is {@code null} unless its documentation says so.
 */
package io.siplb.loadtests.demo;
