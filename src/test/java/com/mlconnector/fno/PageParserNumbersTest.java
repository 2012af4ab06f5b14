package com.mlconnector.fno;

import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.MappingLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** F&O writes Edm.Decimal with a fraction (1.0): a whole value lands in a whole-number column, a real fraction is refused. */
class PageParserNumbersTest {
    @TempDir
    Path dir;

    private PageParser parser() throws Exception {
        EntityMapping m = MappingLoader.load(Files.writeString(dir.resolve("lines.yaml"), """
                entity: VendorInvoiceLines
                table: InvoiceLines
                key: [dataAreaId, HeaderReference, InvoiceLineNumber]
                columns:
                  - { name: Company, source: dataAreaId, type: string }
                  - { name: HeaderReference, source: HeaderReference, type: string }
                  - { name: LineNumber, source: InvoiceLineNumber, type: long }
                  - { name: Position, source: BudgetReservationLineNumber, type: int }
                  - { name: Amount, source: NetAmount, type: decimal }
                """));
        return new PageParser(m, "-");
    }

    private static String row(String header, String line, String position, String amount) {
        return "{\"dataAreaId\":\"usmf\",\"HeaderReference\":\"" + header + "\",\"InvoiceLineNumber\":" + line
                + ",\"BudgetReservationLineNumber\":" + position + ",\"NetAmount\":" + amount + "}";
    }

    private PageParser.Page parse(String... rows) throws Exception {
        String body = "{\"value\":[" + String.join(",", rows) + "]}";
        return parser().parse(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), "https://fno/data/VendorInvoiceLines");
    }

    @Test
    void wholeNumbersWrittenWithAFractionOrAnExponentLandInWholeNumberColumns() throws Exception {
        List<Object[]> rows = parse(row("VI-1", "1.0", "1E0", "10.50"), row("VI-1", "2.00", "2.0", "0.0"),
                row("VI-1", "3", "3", "7")).rows();
        assertThat(rows).extracting(r -> r[2]).containsExactly(1L, 2L, 3L);
        assertThat(rows).extracting(r -> r[3]).containsExactly(1, 2, 3);
        assertThat((BigDecimal) rows.get(0)[4]).isEqualByComparingTo("10.5");
    }

    @Test
    void aFractionThatWouldBeLostIsAnErrorNamingEntityKeyAndColumn() {
        assertThatThrownBy(() -> parse(row("VI-1", "1.0", "1", "1.0"), row("VI-7", "2.5", "1", "1.0")))
                .isInstanceOf(MalformedPageException.class)
                .hasMessageContaining("Malformed page of VendorInvoiceLines")
                .hasMessageContaining("row 1 (dataAreaId=usmf, HeaderReference=VI-7, InvoiceLineNumber=null)")
                .hasMessageContaining("InvoiceLineNumber = 2.5 has a fraction, which the long column LineNumber would lose");
        assertThatThrownBy(() -> parse(row("VI-9", "1.0", "4.25", "1.0")))
                .hasMessageContaining("HeaderReference=VI-9, InvoiceLineNumber=1")
                .hasMessageContaining("BudgetReservationLineNumber = 4.25 has a fraction, which the int column Position would lose");
    }
}
