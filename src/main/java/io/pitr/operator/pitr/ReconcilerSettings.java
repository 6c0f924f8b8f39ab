package io.pitr.operator.pitr;

import java.time.Duration;
import java.util.Optional;

/**
 * The reconciler's settings as plain values, built from the operator's configuration.
 *
 * @param defaultRegion region of policies without spec.region
 * @param drift drift-check schedule
 * @param initialBackoff first wait after a transient failure
 * @param maxBackoff longest wait after transient failures
 * @param tableNotFound wait before looking for a missing table again
 * @param backupsNotYetAvailable wait before looking again at a table whose backups are being
 *     enabled, or whose PITR status is changing
 * @param stalled wait before retrying a stalled policy (never longer than the drift interval)
 * @param conflict wait before a conflicting policy checks again whether it may take over
 * @param statusRefreshAfter how old the stored description may get before a drift check that finds
 *     the same settings rewrites it; zero: only on change
 * @param staleAfter how old the last observation of a Ready policy's table may grow, while drift
 *     checks cannot observe it, before the policy stops saying Ready; never less than one drift
 *     interval in force; empty: three of them (stretched with the number of policies)
 */
public record ReconcilerSettings(
    Optional<String> defaultRegion,
    DriftSchedule drift,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration tableNotFound,
    Duration backupsNotYetAvailable,
    Duration stalled,
    Duration conflict,
    Duration statusRefreshAfter,
    Optional<Duration> staleAfter) {

  /** How old the last observation may grow, for {@code policies} policies. */
  public Duration staleAfter(int policies) {
    Duration interval = drift.effectiveInterval(policies);
    Duration bound = staleAfter.orElse(interval.multipliedBy(3));
    return bound.compareTo(interval) < 0 ? interval : bound;
  }
}
