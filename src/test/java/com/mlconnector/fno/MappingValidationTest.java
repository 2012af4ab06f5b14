package com.mlconnector.fno;

import com.mlconnector.app.ConnectorChecks;
import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.MappingLoader;
import com.mlconnector.sandbox.Sandbox;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Mappings held against a tenant's $metadata (here the sandbox's, which is the published reference): a property that
 * does not exist (with the closest real name), a type that cannot land without loss, a key that is not the entity's;
 * the entity with a bad mapping fails on its own, the others run on, and `check` lists every problem.
 */
class MappingValidationTest {
    @TempDir
    static Path dir;
    private static EdmCatalog edm;

    @BeforeAll
    static void readReferenceMetadata() throws Exception {
        Path file = Files.writeString(dir.resolve("metadata.xml"), Sandbox.referenceMetadata());
        edm = EdmCatalog.read(file, List.of("VendorInvoiceHeaders", "VendorInvoiceLines", "ProductsV2", "VendorsV2",
                "GeneralJournalAccountEntryBiEntities"));
    }

    private static EntityMapping mapping(String file, String yaml) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("m-" + file));
        return MappingLoader.load(Files.writeString(folder.resolve(file), yaml));
    }

    @Test
    void theMetadataReaderKeepsTheMappedTypesWithKeysAndEnumMembers() {
        EdmCatalog.Entity lines = edm.entity("VendorInvoiceLines");
        assertThat(lines.keys()).containsExactly("dataAreaId", "HeaderReference", "InvoiceLineNumber");
        assertThat(lines.property("InvoiceLineNumber").type()).isEqualTo("Edm.Decimal");
        assertThat(edm.entity("VendorInvoiceHeaders").property("VendorInvoiceReviewStatus").members())
                .containsExactly("Draft", "InReview", "Approved", "Rejected", "Cancelled");
        assertThat(edm.entitySets()).contains("VendInvoiceJourBiEntities").doesNotContain("GeneralJournalAccountEntries");
        assertThat(edm.entity("CustomersV3")).as("not asked for, not kept").isNull();
    }

    @Test
    void aTenantSizedMetadataIsStreamedKeepingOnlyTheMappedTypes() throws Exception {
        // a real $metadata: thousands of entity types of a hundred properties each, tens of MB, the container last
        Path big = dir.resolve("big-metadata.xml");
        try (var out = Files.newBufferedWriter(big)) {
            out.write("<?xml version=\"1.0\" encoding=\"utf-8\"?><edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">"
                    + "<edmx:DataServices><Schema Namespace=\"Microsoft.Dynamics.DataEntities\" xmlns=\"http://docs.oasis-open.org/odata/ns/edm\">");
            for (int t = 0; t < 4_000; t++) {
                out.write("<EntityType Name=\"Entity" + t + "\"><Key><PropertyRef Name=\"dataAreaId\"/><PropertyRef Name=\"Id\"/></Key>"
                        + "<Property Name=\"dataAreaId\" Type=\"Edm.String\"/><Property Name=\"Id\" Type=\"Edm.String\"/>");
                for (int p = 0; p < 100; p++) {
                    out.write("<Property Name=\"Property" + p + "\" Type=\"" + (p % 3 == 0 ? "Edm.Decimal" : "Edm.String") + "\"/>");
                }
                out.write("<NavigationProperty Name=\"Link\" Type=\"Microsoft.Dynamics.DataEntities.Entity0\"/></EntityType>");
            }
            out.write("<EnumType Name=\"NoYes\"><Member Name=\"No\" Value=\"0\"/><Member Name=\"Yes\" Value=\"1\"/></EnumType>"
                    + "<EntityContainer Name=\"Resources\">");
            for (int t = 0; t < 4_000; t++) {
                out.write("<EntitySet Name=\"Entities" + t + "\" EntityType=\"Microsoft.Dynamics.DataEntities.Entity" + t + "\"/>");
            }
            out.write("</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>");
        }
        assertThat(Files.size(big)).isGreaterThan(20_000_000L);
        EdmCatalog c = EdmCatalog.read(big, List.of("Entities7", "Entities3999", "NotPublished"));
        assertThat(c.entitySets()).hasSize(4_000);
        assertThat(c.entity("Entities7").properties()).hasSize(102);
        assertThat(c.entity("Entities3999").keys()).containsExactly("dataAreaId", "Id");
        assertThat(c.entity("Entities3999").property("Property3").type()).isEqualTo("Edm.Decimal");
        assertThat(c.entity("Entities8")).as("not mapped, not kept").isNull();
        assertThat(c.entity("NotPublished")).isNull();
    }

    @Test
    void aMisspelledPropertyIsNamedWithTheClosestRealName() throws Exception {
        EntityMapping m = mapping("products.yaml", """
                entity: ProductsV2
                table: Products
                key: [ProductNumber]
                columns:
                  - { name: ProductNumber, source: ProductNumber, type: string }
                  - { name: Category, source: RetailProductCategoryname, type: string }
                  - { name: PostedOn, source: PostingDate, type: date }
                """);
        assertThat(MappingValidator.problems(m, edm)).containsExactly(
                "Products (mappings/products.yaml): ProductsV2 has no property RetailProductCategoryname (column Category);"
                        + " did you mean RetailProductCategoryName?",
                "Products (mappings/products.yaml): ProductsV2 has no property PostingDate (column PostedOn)");
        EntityMapping invoices = mapping("invoices.yaml", """
                entity: VendorInvoiceHeaders
                table: Invoices
                key: [dataAreaId, HeaderReference]
                columns:
                  - { source: dataAreaId, type: string }
                  - { source: HeaderReference, type: string }
                  - { source: PostingDate, type: date }
                  - { source: DefaultDimensionDisplayValue, type: string }
                """);
        assertThat(MappingValidator.problems(invoices, edm)).containsExactly(
                "Invoices (mappings/invoices.yaml): VendorInvoiceHeaders has no property PostingDate (column PostingDate); did you mean Date?",
                "Invoices (mappings/invoices.yaml): VendorInvoiceHeaders has no property DefaultDimensionDisplayValue"
                        + " (column DefaultDimensionDisplayValue); did you mean DimensionDisplayValue?");
    }

    @Test
    void aTypeThatCannotLandWithoutLossIsRefused() throws Exception {
        EntityMapping m = mapping("lines.yaml", """
                entity: VendorInvoiceLines
                table: InvoiceLines
                key: [dataAreaId, HeaderReference, InvoiceLineNumber]
                columns:
                  - { name: Company, source: dataAreaId, type: string }
                  - { name: HeaderReference, source: HeaderReference, type: string }
                  - { name: LineNumber, source: InvoiceLineNumber, type: long }
                  - { name: Amount, source: NetAmount, type: int }
                  - { name: Review, source: VendorInvoiceLineReviewStatus, type: boolean }
                  - { name: Item, source: ItemNumber, type: enum }
                """);
        assertThat(MappingValidator.problems(m, edm)).containsExactly(
                "InvoiceLines (mappings/lines.yaml): VendorInvoiceLines.InvoiceLineNumber is Edm.Decimal, which cannot land in a long"
                        + " column without losing fractions: map it as decimal (column LineNumber, mapped as long)",
                "InvoiceLines (mappings/lines.yaml): VendorInvoiceLines.NetAmount is Edm.Decimal, which cannot land in an int column"
                        + " without losing fractions: map it as decimal (column Amount, mapped as int)",
                "InvoiceLines (mappings/lines.yaml): VendorInvoiceLines.VendorInvoiceLineReviewStatus is the enum VendInvoiceRequestStatus"
                        + " (Draft, InReview, Approved, Rejected, Cancelled), not No/Yes: map it as enum (column Review, mapped as boolean)",
                "InvoiceLines (mappings/lines.yaml): VendorInvoiceLines.ItemNumber is Edm.String, not an F&O enum: map it as string"
                        + " (column Item, mapped as enum)");
    }

    @Test
    void aKeyTheEntityDoesNotHaveOrDoesNotCoverIsRefused() throws Exception {
        EntityMapping m = mapping("headers.yaml", """
                entity: VendorInvoiceHeaders
                table: Invoices
                key: [dataAreaId, HeaderRef]
                columns:
                  - { name: Company, source: dataAreaId, type: string }
                  - { name: HeaderRef, source: HeaderRef, type: string }
                """);
        assertThat(MappingValidator.problems(m, edm)).containsExactly(
                "Invoices (mappings/headers.yaml): key property HeaderRef is not a property of VendorInvoiceHeaders;"
                        + " did you mean HeaderReference?",
                "Invoices (mappings/headers.yaml): the key [dataAreaId, HeaderRef] lacks VendorInvoiceHeaders's key property"
                        + " HeaderReference (its key is [dataAreaId, HeaderReference]): two rows could share a key");
    }

    @Test
    void anEntitySetTheTenantDoesNotPublishIsNamedWithTheClosestOnes() throws Exception {
        EntityMapping m = mapping("gl.yaml", """
                entity: GeneralJournalAccountEntries
                table: GLEntries
                key: [GeneralJournalAccountEntryRecId]
                columns:
                  - { source: GeneralJournalAccountEntryRecId, type: long }
                """);
        assertThat(MappingValidator.problems(m, edm)).singleElement().asString()
                .startsWith("GLEntries (mappings/gl.yaml): F&O publishes no entity set GeneralJournalAccountEntries; did you mean ")
                .contains("GeneralJournalAccountEntryBiEntities");
    }

    @Test
    void theEntityWithABadMappingFailsAloneAndCheckListsEveryProblem() throws Exception {
        Path mappings = Files.createDirectories(dir.resolve("run-mappings"));
        Files.copy(Path.of("mappings/vendors.yaml"), mappings.resolve("vendors.yaml"));
        Files.writeString(mappings.resolve("products.yaml"), Files.readString(Path.of("mappings/products.yaml"))
                .replace("source: RetailProductCategoryName,", "source: RetailProductCategoryname,")
                .replace("source: ProductType,", "source: ProductKind,"));
        Properties p = TestConnector.defaults();
        p.setProperty("connector.mappings-dir", mappings.toString());
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            assertThatThrownBy(() -> rt.syncNow("Products", "test")).hasRootCauseInstanceOf(MappingMismatchException.class);
            rt.syncNow("Vendors", "test");

            Map<String, Object> failed = TestConnector.runs(rt, "Products").get(0);
            assertThat(failed).containsEntry("STATUS", "FAILED");
            assertThat((String) failed.get("ERROR_MESSAGE"))
                    .contains("ProductsV2 has no property RetailProductCategoryname (column Category); did you mean RetailProductCategoryName?")
                    .contains("ProductsV2 has no property ProductKind (column ProductType)");
            assertThat(rt.sandbox().fno().recentRequests()).as("no page of Products was asked for")
                    .noneMatch(r -> r.startsWith("/data/ProductsV2"));
            assertThat(TestConnector.runs(rt, "Vendors").get(0)).containsEntry("STATUS", "SUCCEEDED");
            assertThat(TestConnector.count(rt, "Vendors")).isEqualTo(600);
            assertThat(rt.sandbox().fno().metadataRequests()).as("$metadata read once for the process").isEqualTo(1);

            List<ConnectorChecks.Result> checks = ConnectorChecks.run(rt);
            ConnectorChecks.Result products = checks.stream().filter(c -> c.name().startsWith("Mapping Products")).findFirst().orElseThrow();
            assertThat(products.ok()).isFalse();
            assertThat(products.detail()).contains("did you mean RetailProductCategoryName?").contains("ProductKind");
            assertThat(checks.stream().filter(c -> c.name().startsWith("Mapping Vendors")).findFirst().orElseThrow().ok()).isTrue();
        }
    }
}
