package io.pitr.operator.pitr;

import io.pitr.operator.pitr.Outcome.Drifted;
import io.pitr.operator.pitr.Outcome.NotReady;
import io.pitr.operator.pitr.Outcome.Synced;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * What one reconciliation of a policy does, decided without Kubernetes or AWS: from the facts the
 * reconciler read and the answers to the AWS calls this asks for, to the policy's outcome, the
 * events to record and when to look again. The reconciler reads, lets this decide, makes the calls
 * it asks for through the gateway, and reports.
 *
 * <p>Reads never cause writes: UpdateContinuousBackups is sent only for a spec change not yet acted
 * on, or when a fresh DescribeContinuousBackups shows DynamoDB differs from the spec. Which
 * observation is trusted for a spec change: the one stored in status while the policy is Ready, so
 * that a spec change DynamoDB already matches costs no call; none otherwise (the spec is applied,
 * and DynamoDB's answer is the observation). Everything else (a drift check, a retry after any
 * failure, a status still changing, a requested reconciliation) starts with a Describe. A drift
 * check that cannot observe (throttled, a server error, no answer, credentials) changes nothing: it
 * is retried with backoff, and only when the last observation grows older than a bound does the
 * policy stop saying Ready. A reconciliation makes at most one Describe and one Update.
 *
 * <p>Restore points are never deleted unasked: a spec that could delete them (off, or a period
 * shorter than the longest) is never applied to a table in an unknown state, and an Update that
 * would delete them (PITR on, or a period its restore points fill) is sent only under an
 * acknowledgement not acted on before. An observe-only policy never asks for an Update: it reports
 * whether the table complies.
 */
public final class Reconciliation {

  private final ReconcilerSettings settings;
  private final RandomGenerator random;

  /**
   * @param settings waits, retries and the drift schedule
   * @param random the source of jitter
   */
  public Reconciliation(ReconcilerSettings settings, RandomGenerator random) {
    this.settings = settings;
    this.random = random;
  }

  /** An AWS call the decision asks for. */
  public sealed interface Call permits Describe, Update {}

  /** DescribeContinuousBackups, under the shared Describe rate. */
  public record Describe(TableRef table) implements Call {}

  /** UpdateContinuousBackups with this state. */
  public record Update(TableRef table, DesiredPitr desired) implements Call {}

  /** What a call gave. */
  public sealed interface Answer permits Answered, Failed, Deferred {}

  /** DynamoDB answered with this description. */
  public record Answered(ObservedPitr observed) implements Answer {}

  /** The call failed, already classified. */
  public record Failed(ConditionReason reason, String message) implements Answer {}

  /** No call was made: the call's budget has a slot reserved for it in {@code retryAfter}. */
  public record Deferred(Duration retryAfter) implements Answer {}

  /** Makes the calls the decision asks for. */
  @FunctionalInterface
  public interface Caller {
    Answer call(Call call);
  }

  /** A Kubernetes Event to record about the policy. */
  public record Event(ConditionReason reason, String message) {}

  /**
   * What the reconciler read about a policy that is not being deleted.
   *
   * @param uid the policy's UID, which places its drift checks within the interval
   * @param table the table, when the spec is valid (null otherwise)
   * @param invalidity why the spec cannot be applied, if it cannot
   * @param refused why the policy may not manage its table (tenancy), if it may not; then {@code
   *     table} is null
   * @param desired what the spec asks for (null when invalid)
   * @param specChanged whether the spec's generation has not been acted on yet
   * @param stored the observation stored in status, null if none
   * @param lastReason the Ready condition's reason in status, if it is one of ours
   * @param failingSince since when Ready has been False, null when Ready or unknown
   * @param managedBy another policy that manages the table (namespace/name), if any
   * @param driftCheckDue when this process scheduled the policy's next drift check, if it did
   * @param policies how many policies this process checks for drift
   * @param lastObserved when DynamoDB last answered about the table (to this process; when it has
   *     not yet, when it first saw the policy)
   * @param observeFailingSince since when Describes of a Ready policy's table have failed, if the
   *     last one did
   * @param reconcileRequested whether a reconciliation was asked for (the annotation) and not yet
   *     done
   * @param awaitingUpdate the observation of an earlier reconciliation whose Update waited for a
   *     slot of the budget, if any
   * @param observeOnly whether the policy only observes (managementMode Observe): no Update, ever
   * @param acknowledgement spec.acknowledgeRestorePointLoss, if set to a value the operator has not
   *     yet deleted restore points under
   */
  public record Facts(
      String uid,
      TableRef table,
      Optional<String> invalidity,
      Optional<NotReady> refused,
      DesiredPitr desired,
      boolean specChanged,
      ObservedPitr stored,
      Optional<ConditionReason> lastReason,
      Instant failingSince,
      Optional<String> managedBy,
      Optional<Instant> driftCheckDue,
      int policies,
      Instant lastObserved,
      Instant observeFailingSince,
      boolean reconcileRequested,
      ObservedPitr awaitingUpdate,
      boolean observeOnly,
      Optional<String> acknowledgement) {

    /** Ready: DynamoDB was last seen as the spec asks, or (observe only) differing from it. */
    boolean ready() {
      return lastReason.filter(reason -> reason.kind() == ConditionReason.Kind.READY).isPresent();
    }
  }

  /**
   * What the reconciler read about a policy being deleted.
   *
   * @param holdsFinalizer whether the policy holds the disable-on-delete finalizer
   * @param disableOnDelete whether its deletionPolicy is Disable (and it enforces: an observe-only
   *     policy never writes)
   * @param table the table, when the spec is valid and the policy may manage it (null otherwise)
   * @param refused why the policy may no longer manage its table (tenancy), if it may not
   * @param managedBy an older policy that manages the table (this one was in conflict), if any
   * @param managerLeaving whether that older policy is being deleted too
   * @param successor another policy, not being deleted, that names the same table, if any
   * @param lastReason the Ready condition's reason in status, if it is one of ours
   * @param failingSince since when Ready has been False, null when Ready or unknown
   */
  public record Departure(
      boolean holdsFinalizer,
      boolean disableOnDelete,
      TableRef table,
      Optional<NotReady> refused,
      Optional<String> managedBy,
      boolean managerLeaving,
      Optional<String> successor,
      Optional<ConditionReason> lastReason,
      Instant failingSince) {}

  /**
   * The decision about a live policy.
   *
   * @param outcome the policy's new state; empty when nothing was found out (a drift check that is
   *     not due yet, or deferred by the shared rate), and status stays as it is
   * @param observed what DynamoDB reported during this reconciliation, null if nothing
   * @param events Kubernetes Events to record, in order
   * @param next when to look at the policy again
   * @param driftCheckDue when the next drift check is due, if this reconciliation set it
   * @param awaitingUpdate a fresh observation that differs from the spec, kept while the Update it
   *     calls for waits for its slot of the budget; null otherwise
   * @param acknowledged the acknowledgement this reconciliation used up (it deleted restore points
   *     under it, or the spec's generation that carries it settled), to be recorded so that it
   *     covers no later loss; empty otherwise
   */
  public record Verdict(
      Optional<Outcome> outcome,
      ObservedPitr observed,
      List<Event> events,
      Duration next,
      Optional<Instant> driftCheckDue,
      ObservedPitr awaitingUpdate,
      Optional<String> acknowledged) {

    public Verdict(
        Optional<Outcome> outcome,
        ObservedPitr observed,
        List<Event> events,
        Duration next,
        Optional<Instant> driftCheckDue) {
      this(outcome, observed, events, next, driftCheckDue, null, Optional.empty());
    }
  }

  /** The decision about a policy being deleted. */
  public sealed interface Leave permits Release, Stay {}

  /** Let the policy go (remove the finalizer if it holds it), after recording these events. */
  public record Release(List<Event> events) implements Leave {}

  /** Keep the policy, and its finalizer, for now: turning PITR off failed. */
  public record Stay(Verdict verdict) implements Leave {}

  /** Decides what to do about a policy that is not being deleted, making the calls it needs. */
  public Verdict reconcile(Facts facts, Instant now, Caller caller) {
    if (facts.invalidity().isPresent()) {
      return settle(
          facts, new NotReady(ConditionReason.InvalidSpec, facts.invalidity().get()), null, now);
    }
    if (facts.refused().isPresent()) {
      // Not this namespace's table (or not reachable as bound): no AWS call at all.
      return settle(facts, facts.refused().get(), null, now);
    }
    if (facts.managedBy().isPresent()) {
      return settle(
          facts,
          new NotReady(
              ConditionReason.Conflict,
              "Table "
                  + facts.table()
                  + " is managed by "
                  + facts.managedBy().get()
                  + "; this policy takes over if that one is deleted."),
          null,
          now);
    }
    if (facts.specChanged()) {
      // While Ready, the stored observation is DynamoDB's state (or, fresher, one whose Update
      // waited for its slot). After a failure it may be stale (the table may be gone): apply, and
      // let the answer observe.
      ObservedPitr known =
          facts.awaitingUpdate() != null
              ? facts.awaitingUpdate()
              : facts.ready() ? facts.stored() : null;
      if (known == null
          && (facts.observeOnly() || PitrPlan.couldLoseRestorePoints(facts.desired()))) {
        // Nothing to report without a look, and nothing that could delete restore points is sent
        // to a table in an unknown state.
        return observe(facts, now, caller);
      }
      return act(facts, known, false, now, caller);
    }
    if (facts.awaitingUpdate() != null) {
      // A difference observed earlier; its Update's slot has come.
      return act(facts, facts.awaitingUpdate(), true, now, caller);
    }
    if (!facts.ready() || facts.reconcileRequested()) {
      // A retry after a failure, a status still changing, a requested look: observe first, and
      // write only if DynamoDB differs.
      return observe(facts, now, caller);
    }
    Instant due =
        facts
            .driftCheckDue()
            .orElseGet(() -> settings.drift().firstCheck(now, facts.uid(), facts.policies()));
    if (now.isBefore(due)) {
      return new Verdict(
          Optional.empty(), null, List.of(), Duration.between(now, due), Optional.of(due));
    }
    return observe(facts, now, caller);
  }

  /**
   * Decides what to do about a policy being deleted, making the call it needs. PITR is turned off
   * only by the policy that manages the table, and only when no other policy that stays names it.
   */
  public Leave leave(Departure departure, Instant now, Caller caller) {
    if (departure.holdsFinalizer()
        && departure.disableOnDelete()
        && departure.refused().isPresent()) {
      // Losing restore points on the word of a policy that may not touch the table is the one
      // thing never to do: PITR is left as it is, and the policy goes.
      return new Release(
          List.of(
              new Event(
                  departure.refused().get().reason(),
                  "Point-in-time recovery left as it is although deletionPolicy is Disable: "
                      + departure.refused().get().message())));
    }
    if (!departure.holdsFinalizer()
        || !departure.disableOnDelete()
        || departure.table() == null
        || (departure.managedBy().isPresent() && !departure.managerLeaving())) {
      // Nothing was asked for, nothing can be called, or another policy manages the table.
      return new Release(List.of());
    }
    TableRef table = departure.table();
    if (departure.successor().isPresent()) {
      return new Release(
          List.of(
              new Event(
                  ConditionReason.HandedOver,
                  "Point-in-time recovery of table "
                      + table
                      + " left as it is: "
                      + departure.successor().get()
                      + " manages it now.")));
    }
    if (departure.managedBy().isPresent()) {
      // The manager is going too and may have handed the table to this policy: decide once it is
      // gone (its delete wakes this policy).
      return new Stay(
          new Verdict(
              Optional.empty(),
              null,
              List.of(),
              capped(jittered(settings.conflict()), 1),
              Optional.empty()));
    }
    Answer answer = caller.call(new Update(table, DesiredPitr.disabled()));
    if (answer instanceof Deferred deferred) {
      return new Stay(
          new Verdict(Optional.empty(), null, List.of(), deferred.retryAfter(), Optional.empty()));
    }
    if (answer instanceof Answered) {
      return new Release(
          List.of(
              new Event(
                  ConditionReason.DisabledOnDelete,
                  "Point-in-time recovery of table "
                      + table
                      + " turned off: the policy was deleted.")));
    }
    Failed failed = failure(answer);
    if (failed.reason() == ConditionReason.TableNotFound) {
      return new Release(List.of());
    }
    NotReady outcome =
        new NotReady(
            failed.reason(),
            "Could not turn point-in-time recovery off before the policy goes: "
                + failed.message());
    return new Stay(
        new Verdict(
            Optional.of(outcome),
            null,
            transition(departure.lastReason(), outcome, List.of()),
            capped(notReadyLook(outcome.reason(), departure.failingSince(), now), 1),
            Optional.empty()));
  }

  /**
   * The decision when a reconciliation failed outside DynamoDB (the Kubernetes API, an unexpected
   * error): the status says so, and the Java Operator SDK retries with backoff ({@code next} is
   * unused: the SDK's retry decides).
   */
  public Verdict failed(Optional<ConditionReason> lastReason, String message) {
    NotReady outcome = new NotReady(ConditionReason.ReconciliationFailed, message);
    return new Verdict(
        Optional.of(outcome),
        null,
        transition(lastReason, outcome, List.of()),
        Duration.ZERO,
        Optional.empty());
  }

  private Verdict observe(Facts facts, Instant now, Caller caller) {
    Answer answer = caller.call(new Describe(facts.table()));
    if (answer instanceof Deferred deferred) {
      return deferred(facts, deferred);
    }
    if (answer instanceof Answered answered) {
      return act(facts, answered.observed(), true, now, caller);
    }
    Failed failed = failure(answer);
    if (facts.ready() && cannotObserve(failed.reason())) {
      Instant since = facts.observeFailingSince() == null ? now : facts.observeFailingSince();
      Instant last = facts.lastObserved() == null ? now : facts.lastObserved();
      if (now.isBefore(last.plus(settings.staleAfter(facts.policies())))) {
        // Not knowing is not a failed state: Ready stands, nothing is written, the same Describe
        // is tried again. The drift check stays due.
        return new Verdict(
            Optional.empty(),
            null,
            List.of(),
            capped(backoff(since, now), facts.policies()),
            facts.driftCheckDue());
      }
      return settle(
          facts,
          new NotReady(
              failed.reason(),
              "Table "
                  + facts.table()
                  + " has not been observed since "
                  + last.truncatedTo(ChronoUnit.SECONDS)
                  + ": "
                  + failed.message()),
          null,
          now);
    }
    return settle(facts, new NotReady(failed.reason(), failed.message()), null, now);
  }

  /** Whether a failure says nothing about the table: the operator could not look. */
  private static boolean cannotObserve(ConditionReason reason) {
    return switch (reason) {
      case Throttled, AwsServerError, EndpointUnreachable, CredentialsUnavailable -> true;
      default -> false;
    };
  }

  /** Nothing found out: look again at the reserved slot; the status stands. */
  private static Verdict deferred(Facts facts, Deferred deferred) {
    return new Verdict(
        Optional.empty(), null, List.of(), deferred.retryAfter(), facts.driftCheckDue());
  }

  /** Plans against {@code observed} and applies if needed; {@code fresh}: observed just now. */
  private Verdict act(
      Facts facts, ObservedPitr observed, boolean fresh, Instant now, Caller caller) {
    ObservedPitr observedNow = fresh ? observed : null;
    PitrPlan.Decision decision = PitrPlan.plan(facts.desired(), observed);
    if (decision instanceof PitrPlan.InSync inSync) {
      return settle(facts, new Synced(inSync.observed()), observedNow, now);
    }
    if (decision instanceof PitrPlan.Wait wait) {
      return settle(facts, new NotReady(wait.reason(), wait.message()), observedNow, now);
    }
    DesiredPitr desired = facts.desired();
    if (facts.observeOnly()) {
      return observed == null
          ? observe(facts, now, caller)
          : settle(facts, new Drifted(observed, desired), observedNow, now);
    }
    boolean loses = PitrPlan.losesRestorePoints(observed, desired, now);
    if (loses && facts.acknowledgement().isEmpty()) {
      return settle(facts, unacknowledgedLoss(facts.table(), observed, desired), observedNow, now);
    }
    Answer answer = caller.call(new Update(facts.table(), desired));
    if (answer instanceof Deferred deferred) {
      // The observation this Update is for is kept until the Update is made, however often its
      // slot is put off: a fresh one, or the one an earlier wait kept (a spec change not yet
      // applied comes here with it, not fresh).
      return new Verdict(
          Optional.empty(),
          null,
          List.of(),
          deferred.retryAfter(),
          facts.driftCheckDue(),
          fresh ? observed : facts.awaitingUpdate(),
          Optional.empty());
    }
    if (!(answer instanceof Answered answered)) {
      Failed failed = failure(answer);
      return settle(facts, new NotReady(failed.reason(), failed.message()), null, now);
    }
    ObservedPitr applied = answered.observed();
    List<Event> events = new ArrayList<>();
    // Drift: DynamoDB differs although the spec was in force (the stored observation matched it),
    // found by a drift check or by the retry after the correction failed.
    boolean drift =
        fresh
            && facts.stored() != null
            && PitrPlan.plan(desired, facts.stored()) instanceof PitrPlan.InSync;
    if (drift) {
      events.add(
          new Event(
              ConditionReason.DriftCorrected,
              "Point-in-time recovery of table "
                  + facts.table()
                  + " was "
                  + observed.describe()
                  + " outside the operator; set back to "
                  + desired.describe()
                  + "."));
    } else if (facts.ready()) {
      // Ready stays True, so no transition event would tell of the change.
      events.add(
          new Event(
              ConditionReason.Applied,
              "Point-in-time recovery of table "
                  + facts.table()
                  + " set to "
                  + desired.describe()
                  + "."));
    }
    Outcome outcome =
        PitrPlan.plan(desired, applied) instanceof PitrPlan.InSync
            ? new Synced(applied)
            : new NotReady(
                ConditionReason.PitrStatusChanging,
                "DynamoDB answered "
                    + applied.describe()
                    + " to a request for "
                    + desired.describe()
                    + ".");
    Verdict verdict = settle(facts, outcome, applied, events, now);
    return loses && verdict.acknowledged().isEmpty()
        ? new Verdict(
            verdict.outcome(),
            verdict.observed(),
            verdict.events(),
            verdict.next(),
            verdict.driftCheckDue(),
            null,
            facts.acknowledgement())
        : verdict;
  }

  /** Why an Update that would delete restore points is not sent. */
  private static NotReady unacknowledgedLoss(
      TableRef table, ObservedPitr observed, DesiredPitr desired) {
    String lost =
        desired.enabled()
            ? "the restore points older than "
                + desired.recoveryPeriodDays()
                + (desired.recoveryPeriodDays() == 1 ? " day" : " days")
            : "all its restore points";
    return new NotReady(
        ConditionReason.RestorePointLossNotAcknowledged,
        "Setting point-in-time recovery of table "
            + table
            + " from "
            + observed.describe()
            + " to "
            + desired.describe()
            + " would delete "
            + lost
            + ". Nothing was changed: to confirm, set spec.acknowledgeRestorePointLoss to a new"
            + " value.");
  }

  private Verdict settle(Facts facts, Outcome outcome, ObservedPitr observed, Instant now) {
    return settle(facts, outcome, observed, List.of(), now);
  }

  /** The verdict for an outcome: events, and when to look again. */
  private Verdict settle(
      Facts facts, Outcome outcome, ObservedPitr observed, List<Event> events, Instant now) {
    List<Event> all = transition(facts.lastReason(), outcome, events);
    if (outcome.reason().kind() == ConditionReason.Kind.READY) {
      // A fresh observation starts a new drift interval; otherwise the scheduled check stands.
      Instant due =
          observed != null || facts.driftCheckDue().isEmpty()
              ? settings.drift().nextCheck(now, facts.uid(), facts.policies())
              : facts.driftCheckDue().get();
      Duration next = now.isBefore(due) ? Duration.between(now, due) : Duration.ZERO;
      // The spec's acknowledgement has done its work once its generation settled: it covers no
      // later loss, whether or not this one deleted anything.
      return new Verdict(
          Optional.of(outcome),
          observed,
          all,
          next,
          Optional.of(due),
          null,
          facts.acknowledgement());
    }
    return new Verdict(
        Optional.of(outcome),
        observed,
        all,
        capped(notReadyLook(outcome.reason(), facts.failingSince(), now), facts.policies()),
        Optional.empty());
  }

  /** No policy waits longer than the drift interval (for {@code policies}) to be looked at. */
  private Duration capped(Duration wait, int policies) {
    Duration longest = settings.drift().effectiveInterval(policies);
    return wait.compareTo(longest) > 0 ? longest : wait;
  }

  /** {@code events}, then a transition event when the Ready reason changes. */
  private static List<Event> transition(
      Optional<ConditionReason> lastReason, Outcome outcome, List<Event> events) {
    if (lastReason.filter(outcome.reason()::equals).isPresent()) {
      return events;
    }
    List<Event> all = new ArrayList<>(events);
    all.add(new Event(outcome.reason(), outcome.message()));
    return List.copyOf(all);
  }

  /** How long until a policy that is not Ready, for this reason, is looked at again. */
  private Duration notReadyLook(ConditionReason reason, Instant failingSince, Instant now) {
    return switch (reason) {
      case TableNotFound -> jittered(settings.tableNotFound());
      case BackupsNotYetAvailable, PitrStatusChanging ->
          jittered(settings.backupsNotYetAvailable());
      case Throttled,
          AwsServerError,
          EndpointUnreachable,
          CredentialsUnavailable,
          AccountUnknown,
          ReconciliationFailed ->
          backoff(failingSince, now);
      case AccessDenied,
          AssumeRoleDenied,
          NotPermitted,
          AmbiguousAccountBinding,
          AccountChanged,
          RestorePointLossNotAcknowledged,
          InvalidSpec ->
          jittered(settings.stalled());
      case Conflict -> jittered(settings.conflict());
      case InSync,
          DriftObserved,
          RestoreWindowFilling,
          FullRestoreWindow,
          Applied,
          DriftCorrected,
          DisabledOnDelete,
          HandedOver ->
          throw new IllegalArgumentException(reason + " is not a reason for not being ready");
      case Discovering,
          RollingOut,
          PoliciesNotReady,
          PoliciesStalled,
          TablesSelected,
          TablesReleased ->
          throw new IllegalArgumentException(reason + " is a policy set's, not a policy's");
    };
  }

  /**
   * Exponential backoff without stored state: wait about as long as the policy has been failing,
   * between the initial and the maximum backoff, with ±20% jitter.
   */
  private Duration backoff(Instant failingSince, Instant now) {
    Duration failingFor =
        failingSince == null || failingSince.isAfter(now)
            ? Duration.ZERO
            : Duration.between(failingSince, now);
    Duration wait =
        failingFor.compareTo(settings.initialBackoff()) < 0
            ? settings.initialBackoff()
            : failingFor;
    return jittered(wait.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : wait);
  }

  private Duration jittered(Duration base) {
    double factor = 0.8 + random.nextDouble() * 0.4;
    return Duration.ofMillis(Math.max(1, Math.round(base.toMillis() * factor)));
  }

  private static Failed failure(Answer answer) {
    if (answer instanceof Failed failed) {
      return failed;
    }
    throw new IllegalStateException("expected a failure, got " + answer);
  }
}
