package dev.archipelago.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class ReportTest {

    @Test
    void medianMinMaxAndNearestRankPercentiles() {
        Sample odd = Sample.of(List.of(30, 10, 20));
        assertThat(odd.median()).isEqualTo(20);
        assertThat(odd.min()).isEqualTo(10);
        assertThat(odd.max()).isEqualTo(30);
        Sample even = Sample.of(List.of(4, 1, 3, 2));
        assertThat(even.median()).isEqualTo(2.5);
        Sample hundred = Sample.of(IntStream.rangeClosed(1, 100).boxed().toList());
        assertThat(hundred.percentile(50)).isEqualTo(50);
        assertThat(hundred.percentile(99)).isEqualTo(99);
        assertThat(hundred.percentile(100)).isEqualTo(100);
        assertThatThrownBy(() -> Sample.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theTableShowsTheRatioToTheBaselineAndWhetherTheGoalIsMet() {
        Report report = new Report();
        report.add(new Report.Row("1", "end to end", "ms", Sample.of(List.of(900, 1000, 1100)),
                Sample.of(List.of(2000, 2000, 2000)),
                "<= 0.5x", true));
        report.add(new Report.Row("3", "dispatch", "ms", Sample.of(List.of(80, 60, 70)), null, "<= 50 ms", false));
        String table = report.markdown();
        assertThat(table).contains("| 1 | end to end | 1000 ms | 900 ms | 1100 ms | 3 | 2000 ms | 0.50x | <= 0.5x | yes |");
        assertThat(table).contains("| 3 | dispatch | 70 ms | 60 ms | 80 ms | 3 |  |  | <= 50 ms | **no** |");
    }
}
