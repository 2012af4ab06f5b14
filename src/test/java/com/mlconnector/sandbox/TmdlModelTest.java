package com.mlconnector.sandbox;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sandbox Power BI refuses what Fabric refuses in a TMDL definition, and reads what it takes. */
class TmdlModelTest {
    private static Map<String, String> parts(String table) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("definition.pbism", "{\"version\": \"4.0\", \"settings\": {}}");
        p.put("definition/database.tmdl", "database\n\tcompatibilityLevel: 1567\n\tcompatibilityMode: powerBI\n");
        p.put("definition/model.tmdl", "model Model\n\tculture: en-US\n\tdefaultPowerBIDataSourceVersion: powerBI_V3\n\nref table Vendors\n");
        p.put("definition/tables/Vendors.tmdl", table);
        return p;
    }

    private static final String VENDORS = String.join("\n",
            "table Vendors",
            "\tlineageTag: 1",
            "",
            "\tmeasure 'Vendor''s count' = COUNTROWS('Vendors')",
            "\t\tformatString: 0",
            "",
            "\tcolumn 'Vendor Name'",
            "\t\tdataType: string",
            "\t\tsourceColumn: VendorName",
            "\t\tisHidden",
            "",
            "\tcolumn Balance",
            "\t\tdataType: decimal",
            "\t\tsourceColumn: Balance",
            "",
            "\tpartition Vendors = m",
            "\t\tmode: import",
            "\t\tsource =",
            "\t\t\t\tlet",
            "\t\t\t\t    Source = PostgreSQL.Database(\"h\", \"d\")",
            "\t\t\t\tin",
            "\t\t\t\t    Source",
            "");

    @Test
    void aDefinitionFabricTakesIsRead() {
        TmdlModel m = TmdlModel.read(parts(VENDORS));
        TmdlModel.Table t = m.tables().get("Vendors");
        assertThat(t.columns()).extracting(TmdlModel.Column::name, TmdlModel.Column::dataType)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("Vendor Name", "string"), org.assertj.core.groups.Tuple.tuple("Balance", "decimal"));
        assertThat(t.measures()).extracting(TmdlModel.Measure::name).containsExactly("Vendor's count");
        assertThat(t.partitions()).singleElement().satisfies(p -> assertThat(p.source()).startsWith("let").contains("PostgreSQL.Database"));
    }

    @Test
    void whatFabricRefusesIsRefused() {
        Map<String, String> missing = parts(VENDORS);
        missing.remove("definition.pbism");
        assertThatThrownBy(() -> TmdlModel.read(missing)).hasMessageContaining("definition.pbism is missing");

        Map<String, String> both = parts(VENDORS);
        both.put("model.bim", "{}");
        assertThatThrownBy(() -> TmdlModel.read(both)).hasMessageContaining("one format only");

        assertThatThrownBy(() -> TmdlModel.read(parts(VENDORS.replace("\t\tdataType: decimal", "    \tdataType: decimal"))))
                .hasMessageContaining("indented with spaces");
        assertThatThrownBy(() -> TmdlModel.read(parts(VENDORS.replace("\t\tsourceColumn: Balance", "\t\t\tsourceColumn: Balance"))))
                .hasMessageContaining("indented 3 levels where 2");
        assertThatThrownBy(() -> TmdlModel.read(parts(VENDORS.replace("dataType: decimal", "dataType: money"))))
                .hasMessageContaining("dataType 'money' is not a TMDL data type");
        assertThatThrownBy(() -> TmdlModel.read(parts(VENDORS.replace("\t\tsourceColumn: Balance", "\t\tsourceColumns: Balance"))))
                .hasMessageContaining("has no property 'sourceColumns'");
        assertThatThrownBy(() -> TmdlModel.read(parts(VENDORS.replace("column Balance", "column 'Vendor Name'"))))
                .hasMessageContaining("two columns named Vendor Name");

        Map<String, String> twice = parts(VENDORS);
        twice.put("definition/tables/Vendors2.tmdl", VENDORS);
        assertThatThrownBy(() -> TmdlModel.read(twice)).hasMessageContaining("a second table named Vendors");

        Map<String, String> v1 = parts(VENDORS);
        v1.put("definition/model.tmdl", "model Model\n\tculture: en-US\n\nref table Vendors\n");
        assertThatThrownBy(() -> TmdlModel.read(v1)).hasMessageContaining("V3 models only");

        Map<String, String> dangling = parts(VENDORS);
        dangling.put("definition/model.tmdl", dangling.get("definition/model.tmdl") + "ref table Invoices\n");
        assertThatThrownBy(() -> TmdlModel.read(dangling)).hasMessageContaining("ref table Invoices names a table no part defines");

        Map<String, String> rel = parts(VENDORS);
        rel.put("definition/relationships.tmdl", "relationship r1\n\tfromColumn: Vendors.Nope\n\ttoColumn: Vendors.Balance\n");
        assertThatThrownBy(() -> TmdlModel.read(rel)).hasMessageContaining("Vendors.Nope is not a column of the model");
    }
}
