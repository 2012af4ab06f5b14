package com.mlconnector.app;

import com.mlconnector.config.ConfigException;
import com.mlconnector.config.ConnectorSettings;
import com.mlconnector.databricks.DatabricksSettings;
import com.mlconnector.events.EventSettings;
import com.mlconnector.landing.LandingDialect;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.MappingLoader;
import com.mlconnector.powerbi.PowerBiSettings;
import com.mlconnector.sandbox.Sandbox;
import com.mlconnector.sync.Mappings;
import com.mlconnector.tableau.TableauSettings;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.impl.DefaultCamelContext;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * The state database opened to read only, for the commands that only look (`status`, `replay --list`): the same
 * configuration as the service (application.properties, overrides, environment, ENC(...) values), but no migration,
 * no routes, no sandbox, no heartbeat and nothing written, so they run beside a live service. PostgreSQL allows that;
 * an H2 file serves one process at a time, and is then named with what to do instead of an obscure lock error.
 */
public final class StateReader implements AutoCloseable {
    private final HikariDataSource db;
    private final LandingDialect dialect;
    private final Mappings mappings;
    private final boolean sandbox;
    private final Function<String, String> props;
    private final ConnectorSettings settings;
    private final Path workDir;

    private StateReader(HikariDataSource db, LandingDialect dialect, Mappings mappings, boolean sandbox,
                        Function<String, String> props, ConnectorSettings settings, Path workDir) {
        this.workDir = workDir;
        this.db = db;
        this.dialect = dialect;
        this.mappings = mappings;
        this.sandbox = sandbox;
        this.props = props;
        this.settings = settings;
    }

    public static StateReader open(Path workDir, Properties overrides, String masterPassword) {
        DefaultCamelContext ctx = new DefaultCamelContext(false);
        PropertiesComponent pc = (PropertiesComponent) ctx.getPropertiesComponent();
        pc.setLocation("file:" + workDir.toAbsolutePath().normalize() + "/application.properties;optional=true");
        pc.setOverrideProperties(overrides);
        Function<String, String> raw = ConfiguredProperties.of(pc, masterPassword);
        ConnectorSettings configured = ConnectorSettings.from(raw);
        boolean sandbox = SandboxGuard.sandbox(configured, raw);
        Function<String, String> props = raw;
        if (sandbox) {
            Map<String, String> landing = new HashMap<>(SandboxGuard.sandboxLanding(raw));
            if (raw.apply("tableau.datasource-id") == null) {
                landing.put("tableau.datasource-id", Sandbox.TABLEAU_DATASOURCE);
            }
            props = k -> landing.containsKey(k) ? landing.get(k) : raw.apply(k);
        }
        ConnectorSettings settings = ConnectorSettings.from(props);
        List<EntityMapping> files = MappingLoader.loadAll(workDir.resolve(settings.mappingsDir));
        Mappings mappings = new Mappings(MappingLoader.select(files, props), files);
        return new StateReader(connect(settings), LandingDialect.of(settings.landingJdbcUrl), mappings, sandbox, props, settings, workDir);
    }

    private static HikariDataSource connect(ConnectorSettings s) {
        String url = s.landingJdbcUrl;
        LandingDialect dialect = LandingDialect.of(url);
        HikariConfig cfg = new HikariConfig();
        // an H2 file that is not there is not created by a command that only reads
        cfg.setJdbcUrl(dialect == LandingDialect.H2 && !url.contains("IFEXISTS") ? url + ";IFEXISTS=TRUE" : url);
        if (!s.landingUsername.isEmpty()) {
            cfg.setUsername(s.landingUsername);
        }
        if (!s.landingPassword.isEmpty()) {
            cfg.setPassword(s.landingPassword);
        }
        cfg.setPoolName("state-reader");
        cfg.setMaximumPoolSize(2);
        cfg.setReadOnly(true);
        cfg.setInitializationFailTimeout(10_000);
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(cfg);
        } catch (RuntimeException e) {
            String why = rootMessage(e);
            String where = ConnectorRuntime.redactJdbc(url);
            if (why.contains("90020") || why.toLowerCase(java.util.Locale.ROOT).contains("already in use")) {
                throw new ConfigException("the state database " + where + " is an H2 file, which serves one process at a time, and "
                        + "another process (the service?) has it open. Stop it to use this command, or keep the state in PostgreSQL "
                        + "(landing.jdbc-url=jdbc:postgresql://…), where commands run beside the service");
            }
            if (why.contains("90146") || why.contains("not found")) {
                throw new ConfigException("there is no state database at " + where + " yet: nothing has run with this "
                        + "configuration (start the service, or run `sync --once`)");
            }
            throw new ConfigException("cannot open the state database " + where + " (landing.jdbc-url): " + why);
        }
        try (Connection c = ds.getConnection(); ResultSet rs = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
            boolean migrated = false;
            while (rs.next()) {
                migrated |= rs.getString("TABLE_NAME").equalsIgnoreCase("connector_run");
            }
            if (!migrated) {
                ds.close();
                throw new ConfigException("the state database " + where(url) + " holds no connector tables yet: nothing has run with "
                        + "this configuration (start the service, or run `sync --once`)");
            }
        } catch (SQLException e) {
            ds.close();
            throw new ConfigException("cannot read the state database " + where(url) + ": " + e.getMessage());
        }
        return ds;
    }

    private static String where(String url) {
        return ConnectorRuntime.redactJdbc(url);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }

    public DataSource dataSource() { return db; }
    public LandingDialect dialect() { return dialect; }
    public Mappings mappings() { return mappings; }
    public ConnectorSettings settings() { return settings; }

    public PowerBiSettings powerBi() {
        return new PowerBiSettings(props, sandbox, settings.tenantId, settings.clientId, settings.clientSecret);
    }

    public DatabricksSettings databricks() {
        return new DatabricksSettings(props, sandbox);
    }

    public TableauSettings tableau() {
        return new TableauSettings(props, sandbox);
    }

    /** The destinations the destinations property adds (made from their settings only; nothing is connected). */
    public List<com.mlconnector.destination.Destination> addedDestinations() {
        return com.mlconnector.destination.AddedDestinations.load(props.apply(com.mlconnector.destination.AddedDestinations.PROPERTY),
                new com.mlconnector.destination.DestinationContext(props, mappings, sandbox), workDir,
                BuiltInDestinations.NAMES);
    }

    public EventSettings events() {
        return new EventSettings(props, sandbox);
    }

    @Override
    public void close() {
        db.close();
    }
}
