package dev.archipelago.testsupport;

import java.util.Map;

import dev.archipelago.infra.ScratchDatabase;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A Quarkus test resource that points the datasource at a fresh database on the machine's
 * PostgreSQL and drops it when the tests of the resource are done.
 */
public class PostgresDatabaseResource implements QuarkusTestResourceLifecycleManager {

    private ScratchDatabase database;

    @Override
    public Map<String, String> start() {
        database = ScratchDatabase.create("archipelago_test");
        return Map.of(
                "quarkus.datasource.jdbc.url", database.jdbcUrl(),
                "quarkus.datasource.username", ScratchDatabase.USER,
                "quarkus.datasource.password", ScratchDatabase.PASSWORD);
    }

    @Override
    public void stop() {
        if (database != null) {
            database.close();
        }
    }
}
