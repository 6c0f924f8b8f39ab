package io.pitr.operator.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.Condition;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicyStatus;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.pitr.ObservedPitr;
import io.pitr.operator.pitr.Outcome.NotReady;
import io.pitr.operator.pitr.Outcome.Synced;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** kstatus conditions and the stored description, built purely from inputs. */
class PolicyStatusBuilderTest {

  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

  @Test
  void syncedIsReadyWithTheDescriptionAndNoOtherConditions() {
    ObservedPitr observed = enabled(14, T0);

    ContinuousBackupsPolicyStatus status =
        PolicyStatusBuilder.build(null, 3, new Synced(observed), observed, T0, Duration.ZERO);

    assertThat(status.getObservedGeneration()).isEqualTo(3);
    assertThat(status.getTableArn()).isEqualTo(observed.tableArn());
    assertThat(status.getLastSyncTime()).isEqualTo("2026-11-25T10:00:00Z");
    var pitr = status.getContinuousBackupsDescription().getPointInTimeRecoveryDescription();
    assertThat(pitr.getPointInTimeRecoveryStatus()).isEqualTo("ENABLED");
    assertThat(pitr.getRecoveryPeriodInDays()).isEqualTo(14);
    assertThat(pitr.getLatestRestorableDateTime()).isEqualTo("2026-11-25T09:55:00Z");
    assertThat(status.getConditions())
        .singleElement()
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
            T0,
            Duration.ZERO);
    ContinuousBackupsPolicyStatus stalled =
        PolicyStatusBuilder.build(
            null, 1, new NotReady(ConditionReason.AccessDenied, "denied"), null, T0, Duration.ZERO);

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
            null, 1, new NotReady(ConditionReason.Throttled, "slow down"), null, T0, Duration.ZERO);

    ContinuousBackupsPolicyStatus serverError =
        PolicyStatusBuilder.build(
            throttled,
            1,
            new NotReady(ConditionReason.AwsServerError, "500"),
            null,
            later,
            Duration.ZERO);
    ContinuousBackupsPolicyStatus ready =
        PolicyStatusBuilder.build(
            serverError, 1, new Synced(enabled(7, later)), enabled(7, later), later, Duration.ZERO);

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
        PolicyStatusBuilder.build(null, 2, new Synced(first), first, T0, Duration.ZERO);

    ObservedPitr tenMinutesLater = enabled(7, T0.plusSeconds(600));
    ContinuousBackupsPolicyStatus again =
        PolicyStatusBuilder.build(
            status,
            2,
            new Synced(tenMinutesLater),
            tenMinutesLater,
            T0.plusSeconds(600),
            Duration.ZERO);

    assertThat(again).isEqualTo(status);
  }

  @Test
  void storedDescriptionIsRefreshedWhenSettingsChangeOrItIsTooOld() {
    ObservedPitr first = enabled(7, T0);
    ContinuousBackupsPolicyStatus status =
        PolicyStatusBuilder.build(null, 2, new Synced(first), first, T0, Duration.ofHours(1));

    Instant later = T0.plus(Duration.ofHours(2));
    ContinuousBackupsPolicyStatus refreshed =
        PolicyStatusBuilder.build(
            status,
            2,
            new Synced(enabled(7, later)),
            enabled(7, later),
            later,
            Duration.ofHours(1));
    ContinuousBackupsPolicyStatus changed =
        PolicyStatusBuilder.build(
            status,
            3,
            new Synced(enabled(14, T0.plusSeconds(5))),
            enabled(14, T0.plusSeconds(5)),
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
        PolicyStatusBuilder.build(null, 1, new Synced(observed), observed, T0, Duration.ZERO);
    ready.setRegion("eu-west-1");

    var missing =
        PolicyStatusBuilder.build(
            ready,
            1,
            new NotReady(ConditionReason.TableNotFound, "gone"),
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
        PolicyStatusBuilder.build(null, 1, new Synced(observed), observed, T0, Duration.ZERO);

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
}
