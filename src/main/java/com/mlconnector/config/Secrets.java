package com.mlconnector.config;

import org.jasypt.encryption.pbe.StandardPBEStringEncryptor;
import org.jasypt.iv.RandomIvGenerator;

/**
 * Encrypted property values, {@code ENC(…)}, with Jasypt: AES-256 keyed from a master password (PBKDF2 with
 * HMAC-SHA512, random salt and IV). The master password comes from the environment variable
 * {@value #MASTER_PASSWORD_ENV}, never from a file.
 */
public final class Secrets {
    public static final String MASTER_PASSWORD_ENV = "ML_CONNECTOR_MASTER_PASSWORD";
    private static final String ALGORITHM = "PBEWITHHMACSHA512ANDAES_256";

    private Secrets() {
    }

    public static StandardPBEStringEncryptor encryptor(String masterPassword) {
        StandardPBEStringEncryptor e = new StandardPBEStringEncryptor();
        e.setAlgorithm(ALGORITHM);
        e.setIvGenerator(new RandomIvGenerator());
        e.setPassword(masterPassword);
        return e;
    }

    /** The value to paste into application.properties. */
    public static String encrypt(String plain, String masterPassword) {
        return "ENC(" + encryptor(masterPassword).encrypt(plain) + ")";
    }

    public static boolean isEncrypted(String value) {
        return value != null && value.trim().startsWith("ENC(") && value.trim().endsWith(")");
    }
}
