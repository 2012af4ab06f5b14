package com.mlconnector.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every route file an integration engineer edits validates against the JSON schema of the camel-yaml-dsl on the
 * classpath ({@code schema/camelYamlDsl.json}, what Kaoto and the Camel editor extensions validate with), so the
 * check follows a Camel upgrade. Camel's runtime forgives some of what the schema refuses (a YAML boolean where text
 * is wanted); the tools do not.
 */
class RouteSchemaTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static JsonSchema camelSchema() throws Exception {
        try (InputStream in = RouteSchemaTest.class.getResourceAsStream("/schema/camelYamlDsl.json")) {
            assertThat(in).as("camel-yaml-dsl's schema on the classpath").isNotNull();
            JsonNode schema = new ObjectMapper().readTree(in);
            assertThat(schema.path("$schema").asText()).contains("draft-04");
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema);
        }
    }

    private static List<Path> routeFiles() throws Exception {
        List<Path> files = new ArrayList<>();
        for (Path folder : List.of(Path.of("routes"), Path.of("src/test/resources/destinations"))) {
            try (Stream<Path> s = Files.list(folder)) {
                s.filter(f -> f.toString().endsWith(".yaml")).sorted().forEach(files::add);
            }
        }
        return files;
    }

    @Test
    void everyRouteFileValidatesAgainstCamelsYamlDslSchema() throws Exception {
        JsonSchema schema = camelSchema();
        List<Path> files = routeFiles();
        assertThat(files).extracting(f -> f.getFileName().toString()).contains("sync.yaml", "powerbi.yaml", "error-handling.yaml",
                "business-events.yaml", "folder.yaml");
        List<String> errors = new ArrayList<>();
        for (Path f : files) {
            for (ValidationMessage m : schema.validate(YAML.readTree(f.toFile()))) {
                errors.add(f + ": " + m.getMessage());
            }
        }
        assertThat(errors).as("schema errors").isEmpty();
    }

    /** The schema does refuse what the tools would flag: the check is not one that passes everything. */
    @Test
    void theSchemaRefusesAYamlBooleanWhereCamelWantsText() throws Exception {
        JsonNode route = YAML.readTree("- route:\n    from:\n      uri: direct:x\n      steps:\n        - setHeader:\n"
                + "            name: flag\n            constant: true\n");
        assertThat(camelSchema().validate(route)).isNotEmpty();
        JsonNode quoted = YAML.readTree("- route:\n    from:\n      uri: direct:x\n      steps:\n        - setHeader:\n"
                + "            name: flag\n            constant: \"true\"\n");
        assertThat(camelSchema().validate(quoted)).isEmpty();
    }
}
