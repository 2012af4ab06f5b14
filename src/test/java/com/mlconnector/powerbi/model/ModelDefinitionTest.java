package com.mlconnector.powerbi.model;

import com.mlconnector.config.ConfigException;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.MappingLoader;
import com.mlconnector.mapping.TargetColumn;
import com.mlconnector.sandbox.TmdlModel;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The model the connector would provision from the shipped mappings, read back by the sandbox Power BI's TMDL reader
 * (written from the published format, not from the connector's writer): every table, column type and partition source.
 */
class ModelDefinitionTest {
    /** The data type each mapping type must have in the model (TMDL's types; decimal for money). */
    private static final Map<String, String> EXPECTED_TYPE = Map.of("STRING", "string", "ENUM", "string", "INT", "int64",
            "LONG", "int64", "DECIMAL", "decimal", "BOOLEAN", "boolean", "DATE", "dateTime", "DATETIME", "dateTime");

    @Test
    void aModelOfTheShippedMappingsReadsBackTableForTableColumnForColumn() {
        List<EntityMapping> mappings = MappingLoader.loadFolder(Path.of("mappings"));
        LandingSource source = LandingSource.of("jdbc:postgresql://db.example.com:5432/finance?currentSchema=landing", null, null);
        Map<String, String> parts = ModelDefinition.parts(mappings, source);
        TmdlModel model = TmdlModel.read(parts);

        assertThat(model.tables().keySet()).containsExactlyInAnyOrderElementsOf(mappings.stream().map(EntityMapping::table).toList());
        for (EntityMapping m : mappings) {
            TmdlModel.Table t = model.tables().get(m.table());
            assertThat(t.columns()).extracting(TmdlModel.Column::name)
                    .containsExactlyElementsOf(m.columns().stream().map(TargetColumn::name).toList());
            for (TargetColumn c : m.columns()) {
                assertThat(t.column(c.name()).dataType()).as(m.table() + "." + c.name()).isEqualTo(EXPECTED_TYPE.get(c.type().name()));
                assertThat(t.column(c.name()).sourceColumn()).isEqualTo(c.name());
                assertThat(t.column(c.name()).annotations()).containsEntry(ModelDefinition.OWNER, "managed");
            }
            assertThat(t.partitions()).singleElement().satisfies(p -> {
                assertThat(p.kind()).isEqualTo("m");
                assertThat(p.mode()).isEqualTo("import");
                assertThat(p.source()).contains("PostgreSQL.Database(\"db.example.com:5432\", \"finance\")")
                        .contains("Source{[Schema=\"landing\", Item=\"" + m.table() + "\"]}[Data]");
            });
        }
    }

    @Test
    void theJoinsTheMappingsDeclareBecomeTheModelsRelationships() {
        List<EntityMapping> mappings = MappingLoader.loadFolder(Path.of("mappings"));
        TmdlModel model = TmdlModel.read(ModelDefinition.parts(mappings, LandingSource.of("jdbc:postgresql://h/db", null, null)));
        assertThat(model.relationships()).extracting(TmdlModel.Relationship::fromColumn, TmdlModel.Relationship::toColumn)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("GLEntries.MainAccountRecId", "GLAccounts.MainAccountRecId"),
                        org.assertj.core.groups.Tuple.tuple("GLEntries.JournalEntryRecId", "GLJournalEntries.JournalEntryRecId"));
        // a model of some tables only: a join to a table left out is left out
        List<EntityMapping> some = mappings.stream().filter(m -> List.of("GLEntries", "GLAccounts").contains(m.table())).toList();
        assertThat(TmdlModel.read(ModelDefinition.parts(some, LandingSource.of("jdbc:postgresql://h/db", null, null))).relationships())
                .extracting(TmdlModel.Relationship::toColumn).containsExactly("GLAccounts.MainAccountRecId");
    }

    @Test
    void powerBiMayReachTheDatabaseUnderAnotherName() {
        LandingSource s = LandingSource.of("jdbc:postgresql://10.0.0.5/finance", "pg.contoso.com", "Finance \"prod\"");
        assertThat(s.mExpression("Vendors")).contains("PostgreSQL.Database(\"pg.contoso.com\", \"Finance \"\"prod\"\"\")")
                .contains("[Schema=\"public\", Item=\"Vendors\"]");
    }

    @Test
    void anEmbeddedH2LandingIsNotADatabasePowerBiCanRead() {
        assertThatThrownBy(() -> LandingSource.of("jdbc:h2:file:./data/landing", null, null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("embedded H2").hasMessageContaining("powerbi.model=push");
    }
}
