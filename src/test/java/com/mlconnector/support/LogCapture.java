package com.mlconnector.support;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.layout.PatternLayout;

import java.io.StringWriter;
import java.util.UUID;

/** Everything logged (every logger, INFO and up) while it is open, to check what a log would show. */
public final class LogCapture implements AutoCloseable {
    private final StringWriter out = new StringWriter();
    private final WriterAppender appender;

    private LogCapture() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        appender = WriterAppender.newBuilder().setName("capture-" + UUID.randomUUID()).setTarget(out)
                .setLayout(PatternLayout.newBuilder().withPattern("%level %c - %msg %ex%n").withConfiguration(config).build())
                .build();
        appender.start();
        config.getRootLogger().addAppender(appender, Level.ALL, null);
        config.getLoggers().values().forEach(l -> l.addAppender(appender, Level.ALL, null));
        ctx.updateLoggers();
    }

    public static LogCapture start() {
        return new LogCapture();
    }

    public synchronized String text() {
        return out.toString();
    }

    @Override
    public void close() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        config.getRootLogger().removeAppender(appender.getName());
        config.getLoggers().values().forEach(l -> l.removeAppender(appender.getName()));
        ctx.updateLoggers();
        appender.stop();
    }
}
