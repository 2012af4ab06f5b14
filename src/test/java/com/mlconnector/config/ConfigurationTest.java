package com.mlconnector.config;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.support.FakeFno;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad configuration stops start-up with a message naming the property; secrets arrive where they should. */
class ConfigurationTest {

    private static Properties real() {
        Properties p = TestConnector.defaults();
        p.setProperty("d365.url", "https://contoso.operations.dynamics.com");
        p.remove("connector.sandbox"); // a real F&O
        p.setProperty("landing.jdbc-url", p.getProperty("sandbox.landing.jdbc-url"));
        p.setProperty("d365.tenant-id", "t");
        p.setProperty("d365.client-id", "c");
        p.setProperty("d365.client-secret", "s");
        return p;
    }

    @Test
    void aMissingCredentialIsNamed() {
        Properties p = real();
        p.remove("d365.client-secret");
        p.setProperty("d365.client-secret", "");
        assertThatThrownBy(() -> TestConnector.start(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("d365.client-secret is required when d365.url is set");
    }

    @Test
    void badValuesAreNamedWithWhatIsExpected() {
        Properties p = real();
        p.setProperty("sync.batch-size", "20000");
        assertThatThrownBy(() -> TestConnector.start(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("sync.batch-size must be between 1 and 10000");

        Properties q = real();
        q.setProperty("d365.url", "http://contoso.operations.dynamics.com");
        assertThatThrownBy(() -> TestConnector.start(q)).hasMessageContaining("d365.url must be an https URL");

        Properties r = real();
        r.setProperty("d365.url", "https://contoso.operations.dynamics.com/data");
        assertThatThrownBy(() -> TestConnector.start(r)).hasMessageContaining("without /data");

        Properties s = real();
        s.setProperty("d365.cross-company", "yes");
        assertThatThrownBy(() -> TestConnector.start(s)).hasMessageContaining("d365.cross-company must be true or false");

        Properties t = real();
        t.setProperty("landing.jdbc-url", "jdbc:oracle:thin:@x");
        assertThatThrownBy(() -> TestConnector.start(t)).hasMessageContaining("landing.jdbc-url");
    }

    @Test
    void anEncryptedSecretWithoutTheMasterPasswordIsNamed() {
        Properties p = real();
        p.setProperty("d365.client-secret", Secrets.encrypt("s3cr!t", "master"));
        assertThatThrownBy(() -> TestConnector.start(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("d365.client-secret is encrypted").hasMessageContaining(Secrets.MASTER_PASSWORD_ENV)
                .hasMessageNotContaining("s3cr!t");
    }

    @Test
    void anEncryptedSecretIsDecryptedIntoTheTokenRequestAndNeverLogged() throws Exception {
        try (FakeFno fno = new FakeFno().token("tok")) {
            fno.server.stubFor(get(urlPathEqualTo("/data/ProductsV2")).withQueryParam("$skiptoken", absent())
                    .willReturn(okJson(FakeFno.page(null, FakeFno.product("P-1", "One")))));
            Properties p = fno.settings();
            p.setProperty("d365.client-secret", Secrets.encrypt("s3cr!t-value", "master-pw"));
            java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
            java.io.PrintStream original = System.out;
            System.setOut(new java.io.PrintStream(captured, true));
            try (ConnectorRuntime rt = ConnectorRuntime.start(com.mlconnector.app.RuntimeOptions
                    .once(java.nio.file.Path.of("."), p).withMasterPassword("master-pw"))) {
                rt.syncNow("Products", "test");
                assertThat(TestConnector.count(rt, "Products")).isEqualTo(1);
            } finally {
                System.setOut(original);
            }
            fno.server.verify(postRequestedFor(urlPathEqualTo("/" + FakeFno.TENANT + "/oauth2/v2.0/token"))
                    .withRequestBody(containing("client_secret=s3cr%21t-value")));
            assertThat(captured.toString()).contains("ProductsV2 succeeded").doesNotContain("s3cr!t-value");
        }
    }

    @Test
    void aWrongClientSecretIsReportedByEntraIdAndNotRetried() throws Exception {
        Properties p = TestConnector.defaults();
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            // the sandbox is up; now point a second runtime at it with a wrong secret
            Properties wrong = TestConnector.defaults();
            wrong.setProperty("d365.url", rt.sandbox().fnoUrl());
            wrong.remove("connector.sandbox"); // a real F&O (the sandbox's, reached as one)
            wrong.setProperty("landing.jdbc-url", wrong.getProperty("sandbox.landing.jdbc-url"));
            wrong.setProperty("entra.authority-host", rt.sandbox().authorityHost());
            wrong.setProperty("d365.tenant-id", "sandbox-tenant");
            wrong.setProperty("d365.client-id", "sandbox-client");
            wrong.setProperty("d365.client-secret", "not-the-secret");
            try (ConnectorRuntime bad = TestConnector.start(wrong)) {
                long before = rt.sandbox().entra().requests();
                assertThatThrownBy(() -> bad.syncNow("Vendors", "test")).rootCause()
                        .hasMessageContaining("AADSTS7000215").hasMessageNotContaining("not-the-secret");
                assertThat(rt.sandbox().entra().requests() - before).isEqualTo(1);
                assertThat((String) TestConnector.runs(bad, "Vendors").get(0).get("ERROR_MESSAGE"))
                        .contains("Entra ID refused a token").contains("invalid_client");
            }
        }
    }
}
