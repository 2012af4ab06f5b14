package com.mlconnector.sandbox;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The rows of one sandbox entity. Rows are generated from their index on demand (deterministic for a seed), so a
 * million ledger entries cost no memory; changes made through {@link #update}, {@link #delete} and
 * {@link #insert} are kept beside them and win over the generated values.
 */
final class FnoDataSet {
    static final String EMPTY_DATE = "1900-01-01T12:00:00Z";
    private static final String[] CURRENCIES = {"USD", "EUR", "GBP"};
    private static final String[] COUNTRIES = {"USA", "DEU", "GBR"};
    private static final String[] NAMES = {"Contoso", "Fabrikam", "Northwind", "Tailspin", "Wingtip", "Litware",
        "Adatum", "Proseware", "O'Brien & Søn", "Müller Großhandel", "Société Générale d'Équipement", "東京商事"};
    private static final LocalDate FIRST_DAY = LocalDate.of(2024, 1, 1);
    static final long FIRST_RECID = 5_637_144_576L;
    /** Business dates a document always has (F&O requires them); other dates are often F&O's empty date. */
    private static final Set<String> ALWAYS_DATED = Set.of("InvoiceDate", "AccountingDate", "SysModifiedDateTime", "CreatedOn");

    private final FnoCatalog.Entity entity;
    private final List<String> companies;
    private final long baseSize;
    private final long seed;
    private final Map<Long, Map<String, Object>> updates = new ConcurrentHashMap<>();
    private final Set<Long> deleted = ConcurrentHashMap.newKeySet();
    private final List<Map<String, Object>> inserted = new CopyOnWriteArrayList<>();

    FnoDataSet(FnoCatalog.Entity entity, List<String> companies, long size, long seed) {
        this.entity = entity;
        this.companies = entity.companyScoped() ? companies : List.of();
        this.baseSize = size;
        this.seed = seed ^ entity.name().hashCode() * 0x9E3779B97F4A7C15L;
    }

    FnoCatalog.Entity entity() {
        return entity;
    }

    /** Rows ever present, deleted ones included (indexes stay stable). */
    long size() {
        return baseSize + inserted.size();
    }

    boolean isDeleted(long i) {
        return deleted.contains(i);
    }

    /** The value of property {@code p} of row {@code i}: String, Long, BigDecimal, OffsetDateTime or null. */
    Object value(long i, FnoCatalog.Property p) {
        if (i >= baseSize) {
            return inserted.get((int) (i - baseSize)).get(p.name());
        }
        Map<String, Object> changed = updates.get(i);
        if (changed != null && changed.containsKey(p.name())) {
            return changed.get(p.name());
        }
        return generated(i, p);
    }

    void update(long i, Map<String, Object> values) {
        Map<String, Object> changed = new java.util.HashMap<>(values);
        stampModified(changed);
        updates.computeIfAbsent(i, k -> new ConcurrentHashMap<>()).putAll(changed);
    }

    /** F&O keeps a BI entity's SysModifiedDateTime: a change (or a new row) carries the time it was made. */
    private void stampModified(Map<String, Object> values) {
        if (entity.property("SysModifiedDateTime") != null && !values.containsKey("SysModifiedDateTime")) {
            values.put("SysModifiedDateTime", OffsetDateTime.now(ZoneOffset.UTC).withNano(0));
        }
    }

    void delete(long i) {
        deleted.add(i);
    }

    /** Appends a row; properties not given are generated as for a new index. Returns the row's index. */
    synchronized long insert(Map<String, Object> given) {
        Map<String, Object> values = new java.util.HashMap<>(given);
        stampModified(values);
        long index = size();
        Map<String, Object> row = new ConcurrentHashMap<>();
        for (FnoCatalog.Property p : entity.properties()) {
            Object v = values.containsKey(p.name()) ? values.get(p.name()) : generated(index, p);
            if (v != null) {
                row.put(p.name(), v);
            }
        }
        inserted.add(row);
        return index;
    }

    private String company(long i) {
        int n = companies.size();
        long per = baseSize / n;
        long rest = baseSize % n;
        long boundary = rest * (per + 1);
        int c = i < boundary ? (int) (i / (per + 1)) : (int) (rest + (i - boundary) / Math.max(per, 1));
        return companies.get(Math.min(c, n - 1));
    }

    private Object generated(long i, FnoCatalog.Property p) {
        String name = p.name();
        long h = mix(seed + i * 0x9E3779B97F4A7C15L + p.index() * 0xC2B2AE3D27D4EB4FL);
        if (name.equals("dataAreaId")) {
            return companies.isEmpty() ? "dat" : company(Math.min(i, baseSize - 1));
        }
        Object key = keyValue(i, name);
        if (key != null) {
            return key;
        }
        if (p.isEnum()) {
            return p.members().get((int) Math.floorMod(h, (long) p.members().size()));
        }
        return switch (p.type()) {
            case "Edm.Int32", "Edm.Int64", "Edm.Int16", "Edm.Byte" -> Math.floorMod(h, 1000L);
            case "Edm.Decimal" -> BigDecimal.valueOf(Math.floorMod(h, 100_000_000L) - 20_000_000L, 2);
            case "Edm.Boolean" -> (h & 1) == 0;
            case "Edm.Binary" -> java.util.Base64.getEncoder().encodeToString(java.nio.ByteBuffer.allocate(8).putLong(h).array());
            case "Edm.DateTimeOffset" -> Math.floorMod(h, 10) < 2 && !ALWAYS_DATED.contains(name) ? OffsetDateTime.parse(EMPTY_DATE)
                    : FIRST_DAY.plusDays(dayOf(i, h)).atTime(12, 0).atOffset(ZoneOffset.UTC);
            case "Edm.Guid" -> new UUID(h, mix(h)).toString();
            default -> text(i, name, h);
        };
    }

    /** Business dates follow the row order, so the newest documents are the last ones, as in a real ledger. */
    private long dayOf(long i, long h) {
        long span = 900;
        return Math.min(span, i * span / Math.max(baseSize, 1)) + Math.floorMod(h, 5);
    }

    /**
     * True for a property whose values grow with the row order (RecIds), so the emulator can honour an ascending
     * {@code $orderby} on it as the rows' natural order.
     */
    boolean growsWithRowOrder(String property) {
        return property.equals("SourceKey") || (entity.name() + "." + property).equals("MainAccounts.MainAccountRecId");
    }

    private Object keyValue(long i, String name) {
        long n = i + 1;
        if (name.equals("SourceKey")) {
            return FIRST_RECID + i; // the BI entities' key: the RecId of the record, growing as records are made
        }
        return switch (entity.name() + "." + name) {
            case "VendorsV2.VendorAccountNumber" -> String.format("V-%06d", n);
            case "CustomersV3.CustomerAccount" -> String.format("C-%06d", n);
            case "MainAccounts.ChartOfAccounts" -> "Shared";
            case "MainAccounts.MainAccountId" -> String.valueOf(100000 + i * 10);
            case "MainAccounts.MainAccountRecId" -> FIRST_RECID + i;
            case "PurchaseOrderHeadersV2.PurchaseOrderNumber" -> String.format("PO-%07d", n);
            case "PurchaseOrderLinesV2.PurchaseOrderNumber" -> String.format("PO-%07d", i / 4 + 1);
            case "PurchaseOrderLinesV2.LineNumber" -> i % 4 + 1;
            case "ReleasedProductsV2.ItemNumber" -> String.format("I-%06d", n);
            case "ProductsV2.ProductNumber", "ReleasedProductsV2.ProductNumber" -> String.format("P-%06d", n);
            case "VendorInvoiceHeaders.HeaderReference" -> String.format("VI-%07d", n);
            case "VendorInvoiceLines.HeaderReference" -> String.format("VI-%07d", i / 3 + 1);
            // an X++ real: Edm.Decimal, sent as 1.0, 2.0, …
            case "VendorInvoiceLines.InvoiceLineNumber", "VendInvoiceTransBiEntities.LineNum" -> BigDecimal.valueOf(i % 3 + 1).setScale(1);
            case "VendInvoiceJourBiEntities.InvoiceId" -> String.format("INV-%07d", n);
            case "VendInvoiceTransBiEntities.InvoiceId" -> String.format("INV-%07d", i / 3 + 1);
            case "GeneralJournalEntryBiEntities.JournalNumber" -> String.format("GJ-%08d", n);
            // four ledger entries per journal entry: the line points at its header's SourceKey
            case "GeneralJournalAccountEntryBiEntities.GeneralJournalEntry" -> FIRST_RECID + i / 4;
            default -> null;
        };
    }

    private static String text(long i, String name, long h) {
        long small = Math.floorMod(h, 1000L);
        if (name.endsWith("DimensionDisplayValue") || name.equals("LedgerAccount")) {
            String dims = String.format("%03d-OU_%04d-%03d", small % 7 + 1, 3000 + small % 40, small % 12 + 20);
            return name.equals("LedgerAccount") ? (100000 + small % 150 * 10) + "-" + dims : dims;
        }
        if (name.equals("MainAccountId")) {
            return String.valueOf(100000 + small % 150 * 10);
        }
        if (name.contains("Currency")) {
            return CURRENCIES[(int) (small % CURRENCIES.length)];
        }
        if (name.contains("CountryRegion")) {
            return COUNTRIES[(int) (small % COUNTRIES.length)];
        }
        if (name.contains("Email")) {
            return "ap" + (i + 1) + "@supplier" + small + ".example.com";
        }
        if (name.contains("VendorAccount") || name.equals("InvoiceAccount")) {
            return String.format("V-%06d", small % 200 + 1);
        }
        if (name.contains("Name") || name.equals("Text") || name.contains("Description")) {
            return NAMES[(int) (small % NAMES.length)] + " " + (i + 1);
        }
        if (name.equals("InvoiceNumber") || name.equals("DocumentNumber") || name.equals("Voucher")
                || name.equals("JournalNumber") || name.contains("PurchaseOrder")) {
            return name.substring(0, 3).toUpperCase() + "-" + (i / 5 + 1);
        }
        if (small < 550) {
            return ""; // F&O sends empty strings, not nulls, for unset text fields
        }
        return name.substring(0, Math.min(4, name.length())).toUpperCase() + "-" + small;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
