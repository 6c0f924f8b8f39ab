package io.pitr.operator;

import io.pitr.operator.pitr.DriftSchedule;
import java.time.Duration;
import java.util.Optional;

/**
 * The reconciler's settings as plain values, built from {@link OperatorConfig} in production and
 * directly by tests.
 *
 * @param defaultRegion region of policies without spec.region
 * @param drift drift-check schedule
 * @param initialBackoff first wait after a transient failure
 * @param maxBackoff longest wait after transient failures
 * @param tableNotFound wait before looking for a missing table again
 * @param backupsNotYetAvailable wait before retrying a table whose backups are being enabled
 * @param stalled wait before retrying a stalled policy
 * @param conflict wait before a conflicting policy checks again
 * @param statusRefreshAfter see {@link OperatorConfig.Status#refreshAfter()}
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
    Duration statusRefreshAfter) {

  static ReconcilerSettings of(OperatorConfig config, Optional<String> defaultRegion) {
    return new ReconcilerSettings(
        defaultRegion,
        new DriftSchedule(
            config.drift().interval(), config.drift().jitter(), config.aws().describesPerSecond()),
        config.retry().initialBackoff(),
        config.retry().maxBackoff(),
        config.retry().tableNotFound(),
        config.retry().backupsNotYetAvailable(),
        config.retry().stalled(),
        config.retry().conflict(),
        config.status().refreshAfter());
  }
}
