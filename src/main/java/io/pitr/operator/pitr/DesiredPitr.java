package io.pitr.operator.pitr;

import io.pitr.operator.api.v1alpha1.PointInTimeRecoverySpecification;

/**
 * What a policy asks for, normalised so that it compares cleanly with what DynamoDB reports: an
 * enabled table always has a period (35 when the spec omits it), a disabled one never has.
 *
 * @param enabled whether point-in-time recovery should be on
 * @param recoveryPeriodDays days of restore points when enabled; null when disabled
 */
public record DesiredPitr(boolean enabled, Integer recoveryPeriodDays) {

  /** DynamoDB's default and maximum recovery period. */
  public static final int DEFAULT_RECOVERY_PERIOD_DAYS =
      PointInTimeRecoverySpecification.MAX_RECOVERY_PERIOD_DAYS;

  public static DesiredPitr enabled(int recoveryPeriodDays) {
    return new DesiredPitr(true, recoveryPeriodDays);
  }

  public static DesiredPitr disabled() {
    return new DesiredPitr(false, null);
  }

  /** Normalises a spec that has passed {@link PitrPlan#invalidity}. */
  public static DesiredPitr of(PointInTimeRecoverySpecification specification) {
    if (!Boolean.TRUE.equals(specification.getPointInTimeRecoveryEnabled())) {
      return disabled();
    }
    Integer period = specification.getRecoveryPeriodInDays();
    return enabled(period != null ? period : DEFAULT_RECOVERY_PERIOD_DAYS);
  }

  /** Whether DynamoDB's observed state is what this asks for. */
  public boolean isSatisfiedBy(ObservedPitr observed) {
    if (observed.pitrStatus() != ObservedPitr.PitrStatus.ENABLED
        && observed.pitrStatus() != ObservedPitr.PitrStatus.DISABLED) {
      return false;
    }
    boolean observedEnabled = observed.pitrStatus() == ObservedPitr.PitrStatus.ENABLED;
    if (observedEnabled != enabled) {
      return false;
    }
    // An enabled table whose description omits the period has the service default (35 days).
    int observedPeriod =
        observed.recoveryPeriodDays() != null
            ? observed.recoveryPeriodDays()
            : DEFAULT_RECOVERY_PERIOD_DAYS;
    return !enabled || observedPeriod == recoveryPeriodDays;
  }

  /** For messages and events: "enabled with a 14-day recovery period" or "disabled". */
  public String describe() {
    return enabled ? "enabled with a " + recoveryPeriodDays + "-day recovery period" : "disabled";
  }
}
