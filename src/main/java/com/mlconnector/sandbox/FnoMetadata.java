package com.mlconnector.sandbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The CSDL document served at /data/$metadata, built from the sandbox catalog. */
final class FnoMetadata {
    private FnoMetadata() {
    }

    static String render(FnoCatalog catalog) {
        StringBuilder sb = new StringBuilder(1 << 16);
        sb.append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">")
          .append("<edmx:DataServices><Schema Namespace=\"Microsoft.Dynamics.DataEntities\" xmlns=\"http://docs.oasis-open.org/odata/ns/edm\">");
        Map<String, List<String>> enums = new LinkedHashMap<>();
        for (FnoCatalog.Entity e : catalog.entities()) {
            sb.append("<EntityType Name=\"").append(e.name()).append("\"><Key>");
            e.keys().forEach(k -> sb.append("<PropertyRef Name=\"").append(k).append("\"/>"));
            sb.append("</Key>");
            for (FnoCatalog.Property p : e.properties()) {
                String type = p.isEnum() ? "Microsoft.Dynamics.DataEntities." + p.enumType() : p.type();
                if (p.isEnum()) {
                    // the reference joins two tenants' metadata, whose versions of one enum may differ: serve their union
                    List<String> members = enums.computeIfAbsent(p.enumType(), k -> new java.util.ArrayList<>());
                    p.members().stream().filter(m -> !members.contains(m)).forEach(members::add);
                }
                sb.append("<Property Name=\"").append(p.name()).append("\" Type=\"").append(type).append("\"")
                  .append(e.keys().contains(p.name()) ? " Nullable=\"false\"" : "").append("/>");
            }
            sb.append("</EntityType>");
        }
        enums.forEach((name, members) -> {
            sb.append("<EnumType Name=\"").append(name).append("\">");
            for (int i = 0; i < members.size(); i++) {
                sb.append("<Member Name=\"").append(members.get(i)).append("\" Value=\"").append(i).append("\"/>");
            }
            sb.append("</EnumType>");
        });
        sb.append("<EntityContainer Name=\"Resources\">");
        for (FnoCatalog.Entity e : catalog.entities()) {
            sb.append("<EntitySet Name=\"").append(e.name()).append("\" EntityType=\"Microsoft.Dynamics.DataEntities.")
              .append(e.name()).append("\"/>");
        }
        sb.append("</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>");
        return sb.toString();
    }
}
