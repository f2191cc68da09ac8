package io.siplb.proxy.testing;

import java.util.Properties;

import javax.sip.SipStack;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import gov.nist.core.ServerLogger;
import gov.nist.javax.sip.message.SIPMessage;

/**
 * JAIN-SIP's message log ({@code gov.nist.javax.sip.SERVER_LOGGER}) sent to SLF4J logger
 * {@code gov.nist.javax.sip.messages} at DEBUG: every message a {@link JainSipAgent} sends or receives, shown when that
 * logger is set to DEBUG in logback-test.xml. Thread-safe: stateless but for the SLF4J logger. JAIN-SIP instantiates
 * it reflectively (public no-argument constructor).
 */
public final class JainSipServerLogger implements ServerLogger {

    private static final Logger LOG = LoggerFactory.getLogger("gov.nist.javax.sip.messages");

    public JainSipServerLogger() {}

    @Override
    public void closeLogFile() {}

    @Override
    public void logMessage(SIPMessage message, String from, String to, boolean sender, long time) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} -> {}\n{}", sender ? "sent" : "received", from, to, message.encode());
        }
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender, long time) {
        logMessage(message, from, to, sender, time);
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender) {
        logMessage(message, from, to, sender, 0);
    }

    @Override
    public void logException(Exception ex) {
        LOG.warn("JAIN-SIP exception", ex);
    }

    @Override
    public void setStackProperties(Properties stackProperties) {}

    @Override
    public void setSipStack(SipStack sipStack) {}
}
