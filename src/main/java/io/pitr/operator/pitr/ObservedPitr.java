package io.pitr.operator.pitr;

import java.time.Instant;
import java.util.Objects;

/**
 * A table's continuous backups as DynamoDB reported them: the project's own copy of a
 * ContinuousBackupsDescription, free of SDK types.
 *
 * @param tableArn the table's ARN, when known
 * @param backupsAvailable ContinuousBackupsStatus is ENABLED (false only just after creation)
 * @param pitrStatus the point-in-time recovery status
 * @param rawPitrStatus the status exactly as DynamoDB sent it, for status and messages
 * @param recoveryPeriodDays the period, if DynamoDB reported one
 * @param earliestRestorable earliest restorable time, if reported
 * @param latestRestorable latest restorable time, if reported
 */
public record ObservedPitr(
    String tableArn,
    boolean backupsAvailable,
    PitrStatus pitrStatus,
    String rawPitrStatus,
    Integer recoveryPeriodDays,
    Instant earliestRestorable,
    Instant latestRestorable) {

  /** DynamoDB's PointInTimeRecoveryStatus; anything else (a future value) is {@link #OTHER}. */
  public enum PitrStatus {
    ENABLED,
    DISABLED,
    /** A value this operator does not know, such as ENABLING: treated as still changing. */
    OTHER;

    public static PitrStatus of(String raw) {
      if ("ENABLED".equals(raw)) {
        return ENABLED;
      }
      return "DISABLED".equals(raw) ? DISABLED : OTHER;
    }
  }

  /** Whether two observations say the same thing apart from the restorable times. */
  public boolean sameSettingsAs(ObservedPitr other) {
    return other != null
        && backupsAvailable == other.backupsAvailable
        && pitrStatus == other.pitrStatus
        && Objects.equals(rawPitrStatus, other.rawPitrStatus)
        && Objects.equals(recoveryPeriodDays, other.recoveryPeriodDays);
  }

  /** For messages and events: "enabled with a 7-day recovery period" or "disabled". */
  public String describe() {
    return switch (pitrStatus) {
      case ENABLED ->
          "enabled with a "
              + (recoveryPeriodDays != null
                  ? recoveryPeriodDays
                  : DesiredPitr.DEFAULT_RECOVERY_PERIOD_DAYS)
              + "-day recovery period";
      case DISABLED -> "disabled";
      case OTHER -> rawPitrStatus;
    };
  }
}
