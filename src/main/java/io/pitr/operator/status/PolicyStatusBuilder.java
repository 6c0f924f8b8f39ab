package io.pitr.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsDescription;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicyStatus;
import io.pitr.operator.api.v1alpha1.PointInTimeRecoveryDescription;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.pitr.ObservedPitr;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds a policy's status from the previous one and the outcome of a reconciliation, following
 * kstatus: Ready always; Reconciling or Stalled only while true; lastTransitionTime kept unless a
 * condition's status flips. Pure: the same inputs give an equal status, so an unchanged status is
 * never written.
 */
public final class PolicyStatusBuilder {

  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";
  static final int MAX_MESSAGE_LENGTH = 280;

  private PolicyStatusBuilder() {}

  /** What a reconciliation found. */
  public sealed interface Outcome permits Synced, NotReady {}

  /** DynamoDB matches the spec; this is what it reported. */
  public record Synced(ObservedPitr observed) implements Outcome {}

  /** DynamoDB does not (yet) match the spec, for this reason. */
  public record NotReady(ConditionReason reason, String message) implements Outcome {
    public NotReady {
      if (reason.kind() != ConditionReason.Kind.WAITING
          && reason.kind() != ConditionReason.Kind.STALLED) {
        throw new IllegalArgumentException(reason + " is not a reason for not being ready");
      }
    }
  }

  /**
   * The new status.
   *
   * @param previous the current status, possibly null
   * @param generation the metadata.generation acted on
   * @param outcome what the reconciliation found
   * @param observed a fresh observation of DynamoDB, if one was made (null otherwise)
   * @param now the current time
   * @param refreshAfter how old the stored description may get before a fresh observation with the
   *     same settings replaces it; zero keeps it until the settings change
   */
  public static ContinuousBackupsPolicyStatus build(
      ContinuousBackupsPolicyStatus previous,
      long generation,
      Outcome outcome,
      ObservedPitr observed,
      Instant now,
      Duration refreshAfter) {
    ContinuousBackupsPolicyStatus status = new ContinuousBackupsPolicyStatus();
    status.setObservedGeneration(generation);
    status.setTableArn(previous == null ? null : previous.getTableArn());
    status.setContinuousBackupsDescription(
        previous == null ? null : previous.getContinuousBackupsDescription());
    status.setLastSyncTime(previous == null ? null : previous.getLastSyncTime());
    if (observed != null) {
      if (observed.tableArn() != null) {
        status.setTableArn(observed.tableArn());
      }
      if (shouldReplaceDescription(previous, observed, now, refreshAfter)) {
        status.setContinuousBackupsDescription(description(observed));
        status.setLastSyncTime(now.truncatedTo(ChronoUnit.SECONDS).toString());
      }
    }

    List<Condition> previousConditions = previous == null ? List.of() : previous.getConditions();
    List<Condition> conditions = new ArrayList<>();
    if (outcome instanceof Synced synced) {
      conditions.add(
          condition(
              previousConditions,
              READY,
              true,
              ConditionReason.InSync,
              "Point-in-time recovery is " + synced.observed().describe() + ", as specified.",
              generation,
              now));
    } else if (outcome instanceof NotReady notReady) {
      conditions.add(
          condition(
              previousConditions,
              READY,
              false,
              notReady.reason(),
              notReady.message(),
              generation,
              now));
      String progress =
          notReady.reason().kind() == ConditionReason.Kind.STALLED ? STALLED : RECONCILING;
      conditions.add(
          condition(
              previousConditions,
              progress,
              true,
              notReady.reason(),
              notReady.message(),
              generation,
              now));
    }
    status.setConditions(conditions);
    return status;
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

  /** The Ready condition, if present. */
  public static Optional<Condition> ready(ContinuousBackupsPolicyStatus status) {
    return status == null
        ? Optional.empty()
        : status.getConditions().stream().filter(c -> READY.equals(c.getType())).findFirst();
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

  private static Condition condition(
      List<Condition> previous,
      String type,
      boolean status,
      ConditionReason reason,
      String message,
      long generation,
      Instant now) {
    String statusText = status ? "True" : "False";
    String transition =
        previous.stream()
            .filter(c -> type.equals(c.getType()) && statusText.equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .findFirst()
            .orElse(now.truncatedTo(ChronoUnit.SECONDS).toString());
    return new ConditionBuilder()
        .withType(type)
        .withStatus(statusText)
        .withReason(reason.name())
        .withMessage(bounded(message))
        .withObservedGeneration(generation)
        .withLastTransitionTime(transition)
        .build();
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
