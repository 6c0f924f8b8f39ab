package io.pitr.operator.testing;

import java.time.Instant;
import java.util.List;

/** What a rate limit would have made of a sequence of calls. */
public final class CallRates {

  private CallRates() {}

  /**
   * How far the calls ever got ahead of {@code perSecond}: the most, over every interval from one
   * call to another (both counted), of the calls in it less {@code perSecond} times its length in
   * seconds. A token bucket refilled at {@code perSecond} that held this many tokens when the first
   * call came would have refused none of them; calls exactly on the rate score 1.
   */
  public static double mostAboveTheRate(List<Long> nanos, double perSecond) {
    List<Long> sorted = nanos.stream().sorted().toList();
    double most = 0;
    // For each last call, the best first call is the one with the largest rate × time - index.
    double bestStart = Double.NEGATIVE_INFINITY;
    for (int last = 0; last < sorted.size(); last++) {
      double at = sorted.get(last) / 1e9 * perSecond;
      bestStart = Math.max(bestStart, at - last);
      most = Math.max(most, last + 1 - at + bestStart);
    }
    return most;
  }

  /** {@link #mostAboveTheRate(List, double)} of calls at these instants. */
  public static double mostAboveTheRateAt(List<Instant> instants, double perSecond) {
    Instant origin = instants.stream().min(Instant::compareTo).orElse(Instant.EPOCH);
    return mostAboveTheRate(
        instants.stream().map(at -> java.time.Duration.between(origin, at).toNanos()).toList(),
        perSecond);
  }
}
