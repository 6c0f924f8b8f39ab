package io.pitr.operator.pitr;

import java.time.Duration;
import java.time.Instant;

/**
 * When to look for drift: every {@code interval}, each policy at its own offset within a jitter
 * band derived from its UID, so that checks stay spread out across restarts without any state; and
 * never more often than the shared DescribeContinuousBackups rate allows for all policies.
 *
 * @param interval the configured drift-check interval
 * @param jitter the spread, as a fraction of the interval (0.1: ±10%)
 * @param describesPerSecond the share of DynamoDB's Describe rate the checks may use
 */
public record DriftSchedule(Duration interval, double jitter, double describesPerSecond) {

  public DriftSchedule {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("the drift interval must be positive");
    }
    if (jitter < 0 || jitter >= 1) {
      throw new IllegalArgumentException("jitter must be at least 0 and below 1");
    }
    if (describesPerSecond <= 0) {
      throw new IllegalArgumentException("describesPerSecond must be positive");
    }
  }

  /**
   * The interval in force for {@code policies} policies sharing one account and region: the
   * configured one, stretched so that one Describe per policy per interval fits in the rate.
   */
  public Duration effectiveInterval(int policies) {
    Duration needed = Duration.ofMillis((long) Math.ceil(policies * 1000 / describesPerSecond));
    return needed.compareTo(interval) > 0 ? needed : interval;
  }

  /** When the policy with this UID, last synced at {@code lastSync}, is due for a drift check. */
  public Instant nextCheck(Instant lastSync, String uid, int policies) {
    Duration effective = effectiveInterval(policies);
    double offset = (unitInterval(uid) * 2 - 1) * jitter;
    return lastSync.plusMillis(Math.round(effective.toMillis() * (1 + offset)));
  }

  /**
   * The first check of a policy this process has not checked yet: at its UID's own point within one
   * interval from now, so that after a restart the checks spread over the interval instead of
   * coming all at once.
   */
  public Instant firstCheck(Instant now, String uid, int policies) {
    return now.plusMillis(Math.round(effectiveInterval(policies).toMillis() * unitInterval(uid)));
  }

  /** A stable number in [0, 1) from a string. */
  private static double unitInterval(String uid) {
    long hash = uid == null ? 0 : uid.hashCode() & 0xffffffffL;
    return hash / (double) (1L << 32);
  }
}
