package com.mlconnector.http;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The TLS context for every outbound call. It trusts what the JVM trusts (so {@code -Djavax.net.ssl.trustStore}
 * brings an enterprise's private CA), plus, only when given, one extra trust manager (the sandbox's certificate).
 */
public final class ConnectorTls {
    private ConnectorTls() {
    }

    public static SSLContext context(X509TrustManager extra) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[]{trustManager(extra)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS", e);
        }
    }

    /** What the JVM trusts, plus {@code extra} when given (camel-http's TLS is configured from it). */
    public static X509TrustManager trustManager(X509TrustManager extra) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            X509TrustManager jvm = (X509TrustManager) Arrays.stream(tmf.getTrustManagers())
                    .filter(t -> t instanceof X509TrustManager).findFirst().orElseThrow();
            return extra == null ? jvm : new EitherTrustManager(jvm, extra);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS", e);
        }
    }

    /** Trusts a server chain that either of two trust managers trusts. */
    private record EitherTrustManager(X509TrustManager first, X509TrustManager second) implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            first.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                first.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                second.checkServerTrusted(chain, authType);
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            List<X509Certificate> all = new ArrayList<>(Arrays.asList(first.getAcceptedIssuers()));
            all.addAll(Arrays.asList(second.getAcceptedIssuers()));
            return all.toArray(new X509Certificate[0]);
        }
    }
}
