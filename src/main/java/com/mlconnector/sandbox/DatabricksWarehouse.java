package com.mlconnector.sandbox;

import java.util.List;

/**
 * What runs the statements behind the emulated Statement Execution API: {@link H2Warehouse} in the sandbox, or a
 * real Spark SQL + Delta Lake engine in the tests that hold the connector's statements against the engine Databricks
 * runs. Statements arrive as the connector sends them (Databricks SQL, unqualified table names in the request's
 * schema, named parameters with a type and a value as text).
 */
public interface DatabricksWarehouse extends AutoCloseable {
    /** A named parameter of a statement: SQL type and value as text (null for NULL). */
    record Param(String name, String type, String value) {
    }

    /**
     * Runs one statement to its end.
     *
     * @return the result rows, each value as text (null for NULL); empty for statements without a result
     * @throws Exception with the warehouse's message (error class first, as Databricks reports it) when refused or failed
     */
    List<List<String>> execute(String sql, List<Param> params) throws Exception;

    /**
     * Where the Unity Catalog volumes are kept ({@code /Volumes/c/s/v/…} is {@code root/c/s/v/…}): COPY INTO reads its
     * files from there.
     */
    void mountVolumes(java.nio.file.Path root);

    @Override
    void close();
}
