package dev.archipelago.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The table the benchmark prints: one row per figure, with its baseline, ratio and goal. */
final class Report {

    /** One figure. {@code baseline} and {@code ratio} are null where the goal is absolute. */
    record Row(String scenario, String figure, String unit, Sample sample, Sample baseline, String goal, Boolean met) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    void add(Row row) {
        rows.add(row);
    }

    void note(String note) {
        notes.add(note);
    }

    List<Row> rows() {
        return rows;
    }

    String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("| scenario | figure | median | min | max | n | baseline median | ratio | goal | met |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            Sample s = row.sample();
            String ratio = row.baseline() == null ? "" : format(s.median() / row.baseline().median(), "x");
            out.append("| ").append(row.scenario()).append(" | ").append(row.figure())
                    .append(" | ").append(format(s.median(), row.unit()))
                    .append(" | ").append(format(s.min(), row.unit()))
                    .append(" | ").append(format(s.max(), row.unit()))
                    .append(" | ").append(s.size())
                    .append(" | ").append(row.baseline() == null ? "" : format(row.baseline().median(), row.unit()))
                    .append(" | ").append(ratio)
                    .append(" | ").append(row.goal() == null ? "" : row.goal())
                    .append(" | ").append(row.met() == null ? "" : row.met() ? "yes" : "**no**")
                    .append(" |\n");
        }
        if (!notes.isEmpty()) {
            out.append('\n');
            notes.forEach(n -> out.append("- ").append(n).append('\n'));
        }
        return out.toString();
    }

    static String format(double value, String unit) {
        return switch (unit) {
            case "ms" -> value >= 10_000 ? String.format(Locale.ROOT, "%.1f s", value / 1000)
                    : String.format(Locale.ROOT, "%.0f ms", value);
            case "x" -> String.format(Locale.ROOT, "%.2fx", value);
            case "MB" -> String.format(Locale.ROOT, "%.0f MB", value);
            case "KB" -> String.format(Locale.ROOT, "%.1f KB", value);
            case "/s" -> String.format(Locale.ROOT, "%.1f/s", value);
            default -> String.format(Locale.ROOT, "%.2f %s", value, unit).trim();
        };
    }
}
