package io.pitr.operator.discovery;

import java.time.Duration;

/**
 * Discovery's settings as plain values, built from the operator's configuration.
 *
 * @param interval how long after a ListTables round ends the next one starts
 * @param tagRefreshInterval how often a table's tags are read again (stretched when the tables
 *     outgrow the tag budget, see {@link BackgroundTableDiscovery#refreshInterval})
 * @param listTagsPerSecond the ListTagsOfResource budget per account and region, which the
 *     refreshes plan on
 * @param initialBackoff first wait after a throttle, a server error or an unreachable endpoint;
 *     doubles with each failure in a row
 * @param maxBackoff longest such wait
 * @param stalled wait before trying again after a failure a person has to fix (access denied), ±20%
 */
public record DiscoverySettings(
    Duration interval,
    Duration tagRefreshInterval,
    double listTagsPerSecond,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration stalled) {

  public DiscoverySettings {
    requirePositive(interval, "pitr.discovery.interval");
    requirePositive(tagRefreshInterval, "pitr.discovery.tag-refresh-interval");
    requirePositive(initialBackoff, "pitr.retry.initial-backoff");
    requirePositive(maxBackoff, "pitr.retry.max-backoff");
    requirePositive(stalled, "pitr.retry.stalled");
    if (!(listTagsPerSecond > 0)) {
      throw new IllegalArgumentException(
          "pitr.aws.list-tags-per-second must be positive, was " + listTagsPerSecond);
    }
  }

  private static void requirePositive(Duration duration, String name) {
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + duration);
    }
  }
}
