package com.mlconnector.mapping;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MappingLoaderTest {
    @TempDir
    Path dir;

    private Path write(String name, String yaml) throws Exception {
        return Files.writeString(dir.resolve(name), yaml);
    }

    @Test
    void theShippedMappingsLoadWithTheirKeysAndDimensionColumns() {
        List<EntityMapping> all = MappingLoader.loadFolder(Path.of("mappings"));
        assertThat(all).extracting(EntityMapping::table).containsExactlyInAnyOrder(
                "Vendors", "Customers", "GLAccounts", "PurchaseOrders", "Invoices", "InvoiceLines", "GLEntries", "Products",
                "PostedInvoices", "PostedInvoiceLines", "GLJournalEntries", "VendorTransactions");
        // posted ledger entries come from the entity set a real 2025 tenant publishes, unless chosen otherwise
        EntityMapping gl = all.stream().filter(m -> m.table().equals("GLEntries")).findFirst().orElseThrow();
        assertThat(gl.entitySet()).isEqualTo("GeneralJournalAccountEntryBiEntities");
        assertThat(gl.keySources()).containsExactly("SourceKey");
        assertThat(gl.companyScoped()).isFalse();
        assertThat(gl.columns()).filteredOn(TargetColumn::isDimensionSegment).extracting(TargetColumn::name)
                .containsExactly("MainAccount", "BusinessUnit", "CostCenter", "Department");
        assertThat(gl.selectedSources()).doesNotHaveDuplicates().contains("LedgerAccount");
        assertThat(all.stream().filter(m -> m.table().equals("Products")).findFirst().orElseThrow().companyScoped()).isFalse();
    }

    @Test
    void aTableWithTwoSourcesUsesItsDefaultUnlessAPropertyChoosesTheOther() {
        List<EntityMapping> files = MappingLoader.loadAll(Path.of("mappings"));
        assertThat(files).filteredOn(m -> m.table().equals("GLEntries")).extracting(EntityMapping::entitySet)
                .containsExactlyInAnyOrder("GeneralJournalAccountEntryBiEntities", "GeneralJournalAccountEntries");
        EntityMapping chosen = MappingLoader.select(files, Map.of("mapping.GLEntries", "GeneralJournalAccountEntries")::get)
                .stream().filter(m -> m.table().equals("GLEntries")).findFirst().orElseThrow();
        assertThat(chosen.entitySet()).isEqualTo("GeneralJournalAccountEntries");
        assertThat(chosen.origin()).isEqualTo("mappings/gl-entries-data-entity.yaml");
        assertThat(chosen.companyScoped()).isTrue();
        assertThatThrownBy(() -> MappingLoader.select(files, Map.of("mapping.GLEntries", "GLEntriesV9")::get))
                .hasMessageContaining("mapping.GLEntries=GLEntriesV9").hasMessageContaining("gl-entries-data-entity.yaml");
    }

    @Test
    void twoDefaultSourcesOfOneTableAreRefused() throws Exception {
        write("a.yaml", "entity: X\ntable: T\nkey: [K]\ncolumns:\n  - { source: K, type: string }\n");
        write("b.yaml", "entity: Y\ntable: T\nkey: [K]\ncolumns:\n  - { source: K, type: string }\n");
        assertThatThrownBy(() -> MappingLoader.loadFolder(dir)).hasMessageContaining("table 'T' has 2 mappings")
                .hasMessageContaining("alternative: true").hasMessageContaining("mapping.T=");
    }

    @Test
    void moreThan75ColumnsIsRefused() throws Exception {
        String cols = IntStream.range(0, 76).mapToObj(i -> "  - { name: C" + i + ", source: P" + i + ", type: string }")
                .collect(Collectors.joining("\n"));
        Path f = write("wide.yaml", "entity: X\ntable: Wide\nkey: [P0]\ncolumns:\n" + cols + "\n");
        assertThatThrownBy(() -> MappingLoader.load(f)).hasMessageContaining("wide.yaml: 76 columns, more than the 75");
    }

    @Test
    void mistakesAreNamedWithFileAndField() throws Exception {
        Path noKeyColumn = write("a.yaml", "entity: X\ntable: T\nkey: [K]\ncolumns:\n  - { name: A, source: A, type: string }\n");
        assertThatThrownBy(() -> MappingLoader.load(noKeyColumn)).hasMessageContaining("key property 'K' must be mapped");
        Path badCron = write("b.yaml", "entity: X\ntable: T\nkey: [K]\nschedule: every hour\ncolumns:\n  - { source: K, type: string }\n");
        assertThatThrownBy(() -> MappingLoader.load(badCron)).hasMessageContaining("b.yaml: 'schedule' is not a valid Quartz cron");
        Path badName = write("c.yaml", "entity: X\ntable: \"T; DROP TABLE x\"\nkey: [K]\ncolumns:\n  - { source: K, type: string }\n");
        assertThatThrownBy(() -> MappingLoader.load(badName)).hasMessageContaining("c.yaml.table").hasMessageContaining("not a plain name");
        Path twice = write("d.yaml", "entity: X\ntable: T\nkey: [K]\ncolumns:\n  - { source: K, type: string }\n  - { name: k, source: J, type: long }\n");
        assertThatThrownBy(() -> MappingLoader.load(twice)).hasMessageContaining("column 'k' appears twice");
        Path badJoin = write("e.yaml", "entity: X\ntable: T\nkey: [K]\ncolumns:\n  - { source: K, type: string }\n"
                + "relationships:\n  - { column: Nope, to: U.K }\n");
        assertThatThrownBy(() -> MappingLoader.load(badJoin)).hasMessageContaining("e.yaml relationships[0]: column 'Nope' is not a column");
        Path badTo = write("f.yaml", "entity: X\ntable: T\nkey: [K]\ncolumns:\n  - { source: K, type: string }\n"
                + "relationships:\n  - { column: K, to: U }\n");
        assertThatThrownBy(() -> MappingLoader.load(badTo)).hasMessageContaining("'to' must be <Table>.<Column>");
    }
}
