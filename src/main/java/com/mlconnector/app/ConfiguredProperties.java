package com.mlconnector.app;

import com.mlconnector.config.ConfigException;
import com.mlconnector.config.Secrets;
import org.apache.camel.component.jasypt.JasyptPropertiesParser;
import org.apache.camel.component.properties.PropertiesComponent;

import java.util.Optional;
import java.util.function.Function;

/**
 * The connector's settings as Camel resolves them (application.properties, overrides, the environment), with ENC(...)
 * values decrypted by Jasypt under the master password; an encrypted value without that password is named, never
 * passed on as if it were the value. The service and the read-only commands resolve them alike.
 */
final class ConfiguredProperties {
    private ConfiguredProperties() {
    }

    static Function<String, String> of(PropertiesComponent pc, String masterPassword) {
        String master = masterPassword != null ? masterPassword : System.getenv(Secrets.MASTER_PASSWORD_ENV);
        if (master != null && !master.isEmpty()) {
            JasyptPropertiesParser parser = new JasyptPropertiesParser();
            parser.setEncryptor(Secrets.encryptor(master));
            parser.setPropertiesComponent(pc); // placeholders with defaults ({{key:default}}) need it
            pc.setPropertiesParser(parser);
        }
        return key -> {
            Optional<String> v = pc.resolveProperty(key);
            if (v.isPresent() && Secrets.isEncrypted(v.get())) {
                throw new ConfigException(key + " is encrypted (ENC(...)) but " + Secrets.MASTER_PASSWORD_ENV
                        + " is not set, so it cannot be decrypted");
            }
            return v.orElse(null);
        };
    }
}
