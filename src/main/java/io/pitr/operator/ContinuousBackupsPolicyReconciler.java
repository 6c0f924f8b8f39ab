package io.pitr.operator;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicyStatus;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.aws.AwsCallFailed;
import io.pitr.operator.aws.CallBudget;
import io.pitr.operator.aws.ContinuousBackupsGateway;
import io.pitr.operator.aws.TooManyCallsInFlight;
import io.pitr.operator.pitr.AwsAccess;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.pitr.DesiredPitr;
import io.pitr.operator.pitr.ObservedPitr;
import io.pitr.operator.pitr.Outcome.NotReady;
import io.pitr.operator.pitr.PitrPlan;
import io.pitr.operator.pitr.ReconcilerSettings;
import io.pitr.operator.pitr.Reconciliation;
import io.pitr.operator.pitr.Reconciliation.Answer;
import io.pitr.operator.pitr.Reconciliation.Call;
import io.pitr.operator.pitr.Reconciliation.Event;
import io.pitr.operator.pitr.Reconciliation.Verdict;
import io.pitr.operator.pitr.TableRef;
import io.pitr.operator.sets.GeneratedPolicies;
import io.pitr.operator.sets.PolicySetLinks;
import io.pitr.operator.status.PolicyStatusBuilder;
import io.pitr.operator.tenancy.Tenancy;
import io.pitr.operator.tenancy.TenancyEventSources;
import io.pitr.operator.tenancy.TenancySettings;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Reconciles ContinuousBackupsPolicy resources: reads the policy and what the cache knows of other
 * policies naming its table, lets {@link Reconciliation} decide (pure), makes the AWS calls it asks
 * for through the gateway, and reports: status, events, metrics, when to look again.
 *
 * <p>Reconciliation runs on every event, deletes included, so that only policies with
 * deletionPolicy Disable carry a finalizer; the packaged operator registers it so (see {@link
 * OperatorProducers#operator}).
 */
@ControllerConfiguration(
    name = ContinuousBackupsPolicyReconciler.NAME,
    triggerReconcilerOnAllEvents = true,
    generationAwareEventProcessing = false,
    informer =
        @Informer(itemStore = LeanPolicyStore.class, onUpdateFilter = PolicyUpdateFilter.class))
public class ContinuousBackupsPolicyReconciler implements Reconciler<ContinuousBackupsPolicy> {

  /** The controller's name, also in quarkus.operator-sdk.controllers.NAME.* properties. */
  public static final String NAME = "continuousbackupspolicy";

  /** Set to a new value (any: a time, say) to have a policy reconciled now. */
  public static final String RECONCILE_REQUESTED_AT = "dynamodb.pitr.io/reconcile-requested-at";

  /** Held only by policies with deletionPolicy Disable, until PITR is off. */
  public static final String FINALIZER = "dynamodb.pitr.io/disable-pitr-on-delete";

  private static final Logger LOG = Logger.getLogger(ContinuousBackupsPolicyReconciler.class);
  private static final String TABLE_INDEX = "table";

  private final ContinuousBackupsGateway gateway;
  private final ReconcilerSettings settings;
  private final TenancySettings tenancySettings;

  /** Who may manage which table; set up with the event sources (it reads their caches). */
  private volatile Tenancy tenancy;

  private final Reconciliation reconciliation;
  private final PolicyEvents events;
  private final Clock clock;
  private final MeterRegistry metrics;
  private final PolicyMetrics policyMetrics;
  private final PolicySetLinks setLinks;

  /** Wakes the policies that stand by for a table when the policy managing it goes. */
  private final SimpleInboundEventSource<ContinuousBackupsPolicy> successors =
      new SimpleInboundEventSource<>("successors");

  /** When each policy (by UID) is next due for a drift check; rebuilt, spread out, on restart. */
  private final Map<String, Instant> nextDriftCheck = new ConcurrentHashMap<>();

  /** When DynamoDB last answered about each policy's table (by UID), to this process. */
  private final Map<String, Instant> lastObserved = new ConcurrentHashMap<>();

  /** Since when the drift checks of each Ready policy (by UID) have failed to observe. */
  private final Map<String, Instant> observeFailingSince = new ConcurrentHashMap<>();

  /** Observations that differ from the spec, kept while their Update waits for its slot. */
  private final Map<String, ObservedPitr> awaitingUpdate = new ConcurrentHashMap<>();

  /** Each policy's current Ready reason, for the pitr_policies gauge. */
  private final Map<String, ConditionReason> reasons = new ConcurrentHashMap<>();

  @Inject
  public ContinuousBackupsPolicyReconciler(
      ContinuousBackupsGateway gateway,
      ReconcilerSettings settings,
      TenancySettings tenancySettings,
      PolicyEvents events,
      Clock clock,
      MeterRegistry metrics,
      PolicyMetrics policyMetrics,
      PolicySetLinks setLinks) {
    this.gateway = gateway;
    this.setLinks = setLinks;
    this.settings = settings;
    this.tenancySettings = tenancySettings;
    this.tenancy = Tenancy.off(gateway::ownAccount);
    // Each reconciler thread draws its jitter from its own ThreadLocalRandom.
    this.reconciliation =
        new Reconciliation(settings, () -> ThreadLocalRandom.current().nextLong());
    this.events = events;
    this.clock = clock;
    this.metrics = metrics;
    this.policyMetrics = policyMetrics;
    for (ConditionReason reason : ConditionReason.values()) {
      if (reason.readiness() && reason.ofPolicies()) {
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
      forget(policy);
      wakeSuccessors(policy, context);
      wakePolicySets(policy);
      return UpdateControl.noUpdate();
    }
    if (policy.isMarkedForDeletion()) {
      wakePolicySets(policy);
      return deleting(policy, context);
    }
    ContinuousBackupsPolicyStatus written = policy.getStatus();
    if (written == null
        || written.getObservedGeneration() == null
        || written.getObservedGeneration() < 0) {
      // New: a set may have to give this table up to it.
      wakePolicySets(policy);
    }
    syncFinalizer(policy, context);
    Optional<String> invalidity = PitrPlan.invalidity(policy.getSpec(), defaultRegion(policy));
    Target target = invalidity.isEmpty() ? targetOf(policy).orElse(null) : null;
    TableRef table = target == null ? null : target.table().orElse(null);
    ContinuousBackupsPolicyStatus status = policy.getStatus();
    String uid = policy.getMetadata().getUid();
    Instant now = clock.instant();
    var facts =
        new Reconciliation.Facts(
            uid,
            table,
            invalidity,
            target == null ? Optional.empty() : target.refused(),
            desired(policy),
            status == null
                || !policy.getMetadata().getGeneration().equals(status.getObservedGeneration()),
            PolicyStatusBuilder.lastObserved(status),
            PolicyStatusBuilder.readyReason(status),
            PolicyStatusBuilder.failingSince(status),
            table == null ? Optional.empty() : managerOf(table, context, policy).map(this::name),
            Optional.ofNullable(nextDriftCheck.get(uid)),
            Math.max(1, nextDriftCheck.size()),
            lastObserved.computeIfAbsent(uid, first -> now),
            observeFailingSince.get(uid),
            reconcileRequest(policy).isPresent(),
            awaitingUpdate.remove(uid),
            observeOnly(policy),
            unusedAcknowledgement(policy));
    // A change to a policy already applied goes ahead of first applies, drift checks and
    // deletions, however many of those wait: somebody waits for it.
    CallBudget.Lane lane =
        written != null
                && written.getObservedGeneration() != null
                && written.getObservedGeneration() > 0
                && facts.specChanged()
            ? CallBudget.Lane.AHEAD
            : CallBudget.Lane.QUEUED;
    Verdict verdict =
        reconciliation.reconcile(facts, now, call -> call(uid, target.access(), call, lane));
    verdict.driftCheckDue().ifPresent(due -> nextDriftCheck.put(uid, due));
    if (verdict.awaitingUpdate() != null) {
      awaitingUpdate.put(uid, verdict.awaitingUpdate());
    }
    return report(policy, verdict, target);
  }

  /** What the spec asks for, null when it cannot be applied as written. */
  private DesiredPitr desired(ContinuousBackupsPolicy policy) {
    return PitrPlan.invalidity(policy.getSpec(), defaultRegion(policy)).isEmpty()
        ? DesiredPitr.of(policy.getSpec().getPointInTimeRecoverySpecification())
        : null;
  }

  private static boolean observeOnly(ContinuousBackupsPolicy policy) {
    return policy.getSpec() != null && policy.getSpec().observeOnly();
  }

  /**
   * spec.acknowledgeRestorePointLoss, if set to a value the operator has not deleted restore points
   * under yet.
   */
  private static Optional<String> unusedAcknowledgement(ContinuousBackupsPolicy policy) {
    String given =
        policy.getSpec() == null ? null : policy.getSpec().getAcknowledgeRestorePointLoss();
    String used =
        policy.getStatus() == null ? null : policy.getStatus().getRestorePointLossAcknowledged();
    return given == null || given.isBlank() || given.equals(used)
        ? Optional.empty()
        : Optional.of(given);
  }

  /** The value of the reconcile-requested-at annotation, if it is set and not yet acted on. */
  private static Optional<String> reconcileRequest(ContinuousBackupsPolicy policy) {
    Map<String, String> annotations = policy.getMetadata().getAnnotations();
    String requested = annotations == null ? null : annotations.get(RECONCILE_REQUESTED_AT);
    String handled =
        policy.getStatus() == null ? null : policy.getStatus().getLastHandledReconcileAt();
    return requested == null || requested.equals(handled)
        ? Optional.empty()
        : Optional.of(requested);
  }

  /**
   * The safety net: whatever fails outside DynamoDB (the Kubernetes API, an object the operator
   * cannot handle, a bug) is said in status, and the Java Operator SDK retries with the backoff the
   * operator registers it with (never giving up, never waiting longer than the maximum backoff).
   */
  @Override
  public ErrorStatusUpdateControl<ContinuousBackupsPolicy> updateErrorStatus(
      ContinuousBackupsPolicy policy, Context<ContinuousBackupsPolicy> context, Exception e) {
    String message = "Reconciliation failed and is retried: " + describe(e);
    LOG.warnf(e, "%s: %s", name(policy), message);
    Verdict verdict =
        reconciliation.failed(PolicyStatusBuilder.readyReason(policy.getStatus()), message);
    ContinuousBackupsPolicyStatus status = record(policy, verdict, targetOf(policy).orElse(null));
    if (status.equals(policy.getStatus())) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    policy.setStatus(status);
    return ErrorStatusUpdateControl.patchStatus(policy);
  }

  private UpdateControl<ContinuousBackupsPolicy> deleting(
      ContinuousBackupsPolicy policy, Context<ContinuousBackupsPolicy> context) {
    nextDriftCheck.remove(policy.getMetadata().getUid());
    Target target = targetOf(policy).orElse(null);
    TableRef table = target == null ? null : target.table().orElse(null);
    Optional<ContinuousBackupsPolicy> manager =
        table == null ? Optional.empty() : managerOf(table, context, policy);
    var departure =
        new Reconciliation.Departure(
            policy.hasFinalizer(FINALIZER),
            disablesOnDelete(policy),
            table,
            target == null ? Optional.empty() : target.refused(),
            manager.map(this::name),
            manager.filter(ContinuousBackupsPolicy::isMarkedForDeletion).isPresent(),
            table == null
                ? Optional.empty()
                : policiesNaming(table, context)
                    .filter(other -> !isSame(other, policy) && !other.isMarkedForDeletion())
                    .min(MANAGER_FIRST)
                    .map(this::name),
            PolicyStatusBuilder.readyReason(policy.getStatus()),
            PolicyStatusBuilder.failingSince(policy.getStatus()));
    String uid = policy.getMetadata().getUid();
    Reconciliation.Leave leave =
        reconciliation.leave(
            departure,
            clock.instant(),
            call -> call(uid, target.access(), call, CallBudget.Lane.QUEUED));
    if (leave instanceof Reconciliation.Stay stay) {
      return report(policy, stay.verdict(), target);
    }
    for (Event event : ((Reconciliation.Release) leave).events()) {
      LOG.infof(
          "%s (table %s): %s",
          name(policy), table == null ? policy.getSpec().getTableName() : table, event.message());
      events.record(policy, event.reason(), event.message());
    }
    if (policy.hasFinalizer(FINALIZER)) {
      setFinalizer(policy, context, false);
    }
    return UpdateControl.noUpdate();
  }

  /**
   * Makes a call the decision asks for, for the policy with this UID, reaching the table's account
   * through {@code access}, on a slot of the call's budget; remembers when DynamoDB last answered
   * about the policy's table, and since when Describes have failed.
   */
  private Answer call(String uid, AwsAccess access, Call call, CallBudget.Lane lane) {
    boolean describe = call instanceof Reconciliation.Describe;
    TableRef table =
        describe
            ? ((Reconciliation.Describe) call).table()
            : ((Reconciliation.Update) call).table();
    Optional<Duration> wait =
        gateway.reserve(
            describe
                ? ContinuousBackupsGateway.Operation.DescribeContinuousBackups
                : ContinuousBackupsGateway.Operation.UpdateContinuousBackups,
            table,
            uid,
            lane);
    if (wait.isPresent()) {
      // Rescheduling counts whole milliseconds: round up, so as not to wake before the slot.
      return new Reconciliation.Deferred(
          Duration.ofMillis(Math.max(1, (wait.get().toNanos() + 999_999) / 1_000_000)));
    }
    try {
      ObservedPitr observed =
          describe
              ? gateway.describe(table, access, uid)
              : gateway.update(table, ((Reconciliation.Update) call).desired(), access, uid);
      lastObserved.put(uid, clock.instant());
      observeFailingSince.remove(uid);
      return new Reconciliation.Answered(observed);
    } catch (AwsCallFailed failure) {
      if (describe) {
        observeFailingSince.putIfAbsent(uid, clock.instant());
      }
      return new Reconciliation.Failed(failure.reason(), failure.getMessage());
    } catch (TooManyCallsInFlight busy) {
      // The region is slow: try again in a second or so, holding no thread meanwhile.
      return new Reconciliation.Deferred(
          Duration.ofMillis(1000 + ThreadLocalRandom.current().nextInt(500)));
    }
  }

  /** Writes the status if it changed, records events and metrics, and says when to look again. */
  private UpdateControl<ContinuousBackupsPolicy> report(
      ContinuousBackupsPolicy policy, Verdict verdict, Target target) {
    if (verdict.outcome().isEmpty()) {
      // Nothing new was found: the policy stands where its status says (after a restart, too).
      ContinuousBackupsPolicyStatus status = policy.getStatus();
      PolicyStatusBuilder.readyReason(status)
          .ifPresent(reason -> reasons.put(policy.getMetadata().getUid(), reason));
      if (status != null) {
        policyMetrics.update(policy, status, desired(policy));
      }
      if (status != null && status.getRegion() == null && locationOf(policy).isPresent()) {
        // Written before status.region existed: record the region now, before the default changes.
        status.setRegion(locationOf(policy).get().region());
        return UpdateControl.patchStatus(policy).rescheduleAfter(verdict.next());
      }
      return UpdateControl.<ContinuousBackupsPolicy>noUpdate().rescheduleAfter(verdict.next());
    }
    ContinuousBackupsPolicyStatus previous = policy.getStatus();
    ContinuousBackupsPolicyStatus status = record(policy, verdict, target);
    // A requested reconciliation is done once it found something out (not when it failed).
    reconcileRequest(policy).ifPresent(status::setLastHandledReconcileAt);
    LOG.debugf("%s: %s, next look in %s", name(policy), verdict.outcome().get(), verdict.next());
    if (status.equals(previous)) {
      return UpdateControl.<ContinuousBackupsPolicy>noUpdate().rescheduleAfter(verdict.next());
    }
    policy.setStatus(status);
    return UpdateControl.patchStatus(policy).rescheduleAfter(verdict.next());
  }

  /**
   * The verdict's status, with its events, log lines and metrics recorded; {@code target}: where
   * the table is and whether the policy may manage it, null when the spec is invalid.
   */
  private ContinuousBackupsPolicyStatus record(
      ContinuousBackupsPolicy policy, Verdict verdict, Target target) {
    var outcome = verdict.outcome().orElseThrow();
    ContinuousBackupsPolicyStatus previous = policy.getStatus();
    ContinuousBackupsPolicyStatus status =
        PolicyStatusBuilder.build(
            previous,
            policy.getMetadata().getGeneration(),
            outcome,
            verdict.observed(),
            desired(policy),
            clock.instant(),
            settings.statusRefreshAfter());
    verdict.acknowledged().ifPresent(status::setRestorePointLossAcknowledged);
    if (target != null) {
      status.setRegion(target.location().region());
      target
          .table()
          .filter(table -> !table.accountId().isEmpty())
          .ifPresent(table -> status.setAccountId(table.accountId()));
      if (target.resolution() instanceof Tenancy.Permitted permitted) {
        status.setAccountBinding(permitted.bindingName().orElse(null));
      }
    }
    List<Event> told = new ArrayList<>(verdict.events());
    PolicyStatusBuilder.restoreWindowReduction(previous, status).ifPresent(told::add);
    for (Event event : told) {
      LOG.infof(
          "%s (table %s): %s: %s",
          name(policy), policy.getSpec().getTableName(), event.reason(), event.message());
      events.record(policy, event.reason(), event.message());
      if (event.reason() == ConditionReason.DriftCorrected) {
        metrics.counter("pitr.drift.corrections", "region", target.location().region()).increment();
      }
    }
    reasons.put(policy.getMetadata().getUid(), outcome.reason());
    policyMetrics.update(policy, status, desired(policy));
    metrics
        .counter(
            "pitr.reconciles",
            "outcome",
            outcome.reason().name(),
            "status",
            status.equals(previous) ? "unchanged" : "written")
        .increment();
    return status;
  }

  /**
   * Only policies with deletionPolicy Disable hold the finalizer. A refused change is not retried
   * here but fails the reconciliation, so that the safety net says why and retries with backoff.
   */
  private static void syncFinalizer(
      ContinuousBackupsPolicy policy, Context<ContinuousBackupsPolicy> context) {
    boolean wanted = disablesOnDelete(policy);
    if (wanted != policy.hasFinalizer(FINALIZER)) {
      ContinuousBackupsPolicy updated = setFinalizer(policy, context, wanted);
      policy.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
      policy.getMetadata().setFinalizers(updated.getMetadata().getFinalizers());
    }
  }

  /** deletionPolicy Disable, on a policy that enforces (one that observes never writes). */
  private static boolean disablesOnDelete(ContinuousBackupsPolicy policy) {
    return policy.getSpec() != null
        && policy.getSpec().getDeletionPolicy() == DeletionPolicy.Disable
        && !policy.getSpec().observeOnly();
  }

  /** Adds or removes the finalizer with one JSON patch, keeping the cache up to date. */
  private static ContinuousBackupsPolicy setFinalizer(
      ContinuousBackupsPolicy policy, Context<ContinuousBackupsPolicy> context, boolean held) {
    return context
        .resourceOperations()
        .jsonPatchPrimary(
            policy,
            p -> {
              if (held) {
                p.addFinalizer(FINALIZER);
              } else {
                p.removeFinalizer(FINALIZER);
              }
              return p;
            });
  }

  private void forget(ContinuousBackupsPolicy policy) {
    String uid = policy.getMetadata().getUid();
    nextDriftCheck.remove(uid);
    reasons.remove(uid);
    policyMetrics.remove(uid);
    lastObserved.remove(uid);
    observeFailingSince.remove(uid);
    awaitingUpdate.remove(uid);
    gateway.release(uid);
  }

  /** The policies that stood by for the deleted policy's table look again now. */
  private void wakeSuccessors(
      ContinuousBackupsPolicy deleted, Context<ContinuousBackupsPolicy> context) {
    locationOf(deleted)
        .ifPresent(
            location ->
                context.getPrimaryCache().byIndex(TABLE_INDEX, indexKey(location)).stream()
                    .filter(other -> !isSame(other, deleted))
                    .forEach(other -> successors.propagateEvent(ResourceID.fromResource(other))));
  }

  /**
   * Which of the policies naming a table manages it: one that already acts in the table's account
   * (status.accountId, and not standing by in Conflict) before one that does not, then the oldest.
   * So a policy created long ago but permitted only now (tenancy) does not take a table from the
   * policy managing it; it succeeds it when that one goes. With tenancy off no policy records an
   * account, and the oldest manages.
   */
  private static final Comparator<ContinuousBackupsPolicy> MANAGER_FIRST =
      Comparator.comparing(ContinuousBackupsPolicyReconciler::standsBy)
          .thenComparing(
              (ContinuousBackupsPolicy p) -> Instant.parse(p.getMetadata().getCreationTimestamp()))
          .thenComparing(p -> p.getMetadata().getNamespace())
          .thenComparing(p -> p.getMetadata().getName());

  private static boolean standsBy(ContinuousBackupsPolicy policy) {
    ContinuousBackupsPolicyStatus status = policy.getStatus();
    return status == null
        || status.getAccountId() == null
        || PolicyStatusBuilder.readyReason(status)
            .filter(ConditionReason.Conflict::equals)
            .isPresent();
  }

  /**
   * Another policy that manages the table: the first naming it in the same account by {@link
   * #MANAGER_FIRST} (being deleted or not, so that a successor waits until it is gone), if that is
   * not {@code policy}. A policy that may not manage the table (tenancy) manages nothing. Every
   * replica and every reconciliation agrees on it without coordination.
   */
  private Optional<ContinuousBackupsPolicy> managerOf(
      TableRef table, Context<ContinuousBackupsPolicy> context, ContinuousBackupsPolicy policy) {
    return policiesNaming(table, context).min(MANAGER_FIRST).filter(p -> !isSame(p, policy));
  }

  /** The policies that name the table and may manage it, in its account. */
  private Stream<ContinuousBackupsPolicy> policiesNaming(
      TableRef table, Context<ContinuousBackupsPolicy> context) {
    return context.getPrimaryCache().byIndex(TABLE_INDEX, indexKey(table)).stream()
        .filter(
            other ->
                targetOf(other)
                    .flatMap(Target::table)
                    .filter(theirs -> theirs.accountId().equals(table.accountId()))
                    .isPresent());
  }

  @Override
  public List<EventSource<?, ContinuousBackupsPolicy>> prepareEventSources(
      EventSourceContext<ContinuousBackupsPolicy> context) {
    IndexerResourceCache<ContinuousBackupsPolicy> policies = context.getPrimaryCache();
    policies.addIndexer(
        TABLE_INDEX,
        policy -> locationOf(policy).map(table -> List.of(indexKey(table))).orElse(List.of()));
    setLinks.readPoliciesFrom(key -> policies.byIndex(TABLE_INDEX, key));
    if (!tenancySettings.enabled()) {
      tenancy = Tenancy.off(gateway::ownAccount);
      setLinks.decideTenancyWith(tenancy);
      return List.of(successors);
    }
    TenancyEventSources sources =
        TenancyEventSources.create(
            context,
            changed -> withCoClaimants(policies, changed),
            setLinks::tenancyChanged,
            gateway::ownAccount);
    tenancy = sources.tenancy();
    setLinks.decideTenancyWith(tenancy);
    List<EventSource<?, ContinuousBackupsPolicy>> all = new java.util.ArrayList<>();
    all.add(successors);
    all.addAll(sources.sources());
    return all;
  }

  /**
   * The policies, and every other policy that names one of their tables: when what tenancy says of
   * a policy changes, so may which policy manages its table.
   */
  private Set<ResourceID> withCoClaimants(
      IndexerResourceCache<ContinuousBackupsPolicy> cache,
      Stream<ContinuousBackupsPolicy> policies) {
    Set<ResourceID> ids = new java.util.HashSet<>();
    policies.forEach(
        policy -> {
          ids.add(ResourceID.fromResource(policy));
          locationOf(policy)
              .ifPresent(
                  table ->
                      cache
                          .byIndex(TABLE_INDEX, indexKey(table))
                          .forEach(other -> ids.add(ResourceID.fromResource(other))));
        });
    return ids;
  }

  /**
   * A policy written by hand wins its table from any policy set: the sets of its region look again
   * when one comes or goes.
   */
  private void wakePolicySets(ContinuousBackupsPolicy policy) {
    if (GeneratedPolicies.owner(policy).isEmpty()) {
      locationOf(policy).ifPresent(table -> setLinks.handWrittenChanged(table.region()));
    }
  }

  private static String indexKey(TableRef table) {
    return PolicySetLinks.tableKey(table.region(), table.tableName());
  }

  /** Where the policy's table is, by region and name, when its spec is valid. */
  private Optional<TableRef> locationOf(ContinuousBackupsPolicy policy) {
    Optional<String> defaultRegion = defaultRegion(policy);
    if (PitrPlan.invalidity(policy.getSpec(), defaultRegion).isPresent()) {
      return Optional.empty();
    }
    String region = policy.getSpec().getRegion();
    return Optional.of(
        new TableRef(
            region != null && !region.isBlank() ? region : defaultRegion.orElseThrow(),
            policy.getSpec().getTableName()));
  }

  /** The policy's table and whether the policy may manage it, when its spec is valid. */
  private Optional<Target> targetOf(ContinuousBackupsPolicy policy) {
    return locationOf(policy)
        .map(
            location ->
                new Target(
                    location,
                    tenancy.resolve(
                        new Tenancy.Claim(
                            policy.getMetadata().getNamespace(),
                            policy.getMetadata().getName(),
                            location.tableName(),
                            location.region(),
                            Optional.ofNullable(policy.getSpec().getAccountBinding()),
                            Optional.ofNullable(policy.getStatus())
                                .map(ContinuousBackupsPolicyStatus::getAccountId),
                            Optional.ofNullable(policy.getStatus())
                                .map(ContinuousBackupsPolicyStatus::getAccountBinding)))));
  }

  /**
   * A policy's table (region and name) and what tenancy says about it.
   *
   * @param location the table by region and name, in no account yet
   * @param resolution whether the policy may manage it, and through which account
   */
  private record Target(TableRef location, Tenancy.Resolution resolution) {

    /** The table in its account, when the policy may manage it. */
    Optional<TableRef> table() {
      return resolution instanceof Tenancy.Permitted permitted
          ? Optional.of(
              new TableRef(permitted.access().accountId(), location.region(), location.tableName()))
          : Optional.empty();
    }

    /** Why the policy may not manage its table, if it may not. */
    Optional<NotReady> refused() {
      return resolution instanceof Tenancy.Refused refused
          ? Optional.of(refused.outcome())
          : Optional.empty();
    }

    /** How to reach the table's account; asked for only when the policy may manage it. */
    AwsAccess access() {
      return ((Tenancy.Permitted) resolution).access();
    }
  }

  /**
   * The region of a policy without spec.region: the one recorded in its status when it was first
   * applied, else the operator's default. A later change of the default does not move it.
   */
  private Optional<String> defaultRegion(ContinuousBackupsPolicy policy) {
    ContinuousBackupsPolicyStatus status = policy.getStatus();
    if (status != null && status.getRegion() != null && !status.getRegion().isBlank()) {
      return Optional.of(status.getRegion());
    }
    return settings.defaultRegion();
  }

  /**
   * One line for a condition: what failed, without stack traces or credentials. A Kubernetes API
   * error is told by its answer, however deep the SDK wrapped it.
   */
  private static String describe(Exception e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof KubernetesClientException api) {
        String detail =
            api.getStatus() != null && api.getStatus().getMessage() != null
                ? api.getStatus().getMessage()
                : api.getMessage();
        return "the Kubernetes API answered " + api.getCode() + ": " + detail;
      }
    }
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }

  private static boolean isSame(ContinuousBackupsPolicy a, ContinuousBackupsPolicy b) {
    return a.getMetadata().getUid().equals(b.getMetadata().getUid());
  }

  private String name(ContinuousBackupsPolicy policy) {
    return policy.getMetadata().getNamespace() + "/" + policy.getMetadata().getName();
  }
}
