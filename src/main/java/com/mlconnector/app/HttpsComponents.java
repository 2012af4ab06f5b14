package com.mlconnector.app;

import org.apache.camel.CamelContext;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;

import javax.net.ssl.X509TrustManager;

/**
 * camel-http's {@code https} component, as the destinations' route files use it: it trusts what every other outbound
 * call trusts (the JVM's trust store, and in the sandbox the emulators' certificate), honours the JVM's proxy settings,
 * and follows no redirect (a redirect could carry a bearer token to another host).
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
    }
}
