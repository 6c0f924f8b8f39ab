package io.pitr.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsDescription;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicyStatus;
import io.pitr.operator.api.v1alpha1.PointInTimeRecoveryDescription;
import io.pitr.operator.api.v1alpha1.RestoreWindow;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.pitr.DesiredPitr;
import io.pitr.operator.pitr.ObservedPitr;
import io.pitr.operator.pitr.Outcome;
import io.pitr.operator.pitr.Reconciliation;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds a policy's status from the previous one and the outcome of a reconciliation, following
 * kstatus: Ready always; Reconciling or Stalled only while true; lastTransitionTime kept unless a
 * condition's status flips. Two conditions inform beside them, never making the policy not Ready:
 * Compliant (the stored description matches the spec) and RestoreWindowReduced (the restore points
 * reach back less than the period). Pure: the same inputs give an equal status, so an unchanged
 * status is never written.
 */
public final class PolicyStatusBuilder {

  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";
  public static final String COMPLIANT = "Compliant";
  public static final String RESTORE_WINDOW_REDUCED = "RestoreWindowReduced";

  /**
   * Slack for clocks and DynamoDB's rounding: an earliest restorable time this much later than the
   * rolling window explains means point-in-time recovery was turned off and on again.
   */
  static final Duration RESTART_SLACK = Duration.ofMinutes(2);

  /** How far DynamoDB's latest restorable time lags its clock (spec: 300 s once settled). */
  static final Duration LATEST_RESTORABLE_LAG = Duration.ofMinutes(5);

  /** A window within this much of the whole period counts as whole (Latest lags by 5 minutes). */
  static final Duration FULL_SLACK = Duration.ofMinutes(10);

  static final int MAX_MESSAGE_LENGTH = 280;

  private PolicyStatusBuilder() {}

  /**
   * The new status.
   *
   * @param previous the current status, possibly null
   * @param generation the metadata.generation acted on
   * @param outcome what the reconciliation found
   * @param observed a fresh observation of DynamoDB, if one was made (null otherwise)
   * @param desired what the spec asks for, null when the spec is invalid
   * @param now the current time
   * @param refreshAfter how old the stored description may get before a fresh observation with the
   *     same settings replaces it; zero keeps it until the settings change
   */
  public static ContinuousBackupsPolicyStatus build(
      ContinuousBackupsPolicyStatus previous,
      long generation,
      Outcome outcome,
      ObservedPitr observed,
      DesiredPitr desired,
      Instant now,
      Duration refreshAfter) {
    ContinuousBackupsPolicyStatus status = new ContinuousBackupsPolicyStatus();
    status.setObservedGeneration(generation);
    status.setTableArn(previous == null ? null : previous.getTableArn());
    status.setContinuousBackupsDescription(
        previous == null ? null : previous.getContinuousBackupsDescription());
    status.setLastSyncTime(previous == null ? null : previous.getLastSyncTime());
    status.setRegion(previous == null ? null : previous.getRegion());
    status.setAccountId(previous == null ? null : previous.getAccountId());
    status.setAccountBinding(previous == null ? null : previous.getAccountBinding());
    status.setLastHandledReconcileAt(
        previous == null ? null : previous.getLastHandledReconcileAt());
    status.setRestorePointLossAcknowledged(
        previous == null ? null : previous.getRestorePointLossAcknowledged());
    status.setRestoreWindow(restoreWindow(previous, observed, now));
    if (outcome.reason() == ConditionReason.TableNotFound) {
      // No table, no point-in-time recovery: nothing is claimed about it.
      status.setContinuousBackupsDescription(null);
      status.setLastSyncTime(null);
      status.setRestoreWindow(null);
    }
    if (observed != null) {
      if (observed.tableArn() != null) {
        status.setTableArn(observed.tableArn());
      }
      if (shouldReplaceDescription(previous, observed, now, refreshAfter)) {
        status.setContinuousBackupsDescription(description(observed));
        status.setLastSyncTime(now.truncatedTo(ChronoUnit.SECONDS).toString());
      }
    }

    // A status written by someone else may hold anything the schema allows: read it defensively.
    List<Condition> previousConditions =
        previous == null || previous.getConditions() == null
            ? List.of()
            : previous.getConditions().stream().filter(Objects::nonNull).toList();
    List<Condition> conditions = new ArrayList<>();
    boolean ready = outcome.reason().kind() == ConditionReason.Kind.READY;
    conditions.add(
        Conditions.condition(
            previousConditions,
            READY,
            ready,
            outcome.reason(),
            outcome.message(),
            generation,
            now));
    if (!ready) {
      String progress =
          outcome.reason().kind() == ConditionReason.Kind.STALLED ? STALLED : RECONCILING;
      conditions.add(
          Conditions.condition(
              previousConditions,
              progress,
              true,
              outcome.reason(),
              outcome.message(),
              generation,
              now));
    }
    ObservedPitr stored = lastObserved(status);
    if (desired != null && stored != null) {
      boolean compliant = desired.isSatisfiedBy(stored);
      conditions.add(
          Conditions.condition(
              previousConditions,
              COMPLIANT,
              compliant,
              compliant ? ConditionReason.InSync : ConditionReason.DriftObserved,
              "DynamoDB reported point-in-time recovery "
                  + stored.describe()
                  + (status.getLastSyncTime() == null ? "" : " at " + status.getLastSyncTime())
                  + (compliant ? ", as the spec asks" : "; the spec asks for " + desired.describe())
                  + ".",
              generation,
              now));
    }
    RestoreWindow window = status.getRestoreWindow();
    if (window != null
        && stored != null
        && stored.pitrStatus() == ObservedPitr.PitrStatus.ENABLED) {
      boolean reduced = window.getFullPeriodAt() != null;
      conditions.add(
          Conditions.condition(
              previousConditions,
              RESTORE_WINDOW_REDUCED,
              reduced,
              reduced ? ConditionReason.RestoreWindowFilling : ConditionReason.FullRestoreWindow,
              reduced
                  ? "Restore points reach back to "
                      + stored.earliestRestorable()
                      + ", less than the "
                      + period(stored)
                      + "-day recovery period, which they fill at "
                      + window.getFullPeriodAt()
                      + "."
                  : "Restore points reach back the whole "
                      + period(stored)
                      + "-day recovery period.",
              generation,
              now));
    }
    status.setConditions(conditions);
    return status;
  }

  /**
   * The restore window after this reconciliation. With a fresh observation of point-in-time
   * recovery on: protectedSince is kept while the earliest restorable time is no later than the
   * rolling window of the previous observation explains (a shortened or lengthened period
   * included), and restarts at it otherwise (PITR was off in between); fullPeriodAt is the earliest
   * restorable time plus the period, while that is ahead. Without one the previous window stands,
   * fullPeriodAt dropped once passed. PITR off: none.
   */
  static RestoreWindow restoreWindow(
      ContinuousBackupsPolicyStatus previous, ObservedPitr observed, Instant now) {
    RestoreWindow before = previous == null ? null : previous.getRestoreWindow();
    if (observed == null) {
      if (before == null || before.getFullPeriodAt() == null) {
        return before;
      }
      Instant full = instant(before.getFullPeriodAt());
      return full != null && full.isAfter(now)
          ? before
          : new RestoreWindow(before.getProtectedSince(), null);
    }
    if (observed.pitrStatus() != ObservedPitr.PitrStatus.ENABLED) {
      return null;
    }
    Instant earliest = observed.earliestRestorable();
    if (earliest == null) {
      return before;
    }
    // DynamoDB's own now: its latest restorable time lags it by 5 minutes. An operator whose clock
    // is behind DynamoDB's would otherwise read the rolling window as restarted at every check.
    Instant reference =
        observed.latestRestorable() == null
            ? now
            : latest(now, observed.latestRestorable().plus(LATEST_RESTORABLE_LAG));
    ObservedPitr last = lastObserved(previous);
    Instant since = before == null ? null : instant(before.getProtectedSince());
    boolean uninterrupted =
        since != null
            && last != null
            && last.pitrStatus() == ObservedPitr.PitrStatus.ENABLED
            && last.earliestRestorable() != null
            && !earliest.isAfter(
                latest(
                        last.earliestRestorable(),
                        reference.minus(Duration.ofDays(Math.min(period(last), period(observed)))))
                    .plus(RESTART_SLACK));
    Instant protectedSince = uninterrupted && since.isBefore(earliest) ? since : earliest;
    Instant full = earliest.plus(Duration.ofDays(period(observed)));
    return new RestoreWindow(
        text(protectedSince), full.isAfter(reference.plus(FULL_SLACK)) ? text(full) : null);
  }

  private static int period(ObservedPitr observed) {
    return observed.recoveryPeriodDays() != null
        ? observed.recoveryPeriodDays()
        : DesiredPitr.DEFAULT_RECOVERY_PERIOD_DAYS;
  }

  private static Instant latest(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  /**
   * An Event when the restore window has become shorter than the period since the previous status
   * (point-in-time recovery turned on, or off and on again, or the period lengthened).
   */
  public static Optional<Reconciliation.Event> restoreWindowReduction(
      ContinuousBackupsPolicyStatus previous, ContinuousBackupsPolicyStatus status) {
    Optional<Condition> before = condition(previous, RESTORE_WINDOW_REDUCED);
    return condition(status, RESTORE_WINDOW_REDUCED)
        .filter(now -> "True".equals(now.getStatus()))
        .filter(
            now ->
                before.isEmpty()
                    || !"True".equals(before.get().getStatus())
                    || !Objects.equals(
                        previous.getRestoreWindow() == null
                            ? null
                            : previous.getRestoreWindow().getProtectedSince(),
                        status.getRestoreWindow().getProtectedSince()))
        .map(
            now ->
                new Reconciliation.Event(ConditionReason.RestoreWindowFilling, now.getMessage()));
  }

  /** A condition of a status, if present. */
  public static Optional<Condition> condition(ContinuousBackupsPolicyStatus status, String type) {
    return status == null || status.getConditions() == null
        ? Optional.empty()
        : status.getConditions().stream()
            .filter(c -> c != null && type.equals(c.getType()))
            .findFirst();
  }

  /** The observation stored in a status, or null if none is stored. */
  public static ObservedPitr lastObserved(ContinuousBackupsPolicyStatus status) {
    if (status == null || status.getContinuousBackupsDescription() == null) {
      return null;
    }
    ContinuousBackupsDescription description = status.getContinuousBackupsDescription();
    PointInTimeRecoveryDescription pitr = description.getPointInTimeRecoveryDescription();
    String rawStatus = pitr == null ? null : pitr.getPointInTimeRecoveryStatus();
    return new ObservedPitr(
        status.getTableArn(),
        "ENABLED".equals(description.getContinuousBackupsStatus()),
        ObservedPitr.PitrStatus.of(rawStatus),
        rawStatus,
        pitr == null ? null : pitr.getRecoveryPeriodInDays(),
        pitr == null ? null : instant(pitr.getEarliestRestorableDateTime()),
        pitr == null ? null : instant(pitr.getLatestRestorableDateTime()));
  }

  /** The Ready condition's reason, if it is one of the operator's. */
  public static Optional<ConditionReason> readyReason(ContinuousBackupsPolicyStatus status) {
    return ready(status)
        .map(Condition::getReason)
        .flatMap(
            name ->
                Arrays.stream(ConditionReason.values())
                    .filter(ConditionReason::readiness)
                    .filter(reason -> reason.name().equals(name))
                    .findFirst());
  }

  /** Since when Ready has been False, if it is False with a readable transition time. */
  public static Instant failingSince(ContinuousBackupsPolicyStatus status) {
    return ready(status)
        .filter(c -> "False".equals(c.getStatus()))
        .map(c -> instant(c.getLastTransitionTime()))
        .orElse(null);
  }

  /** The Ready condition, if present. */
  public static Optional<Condition> ready(ContinuousBackupsPolicyStatus status) {
    return condition(status, READY);
  }

  /** A message fit for a condition or event: one line, bounded in length. */
  public static String bounded(String message) {
    String oneLine = message == null ? "" : message.replaceAll("\\s+", " ").strip();
    return oneLine.length() <= MAX_MESSAGE_LENGTH
        ? oneLine
        : oneLine.substring(0, MAX_MESSAGE_LENGTH - 1) + "…";
  }

  private static boolean shouldReplaceDescription(
      ContinuousBackupsPolicyStatus previous,
      ObservedPitr observed,
      Instant now,
      Duration refreshAfter) {
    ObservedPitr stored = lastObserved(previous);
    if (stored == null || !stored.sameSettingsAs(observed)) {
      return true;
    }
    if (refreshAfter.isZero() || previous.getLastSyncTime() == null) {
      return false;
    }
    Instant lastSync = instant(previous.getLastSyncTime());
    return lastSync == null || !now.isBefore(lastSync.plus(refreshAfter));
  }

  private static ContinuousBackupsDescription description(ObservedPitr observed) {
    return new ContinuousBackupsDescription(
        observed.backupsAvailable() ? "ENABLED" : "DISABLED",
        new PointInTimeRecoveryDescription(
            observed.rawPitrStatus(),
            observed.recoveryPeriodDays(),
            text(observed.earliestRestorable()),
            text(observed.latestRestorable())));
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static Instant instant(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
