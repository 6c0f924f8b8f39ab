package io.pitr.operator.pitr;

import static org.assertj.core.api.Assertions.assertThat;

import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicyStatus;
import io.pitr.operator.pitr.Reconciliation.Answer;
import io.pitr.operator.pitr.Reconciliation.Answered;
import io.pitr.operator.pitr.Reconciliation.Call;
import io.pitr.operator.pitr.Reconciliation.Deferred;
import io.pitr.operator.pitr.Reconciliation.Departure;
import io.pitr.operator.pitr.Reconciliation.Describe;
import io.pitr.operator.pitr.Reconciliation.Event;
import io.pitr.operator.pitr.Reconciliation.Failed;
import io.pitr.operator.pitr.Reconciliation.Release;
import io.pitr.operator.pitr.Reconciliation.Stay;
import io.pitr.operator.pitr.Reconciliation.Update;
import io.pitr.operator.pitr.Reconciliation.Verdict;
import io.pitr.operator.status.PolicyStatusBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The decision of each reconciliation, over sequences of events as a policy lives them: which
 * observation is trusted, which AWS calls are made, what the policy's outcome is, which events are
 * recorded and when it is looked at again. A policy here is its status, kept by the same pure
 * status builder the reconciler uses; AWS is a script of answers.
 */
class ReconciliationTest {

  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final TableRef TABLE = new TableRef("eu-west-1", "orders");
  private static final Duration DRIFT = Duration.ofMinutes(10);
  private static final ReconcilerSettings SETTINGS =
      new ReconcilerSettings(
          Optional.of("eu-west-1"),
          new DriftSchedule(DRIFT, 0.1, 8),
          Duration.ofSeconds(5),
          Duration.ofMinutes(5),
          Duration.ofMinutes(1),
          Duration.ofSeconds(10),
          Duration.ofMinutes(30),
          Duration.ofSeconds(30),
          Duration.ZERO,
          Optional.empty());

  /** Jitter factor exactly 1: nextDouble() of this generator is 0.5. */
  private final Reconciliation reconciliation = new Reconciliation(SETTINGS, () -> Long.MIN_VALUE);

  private final Policy policy = new Policy();

  @Test
  void newPolicyForTheLongestPeriodIsAppliedWithOneUpdateWhoseAnswerIsTheObservation() {
    policy.desired = DesiredPitr.enabled(35);
    Verdict verdict = policy.reconcile(T0, enabled(35));

    assertThat(policy.calls).containsExactly(new Update(TABLE, DesiredPitr.enabled(35)));
    assertThat(verdict.outcome()).contains(new Outcome.Synced(enabled(35)));
    assertThat(verdict.observed()).isEqualTo(enabled(35));
    assertThat(verdict.events()).extracting(Event::reason).containsExactly(ConditionReason.InSync);
    assertThat(verdict.driftCheckDue()).isPresent();
    assertThat(verdict.next())
        .as("the next look is the drift check, within the interval's jitter")
        .isBetween(DRIFT.multipliedBy(9).dividedBy(10), DRIFT.multipliedBy(11).dividedBy(10));
  }

  @Test
  void specChangeWhileReadyThatDynamoDbAlreadyMatchesCostsNoCall() {
    policy.reconcile(T0, enabled(14));

    policy.changeSpec(DesiredPitr.enabled(14));
    Verdict verdict = policy.reconcile(T0.plusSeconds(60));

    assertThat(policy.callsAfterFirst()).isEmpty();
    assertThat(verdict.outcome()).contains(new Outcome.Synced(enabled(14)));
    assertThat(verdict.events()).as("Ready did not change").isEmpty();
  }

  @Test
  void specChangeWhileReadyIsAppliedAndToldWithAnEvent() {
    policy.reconcile(T0, enabled(14));

    policy.changeSpec(DesiredPitr.enabled(7));
    Verdict verdict = policy.reconcile(T0.plusSeconds(60), enabled(7));

    assertThat(policy.callsAfterFirst()).containsExactly(new Update(TABLE, DesiredPitr.enabled(7)));
    assertThat(verdict.outcome()).contains(new Outcome.Synced(enabled(7)));
    assertThat(verdict.events())
        .extracting(Event::reason)
        .as("Ready stays True, so an Applied event tells of the change")
        .containsExactly(ConditionReason.Applied);
  }

  @Test
  void specChangeAfterAFailureIsAppliedNotJudgedOnTheStaleObservation() {
    policy.desired = DesiredPitr.enabled(35);
    policy.reconcile(T0, enabled(35));
    policy.reconcile(T0.plus(DRIFT.multipliedBy(2)), notFound());
    assertThat(policy.reason()).isEqualTo(ConditionReason.TableNotFound);

    // The stored description still says 35 days; a spec asking for 35 must not trust it.
    policy.changeSpec(DesiredPitr.enabled(35));
    Verdict verdict = policy.reconcile(T0.plus(DRIFT.multipliedBy(2)).plusSeconds(5), notFound());

    assertThat(policy.calls.get(policy.calls.size() - 1))
        .isEqualTo(new Update(TABLE, DesiredPitr.enabled(35)));
    assertThat(verdict.outcome().orElseThrow().reason()).isEqualTo(ConditionReason.TableNotFound);
  }

  @Test
  void driftCheckNotDueYetDoesNothing() {
    Verdict applied = policy.reconcile(T0, enabled(14));

    Verdict early = policy.reconcile(T0.plusSeconds(60));

    assertThat(policy.callsAfterFirst()).isEmpty();
    assertThat(early.outcome()).isEmpty();
    assertThat(early.next())
        .isEqualTo(Duration.between(T0.plusSeconds(60), applied.driftCheckDue().orElseThrow()));
  }

  @Test
  void dueDriftCheckInSyncIsOneDescribeAndNothingElse() {
    Verdict applied = policy.reconcile(T0, enabled(14));
    Instant due = applied.driftCheckDue().orElseThrow();

    Verdict checked = policy.reconcile(due, enabled(14));

    assertThat(policy.callsAfterFirst()).containsExactly(new Describe(TABLE));
    assertThat(checked.outcome()).contains(new Outcome.Synced(enabled(14)));
    assertThat(checked.events()).isEmpty();
    assertThat(checked.driftCheckDue().orElseThrow()).isAfter(due.plus(DRIFT.dividedBy(2)));
  }

  @Test
  void driftIsFoundByADescribeAndSetBackByOneUpdate() {
    Verdict applied = policy.reconcile(T0, enabled(14));

    Verdict corrected =
        policy.reconcile(applied.driftCheckDue().orElseThrow(), enabled(3), enabled(14));

    assertThat(policy.callsAfterFirst())
        .containsExactly(new Describe(TABLE), new Update(TABLE, DesiredPitr.enabled(14)));
    assertThat(corrected.events())
        .singleElement()
        .returns(ConditionReason.DriftCorrected, Event::reason)
        .returns(
            "Point-in-time recovery of table orders in eu-west-1 was enabled with a 3-day recovery"
                + " period outside the operator; set back to enabled with a 14-day recovery"
                + " period.",
            Event::message);
  }

  @Test
  void deferredDriftCheckWaitsForThePermitAndChangesNothing() {
    Verdict applied = policy.reconcile(T0, enabled(14));
    Instant due = applied.driftCheckDue().orElseThrow();

    Verdict deferred = policy.reconcile(due, new Deferred(Duration.ofMillis(125)));

    assertThat(deferred.outcome()).isEmpty();
    assertThat(deferred.next()).isEqualTo(Duration.ofMillis(125));
    assertThat(deferred.driftCheckDue()).contains(due);
  }

  @Test
  void aDriftCheckThatCannotObserveChangesNothingAndRetriesTheDescribeWithBackoff() {
    Verdict applied = policy.reconcile(T0, enabled(14));
    Instant due = applied.driftCheckDue().orElseThrow();
    var statusBefore = policy.status;

    for (ConditionReason cannotLook :
        List.of(
            ConditionReason.Throttled,
            ConditionReason.AwsServerError,
            ConditionReason.EndpointUnreachable,
            ConditionReason.CredentialsUnavailable)) {
      Verdict failed = policy.reconcile(due, failed(cannotLook));

      assertThat(failed.outcome()).as(cannotLook + ": Ready stands, nothing written").isEmpty();
      assertThat(failed.events()).isEmpty();
      assertThat(failed.driftCheckDue()).as("the check stays due").contains(due);
    }
    Verdict later = policy.reconcile(due.plusSeconds(40), failed(ConditionReason.Throttled));
    Verdict observed = policy.reconcile(due.plusSeconds(80), enabled(14));

    assertThat(later.next())
        .as("backoff from the first failed look")
        .isEqualTo(Duration.ofSeconds(40));
    assertThat(policy.callsAfterFirst())
        .as("only Describes, never an Update")
        .containsOnly(new Describe(TABLE))
        .hasSize(6);
    assertThat(observed.outcome()).contains(new Outcome.Synced(enabled(14)));
    assertThat(observed.events()).isEmpty();
    assertThat(policy.status).isEqualTo(statusBefore);
  }

  @Test
  void onlyAnObservationOlderThanTheBoundMakesAPolicyStopSayingReady() {
    Verdict applied = policy.reconcile(T0, enabled(14));
    Instant due = applied.driftCheckDue().orElseThrow();
    Instant stale = T0.plus(DRIFT.multipliedBy(3));

    assertThat(policy.reconcile(stale.minusSeconds(1), failed(ConditionReason.Throttled)).outcome())
        .isEmpty();
    Verdict told = policy.reconcile(stale, failed(ConditionReason.Throttled));

    assertThat(due).isBefore(stale);
    assertThat(told.outcome().orElseThrow())
        .returns(ConditionReason.Throttled, Outcome::reason)
        .returns(
            "Table orders in eu-west-1 has not been observed since 2026-11-25T10:00:00Z:"
                + " Throttled happened",
            Outcome::message);
    // The retry looks first; DynamoDB still matches: Ready again, no Update.
    Verdict back = policy.reconcile(stale.plus(told.next()), enabled(14));
    assertThat(back.outcome()).contains(new Outcome.Synced(enabled(14)));
    assertThat(policy.callsAfterFirst()).containsOnly(new Describe(TABLE));
  }

  @Test
  void theStalenessBoundIsThreeDriftIntervalsAsStretchedAndNeverLessThanOne() {
    assertThat(SETTINGS.staleAfter(1)).isEqualTo(DRIFT.multipliedBy(3));
    // 20,000 policies at 8 Describes a second stretch the interval to 2,500 s.
    assertThat(SETTINGS.staleAfter(20_000)).isEqualTo(Duration.ofSeconds(7_500));
    var shortBound =
        new ReconcilerSettings(
            SETTINGS.defaultRegion(),
            SETTINGS.drift(),
            SETTINGS.initialBackoff(),
            SETTINGS.maxBackoff(),
            SETTINGS.tableNotFound(),
            SETTINGS.backupsNotYetAvailable(),
            SETTINGS.stalled(),
            SETTINGS.conflict(),
            SETTINGS.statusRefreshAfter(),
            Optional.of(Duration.ofMinutes(1)));
    assertThat(shortBound.staleAfter(1)).isEqualTo(DRIFT);
  }

  @Test
  void aDeletionWhoseUpdateWaitsForItsSlotStaysWithoutAnOutcome() {
    policy.answers.add(new Deferred(Duration.ofMillis(400)));

    assertThat(leave(true, true, Optional.empty(), Optional.empty()))
        .isInstanceOfSatisfying(
            Stay.class,
            stay -> {
              assertThat(stay.verdict().outcome()).isEmpty();
              assertThat(stay.verdict().next()).isEqualTo(Duration.ofMillis(400));
            });
  }

  @Test
  void aRetryAfterAFailureObservesFirstAndWritesOnlyWhatDiffers() {
    policy.reconcile(T0, notFound());
    assertThat(policy.reason()).isEqualTo(ConditionReason.TableNotFound);

    // The table was created by its owner, with PITR as the spec asks: nothing to write.
    Verdict found = policy.reconcile(T0.plusSeconds(60), enabled(14));
    assertThat(policy.callsAfterFirst()).containsExactly(new Describe(TABLE));
    assertThat(found.outcome()).contains(new Outcome.Synced(enabled(14)));

    // A failure again, then a table that differs: one Describe, one Update, no drift claimed.
    Policy other = new Policy();
    other.reconcile(T0, failed(ConditionReason.AwsServerError));
    Verdict applied = other.reconcile(T0.plusSeconds(5), observed("DISABLED", null), enabled(14));
    assertThat(other.callsAfterFirst())
        .containsExactly(new Describe(TABLE), new Update(TABLE, DesiredPitr.enabled(14)));
    assertThat(applied.events()).extracting(Event::reason).containsExactly(ConditionReason.InSync);
  }

  @Test
  void aDriftWhoseCorrectionFailedIsStillADriftWhenTheRetryCorrectsIt() {
    Verdict applied = policy.reconcile(T0, enabled(14));
    Instant due = applied.driftCheckDue().orElseThrow();

    policy.reconcile(due, enabled(3), failed(ConditionReason.Throttled));
    assertThat(policy.reason()).isEqualTo(ConditionReason.Throttled);
    Verdict corrected = policy.reconcile(due.plusSeconds(5), enabled(3), enabled(14));

    assertThat(corrected.events())
        .extracting(Event::reason)
        .containsExactly(ConditionReason.DriftCorrected, ConditionReason.InSync);
  }

  @Test
  void aRequestedReconciliationLooksNowWhateverTheSchedule() {
    policy.reconcile(T0, enabled(14));
    policy.reconcileRequested = true;

    Verdict verdict = policy.reconcile(T0.plusSeconds(30), enabled(14));

    assertThat(policy.callsAfterFirst()).containsExactly(new Describe(TABLE));
    assertThat(verdict.outcome()).contains(new Outcome.Synced(enabled(14)));
  }

  @Test
  void anUpdateWaitingForItsSlotKeepsTheObservationAndDoesNotDescribeAgain() {
    Verdict applied = policy.reconcile(T0, enabled(14));
    Instant due = applied.driftCheckDue().orElseThrow();

    Verdict waiting = policy.reconcile(due, enabled(3), new Deferred(Duration.ofMillis(250)));
    assertThat(waiting.outcome()).isEmpty();
    assertThat(waiting.next()).isEqualTo(Duration.ofMillis(250));
    assertThat(waiting.awaitingUpdate()).isEqualTo(enabled(3));

    policy.awaitingUpdate = waiting.awaitingUpdate();
    Verdict corrected = policy.reconcile(due.plusMillis(250), enabled(14));

    assertThat(policy.callsAfterFirst())
        .containsExactly(
            new Describe(TABLE),
            new Update(TABLE, DesiredPitr.enabled(14)),
            new Update(TABLE, DesiredPitr.enabled(14)));
    assertThat(corrected.events())
        .extracting(Event::reason)
        .containsExactly(ConditionReason.DriftCorrected);
  }

  @Test
  void aFirstApplyKeepsItsObservationHoweverOftenItsUpdateWaits() {
    // A new 14-day policy could shorten a longer period: it looks first, then waits for its slot.
    Verdict waiting = policy.reconcile(T0, observedOff(), new Deferred(Duration.ofSeconds(40)));
    assertThat(waiting.awaitingUpdate()).isEqualTo(observedOff());

    // Woken before its slot (another event), and again when the burst had no room at the slot.
    policy.reconcile(T0.plusSeconds(10), new Deferred(Duration.ofSeconds(30)));
    policy.reconcile(T0.plusSeconds(40), new Deferred(Duration.ofMillis(250)));
    Verdict applied = policy.reconcile(T0.plusSeconds(40).plusMillis(250), enabled(14));

    assertThat(applied.outcome()).contains(new Outcome.Synced(enabled(14)));
    assertThat(policy.calls)
        .as("one look, however long the Update waited")
        .containsExactly(
            new Describe(TABLE),
            new Update(TABLE, DesiredPitr.enabled(14)),
            new Update(TABLE, DesiredPitr.enabled(14)),
            new Update(TABLE, DesiredPitr.enabled(14)),
            new Update(TABLE, DesiredPitr.enabled(14)));
  }

  @Test
  void aSpecChangeWaitingForItsSlotLeavesTheStatusAsItIs() {
    policy.reconcile(T0, enabled(14));
    policy.changeSpec(DesiredPitr.enabled(7));

    Verdict waiting = policy.reconcile(T0.plusSeconds(5), new Deferred(Duration.ofSeconds(2)));

    assertThat(waiting.outcome()).isEmpty();
    assertThat(waiting.next()).isEqualTo(Duration.ofSeconds(2));
    assertThat(waiting.awaitingUpdate()).as("nothing was observed").isNull();
  }

  @Test
  void credentialsThatStoppedWorkingAreRetriedWithBackoffNotStalled() {
    Verdict verdict = policy.reconcile(T0, failed(ConditionReason.CredentialsUnavailable));

    assertThat(verdict.outcome().orElseThrow().reason())
        .isEqualTo(ConditionReason.CredentialsUnavailable);
    assertThat(ConditionReason.CredentialsUnavailable.kind())
        .isEqualTo(ConditionReason.Kind.WAITING);
    assertThat(verdict.next()).isEqualTo(SETTINGS.initialBackoff());
  }

  @Test
  void transientFailuresBackOffAboutAsLongAsThePolicyHasBeenFailing() {
    policy.reconcile(T0, failed(ConditionReason.AwsServerError));
    Verdict later = policy.reconcile(T0.plusSeconds(40), failed(ConditionReason.AwsServerError));
    Verdict muchLater =
        policy.reconcile(T0.plus(Duration.ofHours(1)), failed(ConditionReason.AwsServerError));

    assertThat(later.next()).isEqualTo(Duration.ofSeconds(40));
    assertThat(muchLater.next()).as("capped").isEqualTo(SETTINGS.maxBackoff());
    assertThat(later.events()).as("one event per change of reason").isEmpty();
  }

  @Test
  void aStatusStillChangingIsLookedAtAgainWithADescribeNotAnUpdate() {
    Verdict changing = policy.reconcile(T0, observed("ENABLING", null));
    assertThat(changing.outcome().orElseThrow().reason())
        .isEqualTo(ConditionReason.PitrStatusChanging);
    assertThat(changing.next()).isEqualTo(SETTINGS.backupsNotYetAvailable());

    Verdict settled = policy.reconcile(T0.plusSeconds(10), enabled(14));

    assertThat(policy.callsAfterFirst()).containsExactly(new Describe(TABLE));
    assertThat(settled.outcome()).contains(new Outcome.Synced(enabled(14)));
  }

  @Test
  void policyInConflictNeverCallsAndLooksAgainAtTheConflictInterval() {
    policy.managedBy = Optional.of("team-a/orders");

    Verdict verdict = policy.reconcile(T0);

    assertThat(policy.calls).isEmpty();
    assertThat(verdict.outcome().orElseThrow())
        .returns(ConditionReason.Conflict, Outcome::reason)
        .returns(
            "Table orders in eu-west-1 is managed by team-a/orders; this policy takes over if"
                + " that one is deleted.",
            Outcome::message);
    assertThat(verdict.next()).isEqualTo(SETTINGS.conflict());
  }

  @Test
  void stalledPoliciesWaitNoLongerThanTheDriftInterval() {
    Verdict denied = policy.reconcile(T0, failed(ConditionReason.AccessDenied));

    assertThat(denied.outcome().orElseThrow().reason()).isEqualTo(ConditionReason.AccessDenied);
    assertThat(denied.next()).as("stalled is 30 m, the drift interval 10 m").isEqualTo(DRIFT);
  }

  @Test
  void invalidSpecIsReportedWithoutACall() {
    policy.invalidity = Optional.of("No region.");

    Verdict verdict = policy.reconcile(T0);

    assertThat(policy.calls).isEmpty();
    assertThat(verdict.outcome())
        .contains(new Outcome.NotReady(ConditionReason.InvalidSpec, "No region."));
  }

  @Test
  void aPolicyTenancyRefusesIsStalledWithoutACallEvenWithItsSpecChanged() {
    policy.reconcile(T0, enabled(14));
    policy.refused =
        Optional.of(new Outcome.NotReady(ConditionReason.NotPermitted, "Not this namespace's."));
    policy.changeSpec(DesiredPitr.disabled());
    policy.calls.clear();

    Verdict verdict = policy.reconcile(T0.plusSeconds(1));

    assertThat(policy.calls).isEmpty();
    assertThat(verdict.outcome()).isEqualTo(policy.refused);
    assertThat(verdict.events())
        .extracting(Event::reason)
        .containsExactly(ConditionReason.NotPermitted);
    assertThat(verdict.next())
        .as("stalled, but never longer than the drift interval")
        .isEqualTo(DRIFT);
  }

  @Test
  void deletingAPolicyThatMayNoLongerManageItsTableNeverTurnsPitrOff() {
    Reconciliation.Leave leave =
        reconciliation.leave(
            new Departure(
                true,
                true,
                null,
                Optional.of(
                    new Outcome.NotReady(
                        ConditionReason.NotPermitted, "Binding team-a does not allow table x.")),
                Optional.empty(),
                false,
                Optional.empty(),
                Optional.of(ConditionReason.InSync),
                null),
            T0,
            policy::answer);

    assertThat(policy.calls).isEmpty();
    assertThat(leave)
        .isEqualTo(
            new Release(
                List.of(
                    new Event(
                        ConditionReason.NotPermitted,
                        "Point-in-time recovery left as it is although deletionPolicy is Disable:"
                            + " Binding team-a does not allow table x."))));
  }

  @Test
  void failureOutsideDynamoDbIsReportedOncePerChangeOfReason() {
    Verdict first =
        reconciliation.failed(Optional.of(ConditionReason.InSync), "Kubernetes said no");
    Verdict again =
        reconciliation.failed(
            Optional.of(ConditionReason.ReconciliationFailed), "Kubernetes said no");

    assertThat(first.outcome().orElseThrow().reason())
        .isEqualTo(ConditionReason.ReconciliationFailed);
    assertThat(first.events())
        .extracting(Event::reason)
        .containsExactly(ConditionReason.ReconciliationFailed);
    assertThat(again.events()).isEmpty();
  }

  @Test
  void deletingWithRetainOrWithoutTheFinalizerLetsGoWithoutACall() {
    assertThat(leave(false, true, Optional.empty(), Optional.empty()))
        .isEqualTo(new Release(List.of()));
    assertThat(leave(true, false, Optional.empty(), Optional.empty()))
        .isEqualTo(new Release(List.of()));
    assertThat(policy.calls).isEmpty();
  }

  @Test
  void deletingWhileAnotherPolicyNamesTheTableHandsOverWithoutACall() {
    assertThat(leave(true, true, Optional.empty(), Optional.of("team-b/orders")))
        .isInstanceOfSatisfying(
            Release.class,
            release ->
                assertThat(release.events())
                    .singleElement()
                    .returns(ConditionReason.HandedOver, Event::reason)
                    .returns(
                        "Point-in-time recovery of table orders in eu-west-1 left as it is:"
                            + " team-b/orders manages it now.",
                        Event::message));
    assertThat(policy.calls).isEmpty();
  }

  @Test
  void deletingAPolicyInConflictMakesNoCall() {
    assertThat(leave(true, true, Optional.of("team-a/orders"), Optional.of("team-a/orders")))
        .isEqualTo(new Release(List.of()));
    assertThat(policy.calls).isEmpty();
  }

  @Test
  void deletingAPolicyInConflictWithAnotherStandingByStillMakesNoCallAndNoHandover() {
    assertThat(leave(true, true, Optional.of("team-a/orders"), Optional.of("team-c/orders")))
        .isEqualTo(new Release(List.of()));
  }

  @Test
  void twoDisablePoliciesDeletedTogetherTurnPitrOffOnceTheFirstHasHandedOver() {
    // The manager went first, while the other still stood: it handed the table over.
    assertThat(leave(true, true, Optional.empty(), Optional.of("team-b/orders")))
        .isInstanceOf(Release.class);
    // The other, deleted too, finds the manager still leaving: it waits, deciding nothing yet.
    assertThat(leave(true, true, Optional.of("team-a/orders"), true, Optional.empty()))
        .isInstanceOfSatisfying(
            Stay.class,
            stay -> {
              assertThat(stay.verdict().outcome()).isEmpty();
              assertThat(stay.verdict().next()).isEqualTo(SETTINGS.conflict());
            });
    assertThat(policy.calls).isEmpty();
    // Once the manager is gone, it is the manager, and it does what both asked.
    policy.answers.add(new Answered(observed("DISABLED", null)));
    assertThat(leave(true, true, Optional.empty(), Optional.empty())).isInstanceOf(Release.class);
    assertThat(policy.calls).containsExactly(new Update(TABLE, DesiredPitr.disabled()));
  }

  @Test
  void deletingTheManagerWithDisableTurnsPitrOffThenLetsGo() {
    policy.answers.add(new Answered(observed("DISABLED", null)));

    assertThat(leave(true, true, Optional.empty(), Optional.empty()))
        .isInstanceOfSatisfying(
            Release.class,
            release ->
                assertThat(release.events())
                    .extracting(Event::reason)
                    .containsExactly(ConditionReason.DisabledOnDelete));
    assertThat(policy.calls).containsExactly(new Update(TABLE, DesiredPitr.disabled()));
  }

  @Test
  void deletingWhenTheTableIsGoneLetsGo() {
    policy.answers.add(failed(ConditionReason.TableNotFound));

    assertThat(leave(true, true, Optional.empty(), Optional.empty()))
        .isEqualTo(new Release(List.of()));
  }

  @Test
  void deletingWhileDynamoDbFailsStaysSaysWhyAndBacksOff() {
    policy.answers.add(failed(ConditionReason.EndpointUnreachable));

    assertThat(leave(true, true, Optional.empty(), Optional.empty()))
        .isInstanceOfSatisfying(
            Stay.class,
            stay -> {
              Outcome outcome = stay.verdict().outcome().orElseThrow();
              assertThat(outcome.reason()).isEqualTo(ConditionReason.EndpointUnreachable);
              assertThat(outcome.message())
                  .isEqualTo(
                      "Could not turn point-in-time recovery off before the policy goes:"
                          + " EndpointUnreachable happened");
              assertThat(stay.verdict().next()).isEqualTo(SETTINGS.initialBackoff());
            });
  }

  private Reconciliation.Leave leave(
      boolean holdsFinalizer,
      boolean disable,
      Optional<String> managedBy,
      Optional<String> successor) {
    return leave(holdsFinalizer, disable, managedBy, false, successor);
  }

  private Reconciliation.Leave leave(
      boolean holdsFinalizer,
      boolean disable,
      Optional<String> managedBy,
      boolean managerLeaving,
      Optional<String> successor) {
    return reconciliation.leave(
        new Departure(
            holdsFinalizer,
            disable,
            TABLE,
            Optional.empty(),
            managedBy,
            managerLeaving,
            successor,
            Optional.of(ConditionReason.InSync),
            null),
        T0,
        policy::answer);
  }

  private static ObservedPitr enabled(int days) {
    return new ObservedPitr(
        "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
        true,
        ObservedPitr.PitrStatus.ENABLED,
        "ENABLED",
        days,
        T0.minus(Duration.ofDays(1)),
        T0.minusSeconds(300));
  }

  private static ObservedPitr observed(String status, Integer days) {
    return new ObservedPitr(
        "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
        true,
        ObservedPitr.PitrStatus.of(status),
        status,
        days,
        null,
        null);
  }

  private static ObservedPitr observedOff() {
    return observed("DISABLED", null);
  }

  private static Answer notFound() {
    return failed(ConditionReason.TableNotFound);
  }

  private static Failed failed(ConditionReason reason) {
    return new Failed(reason, reason + " happened");
  }

  @Test
  void newPolicyThatCouldDeleteRestorePointsLooksFirstAndAppliesWhatDeletesNone() {
    // 14 days asked of a table whose restore points reach back one day: nothing older to lose.
    Verdict verdict = policy.reconcile(T0, enabled(35), enabled(14));

    assertThat(policy.calls)
        .containsExactly(new Describe(TABLE), new Update(TABLE, DesiredPitr.enabled(14)));
    assertThat(verdict.outcome()).contains(new Outcome.Synced(enabled(14)));
    assertThat(verdict.acknowledged()).as("nothing was deleted").isEmpty();
  }

  @Test
  void newPolicyTurningPitrOffWaitsForAnAcknowledgementAndWritesNothing() {
    policy.desired = DesiredPitr.disabled();
    Verdict verdict = policy.reconcile(T0, enabled(35));

    assertThat(policy.calls).containsExactly(new Describe(TABLE));
    assertThat(verdict.outcome().orElseThrow().reason())
        .isEqualTo(ConditionReason.RestorePointLossNotAcknowledged);
    assertThat(verdict.outcome().orElseThrow().message())
        .isEqualTo(
            "Setting point-in-time recovery of table orders in eu-west-1 from enabled with a"
                + " 35-day recovery period to disabled would delete all its restore points."
                + " Nothing was changed: to confirm, set spec.acknowledgeRestorePointLoss to a new"
                + " value.");
    assertThat(verdict.next())
        .as("stalled: looked at no more often than the drift interval")
        .isEqualTo(DRIFT);

    policy.acknowledgement = "CHG-1";
    policy.changeSpec(DesiredPitr.disabled());
    Verdict acknowledged = policy.reconcile(T0.plusSeconds(60), enabled(35), observedOff());

    assertThat(policy.callsAfterFirst())
        .containsExactly(new Describe(TABLE), new Update(TABLE, DesiredPitr.disabled()));
    assertThat(acknowledged.outcome()).contains(new Outcome.Synced(observedOff()));
    assertThat(acknowledged.acknowledged()).contains("CHG-1");
    assertThat(policy.status.getRestorePointLossAcknowledged()).isEqualTo("CHG-1");
  }

  @Test
  void anAcknowledgementCoversOneLossNotTheNextDrift() {
    policy.desired = DesiredPitr.disabled();
    policy.acknowledgement = "CHG-1";
    policy.reconcile(T0, enabled(35), observedOff());
    assertThat(policy.reason()).isEqualTo(ConditionReason.InSync);

    // Someone turns PITR on outside the operator: turning it off again deletes new restore
    // points, which CHG-1 did not cover.
    Instant check = T0.plus(DRIFT.multipliedBy(2));
    Verdict drift = policy.reconcile(check, enabled(35));

    assertThat(policy.calls)
        .containsExactly(
            new Describe(TABLE), new Update(TABLE, DesiredPitr.disabled()), new Describe(TABLE));
    assertThat(drift.outcome().orElseThrow().reason())
        .isEqualTo(ConditionReason.RestorePointLossNotAcknowledged);

    policy.acknowledgement = "CHG-2";
    policy.changeSpec(DesiredPitr.disabled());
    policy.reconcile(check.plusSeconds(60), enabled(35), observedOff());
    assertThat(policy.calls.get(policy.calls.size() - 1))
        .isEqualTo(new Update(TABLE, DesiredPitr.disabled()));
    assertThat(policy.reason()).isEqualTo(ConditionReason.InSync);
  }

  @Test
  void anAcknowledgementIsUsedUpByItsSpecEvenWhenNothingWasDeleted() {
    // Turning off a table that is off already: CHG-1 deletes nothing, and is used up all the same.
    policy.desired = DesiredPitr.disabled();
    policy.acknowledgement = "CHG-1";
    policy.reconcile(T0, observedOff());
    assertThat(policy.reason()).isEqualTo(ConditionReason.InSync);
    assertThat(policy.status.getRestorePointLossAcknowledged()).isEqualTo("CHG-1");

    Verdict drift = policy.reconcile(T0.plus(DRIFT.multipliedBy(2)), enabled(35));

    assertThat(policy.calls).containsExactly(new Describe(TABLE), new Describe(TABLE));
    assertThat(drift.outcome().orElseThrow().reason())
        .isEqualTo(ConditionReason.RestorePointLossNotAcknowledged);
  }

  @Test
  void switchingFromObserveToEnforceNeedsAnAcknowledgementNotUsedWhileObserving() {
    policy.observeOnly = true;
    policy.desired = DesiredPitr.disabled();
    policy.acknowledgement = "CHG-1";
    policy.reconcile(T0, enabled(35));
    assertThat(policy.reason()).isEqualTo(ConditionReason.DriftObserved);

    policy.observeOnly = false;
    policy.changeSpec(DesiredPitr.disabled());
    Verdict enforced = policy.reconcile(T0.plusSeconds(60));

    assertThat(policy.calls).as("no Update").containsExactly(new Describe(TABLE));
    assertThat(enforced.outcome().orElseThrow().reason())
        .isEqualTo(ConditionReason.RestorePointLossNotAcknowledged);
  }

  @Test
  void shorteningAPeriodTheRestorePointsFillNeedsAnAcknowledgementOneTheyDoNotDoesNot() {
    policy.desired = DesiredPitr.enabled(35);
    policy.reconcile(T0, enabled(35));

    // The restore points reach back one day (enabled(…) is restorable since T0 - 1 day).
    policy.changeSpec(DesiredPitr.enabled(2));
    policy.reconcile(T0.plusSeconds(60), enabled(2));
    assertThat(policy.callsAfterFirst()).containsExactly(new Update(TABLE, DesiredPitr.enabled(2)));
    assertThat(policy.reason()).isEqualTo(ConditionReason.InSync);

    policy.changeSpec(DesiredPitr.enabled(1));
    Verdict refused = policy.reconcile(T0.plusSeconds(120));
    assertThat(policy.callsAfterFirst()).hasSize(1);
    assertThat(refused.outcome().orElseThrow().reason())
        .isEqualTo(ConditionReason.RestorePointLossNotAcknowledged);
    assertThat(refused.outcome().orElseThrow().message())
        .contains("would delete the restore points older than 1 day. Nothing was changed");
  }

  @Test
  void observeOnlyNeverWritesAndReportsDriftAsReadyWithAnEventOnChange() {
    policy.observeOnly = true;
    policy.desired = DesiredPitr.enabled(35);
    Verdict first = policy.reconcile(T0, observedOff());

    assertThat(policy.calls).containsExactly(new Describe(TABLE));
    assertThat(first.outcome())
        .contains(new Outcome.Drifted(observedOff(), DesiredPitr.enabled(35)));
    assertThat(first.events())
        .extracting(Event::reason)
        .containsExactly(ConditionReason.DriftObserved);
    assertThat(first.next())
        .as("Ready: the next look is the drift check")
        .isBetween(DRIFT.multipliedBy(9).dividedBy(10), DRIFT.multipliedBy(11).dividedBy(10));

    Verdict same = policy.reconcile(first.driftCheckDue().orElseThrow(), observedOff());
    assertThat(same.events()).as("no change, no event").isEmpty();

    Verdict fixed = policy.reconcile(same.driftCheckDue().orElseThrow(), enabled(35));
    assertThat(fixed.outcome()).contains(new Outcome.Synced(enabled(35)));
    assertThat(fixed.events()).extracting(Event::reason).containsExactly(ConditionReason.InSync);

    policy.changeSpec(DesiredPitr.disabled());
    policy.reconcile(T0.plus(DRIFT.multipliedBy(3)));
    assertThat(policy.reason()).isEqualTo(ConditionReason.DriftObserved);
    assertThat(policy.calls).as("only Describes, ever").allMatch(call -> call instanceof Describe);
  }

  /** A policy as the reconciler sees it between reconciliations: spec, status, schedule. */
  private final class Policy {
    DesiredPitr desired = DesiredPitr.enabled(14);
    long generation = 1;
    ContinuousBackupsPolicyStatus status;
    Optional<Instant> driftCheckDue = Optional.empty();
    Optional<String> managedBy = Optional.empty();
    Optional<String> invalidity = Optional.empty();
    Optional<Outcome.NotReady> refused = Optional.empty();
    boolean reconcileRequested;
    ObservedPitr awaitingUpdate;
    boolean observeOnly;

    /** spec.acknowledgeRestorePointLoss */
    String acknowledgement;

    Instant lastObserved;
    Instant observeFailingSince;
    Instant now;
    final List<Call> calls = new ArrayList<>();
    final Deque<Answer> answers = new ArrayDeque<>();

    void changeSpec(DesiredPitr next) {
      desired = next;
      generation++;
    }

    /** One reconciliation at {@code now}, AWS answering with {@code script} in order. */
    Verdict reconcile(Instant now, Object... script) {
      for (Object answer : script) {
        answers.add(
            answer instanceof ObservedPitr observed ? new Answered(observed) : (Answer) answer);
      }
      if (lastObserved == null) {
        lastObserved = now; // as the reconciler: since it first saw the policy
      }
      var facts =
          new Reconciliation.Facts(
              "uid-1",
              refused.isPresent() ? null : TABLE,
              invalidity,
              refused,
              invalidity.isEmpty() ? desired : null,
              status == null || status.getObservedGeneration() != generation,
              PolicyStatusBuilder.lastObserved(status),
              PolicyStatusBuilder.readyReason(status),
              PolicyStatusBuilder.failingSince(status),
              managedBy,
              driftCheckDue,
              1,
              lastObserved,
              observeFailingSince,
              reconcileRequested,
              awaitingUpdate,
              observeOnly,
              Optional.ofNullable(acknowledgement)
                  .filter(
                      given ->
                          status == null
                              || !given.equals(status.getRestorePointLossAcknowledged())));
      this.now = now;
      // As the reconciler: taken for this reconciliation, kept if the verdict keeps it.
      awaitingUpdate = null;
      Verdict verdict = reconciliation.reconcile(facts, now, this::answer);
      awaitingUpdate = verdict.awaitingUpdate();
      reconcileRequested = reconcileRequested && verdict.outcome().isEmpty();
      assertThat(answers).as("every scripted answer was asked for").isEmpty();
      verdict.driftCheckDue().ifPresent(due -> driftCheckDue = Optional.of(due));
      verdict
          .outcome()
          .ifPresent(
              outcome ->
                  status =
                      PolicyStatusBuilder.build(
                          status,
                          generation,
                          outcome,
                          verdict.observed(),
                          invalidity.isEmpty() ? desired : null,
                          now,
                          Duration.ZERO));
      verdict.acknowledged().ifPresent(used -> status.setRestorePointLossAcknowledged(used));
      return verdict;
    }

    /** Answers as scripted, keeping the reconciler's record of observations. */
    Answer answer(Call call) {
      calls.add(call);
      assertThat(answers).as("an answer scripted for " + call).isNotEmpty();
      Answer answer = answers.removeFirst();
      if (answer instanceof Answered) {
        lastObserved = now;
        observeFailingSince = null;
      } else if (answer instanceof Failed
          && call instanceof Describe
          && observeFailingSince == null) {
        observeFailingSince = now;
      }
      return answer;
    }

    List<Call> callsAfterFirst() {
      return calls.subList(1, calls.size());
    }

    ConditionReason reason() {
      return PolicyStatusBuilder.readyReason(status).orElseThrow();
    }
  }
}
