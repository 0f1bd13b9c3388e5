package dev.vigil.neo4j;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.neo4j.configuration.Config;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Transaction;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.io.ByteUnit;
import org.neo4j.io.fs.DefaultFileSystemAbstraction;
import org.neo4j.io.layout.Neo4jLayout;
import org.neo4j.kernel.impl.security.User;
import org.neo4j.logging.Level;
import org.neo4j.logging.NullLogProvider;
import org.neo4j.logging.log4j.Log4jLogProvider;
import org.neo4j.memory.EmptyMemoryTracker;
import org.neo4j.server.security.SecureHasher;
import org.neo4j.server.security.SystemGraphCredential;
import org.neo4j.server.security.auth.CommunitySecurityModule;
import org.neo4j.server.security.auth.FileUserRepository;

/**
 * Runs a Neo4j 5.26 community DBMS with a Bolt connector inside this JVM, so local development needs
 * only Maven Central jars (no tarball, no Docker).
 *
 * <p>Settings come from {@code --key=value} arguments, falling back to environment variables:
 *
 * <pre>
 *   --home        NEO4J_HOME_DIR        neo4j home; store in home/data, debug.log in home/logs (required)
 *   --bolt-host   NEO4J_BOLT_HOST       default 127.0.0.1
 *   --bolt-port   NEO4J_BOLT_PORT       default 7687
 *   --password    NEO4J_PASSWORD        password of user neo4j (required; prefer the env var, args show in ps)
 *   --ready-file  NEO4J_READY_FILE      written once Bolt accepts authenticated queries, removed on shutdown
 *   --pagecache   NEO4J_PAGECACHE       default 256m
 *   --tx-total    NEO4J_TX_MEMORY_TOTAL default 512m (all transactions together; must stay below -Xmx)
 *   --tx-max      NEO4J_TX_MEMORY_MAX   default 256m (one transaction)
 * </pre>
 */
public final class Neo4jLauncher {

    private static final String SYSTEM_DB = GraphDatabaseSettings.SYSTEM_DATABASE_NAME;
    private static final String INITIAL_USER = "neo4j";

    private Neo4jLauncher() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parseArgs(args);
        Path home = Path.of(required(opts, "home", "NEO4J_HOME_DIR")).toAbsolutePath().normalize();
        String boltHost = option(opts, "bolt-host", "NEO4J_BOLT_HOST", "127.0.0.1");
        int boltPort = Integer.parseInt(option(opts, "bolt-port", "NEO4J_BOLT_PORT", "7687"));
        String password = required(opts, "password", "NEO4J_PASSWORD");
        int minLength = GraphDatabaseSettings.auth_minimum_password_length.defaultValue();
        if (password.codePointCount(0, password.length()) < minLength) {
            // auth.ini seeding skips Neo4j's policy check; enforce it here so later ALTER USER agrees.
            throw new IllegalArgumentException("NEO4J_PASSWORD must have at least " + minLength + " characters");
        }
        String readyFileOpt = option(opts, "ready-file", "NEO4J_READY_FILE", "");
        Path readyFile = readyFileOpt.isEmpty() ? null : Path.of(readyFileOpt).toAbsolutePath();
        long pagecache = ByteUnit.parse(option(opts, "pagecache", "NEO4J_PAGECACHE", "256m"));
        long txTotal = ByteUnit.parse(option(opts, "tx-total", "NEO4J_TX_MEMORY_TOTAL", "512m"));
        long txMax = ByteUnit.parse(option(opts, "tx-max", "NEO4J_TX_MEMORY_MAX", "256m"));

        if (readyFile != null) {
            // A stale file from a killed run must not make a starting server look healthy.
            Files.deleteIfExists(readyFile);
        }

        // neo4j_home is not in here: the builder sets it from its constructor argument.
        Map<Setting<?>, Object> settings = new HashMap<>();
        settings.put(BoltConnector.enabled, true);
        settings.put(BoltConnector.listen_address, new SocketAddress(boltHost, boltPort));
        settings.put(BoltConnector.advertised_address, new SocketAddress(boltHost, boltPort));
        settings.put(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED);
        // neo4j-server (Jetty) is on the classpath; make sure nothing else listens.
        settings.put(HttpConnector.enabled, false);
        settings.put(HttpsConnector.enabled, false);
        settings.put(GraphDatabaseSettings.auth_enabled, true);
        // No phoning home: the machine has no internet and a dev box should not report usage anyway.
        settings.put(GraphDatabaseSettings.udc_enabled, false);
        settings.put(GraphDatabaseInternalSettings.udc_network_enabled, false);
        // The box (2 cores, 24 GiB) is shared with Kafka, Postgres and LocalStack: keep Neo4j small.
        settings.put(GraphDatabaseSettings.pagecache_memory, pagecache);
        settings.put(GraphDatabaseSettings.memory_transaction_global_max_size, txTotal);
        settings.put(GraphDatabaseSettings.memory_transaction_max_size, txMax);
        // Defaults preallocate 256 MiB tx-log files per database and keep two days of them;
        // a dev store needs neither.
        settings.put(GraphDatabaseSettings.preallocate_logical_logs, false);
        settings.put(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(64));
        settings.put(GraphDatabaseSettings.keep_logical_logs, "128M size");
        // Netty's default 5 s quiet period, paid once per Bolt event-loop group, made SIGTERM take ~10 s
        // longer than the actual checkpoint. Neo4j's own test builder sets it to 0 as well.
        settings.put(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0);

        // Resolve paths exactly as the DBMS will, from the same settings.
        Map<Setting<?>, Object> withHome = new HashMap<>(settings);
        withHome.put(GraphDatabaseSettings.neo4j_home, home);
        Config config = Config.defaults(withHome);
        boolean freshStore = !Files.exists(Neo4jLayout.of(config).databaseLayout(SYSTEM_DB).databaseDirectory());
        if (freshStore) {
            writeInitialPassword(config, password);
        }

        PrintStream out = System.out;
        Log4jLogProvider userLog = new Log4jLogProvider(out, Level.INFO);
        out.printf("neo4j: starting (home %s, bolt %s:%d)%n", home, boltHost, boltPort);
        long started = System.nanoTime();

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(settings)
                .setUserLogProvider(userLog)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // SIGTERM/SIGINT: a clean shutdown checkpoints, so the next start needs no recovery.
            out.println("neo4j: shutting down");
            try {
                if (readyFile != null) {
                    Files.deleteIfExists(readyFile);
                }
                dbms.shutdown();
                out.println("neo4j: stopped");
            } catch (Throwable t) {
                out.println("neo4j: shutdown failed: " + t);
            } finally {
                userLog.close();
                stopped.countDown();
            }
        }, "neo4j-shutdown"));

        try {
            awaitAvailable(dbms.database(SYSTEM_DB));
            awaitAvailable(dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME));
            if (!freshStore) {
                syncPassword(dbms.database(SYSTEM_DB), password, out);
            }
        } catch (RuntimeException e) {
            out.println("neo4j: startup failed: " + e);
            e.printStackTrace(out);
            System.exit(1);
        }

        if (readyFile != null) {
            Path tmp = readyFile.resolveSibling(readyFile.getFileName() + ".tmp");
            Files.writeString(tmp, ProcessHandle.current().pid() + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, readyFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        out.printf("neo4j: bolt ready on %s:%d (started in %d ms)%n",
                boltHost, boltPort, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

        // Neo4j's own threads keep the JVM alive too, but waiting here makes the lifetime explicit:
        // main ends only after the shutdown hook has finished.
        stopped.await();
    }

    /**
     * Seeds user neo4j the way {@code neo4j-admin dbms set-initial-password} does: the auth.ini file is
     * read once, when the system database is created, so the password is right before Bolt ever opens
     * (no window with the default neo4j/neo4j credentials).
     */
    private static void writeInitialPassword(Config config, String password) throws Exception {
        Path authFile = CommunitySecurityModule.getInitialUserRepositoryFile(config);
        Files.createDirectories(authFile.getParent());
        Files.deleteIfExists(authFile);
        try (DefaultFileSystemAbstraction fs = new DefaultFileSystemAbstraction()) {
            FileUserRepository repo = new FileUserRepository(
                    fs, authFile, NullLogProvider.getInstance(), EmptyMemoryTracker.INSTANCE);
            repo.start();
            SystemGraphCredential credential = SystemGraphCredential.createCredentialForPassword(
                    password.getBytes(StandardCharsets.UTF_8), new SecureHasher());
            repo.create(new User(INITIAL_USER, null, credential, false, false));
            repo.shutdown();
        }
    }

    /**
     * On an existing store NEO4J_PASSWORD stays the source of truth: changing it and restarting is enough.
     * The check reads the stored credential the same way Neo4j's own auth.ini upgrade step does, because
     * a first Cypher statement costs several seconds of planner warm-up on every start; ALTER USER (run
     * with full privileges, as embedded transactions are) is only paid when the password really changed.
     */
    private static void syncPassword(GraphDatabaseService system, String password, PrintStream out) {
        byte[] wanted = password.getBytes(StandardCharsets.UTF_8);
        try (Transaction tx = system.beginTx()) {
            Node user = tx.findNode(Label.label("User"), "name", INITIAL_USER);
            if (user != null
                    && !Boolean.TRUE.equals(user.getProperty("passwordChangeRequired", false))
                    && SystemGraphCredential.deserialize(
                                    String.valueOf(user.getProperty("credentials", "")), new SecureHasher())
                            .matchesPassword(wanted)) {
                return;
            }
        } catch (Exception e) {
            // Unexpected layout (e.g. a future upgrade): fall through to the supported Cypher path.
        }
        try {
            system.executeTransactionally(
                    "ALTER USER " + INITIAL_USER + " SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
            out.println("neo4j: password of user neo4j set from NEO4J_PASSWORD");
        } catch (RuntimeException e) {
            out.println("neo4j: warning: could not apply NEO4J_PASSWORD to user neo4j: " + e.getMessage());
        }
    }

    private static void awaitAvailable(GraphDatabaseService db) {
        if (!db.isAvailable(Duration.ofMinutes(5).toMillis())) {
            throw new IllegalStateException("database " + db.databaseName() + " did not become available");
        }
    }

    private static Map<String, String> parseArgs(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --key=value, got: " + arg);
            }
            opts.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        return opts;
    }

    private static String option(Map<String, String> opts, String key, String env, String fallback) {
        String value = opts.get(key);
        if (value == null || value.isEmpty()) {
            value = System.getenv(env);
        }
        return value == null || value.isEmpty() ? fallback : value;
    }

    private static String required(Map<String, String> opts, String key, String env) {
        String value = option(opts, key, env, "");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("missing --" + key + " (or env " + env + ")");
        }
        return value;
    }
}
