package io.pitr.operator.pitr;

import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySpec;
import io.pitr.operator.api.v1alpha1.PointInTimeRecoverySpecification;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** The operator's decisions, as pure functions: no Kubernetes, no AWS, no clock. */
public final class PitrPlan {

  private PitrPlan() {}

  /** What to do about a table. */
  public sealed interface Decision permits InSync, Apply, Wait {}

  /** DynamoDB already matches: no call to make. */
  public record InSync(ObservedPitr observed) implements Decision {}

  /** Send one UpdateContinuousBackups with this state. */
  public record Apply(DesiredPitr desired) implements Decision {}

  /** Nothing useful can be sent now; look again later. */
  public record Wait(ConditionReason reason, String message) implements Decision {}

  /**
   * Compares what the policy asks for with what DynamoDB last reported ({@code observed}, null if
   * nothing is known yet; then the spec is applied: enabling an enabled table with the same period,
   * or disabling a disabled one, changes nothing in DynamoDB).
   */
  public static Decision plan(DesiredPitr desired, ObservedPitr observed) {
    if (observed == null) {
      return new Apply(desired);
    }
    if (desired.isSatisfiedBy(observed)) {
      return new InSync(observed);
    }
    if (observed.pitrStatus() == ObservedPitr.PitrStatus.OTHER) {
      return new Wait(
          ConditionReason.PitrStatusChanging,
          "DynamoDB reports point-in-time recovery as " + observed.rawPitrStatus() + ".");
    }
    if (!observed.backupsAvailable()) {
      return new Wait(
          ConditionReason.BackupsNotYetAvailable,
          "DynamoDB is still enabling continuous backups for the new table.");
    }
    return new Apply(desired);
  }

  /**
   * Whether setting the table from {@code observed} to {@code desired} deletes restore points:
   * turning point-in-time recovery off while it is on, or shortening the period below the age of
   * the oldest restore point ({@code now} minus the new period is after the earliest restorable
   * time; unknown counts as older). Lengthening, or shortening a window that has not filled the new
   * period yet, deletes nothing.
   */
  public static boolean losesRestorePoints(
      ObservedPitr observed, DesiredPitr desired, Instant now) {
    if (observed == null || observed.pitrStatus() != ObservedPitr.PitrStatus.ENABLED) {
      return false;
    }
    if (!desired.enabled()) {
      return true;
    }
    int period =
        observed.recoveryPeriodDays() != null
            ? observed.recoveryPeriodDays()
            : DesiredPitr.DEFAULT_RECOVERY_PERIOD_DAYS;
    if (desired.recoveryPeriodDays() >= period) {
      return false;
    }
    Instant kept = now.minus(Duration.ofDays(desired.recoveryPeriodDays()));
    return observed.earliestRestorable() == null || observed.earliestRestorable().isBefore(kept);
  }

  /**
   * Whether applying {@code desired} to a table in an unknown state could delete restore points (it
   * turns point-in-time recovery off, or asks for less than the longest period): then the table is
   * observed first.
   */
  public static boolean couldLoseRestorePoints(DesiredPitr desired) {
    return !desired.enabled()
        || desired.recoveryPeriodDays() < DesiredPitr.DEFAULT_RECOVERY_PERIOD_DAYS;
  }

  /**
   * Re-checks what the CRD schema already enforces (for objects stored before a schema change, or
   * created with validation off), and what only the operator knows: the region.
   *
   * @return why the spec cannot be applied, if it cannot
   */
  private static final java.util.regex.Pattern TABLE_NAME =
      java.util.regex.Pattern.compile("[a-zA-Z0-9_.-]{3,255}");

  public static Optional<String> invalidity(
      ContinuousBackupsPolicySpec spec, Optional<String> defaultRegion) {
    if (spec == null || spec.getTableName() == null || spec.getTableName().isBlank()) {
      return Optional.of("spec.tableName is required.");
    }
    if (!TABLE_NAME.matcher(spec.getTableName()).matches()) {
      // The CRD refuses it; a policy stored before, or with validation off, is refused here, so
      // that no ARN or other form reaches DynamoDB in place of a name.
      return Optional.of(
          "spec.tableName must be 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'.");
    }
    PointInTimeRecoverySpecification pitr = spec.getPointInTimeRecoverySpecification();
    if (pitr == null || pitr.getPointInTimeRecoveryEnabled() == null) {
      return Optional.of(
          "spec.pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled is required.");
    }
    Integer period = pitr.getRecoveryPeriodInDays();
    if (period != null
        && (period < PointInTimeRecoverySpecification.MIN_RECOVERY_PERIOD_DAYS
            || period > PointInTimeRecoverySpecification.MAX_RECOVERY_PERIOD_DAYS)) {
      return Optional.of("recoveryPeriodInDays must be 1 to 35, not " + period + ".");
    }
    if (period != null && !pitr.getPointInTimeRecoveryEnabled()) {
      return Optional.of(
          "recoveryPeriodInDays must not be set when pointInTimeRecoveryEnabled is false.");
    }
    if ((spec.getRegion() == null || spec.getRegion().isBlank()) && defaultRegion.isEmpty()) {
      return Optional.of(
          "No region: set spec.region, or give the operator a default region (pitr.aws.region).");
    }
    return Optional.empty();
  }
}
