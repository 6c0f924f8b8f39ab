package io.pitr.operator.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.Condition;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicyStatus;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.pitr.DesiredPitr;
import io.pitr.operator.pitr.ObservedPitr;
import io.pitr.operator.pitr.Outcome;
import io.pitr.operator.pitr.Outcome.NotReady;
import io.pitr.operator.pitr.Outcome.Synced;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** kstatus conditions and the stored description, built purely from inputs. */
class PolicyStatusBuilderTest {

  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

  @Test
  void syncedIsReadyWithTheDescriptionAndNoProgressConditions() {
    ObservedPitr observed = enabled(14, T0);

    ContinuousBackupsPolicyStatus status =
        PolicyStatusBuilder.build(null, 3, new Synced(observed), observed, null, T0, Duration.ZERO);

    assertThat(status.getObservedGeneration()).isEqualTo(3);
    assertThat(status.getTableArn()).isEqualTo(observed.tableArn());
    assertThat(status.getLastSyncTime()).isEqualTo("2026-11-25T10:00:00Z");
    var pitr = status.getContinuousBackupsDescription().getPointInTimeRecoveryDescription();
    assertThat(pitr.getPointInTimeRecoveryStatus()).isEqualTo("ENABLED");
    assertThat(pitr.getRecoveryPeriodInDays()).isEqualTo(14);
    assertThat(pitr.getLatestRestorableDateTime()).isEqualTo("2026-11-25T09:55:00Z");
    assertThat(status.getConditions())
        .extracting(Condition::getType)
        .as("no Reconciling or Stalled; the restore window informs")
        .containsExactly("Ready", "RestoreWindowReduced");
    assertThat(status.getConditions().get(0))
        .returns("Ready", Condition::getType)
        .returns("True", Condition::getStatus)
        .returns("InSync", Condition::getReason)
        .returns(3L, Condition::getObservedGeneration)
        .returns(
            "Point-in-time recovery is enabled with a 14-day recovery period, as specified.",
            Condition::getMessage);
  }

  @Test
  void waitingIsNotReadyAndReconcilingAndStalledIsNotReadyAndStalled() {
    ContinuousBackupsPolicyStatus waiting =
        PolicyStatusBuilder.build(
            null,
            1,
            new NotReady(ConditionReason.TableNotFound, "no table"),
            null,
            null,
            T0,
            Duration.ZERO);
    ContinuousBackupsPolicyStatus stalled =
        PolicyStatusBuilder.build(
            null,
            1,
            new NotReady(ConditionReason.AccessDenied, "denied"),
            null,
            null,
            T0,
            Duration.ZERO);

    assertThat(waiting.getConditions())
        .extracting(Condition::getType, Condition::getStatus, Condition::getReason)
        .containsExactly(
            tuple("Ready", "False", "TableNotFound"),
            tuple("Reconciling", "True", "TableNotFound"));
    assertThat(stalled.getConditions())
        .extracting(Condition::getType, Condition::getStatus)
        .containsExactly(tuple("Ready", "False"), tuple("Stalled", "True"));
  }

  @Test
  void lastTransitionTimeMovesOnlyWhenTheStatusFlips() {
    Instant later = T0.plusSeconds(600);
    ContinuousBackupsPolicyStatus throttled =
        PolicyStatusBuilder.build(
            null,
            1,
            new NotReady(ConditionReason.Throttled, "slow down"),
            null,
            null,
            T0,
            Duration.ZERO);

    ContinuousBackupsPolicyStatus serverError =
        PolicyStatusBuilder.build(
            throttled,
            1,
            new NotReady(ConditionReason.AwsServerError, "500"),
            null,
            null,
            later,
            Duration.ZERO);
    ContinuousBackupsPolicyStatus ready =
        PolicyStatusBuilder.build(
            serverError,
            1,
            new Synced(enabled(7, later)),
            enabled(7, later),
            null,
            later,
            Duration.ZERO);

    assertThat(PolicyStatusBuilder.ready(serverError).orElseThrow().getLastTransitionTime())
        .as("False → False keeps the time, though the reason changed")
        .isEqualTo("2026-11-25T10:00:00Z");
    assertThat(PolicyStatusBuilder.ready(ready).orElseThrow().getLastTransitionTime())
        .as("False → True moves it")
        .isEqualTo("2026-11-25T10:10:00Z");
  }

  @Test
  void sameOutcomeGivesAnEqualStatusSoNothingIsWritten() {
    ObservedPitr first = enabled(7, T0);
    ContinuousBackupsPolicyStatus status =
        PolicyStatusBuilder.build(
            null, 2, new Synced(first), first, DesiredPitr.enabled(7), T0, Duration.ZERO);

    ObservedPitr tenMinutesLater = enabled(7, T0.plusSeconds(600));
    ContinuousBackupsPolicyStatus again =
        PolicyStatusBuilder.build(
            status,
            2,
            new Synced(tenMinutesLater),
            tenMinutesLater,
            DesiredPitr.enabled(7),
            T0.plusSeconds(600),
            Duration.ZERO);

    assertThat(PolicyStatusBuilder.condition(status, PolicyStatusBuilder.COMPLIANT))
        .as("judged against the spec")
        .isPresent();
    assertThat(again).isEqualTo(status);
  }

  @Test
  void storedDescriptionIsRefreshedWhenSettingsChangeOrItIsTooOld() {
    ObservedPitr first = enabled(7, T0);
    ContinuousBackupsPolicyStatus status =
        PolicyStatusBuilder.build(null, 2, new Synced(first), first, null, T0, Duration.ofHours(1));

    Instant later = T0.plus(Duration.ofHours(2));
    ContinuousBackupsPolicyStatus refreshed =
        PolicyStatusBuilder.build(
            status,
            2,
            new Synced(enabled(7, later)),
            enabled(7, later),
            null,
            later,
            Duration.ofHours(1));
    ContinuousBackupsPolicyStatus changed =
        PolicyStatusBuilder.build(
            status,
            3,
            new Synced(enabled(14, T0.plusSeconds(5))),
            enabled(14, T0.plusSeconds(5)),
            null,
            T0.plusSeconds(5),
            Duration.ofHours(1));

    assertThat(refreshed.getLastSyncTime()).isEqualTo("2026-11-25T12:00:00Z");
    assertThat(changed.getLastSyncTime()).isEqualTo("2026-11-25T10:00:05Z");
    assertThat(
            changed
                .getContinuousBackupsDescription()
                .getPointInTimeRecoveryDescription()
                .getRecoveryPeriodInDays())
        .isEqualTo(14);
  }

  @Test
  void aMissingTableHasNoPointInTimeRecoveryClaimedForIt() {
    ObservedPitr observed = enabled(14, T0);
    var ready =
        PolicyStatusBuilder.build(null, 1, new Synced(observed), observed, null, T0, Duration.ZERO);
    ready.setRegion("eu-west-1");

    var missing =
        PolicyStatusBuilder.build(
            ready,
            1,
            new NotReady(ConditionReason.TableNotFound, "gone"),
            null,
            null,
            T0.plusSeconds(60),
            Duration.ZERO);

    assertThat(missing.getContinuousBackupsDescription()).isNull();
    assertThat(missing.getLastSyncTime()).isNull();
    assertThat(missing.getTableArn())
        .as("the table's identity stays")
        .isEqualTo(ready.getTableArn());
    assertThat(missing.getRegion()).isEqualTo("eu-west-1");
  }

  @Test
  void lastObservedReadsBackWhatWasStored() {
    ObservedPitr observed = enabled(21, T0);
    ContinuousBackupsPolicyStatus status =
        PolicyStatusBuilder.build(null, 1, new Synced(observed), observed, null, T0, Duration.ZERO);

    assertThat(PolicyStatusBuilder.lastObserved(status)).isEqualTo(observed);
    assertThat(PolicyStatusBuilder.lastObserved(new ContinuousBackupsPolicyStatus())).isNull();
  }

  @Test
  void messagesAreOneBoundedLine() {
    String bounded = PolicyStatusBuilder.bounded("a\n  b " + "x".repeat(1000));

    assertThat(bounded).startsWith("a b x").hasSize(PolicyStatusBuilder.MAX_MESSAGE_LENGTH);
    assertThat(bounded).doesNotContain("\n");
  }

  private static ObservedPitr enabled(int period, Instant now) {
    return new ObservedPitr(
        "arn:aws:dynamodb:eu-west-1:000000000000:table/orders",
        true,
        ObservedPitr.PitrStatus.ENABLED,
        "ENABLED",
        period,
        T0.minus(Duration.ofDays(1)),
        now.minusSeconds(300));
  }

  @Test
  void compliantSaysWhetherTheStoredDescriptionMatchesTheSpec() {
    ObservedPitr observed = enabled(14, T0);

    ContinuousBackupsPolicyStatus matching =
        PolicyStatusBuilder.build(
            null, 1, new Synced(observed), observed, DesiredPitr.enabled(14), T0, Duration.ZERO);
    ContinuousBackupsPolicyStatus drifted =
        PolicyStatusBuilder.build(
            null,
            1,
            new Outcome.Drifted(observed, DesiredPitr.enabled(35)),
            observed,
            DesiredPitr.enabled(35),
            T0,
            Duration.ZERO);

    assertThat(condition(matching, "Compliant"))
        .returns("True", Condition::getStatus)
        .returns("InSync", Condition::getReason);
    assertThat(condition(drifted, "Ready"))
        .as("observing is all an observe-only policy was asked to do")
        .returns("True", Condition::getStatus)
        .returns("DriftObserved", Condition::getReason);
    assertThat(condition(drifted, "Compliant"))
        .returns("False", Condition::getStatus)
        .returns("DriftObserved", Condition::getReason);
    assertThat(condition(drifted, "Compliant").getMessage())
        .isEqualTo(
            "DynamoDB reported point-in-time recovery enabled with a 14-day recovery period at"
                + " 2026-11-25T10:00:00Z; the spec asks for enabled with a 35-day recovery"
                + " period.");
    assertThat(drifted.getConditions())
        .extracting(Condition::getType)
        .doesNotContain("Reconciling", "Stalled");
  }

  @Test
  void restoreWindowIsKeptAcrossChecksAndRestartsAfterPitrWasOffInBetween() {
    ContinuousBackupsPolicyStatus full =
        synced(null, window(35, T0.minus(Duration.ofDays(35)), T0), T0);
    assertThat(full.getRestoreWindow().getProtectedSince())
        .as("first seen with a full window: the earliest restorable time is all that is known")
        .isEqualTo("2026-10-21T10:00:00Z");
    assertThat(full.getRestoreWindow().getFullPeriodAt()).isNull();
    assertThat(condition(full, "RestoreWindowReduced"))
        .returns("False", Condition::getStatus)
        .returns("FullRestoreWindow", Condition::getReason);

    // A day later the window has rolled on: PITR stayed on, protectedSince stays.
    Instant day = T0.plus(Duration.ofDays(1));
    ContinuousBackupsPolicyStatus rolled =
        synced(full, window(35, day.minus(Duration.ofDays(35)), day), day);
    assertThat(rolled.getRestoreWindow()).isEqualTo(full.getRestoreWindow());

    // Turned off and on again outside the operator an hour ago: the window restarts.
    Instant later = day.plus(Duration.ofHours(2));
    Instant reEnabled = later.minus(Duration.ofHours(1));
    ContinuousBackupsPolicyStatus restarted = synced(rolled, window(35, reEnabled, later), later);
    assertThat(restarted.getRestoreWindow().getProtectedSince()).isEqualTo(reEnabled.toString());
    assertThat(restarted.getRestoreWindow().getFullPeriodAt())
        .isEqualTo(reEnabled.plus(Duration.ofDays(35)).toString());
    assertThat(condition(restarted, "RestoreWindowReduced"))
        .returns("True", Condition::getStatus)
        .returns("RestoreWindowFilling", Condition::getReason);
    assertThat(condition(restarted, "Ready").getStatus())
        .as("a reduced window is no failure")
        .isEqualTo("True");

    // No fresh observation, but the period has filled since: the condition flips.
    Instant filled = reEnabled.plus(Duration.ofDays(35)).plusSeconds(1);
    ContinuousBackupsPolicyStatus later35 =
        PolicyStatusBuilder.build(
            restarted,
            1,
            new Synced(PolicyStatusBuilder.lastObserved(restarted)),
            null,
            DesiredPitr.enabled(35),
            filled,
            Duration.ZERO);
    assertThat(later35.getRestoreWindow().getProtectedSince()).isEqualTo(reEnabled.toString());
    assertThat(later35.getRestoreWindow().getFullPeriodAt()).isNull();
    assertThat(condition(later35, "RestoreWindowReduced").getStatus()).isEqualTo("False");
  }

  @Test
  void restoreWindowGoesByDynamoDbsClockWhenTheOperatorsIsBehind() {
    // DynamoDB's clock is 4 minutes ahead of the operator's: its rolling window runs ahead too.
    Duration skew = Duration.ofMinutes(4);
    ContinuousBackupsPolicyStatus full =
        synced(null, skewed(T0.plus(skew).minus(Duration.ofDays(35)), T0.plus(skew)), T0);
    Instant day = T0.plus(Duration.ofDays(1));
    ContinuousBackupsPolicyStatus rolled =
        synced(full, skewed(day.plus(skew).minus(Duration.ofDays(35)), day.plus(skew)), day);

    assertThat(rolled.getRestoreWindow()).isEqualTo(full.getRestoreWindow());
    assertThat(rolled.getRestoreWindow().getFullPeriodAt()).isNull();
  }

  /** 35 days, restorable from {@code earliest}, as DynamoDB reports at its own {@code now}. */
  private static ObservedPitr skewed(Instant earliest, Instant dynamoDbNow) {
    return window(35, earliest, dynamoDbNow);
  }

  @Test
  void restoreWindowSurvivesAChangedPeriodAndGoesWithPitr() {
    ContinuousBackupsPolicyStatus seven =
        synced(null, window(7, T0.minus(Duration.ofDays(7)), T0), T0);
    String since = seven.getRestoreWindow().getProtectedSince();

    // Lengthened to 35 days: DynamoDB stops purging, the earliest point stays where it was.
    Instant hour = T0.plus(Duration.ofHours(1));
    ContinuousBackupsPolicyStatus lengthened =
        synced(seven, window(35, T0.minus(Duration.ofDays(7)), hour), hour);
    assertThat(lengthened.getRestoreWindow().getProtectedSince()).isEqualTo(since);
    assertThat(lengthened.getRestoreWindow().getFullPeriodAt())
        .as("the restore points reach back 35 days 28 days later")
        .isEqualTo(T0.plus(Duration.ofDays(28)).toString());

    // Shortened to 1 day: the earliest point jumps forward, PITR stayed on.
    Instant two = T0.plus(Duration.ofHours(2));
    ContinuousBackupsPolicyStatus shortened =
        synced(lengthened, window(1, two.minus(Duration.ofDays(1)), two), two);
    assertThat(shortened.getRestoreWindow().getProtectedSince()).isEqualTo(since);
    assertThat(shortened.getRestoreWindow().getFullPeriodAt()).isNull();

    ContinuousBackupsPolicyStatus off =
        PolicyStatusBuilder.build(
            shortened,
            2,
            new Synced(observedOff()),
            observedOff(),
            DesiredPitr.disabled(),
            two,
            Duration.ZERO);
    assertThat(off.getRestoreWindow()).isNull();
    assertThat(off.getConditions())
        .extracting(Condition::getType)
        .containsExactly("Ready", "Compliant");
  }

  private static ContinuousBackupsPolicyStatus synced(
      ContinuousBackupsPolicyStatus previous, ObservedPitr observed, Instant now) {
    return PolicyStatusBuilder.build(
        previous,
        1,
        new Synced(observed),
        observed,
        DesiredPitr.enabled(observed.recoveryPeriodDays()),
        now,
        Duration.ZERO);
  }

  /** PITR on with this period, restorable from {@code earliest}, observed at {@code now}. */
  private static ObservedPitr window(int period, Instant earliest, Instant now) {
    return new ObservedPitr(
        "arn:aws:dynamodb:eu-west-1:000000000000:table/orders",
        true,
        ObservedPitr.PitrStatus.ENABLED,
        "ENABLED",
        period,
        earliest,
        now.minusSeconds(300));
  }

  private static ObservedPitr observedOff() {
    return new ObservedPitr(
        "arn:aws:dynamodb:eu-west-1:000000000000:table/orders",
        true,
        ObservedPitr.PitrStatus.DISABLED,
        "DISABLED",
        null,
        null,
        null);
  }

  private static Condition condition(ContinuousBackupsPolicyStatus status, String type) {
    return status.getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no condition " + type));
  }
}
