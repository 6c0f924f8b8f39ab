package io.pitr.operator;

import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicyStatus;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.aws.AwsCallFailed;
import io.pitr.operator.aws.ContinuousBackupsGateway;
import io.pitr.operator.aws.TableRef;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.pitr.DesiredPitr;
import io.pitr.operator.pitr.ObservedPitr;
import io.pitr.operator.pitr.PitrPlan;
import io.pitr.operator.status.PolicyStatusBuilder;
import io.pitr.operator.status.PolicyStatusBuilder.NotReady;
import io.pitr.operator.status.PolicyStatusBuilder.Outcome;
import io.pitr.operator.status.PolicyStatusBuilder.Synced;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * Reconciles ContinuousBackupsPolicy resources: read the spec, observe DynamoDB only when needed,
 * plan (pure), act through the gateway, build the status (pure), and say when to look again.
 *
 * <p>A spec change costs one UpdateContinuousBackups, whose answer is the observation. Drift is
 * looked for with one DescribeContinuousBackups per policy per drift interval, under a rate shared
 * by all policies of a region. At most two AWS calls are made per reconciliation. Reconciliation
 * runs on every event (deletes included) so that only policies with deletionPolicy Disable carry a
 * finalizer.
 */
@ControllerConfiguration(
    name = "continuousbackupspolicy",
    triggerReconcilerOnAllEvents = true,
    informer = @Informer(itemStore = LeanPolicyStore.class))
public class ContinuousBackupsPolicyReconciler implements Reconciler<ContinuousBackupsPolicy> {

  /** Held only by policies with deletionPolicy Disable, until PITR is off. */
  public static final String FINALIZER = "dynamodb.pitr.io/disable-pitr-on-delete";

  private static final Logger LOG = Logger.getLogger(ContinuousBackupsPolicyReconciler.class);
  private static final String TABLE_INDEX = "table";

  private final ContinuousBackupsGateway gateway;
  private final ReconcilerSettings settings;
  private final PolicyEvents events;
  private final Clock clock;
  private final MeterRegistry metrics;

  /** When each policy (by UID) is next due for a drift check; rebuilt, spread out, on restart. */
  private final Map<String, Instant> nextDriftCheck = new ConcurrentHashMap<>();

  /** Each policy's current Ready reason, for the pitr_policies gauge. */
  private final Map<String, ConditionReason> reasons = new ConcurrentHashMap<>();

  @Inject
  public ContinuousBackupsPolicyReconciler(
      ContinuousBackupsGateway gateway,
      ReconcilerSettings settings,
      PolicyEvents events,
      Clock clock,
      MeterRegistry metrics) {
    this.gateway = gateway;
    this.settings = settings;
    this.events = events;
    this.clock = clock;
    this.metrics = metrics;
    for (ConditionReason reason : ConditionReason.values()) {
      if (reason.kind() != ConditionReason.Kind.EVENT) {
        metrics.gauge(
            "pitr.policies",
            Tags.of("reason", reason.name()),
            reasons,
            all -> all.values().stream().filter(reason::equals).count());
      }
    }
  }

  @Override
  public UpdateControl<ContinuousBackupsPolicy> reconcile(
      ContinuousBackupsPolicy policy, Context<ContinuousBackupsPolicy> context) {
    if (context.isPrimaryResourceDeleted()) {
      nextDriftCheck.remove(policy.getMetadata().getUid());
      reasons.remove(policy.getMetadata().getUid());
      return UpdateControl.noUpdate();
    }
    if (policy.isMarkedForDeletion()) {
      return deleting(policy, context);
    }
    syncFinalizer(policy, context);

    Optional<String> invalid = PitrPlan.invalidity(policy.getSpec(), settings.defaultRegion());
    if (invalid.isPresent()) {
      return finish(policy, new NotReady(ConditionReason.InvalidSpec, invalid.get()), null, null);
    }
    TableRef table = tableOf(policy);
    Optional<ContinuousBackupsPolicy> owner = ownerOf(table, context);
    if (owner.isPresent() && !isSame(owner.get(), policy)) {
      String message =
          "Table "
              + table
              + " is managed by "
              + owner.get().getMetadata().getNamespace()
              + "/"
              + owner.get().getMetadata().getName()
              + "; this policy takes over if that one is deleted.";
      return finish(
          policy, new NotReady(ConditionReason.Conflict, message), null, settings.conflict());
    }
    return reconcileTable(policy, table, context);
  }

  private UpdateControl<ContinuousBackupsPolicy> reconcileTable(
      ContinuousBackupsPolicy policy, TableRef table, Context<ContinuousBackupsPolicy> context) {
    DesiredPitr desired = DesiredPitr.of(policy.getSpec().getPointInTimeRecoverySpecification());
    ContinuousBackupsPolicyStatus status = policy.getStatus();
    boolean specChanged =
        status == null
            || !policy.getMetadata().getGeneration().equals(status.getObservedGeneration());
    Optional<ConditionReason> lastReason =
        PolicyStatusBuilder.ready(status).flatMap(c -> reasonNamed(c.getReason()));
    boolean ready = lastReason.filter(ConditionReason.InSync::equals).isPresent();
    try {
      if (specChanged) {
        // While Ready, the stored observation is DynamoDB's state, so a change that DynamoDB
        // already matches costs no call. After a failure it may be stale (the table may be
        // gone): apply, and let the answer observe.
        ObservedPitr known = ready ? PolicyStatusBuilder.lastObserved(status) : null;
        return act(policy, table, desired, known, false);
      }
      if (!ready && lastReason.filter(ConditionReason.PitrStatusChanging::equals).isEmpty()) {
        // A retry: the stored observation may be stale, so apply; the answer observes.
        return act(policy, table, desired, null, false);
      }
      Instant now = clock.instant();
      Instant due =
          nextDriftCheck.computeIfAbsent(
              policy.getMetadata().getUid(),
              uid -> settings.drift().firstCheck(now, uid, policyCount()));
      if (now.isBefore(due)) {
        return UpdateControl.<ContinuousBackupsPolicy>noUpdate()
            .rescheduleAfter(Duration.between(now, due));
      }
      Optional<Duration> wait = gateway.reserveDescribe(table);
      if (wait.isPresent()) {
        return UpdateControl.<ContinuousBackupsPolicy>noUpdate()
            .rescheduleAfter(jittered(wait.get()));
      }
      return act(policy, table, desired, gateway.describe(table), true);
    } catch (AwsCallFailed failure) {
      return failed(policy, failure);
    }
  }

  /** Plans against {@code observed} and applies if needed; {@code fresh}: observed just now. */
  private UpdateControl<ContinuousBackupsPolicy> act(
      ContinuousBackupsPolicy policy,
      TableRef table,
      DesiredPitr desired,
      ObservedPitr observed,
      boolean fresh)
      throws AwsCallFailed {
    PitrPlan.Decision decision = PitrPlan.plan(desired, observed);
    if (decision instanceof PitrPlan.InSync inSync) {
      return finish(policy, new Synced(inSync.observed()), fresh ? observed : null, null);
    }
    if (decision instanceof PitrPlan.Wait wait) {
      return finish(
          policy, new NotReady(wait.reason(), wait.message()), fresh ? observed : null, null);
    }
    ObservedPitr applied = gateway.update(table, desired);
    boolean wasReady =
        PolicyStatusBuilder.ready(policy.getStatus())
            .filter(c -> ConditionReason.InSync.name().equals(c.getReason()))
            .isPresent();
    if (fresh) {
      String message =
          "Point-in-time recovery of table "
              + table
              + " was "
              + observed.describe()
              + " outside the operator; set back to "
              + desired.describe()
              + ".";
      LOG.infof("%s: %s", name(policy), message);
      events.record(policy, ConditionReason.DriftCorrected, message);
      metrics.counter("pitr.drift.corrections", "region", table.region()).increment();
    } else if (wasReady) {
      // Ready stays True, so no transition event would tell of the change.
      events.record(
          policy,
          ConditionReason.Applied,
          "Point-in-time recovery of table " + table + " set to " + desired.describe() + ".");
    }
    PitrPlan.Decision after = PitrPlan.plan(desired, applied);
    Outcome outcome =
        after instanceof PitrPlan.InSync
            ? new Synced(applied)
            : new NotReady(
                ConditionReason.PitrStatusChanging,
                "DynamoDB answered "
                    + applied.describe()
                    + " to a request for "
                    + desired.describe()
                    + ".");
    return finish(policy, outcome, applied, null);
  }

  private UpdateControl<ContinuousBackupsPolicy> failed(
      ContinuousBackupsPolicy policy, AwsCallFailed failure) {
    return finish(policy, new NotReady(failure.reason(), failure.getMessage()), null, null);
  }

  /**
   * Writes the status if it changed, records an event when the Ready reason changes, and says when
   * to look again ({@code retryAfter} overrides the reason's own schedule).
   */
  private UpdateControl<ContinuousBackupsPolicy> finish(
      ContinuousBackupsPolicy policy, Outcome outcome, ObservedPitr observed, Duration retryAfter) {
    Instant now = clock.instant();
    ContinuousBackupsPolicyStatus previous = policy.getStatus();
    ContinuousBackupsPolicyStatus status =
        PolicyStatusBuilder.build(
            previous,
            policy.getMetadata().getGeneration(),
            outcome,
            observed,
            now,
            settings.statusRefreshAfter());
    String previousReason =
        PolicyStatusBuilder.ready(previous).map(c -> c.getReason()).orElse(null);
    ConditionReason reason =
        outcome instanceof NotReady notReady ? notReady.reason() : ConditionReason.InSync;
    if (!reason.name().equals(previousReason)) {
      String message = PolicyStatusBuilder.ready(status).orElseThrow().getMessage();
      LOG.infof(
          "%s (table %s): %s: %s", name(policy), policy.getSpec().getTableName(), reason, message);
      events.record(policy, reason, message);
    }
    reasons.put(policy.getMetadata().getUid(), reason);
    metrics
        .counter(
            "pitr.reconciles",
            "outcome",
            reason.name(),
            "status",
            status.equals(previous) ? "unchanged" : "written")
        .increment();
    Duration next = retryAfter != null ? retryAfter : nextLook(policy, reason, previous, now);
    if (reason == ConditionReason.InSync && observed != null) {
      nextDriftCheck.put(policy.getMetadata().getUid(), now.plus(next));
    }
    LOG.debugf("%s: %s, next look in %s", name(policy), reason, next);
    if (status.equals(previous)) {
      return UpdateControl.<ContinuousBackupsPolicy>noUpdate().rescheduleAfter(next);
    }
    policy.setStatus(status);
    return UpdateControl.patchStatus(policy).rescheduleAfter(next);
  }

  /** How long until the policy should be looked at again, given why it is where it is. */
  private Duration nextLook(
      ContinuousBackupsPolicy policy,
      ConditionReason reason,
      ContinuousBackupsPolicyStatus previous,
      Instant now) {
    return switch (reason) {
      case InSync -> {
        Instant due = settings.drift().nextCheck(now, policy.getMetadata().getUid(), policyCount());
        yield Duration.between(now, due);
      }
      case TableNotFound -> jittered(settings.tableNotFound());
      case BackupsNotYetAvailable, PitrStatusChanging ->
          jittered(settings.backupsNotYetAvailable());
      case Throttled, AwsServerError, EndpointUnreachable -> backoff(previous, now);
      case AccessDenied, InvalidSpec -> jittered(settings.stalled());
      case Conflict -> jittered(settings.conflict());
      case Applied, DriftCorrected, DisabledOnDelete ->
          throw new IllegalArgumentException(reason + " is not a condition reason");
    };
  }

  /**
   * Exponential backoff without stored state: wait about as long as the policy has been failing,
   * between the initial and the maximum backoff, with ±20% jitter.
   */
  private Duration backoff(ContinuousBackupsPolicyStatus previous, Instant now) {
    Duration failingFor =
        PolicyStatusBuilder.ready(previous)
            .filter(c -> "False".equals(c.getStatus()))
            .map(c -> Duration.between(Instant.parse(c.getLastTransitionTime()), now))
            .orElse(Duration.ZERO);
    Duration wait =
        failingFor.compareTo(settings.initialBackoff()) < 0
            ? settings.initialBackoff()
            : failingFor;
    return jittered(wait.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : wait);
  }

  private UpdateControl<ContinuousBackupsPolicy> deleting(
      ContinuousBackupsPolicy policy, Context<ContinuousBackupsPolicy> context) {
    nextDriftCheck.remove(policy.getMetadata().getUid());
    if (!policy.hasFinalizer(FINALIZER)) {
      return UpdateControl.noUpdate();
    }
    if (PitrPlan.invalidity(policy.getSpec(), settings.defaultRegion()).isEmpty()) {
      TableRef table = tableOf(policy);
      Optional<ContinuousBackupsPolicy> owner = ownerOf(table, context);
      if (owner.isEmpty() || isSame(owner.get(), policy)) {
        try {
          gateway.update(table, DesiredPitr.disabled());
          events.record(
              policy,
              ConditionReason.DisabledOnDelete,
              "Point-in-time recovery of table " + table + " turned off: the policy was deleted.");
        } catch (AwsCallFailed failure) {
          if (failure.reason() != ConditionReason.TableNotFound) {
            return failed(policy, failure);
          }
        }
      }
    }
    PrimaryUpdateAndCacheUtils.removeFinalizer(context, FINALIZER);
    return UpdateControl.noUpdate();
  }

  /** Only policies with deletionPolicy Disable hold the finalizer. */
  private static void syncFinalizer(
      ContinuousBackupsPolicy policy, Context<ContinuousBackupsPolicy> context) {
    boolean wanted =
        policy.getSpec() != null && policy.getSpec().getDeletionPolicy() == DeletionPolicy.Disable;
    if (wanted && !policy.hasFinalizer(FINALIZER)) {
      ContinuousBackupsPolicy updated = PrimaryUpdateAndCacheUtils.addFinalizer(context, FINALIZER);
      policy.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
      policy.getMetadata().setFinalizers(updated.getMetadata().getFinalizers());
    } else if (!wanted && policy.hasFinalizer(FINALIZER)) {
      ContinuousBackupsPolicy updated =
          PrimaryUpdateAndCacheUtils.removeFinalizer(context, FINALIZER);
      policy.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
      policy.getMetadata().setFinalizers(updated.getMetadata().getFinalizers());
    }
  }

  /**
   * The policy that manages a table: the oldest one naming it (then by namespace and name), so that
   * every replica and every reconciliation agrees without coordination.
   */
  private Optional<ContinuousBackupsPolicy> ownerOf(
      TableRef table, Context<ContinuousBackupsPolicy> context) {
    return context.getPrimaryCache().byIndex(TABLE_INDEX, indexKey(table)).stream()
        .min(
            Comparator.comparing(
                    (ContinuousBackupsPolicy p) ->
                        Instant.parse(p.getMetadata().getCreationTimestamp()))
                .thenComparing(p -> p.getMetadata().getNamespace())
                .thenComparing(p -> p.getMetadata().getName()));
  }

  @Override
  public List<EventSource<?, ContinuousBackupsPolicy>> prepareEventSources(
      EventSourceContext<ContinuousBackupsPolicy> context) {
    context
        .getPrimaryCache()
        .addIndexer(
            TABLE_INDEX,
            policy ->
                PitrPlan.invalidity(policy.getSpec(), settings.defaultRegion()).isEmpty()
                    ? List.of(indexKey(tableOf(policy)))
                    : List.of());
    return List.of();
  }

  private static String indexKey(TableRef table) {
    return table.region() + "/" + table.tableName();
  }

  private TableRef tableOf(ContinuousBackupsPolicy policy) {
    String region = policy.getSpec().getRegion();
    return new TableRef(
        region != null && !region.isBlank() ? region : settings.defaultRegion().orElseThrow(),
        policy.getSpec().getTableName());
  }

  /** Policies this process checks for drift: those it has seen in sync. */
  private int policyCount() {
    return Math.max(1, nextDriftCheck.size());
  }

  private static Optional<ConditionReason> reasonNamed(String name) {
    for (ConditionReason reason : ConditionReason.values()) {
      if (reason.name().equals(name)) {
        return Optional.of(reason);
      }
    }
    return Optional.empty();
  }

  private static boolean isSame(ContinuousBackupsPolicy a, ContinuousBackupsPolicy b) {
    return a.getMetadata().getUid().equals(b.getMetadata().getUid());
  }

  private static Duration jittered(Duration base) {
    double factor = 0.8 + ThreadLocalRandom.current().nextDouble() * 0.4;
    return Duration.ofMillis(Math.max(1, Math.round(base.toMillis() * factor)));
  }

  private static String name(ContinuousBackupsPolicy policy) {
    return policy.getMetadata().getNamespace() + "/" + policy.getMetadata().getName();
  }
}
