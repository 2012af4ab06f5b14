package com.mlconnector.config;

/** Configuration that cannot work. The message names the property, and never carries a secret's value. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
