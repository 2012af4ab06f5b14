package com.mlconnector.http;

import com.mlconnector.fno.ForeignHostException;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

import java.net.URI;

/**
 * The route step that sets a service's credential ({@code Authorization: Bearer …}, or the service's own header) on
 * the request in {@code CamelHttpUri}, and only when that URL is the service's own scheme, host and port: any other
 * URL is refused before a byte leaves. After a 401 (the exchange property {@link RouteHttp#REJECTED}) it renews the
 * credential, skipping the token cache.
 */
public final class BearerToken implements Processor {
    private final String service;
    private final String setting;
    private final URI base;
    private final TokenSource tokens;

    /**
     * @param service what to call it in messages ("Power BI")
     * @param setting the property that configures {@code base}, named when a foreign URL is refused
     */
    public BearerToken(String service, String setting, URI base, TokenSource tokens) {
        this.service = service;
        this.setting = setting;
        this.base = base;
        this.tokens = tokens;
    }

    @Override
    public void process(Exchange exchange) {
        URI uri = URI.create(exchange.getMessage().getHeader(Exchange.HTTP_URI, String.class));
        boolean own = "https".equalsIgnoreCase(uri.getScheme()) && base.getHost().equalsIgnoreCase(uri.getHost())
                && port(base) == port(uri);
        if (!own) {
            throw new ForeignHostException(service + " call to " + uri.getScheme() + "://" + uri.getAuthority() + " refused: it is "
                    + "not the configured " + setting + " (" + base.getScheme() + "://" + base.getAuthority() + "), and the "
                    + "credential is only sent to " + base.getHost());
        }
        String rejected = exchange.getProperty(RouteHttp.REJECTED, String.class);
        String token = rejected == null ? tokens.token() : tokens.renewAfterUnauthorized(rejected);
        exchange.setProperty(RouteHttp.USED, token);
        exchange.getMessage().setHeader(tokens.headerName(), tokens.headerValue(token));
    }

    private static int port(URI u) {
        return u.getPort() == -1 ? 443 : u.getPort();
    }
}
