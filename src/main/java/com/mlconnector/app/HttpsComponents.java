package com.mlconnector.app;

import org.apache.camel.CamelContext;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;

import javax.net.ssl.X509TrustManager;

/**
 * camel-http's {@code https} component, as the destinations' route files use it: it trusts what every other outbound
 * call trusts (the JVM's trust store, and in the sandbox the emulators' certificate), honours the JVM's proxy settings,
 * follows no redirect (a redirect could carry a bearer token to another host) and retries nothing on its own.
 */
final class HttpsComponents {
    private HttpsComponents() {
    }

    static void configure(CamelContext ctx, X509TrustManager trust) {
        HttpComponent https = ctx.getComponent("https", HttpComponent.class);
        TrustManagersParameters trustManagers = new TrustManagersParameters();
        trustManagers.setTrustManager(trust);
        SSLContextParameters tls = new SSLContextParameters();
        tls.setTrustManagers(trustManagers);
        https.setSslContextParameters(tls);
        https.setUseSystemProperties(true);
        https.setRedirectHandlingDisabled(true);
        // no hidden retries: Apache HttpClient would re-execute a 429/503 itself, out of sight of the shared retry policy
        // (its attempt count, the Retry-After every thread honours, the metrics); the calling step retries
        https.setAutomaticRetriesDisabled(true);
    }
}
