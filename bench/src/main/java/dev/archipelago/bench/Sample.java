package dev.archipelago.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Repeated measurements of one figure: median, min, max and percentiles, nearest-rank. */
record Sample(List<Double> values) {

    Sample {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("a sample needs at least one value");
        }
        values = values.stream().sorted().toList();
    }

    static Sample of(Collection<? extends Number> values) {
        List<Double> doubles = new ArrayList<>();
        values.forEach(v -> doubles.add(v.doubleValue()));
        return new Sample(doubles);
    }

    double median() {
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }

    double min() {
        return values.get(0);
    }

    double max() {
        return values.get(values.size() - 1);
    }

    /** The smallest value with at least {@code p} percent of the values at or below it. */
    double percentile(double p) {
        int rank = (int) Math.ceil(p / 100.0 * values.size());
        return values.get(Math.max(0, Math.min(values.size() - 1, rank - 1)));
    }

    int size() {
        return values.size();
    }
}
