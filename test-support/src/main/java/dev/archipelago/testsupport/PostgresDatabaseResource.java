package dev.archipelago.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * A Quarkus test resource that points the datasource at a fresh database on the machine's
 * PostgreSQL and drops it when the tests of the resource are done.
 */
public class PostgresDatabaseResource implements QuarkusTestResourceLifecycleManager {

    private TestDatabase database;

    @Override
    public Map<String, String> start() {
        database = TestDatabase.create("archipelago_test");
        return Map.of(
                "quarkus.datasource.jdbc.url", database.jdbcUrl(),
                "quarkus.datasource.username", TestDatabase.USER,
                "quarkus.datasource.password", TestDatabase.PASSWORD);
    }

    @Override
    public void stop() {
        if (database != null) {
            database.close();
        }
    }
}
