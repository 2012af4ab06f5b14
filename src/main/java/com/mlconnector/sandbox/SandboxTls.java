package com.mlconnector.sandbox;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * The sandbox's own TLS identity (a self-signed certificate for localhost and 127.0.0.1, shipped in the jar and
 * used for nothing else). msal4j only talks to https authorities, so the emulators serve HTTPS like the real
 * systems; the connector trusts this certificate only while it runs against the sandbox.
 */
public final class SandboxTls {
    private static final char[] PASSWORD = "sandbox".toCharArray();

    private SandboxTls() {
    }

    public static KeyStore keyStore() {
        try (InputStream in = SandboxTls.class.getResourceAsStream("/sandbox/sandbox-tls.p12")) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD);
            return ks;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load the sandbox TLS key store", e);
        }
    }

    static SSLContext serverContext() throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore(), PASSWORD);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** A trust manager that trusts the sandbox certificate (and nothing else). */
    public static X509TrustManager trustManager() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(keyStore());
            return (X509TrustManager) tmf.getTrustManagers()[0];
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
