package com.mlconnector.ops;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The shipped log layout (src/main/resources/log4j2.xml) masks values after secret-looking names, in messages and stack traces. */
class LogRedactionTest {

    private static PatternLayout shippedLayout() throws Exception {
        Element layout = (Element) DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(Path.of("src/main/resources/log4j2.xml").toFile()).getElementsByTagName("PatternLayout").item(0);
        return PatternLayout.newBuilder().withPattern(layout.getAttribute("pattern"))
                // the exception is written inside %replace; left to log4j it would be written again, unmasked
                .withAlwaysWriteExceptions(Boolean.parseBoolean(layout.getAttribute("alwaysWriteExceptions")))
                .withConfiguration(new DefaultConfiguration()).build();
    }

    @Test
    void secretsInMessagesAndExceptionsAreMasked() throws Exception {
        LogEvent event = Log4jLogEvent.newBuilder().setLoggerName("com.mlconnector.Test").setLevel(Level.WARN)
                .setMessage(new SimpleMessage("token request client_id=abc&client_secret=Sup3r~Secret.1&scope=x; "
                        + "jdbc:postgresql://db/landing?user=etl&password=pg-Pass_9 {\"personalAccessTokenSecret\":\"pat+SECRET/2\"}"))
                .setThrown(new IllegalStateException("Endpoint=sb://ns/;SharedAccessKeyName=listen;SharedAccessKey=c2VjcmV0LWtleQ=="))
                .build();
        String line = shippedLayout().toSerializable(event);
        assertThat(line).contains("client_id=abc").contains("client_secret=***").contains("password=***")
                .contains("SharedAccessKeyName=listen").contains("SharedAccessKey=***")
                .doesNotContain("Sup3r~Secret.1").doesNotContain("pg-Pass_9").doesNotContain("pat+SECRET/2")
                .doesNotContain("c2VjcmV0LWtleQ==");
    }
}
