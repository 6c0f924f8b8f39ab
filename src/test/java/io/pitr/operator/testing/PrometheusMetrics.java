package io.pitr.operator.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One scrape of an operator's /q/metrics, in the Prometheus text exposition format: each sample as
 * its metric name, labels and value. (No maintained Java library parses this format; the Prometheus
 * client libraries for Java only write it, so the few lines here read it.)
 *
 * @param samples every sample, in the order scraped
 */
public record PrometheusMetrics(List<Sample> samples) {

  /**
   * One sample.
   *
   * @param name the metric name, such as pitr_reconciles_total
   * @param labels its labels
   * @param value its value
   */
  public record Sample(String name, Map<String, String> labels, double value) {}

  /** Parses a scrape; comment lines (HELP, TYPE) are skipped. */
  public static PrometheusMetrics parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        samples.add(sample(line.strip()));
      }
    }
    return new PrometheusMetrics(List.copyOf(samples));
  }

  /**
   * The sum of the samples named {@code name} whose labels include every given pair ({@code
   * "outcome", "InSync", ...}); 0 when there are none, as for a counter never incremented.
   */
  public double sum(String name, String... labelPairs) {
    if (labelPairs.length % 2 != 0) {
      throw new IllegalArgumentException("labels come in name/value pairs");
    }
    return samples.stream()
        .filter(sample -> sample.name().equals(name))
        .filter(sample -> hasLabels(sample, labelPairs))
        .mapToDouble(Sample::value)
        .sum();
  }

  /**
   * The value of the one sample named {@code name} whose labels include every given pair, if there
   * is one (a gauge that is not served has none).
   */
  public java.util.OptionalDouble value(String name, String... labelPairs) {
    List<Sample> matching =
        samples.stream()
            .filter(sample -> sample.name().equals(name))
            .filter(sample -> hasLabels(sample, labelPairs))
            .toList();
    if (matching.size() > 1) {
      throw new IllegalArgumentException(
          matching.size() + " samples of " + name + " match " + List.of(labelPairs));
    }
    return matching.isEmpty()
        ? java.util.OptionalDouble.empty()
        : java.util.OptionalDouble.of(matching.get(0).value());
  }

  private static boolean hasLabels(Sample sample, String... labelPairs) {
    for (int i = 0; i < labelPairs.length; i += 2) {
      if (!labelPairs[i + 1].equals(sample.labels().get(labelPairs[i]))) {
        return false;
      }
    }
    return true;
  }

  /** Whether any sample has this name. */
  public boolean has(String name) {
    return samples.stream().anyMatch(sample -> sample.name().equals(name));
  }

  private static double value(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(text);
    };
  }

  /** {@code name{label="value",...} value [timestamp]}, label values with \\ \" \n escapes. */
  private static Sample sample(String line) {
    int brace = line.indexOf('{');
    int space = line.indexOf(' ');
    Map<String, String> labels = new LinkedHashMap<>();
    String name;
    int rest;
    if (brace >= 0 && (space < 0 || brace < space)) {
      name = line.substring(0, brace);
      int i = brace + 1;
      while (line.charAt(i) != '}') {
        int equals = line.indexOf('=', i);
        String label = line.substring(i, equals).strip();
        StringBuilder value = new StringBuilder();
        i = equals + 2; // past ="
        for (char c = line.charAt(i); c != '"'; c = line.charAt(++i)) {
          if (c == '\\') {
            char escaped = line.charAt(++i);
            value.append(escaped == 'n' ? '\n' : escaped);
          } else {
            value.append(c);
          }
        }
        labels.put(label, value.toString());
        i++; // past the closing quote
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      rest = i + 1;
    } else {
      name = line.substring(0, space);
      rest = space;
    }
    String[] valueAndTime = line.substring(rest).strip().split("\\s+");
    return new Sample(name, labels, value(valueAndTime[0]));
  }
}
