package com.mlconnector.powerbi.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TMDL's quoting and indentation, as the format states them (tabs, one per level; quotes doubled in quoted names). */
class TmdlTest {
    @Test
    void plainNamesStayAsTheyAreOthersAreQuotedWithQuotesDoubled() {
        assertThat(Tmdl.name("Vendors")).isEqualTo("Vendors");
        assertThat(Tmdl.name("GL_Entries2")).isEqualTo("GL_Entries2");
        assertThat(Tmdl.name("Sales Amount")).isEqualTo("'Sales Amount'");
        assertThat(Tmdl.name("Vendor's name")).isEqualTo("'Vendor''s name'");
        assertThat(Tmdl.name("2024")).isEqualTo("'2024'");
        assertThat(Tmdl.name("Amount (EUR)")).isEqualTo("'Amount (EUR)'");
        assertThat(Tmdl.column("GL Entries", "MainAccountRecId")).isEqualTo("'GL Entries'.MainAccountRecId");
        assertThatThrownBy(() -> Tmdl.name("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tmdl.name("two\nlines")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void childrenAreOneTabDeeperAndAnExpressionOneLevelBelowItsProperty() {
        String text = new Tmdl().object(0, "table", "Vendors")
                .object(1, "partition", "Vendors", "m")
                .property(2, "mode", "import")
                .expression(2, "source", "let\n    Source = 1\nin\n    Source")
                .text();
        assertThat(text).isEqualTo("table Vendors\n\tpartition Vendors = m\n\t\tmode: import\n\t\tsource =\n"
                + "\t\t\tlet\n\t\t\t    Source = 1\n\t\t\tin\n\t\t\t    Source\n");
    }

    @Test
    void aPropertyValueIsOneLine() {
        assertThatThrownBy(() -> new Tmdl().property(1, "description", "a\nb")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expression");
    }
}
