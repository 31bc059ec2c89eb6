package dev.archipelago.infra;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * A fresh, empty database on the machine's PostgreSQL (127.0.0.1:5432 unless
 * {@code ARCHIPELAGO_PG_HOST}/{@code _PORT} say otherwise), created for one test run
 * and dropped afterwards. The role comes from {@code scripts/setup.sh}.
 */
public final class ScratchDatabase implements AutoCloseable {

    public static final String HOST = System.getenv().getOrDefault("ARCHIPELAGO_PG_HOST", "127.0.0.1");
    public static final int PORT = Integer.parseInt(System.getenv().getOrDefault("ARCHIPELAGO_PG_PORT", "5432"));
    public static final String USER = System.getenv().getOrDefault("ARCHIPELAGO_PG_USER", "archipelago");
    public static final String PASSWORD = System.getenv().getOrDefault("ARCHIPELAGO_PG_PASSWORD", "archipelago");

    private final String name;
    private boolean dropped;

    private ScratchDatabase(String name) {
        this.name = name;
    }

    /** Creates a database with a unique name whose prefix says what it is for. */
    public static ScratchDatabase create(String purpose) {
        String name = (purpose + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9_]", "_");
        try (Connection admin = adminConnection(); Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " on " + HOST + ":" + PORT + " as "
                    + USER + ": " + e.getMessage() + "; run " + Tools.SETUP + " (it starts PostgreSQL and creates the role)",
                    e);
        }
        return new ScratchDatabase(name);
    }

    public String name() {
        return name;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + HOST + ":" + PORT + "/" + name;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
    }

    /** Counts the rows of a table, for tests that prove nothing was written. */
    public long count(String table) {
        try (Connection c = connect();
                Statement st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count " + table + " in " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (dropped) {
            return;
        }
        try (Connection admin = adminConnection(); Statement st = admin.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            dropped = true;
        } catch (SQLException e) {
            System.err.println("could not drop test database " + name + ": " + e.getMessage());
        }
    }

    /** Drops a database by name (a stack stopped after its launcher exited). */
    public static void drop(String name) {
        if (!name.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException("not a test database name: " + name);
        }
        try (Connection admin = adminConnection(); Statement st = admin.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            System.err.println("could not drop database " + name + ": " + e.getMessage());
        }
    }

    private static Connection adminConnection() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + HOST + ":" + PORT + "/postgres", USER, PASSWORD);
    }
}
