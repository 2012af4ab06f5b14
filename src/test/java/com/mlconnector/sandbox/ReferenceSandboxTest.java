package com.mlconnector.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mlconnector.http.ConnectorTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sandbox F&O is the published reference of real F&O metadata (shared/reference/fno-entities.json), not the
 * connector's guesses: every entity and property it lists is served with its EDM type, key and enum members, names
 * the reference lacks are refused with F&O's 400, and decimals come as JSON decimals. Expectations here are read
 * from the reference file itself.
 */
class ReferenceSandboxTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Sandbox sandbox;
    private static HttpClient http;
    private static String token;
    private static JsonNode reference;

    @BeforeAll
    static void start() throws Exception {
        try (InputStream in = ReferenceSandboxTest.class.getResourceAsStream("/sandbox/fno-entities.json")) {
            reference = JSON.readTree(in).path("entities");
        }
        Map<String, String> settings = Map.of("sandbox.fno.throttle-share", "0", "sandbox.fno.rows.VendorInvoiceLines", "30");
        sandbox = Sandbox.start(settings::get);
        http = HttpClient.newBuilder().sslContext(ConnectorTls.context(SandboxTls.trustManager())).build();
        token = ownToken(sandbox);
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    private static HttpResponse<String> get(String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(sandbox.fnoUrl() + pathAndQuery))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theSandboxCatalogIsTheSharedReferenceUnchanged() throws Exception {
        Path shared = Path.of("..", "shared", "reference", "fno-entities.json");
        Assumptions.assumeTrue(Files.isRegularFile(shared), "../shared/reference is not beside this clone: the copy cannot be compared");
        try (InputStream in = ReferenceSandboxTest.class.getResourceAsStream("/sandbox/fno-entities.json")) {
            assertThat(in.readAllBytes()).as("src/main/resources/sandbox/fno-entities.json is a copy of " + shared)
                    .isEqualTo(Files.readAllBytes(shared));
        }
    }

    @Test
    void metadataListsEveryReferenceEntityWithItsKeysTypesAndEnumMembers() throws Exception {
        Document csdl = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(get("/data/$metadata").body().getBytes(StandardCharsets.UTF_8)));
        Map<String, Element> types = new HashMap<>();
        NodeList entityTypes = csdl.getElementsByTagName("EntityType");
        for (int i = 0; i < entityTypes.getLength(); i++) {
            Element e = (Element) entityTypes.item(i);
            types.put(e.getAttribute("Name"), e);
        }
        Map<String, List<String>> enums = new HashMap<>();
        NodeList enumTypes = csdl.getElementsByTagName("EnumType");
        for (int i = 0; i < enumTypes.getLength(); i++) {
            Element e = (Element) enumTypes.item(i);
            List<String> members = new ArrayList<>();
            NodeList m = e.getElementsByTagName("Member");
            for (int j = 0; j < m.getLength(); j++) {
                members.add(((Element) m.item(j)).getAttribute("Name"));
            }
            enums.put("Microsoft.Dynamics.DataEntities." + e.getAttribute("Name"), members);
        }
        List<String> sets = new ArrayList<>();
        NodeList entitySets = csdl.getElementsByTagName("EntitySet");
        for (int i = 0; i < entitySets.getLength(); i++) {
            sets.add(((Element) entitySets.item(i)).getAttribute("Name"));
        }

        int checked = 0;
        for (Map.Entry<String, JsonNode> e : iterable(reference)) {
            String name = e.getKey();
            JsonNode ref = e.getValue();
            if (ref.path("properties").isEmpty()) {
                // known only by its keys (GeneralJournalAccountEntries): a 2025 tenant does not publish it
                assertThat(sets).as(name).doesNotContain(name);
                assertThat(get("/data/" + name + "?$top=1").statusCode()).as(name).isEqualTo(404);
                continue;
            }
            assertThat(sets).as("entity sets").contains(name);
            Element type = types.get(name);
            List<String> keys = new ArrayList<>();
            NodeList refs = ((Element) type.getElementsByTagName("Key").item(0)).getElementsByTagName("PropertyRef");
            for (int i = 0; i < refs.getLength(); i++) {
                keys.add(((Element) refs.item(i)).getAttribute("Name"));
            }
            List<String> refKeys = new ArrayList<>();
            ref.path("keys").forEach(k -> refKeys.add(k.asText()));
            assertThat(keys).as(name + " keys").isEqualTo(refKeys);

            Map<String, String> served = new LinkedHashMap<>();
            NodeList props = type.getElementsByTagName("Property");
            for (int i = 0; i < props.getLength(); i++) {
                Element p = (Element) props.item(i);
                served.put(p.getAttribute("Name"), p.getAttribute("Type"));
            }
            assertThat(served).as(name + " property count").hasSize(ref.path("properties").size());
            for (JsonNode p : ref.path("properties")) {
                String prop = p.path("name").asText();
                String refType = p.path("type").asText();
                String servedType = served.get(prop);
                assertThat(servedType).as(name + "." + prop).isNotNull();
                if (refType.equals("Enum")) {
                    assertThat(servedType).as(name + "." + prop).isEqualTo("Microsoft.Dynamics.DataEntities." + p.path("enum").asText());
                    List<String> members = new ArrayList<>();
                    p.path("members").forEach(m -> members.add(m.asText()));
                    // every member the reference lists (one enum may gain members between the two tenants it comes from)
                    assertThat(enums.get(servedType)).as(name + "." + prop + " members").containsAll(members);
                } else if (refType.equals("Enum(NoYes)")) {
                    assertThat(servedType).isEqualTo("Microsoft.Dynamics.DataEntities.NoYes");
                    assertThat(enums.get(servedType)).containsExactly("No", "Yes");
                } else if (refType.equals("Edm.Int32|Int64")) {
                    assertThat(servedType).as(name + "." + prop).isIn("Edm.Int32", "Edm.Int64");
                } else {
                    assertThat(servedType).as(name + "." + prop).isEqualTo(refType);
                }
                checked++;
            }
        }
        assertThat(checked).as("properties compared").isGreaterThan(2_000);
    }

    @Test
    void namesTheRealEntitiesLackAreRefusedWithF_O_s400() throws Exception {
        // what the first shipped mappings asked for (guesses), each absent from the reference
        Map<String, String> guesses = Map.of("VendorInvoiceHeaders", "PostingDate", "ProductsV2", "RetailProductCategoryname",
                "VendorInvoiceLines", "LineAmount", "GeneralJournalAccountEntryBiEntities", "MainAccountId");
        for (Map.Entry<String, String> g : guesses.entrySet()) {
            assertThat(properties(g.getKey())).as("the reference lists no " + g.getValue()).doesNotContain(g.getValue());
            HttpResponse<String> r = get("/data/" + g.getKey() + "?$select=" + g.getValue() + "&$top=1");
            assertThat(r.statusCode()).as(g.getKey()).isEqualTo(400);
            assertThat(r.body()).contains("Could not find a property named '" + g.getValue() + "'");
        }
        // the real names are served
        assertThat(get("/data/VendorInvoiceHeaders?cross-company=true&$select=Date,DimensionDisplayValue,VendorInvoiceReviewStatus&$top=1")
                .statusCode()).isEqualTo(200);
    }

    @Test
    void decimalsArriveAsJsonDecimalsWithAFraction() throws Exception {
        String body = get("/data/VendorInvoiceLines?cross-company=true&$select=HeaderReference,InvoiceLineNumber,NetAmount").body();
        assertThat(body).contains("\"InvoiceLineNumber\":1.0").contains("\"InvoiceLineNumber\":2.0");
        List<String> decimals = new ArrayList<>();
        for (JsonNode p : reference.path("VendorInvoiceLines").path("properties")) {
            if (p.path("type").asText().equals("Edm.Decimal")) {
                decimals.add(p.path("name").asText());
            }
        }
        assertThat(decimals).contains("InvoiceLineNumber", "NetAmount");
        String all = get("/data/VendorInvoiceLines?cross-company=true&$select=" + String.join(",", decimals)).body();
        Matcher m = Pattern.compile("\"(" + String.join("|", decimals) + ")\":(-?[0-9.Ee+-]+)").matcher(all);
        int seen = 0;
        while (m.find()) {
            assertThat(m.group(2)).as(m.group()).contains(".");
            seen++;
        }
        assertThat(seen).isEqualTo(30 * decimals.size());
    }

    @Test
    void aWithdrawnPropertyLeavesMetadataAndSelect() throws Exception {
        try (Sandbox own = Sandbox.start(Map.of("sandbox.fno.throttle-share", "0")::get)) {
            own.withdrawProperty("ProductsV2", "ProductSearchName");
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(own.fnoUrl() + "/data/$metadata"))
                    .header("Authorization", "Bearer " + ownToken(own)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(productsType(r.body())).contains("Name=\"ProductName\"").doesNotContain("Name=\"ProductSearchName\"");
        }
        // the shared sandbox still has it: the catalog is per sandbox
        assertThat(productsType(get("/data/$metadata").body())).contains("Name=\"ProductSearchName\"");
    }

    private static String productsType(String csdl) {
        Matcher m = Pattern.compile("<EntityType Name=\"ProductsV2\">.*?</EntityType>").matcher(csdl);
        assertThat(m.find()).isTrue();
        return m.group();
    }

    private static String ownToken(Sandbox s) throws Exception {
        String form = "grant_type=client_credentials&client_id=" + Sandbox.CLIENT_ID + "&client_secret=" + Sandbox.CLIENT_SECRET
                + "&scope=" + URLEncoder.encode(s.fnoUrl() + "/.default", StandardCharsets.UTF_8);
        HttpResponse<String> t = http.send(HttpRequest.newBuilder(URI.create(s.authorityHost() + "/" + Sandbox.TENANT
                + "/oauth2/v2.0/token")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(t.body()).path("access_token").asText();
    }

    private static List<String> properties(String entity) {
        List<String> out = new ArrayList<>();
        reference.path(entity).path("properties").forEach(p -> out.add(p.path("name").asText()));
        return out;
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node) {
        return node::fields;
    }
}
