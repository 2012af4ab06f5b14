package com.mlconnector.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Unity Catalog volumes behind the emulated Files API ({@code /api/2.0/fs/files{path}} PUT/GET/DELETE,
 * {@code /api/2.0/fs/directories{path}} GET/PUT/DELETE), kept in a local folder: {@code /Volumes/c/s/v/a/b} is
 * {@code <root>/c/s/v/a/b}, which is also where the emulated warehouse's COPY INTO reads. As the API does, it refuses
 * a path outside a volume that exists (404), an upload over an existing file without {@code overwrite=true} (409),
 * a missing file or directory (404) and deleting a directory that is not empty (409); listings come in pages.
 */
public final class DatabricksVolumes implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer: status and JSON body (empty for 204). */
    public record Answer(int status, String body) {
    }

    private final Path root;
    private final Set<String> volumes = ConcurrentHashMap.newKeySet();
    private final AtomicInteger uploads = new AtomicInteger();
    private volatile int pageSize = 1000;

    public DatabricksVolumes() {
        try {
            root = Files.createTempDirectory("databricks-volumes-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The local folder that holds every volume (what COPY INTO reads). */
    public Path root() {
        return root;
    }

    /** Creates a volume {@code catalog.schema.name}. */
    public void createVolume(String catalog, String schema, String name) {
        volumes.add(catalog + "/" + schema + "/" + name);
        try {
            Files.createDirectories(root.resolve(catalog).resolve(schema).resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Entries per listing page (the API pages its listings). */
    public void setListPageSize(int n) {
        pageSize = n;
    }

    public int uploads() {
        return uploads.get();
    }

    /** Every file under the volume path given (tests look at what is left staged). */
    public List<String> files(String volumePath) throws IOException {
        Path dir = local(volumePath);
        if (dir == null || !Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> "/Volumes/" + root.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
    }

    public Answer handle(String method, String kind, String path, Map<String, String> query, byte[] body) throws IOException {
        Path local = local(path);
        if (local == null) {
            return error(404, "NOT_FOUND", "The path " + path + " is not in a volume that exists (/Volumes/<catalog>/<schema>/<volume>/...)");
        }
        if (kind.equals("files")) {
            return switch (method) {
                case "PUT" -> upload(path, local, "true".equals(query.get("overwrite")), body);
                case "GET" -> Files.isRegularFile(local) ? new Answer(200, Files.readString(local)) : missing(path);
                case "DELETE" -> {
                    if (!Files.isRegularFile(local)) {
                        yield missing(path);
                    }
                    Files.delete(local);
                    yield new Answer(204, "");
                }
                default -> error(405, "METHOD_NOT_ALLOWED", method + " " + path);
            };
        }
        return switch (method) {
            case "GET" -> Files.isDirectory(local) ? list(path, local, query.get("page_token")) : missing(path);
            case "HEAD" -> Files.isDirectory(local) ? new Answer(200, "") : new Answer(404, "");
            case "PUT" -> {
                Files.createDirectories(local);
                yield new Answer(204, "");
            }
            case "DELETE" -> {
                if (!Files.isDirectory(local)) {
                    yield missing(path);
                }
                try (Stream<Path> s = Files.list(local)) {
                    if (s.findAny().isPresent()) {
                        yield error(409, "DIRECTORY_NOT_EMPTY", "The directory " + path + " is not empty");
                    }
                }
                Files.delete(local);
                yield new Answer(204, "");
            }
            default -> error(405, "METHOD_NOT_ALLOWED", method + " " + path);
        };
    }

    private Answer upload(String path, Path local, boolean overwrite, byte[] body) throws IOException {
        if (Files.isDirectory(local) || path.endsWith("/")) {
            return error(400, "INVALID_PARAMETER_VALUE", path + " is a directory");
        }
        if (Files.exists(local) && !overwrite) {
            return error(409, "ALREADY_EXISTS", "The file " + path + " already exists");
        }
        if (body.length > 5L * 1024 * 1024 * 1024) {
            return error(413, "FILE_TOO_LARGE", "A file uploaded in one request is at most 5 GiB");
        }
        Files.createDirectories(local.getParent()); // the API creates missing parent directories
        Path part = local.resolveSibling(local.getFileName() + ".uploading");
        Files.write(part, body);
        Files.move(part, local, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        uploads.incrementAndGet();
        return new Answer(204, "");
    }

    private Answer list(String path, Path dir, String token) throws IOException {
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.filter(p -> !p.getFileName().toString().endsWith(".uploading")).sorted().toList();
        }
        int from = token == null || token.isEmpty() ? 0 : Integer.parseInt(token);
        ObjectNode page = JSON.createObjectNode();
        ArrayNode contents = page.putArray("contents");
        String base = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        for (Path p : entries.subList(from, Math.min(entries.size(), from + pageSize))) {
            boolean directory = Files.isDirectory(p);
            ObjectNode e = contents.addObject().put("path", base + "/" + p.getFileName()).put("is_directory", directory)
                    .put("name", p.getFileName().toString());
            if (!directory) {
                e.put("file_size", Files.size(p)).put("last_modified", Files.getLastModifiedTime(p).toMillis());
            }
        }
        if (from + pageSize < entries.size()) {
            page.put("next_page_token", String.valueOf(from + pageSize));
        }
        return new Answer(200, page.toString());
    }

    /** The local file of a volume path, or null when the path is not inside a volume that exists. */
    Path local(String path) {
        if (path == null || !path.startsWith("/Volumes/") || path.contains("..")) {
            return null;
        }
        String[] parts = path.substring("/Volumes/".length()).split("/");
        if (parts.length < 3 || !volumes.contains(parts[0] + "/" + parts[1] + "/" + parts[2])) {
            return null;
        }
        return root.resolve(path.substring("/Volumes/".length()));
    }

    private static Answer missing(String path) {
        return error(404, "NOT_FOUND", "The file or directory " + path + " does not exist");
    }

    private static Answer error(int status, String code, String message) {
        return new Answer(status, JSON.createObjectNode().put("error_code", code).put("message", message).toString());
    }

    @Override
    public void close() {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder
        }
    }
}
