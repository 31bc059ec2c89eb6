package dev.archipelago.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

class ScratchDatabaseTest {

    @Test
    void createsAFreshDatabaseOnTheRealServerAndDropsIt() throws Exception {
        ScratchDatabase database = ScratchDatabase.create("support_check");
        try (Connection c = database.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE probe (id int primary key)");
            st.execute("INSERT INTO probe VALUES (1), (2)");
            var rs = st.executeQuery("SELECT version()");
            rs.next();
            assertThat(rs.getString(1)).startsWith("PostgreSQL");
        }
        assertThat(database.count("probe")).isEqualTo(2);

        database.close();

        assertThatThrownBy(database::connect).isInstanceOf(SQLException.class).hasMessageContaining(database.name());
    }
}
