package io.pitr.operator.sets;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.pitr.operator.LeanPolicyStore;
import io.pitr.operator.PolicyEvents;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySet;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySetStatus;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicyStatus;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.api.v1alpha1.ExcludedTable;
import io.pitr.operator.discovery.DiscoveryScope;
import io.pitr.operator.discovery.TableDiscovery;
import io.pitr.operator.discovery.TableInventory;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.status.Conditions;
import io.pitr.operator.status.PolicyStatusBuilder;
import io.pitr.operator.tenancy.Tenancy;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Keeps one generated ContinuousBackupsPolicy per table a set selects: read the set, what discovery
 * knows of its region and the policies that exist → plan (pure, {@link SetPlan}) → create, change
 * and delete generated policies at a bounded rate → report counts and conditions. It never calls
 * AWS itself: discovery lists the tables, and each generated policy's own reconciliation does the
 * rest.
 */
@ControllerConfiguration(
    name = ContinuousBackupsPolicySetReconciler.NAME,
    // A set's deletion reaches the reconciler (without a finalizer), which stops its discovery and
    // wakes the sets it kept tables from; the packaged operator registers it so.
    triggerReconcilerOnAllEvents = true)
public class ContinuousBackupsPolicySetReconciler
    implements Reconciler<ContinuousBackupsPolicySet> {

  /** The controller's name, also in quarkus.operator-sdk.controllers.NAME.* properties. */
  public static final String NAME = "continuousbackupspolicyset";

  /** Field manager of the generated policies' server-side applies. */
  static final String FIELD_MANAGER = "pitr-operator-policy-sets";

  private static final Logger LOG = Logger.getLogger(ContinuousBackupsPolicySetReconciler.class);
  private static final String OWNER_INDEX = "owner";
  private static final int EVENT_NAMES = 5;

  private final TableDiscovery discovery;
  private final PolicySetLinks links;
  private final PolicySetSettings settings;
  private final PolicyEvents events;
  private final Clock clock;
  private final Bucket writes;

  /** Wakes a set: discovery found a change, or another set's selection changed. */
  private final SimpleInboundEventSource<ContinuousBackupsPolicySet> wakeups =
      new SimpleInboundEventSource<>("policy-set-wakeups");

  private volatile InformerEventSource<ContinuousBackupsPolicy, ContinuousBackupsPolicySet>
      generated;
  private volatile io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache<
          ContinuousBackupsPolicySet>
      sets;

  @Inject
  public ContinuousBackupsPolicySetReconciler(
      TableDiscovery discovery,
      PolicySetLinks links,
      PolicySetSettings settings,
      PolicyEvents events,
      Clock clock) {
    this.discovery = discovery;
    this.links = links;
    this.settings = settings;
    this.events = events;
    this.clock = clock;
    long perSecond = Math.max(1, Math.round(settings.writesPerSecond()));
    this.writes =
        Bucket.builder()
            .addLimit(
                Bandwidth.builder()
                    .capacity(perSecond)
                    .refillGreedy(perSecond, Duration.ofSeconds(1))
                    .build())
            .build();
    links.wakeSetsWith(this::wakeRegion);
  }

  @Override
  public List<EventSource<?, ContinuousBackupsPolicySet>> prepareEventSources(
      EventSourceContext<ContinuousBackupsPolicySet> context) {
    sets = context.getPrimaryCache();
    var configuration =
        InformerEventSourceConfiguration.from(
                ContinuousBackupsPolicy.class, ContinuousBackupsPolicySet.class)
            .withName("generated-policies")
            // Only generated policies: the policy controller's cache answers for the others.
            .withLabelSelector(GeneratedPolicies.SET_LABEL)
            .withSecondaryToPrimaryMapper(
                Mappers.fromOwnerReferences(ContinuousBackupsPolicySet.class))
            .withItemStore(new LeanPolicyStore())
            .withOnUpdateFilter(GeneratedPolicyChange::matters)
            .build();
    var informer = new InformerEventSource<>(configuration, context);
    informer.addIndexers(
        Map.of(
            OWNER_INDEX,
            policy ->
                GeneratedPolicies.owner(policy)
                    .map(owner -> List.of(owner.getUid()))
                    .orElse(List.of())));
    generated = informer;
    return List.of(informer, wakeups);
  }

  @Override
  public UpdateControl<ContinuousBackupsPolicySet> reconcile(
      ContinuousBackupsPolicySet set, Context<ContinuousBackupsPolicySet> context) {
    String uid = set.getMetadata().getUid();
    if (context.isPrimaryResourceDeleted() || set.isMarkedForDeletion()) {
      // Kubernetes deletes the generated policies (they are owned); each goes by its
      // deletionPolicy. The set no longer needs discovery, and the sets it kept tables from may
      // take them now.
      discovery.unwatch(uid);
      wakeRegion(regionOf(set).orElse(""));
      return UpdateControl.noUpdate();
    }
    Instant now = clock.instant();
    Optional<String> region = regionOf(set);
    if (region.isEmpty()) {
      return report(
          set,
          stalledStatus(
              set,
              ConditionReason.InvalidSpec,
              "The set has no spec.region and the operator has no default region"
                  + " (pitr.aws.region): set spec.region.",
              now),
          settings.resync());
    }
    Optional<Tenancy> tenancy = links.tenancy();
    if (tenancy.isEmpty()) {
      // The policy controller sets tenancy up as it starts; come back once it has.
      return UpdateControl.<ContinuousBackupsPolicySet>noUpdate()
          .rescheduleAfter(Duration.ofSeconds(1));
    }
    Optional<String> binding = Optional.ofNullable(set.getSpec().getAccountBinding());
    Tenancy.Resolution scoped =
        tenancy
            .get()
            .resolveScope(
                set.getMetadata().getNamespace(),
                set.getMetadata().getName(),
                region.get(),
                binding);
    if (scoped instanceof Tenancy.Refused refused) {
      // No table is listed: the set may not reach the account. Its policies stay as they are.
      discovery.unwatch(uid);
      return report(
          set,
          stalledStatus(set, refused.outcome().reason(), refused.outcome().message(), now),
          settings.resync());
    }
    Tenancy.Permitted permitted = (Tenancy.Permitted) scoped;
    Optional<String> listedThrough = permitted.bindingName().or(() -> binding);
    DiscoveryScope scope = new DiscoveryScope(permitted.access(), region.get());
    // Tags are read only for tables the set may select and manage: never for one its binding
    // does not allow.
    discovery.watch(
        uid,
        scope,
        table ->
            TableSelection.needsTags(set.getSpec().getTableSelector(), table)
                && refusal(tenancy.get(), set, region.get(), listedThrough, table).isEmpty(),
        () -> wakeups.propagateEvent(ResourceID.fromResource(set)));
    TableInventory inventory = discovery.inventory(scope);

    Map<String, ContinuousBackupsPolicy> mine = new HashMap<>();
    for (ContinuousBackupsPolicy policy : generated.byIndex(OWNER_INDEX, uid)) {
      if (policy.getSpec() != null) {
        mine.put(policy.getSpec().getTableName(), policy);
      }
    }
    String account = permitted.access().accountId();
    SetPlan plan =
        SetPlan.of(
            new SetPlan.Facts(
                set,
                inventory,
                mine,
                table -> handWritten(tenancy.get(), region.get(), account, table),
                olderSets(set, region.get(), account, tenancy.get()),
                table -> refusal(tenancy.get(), set, region.get(), listedThrough, table)));

    Rollout rollout = rollOut(set, region.get(), plan, context);
    if (rollout.changedSelection()) {
      wakeRegion(region.get());
    }
    ContinuousBackupsPolicySetStatus status =
        status(set, region.get(), inventory, plan, mine, rollout, now);
    Duration next = rollout.done() ? settings.resync() : rollout.retryAfter();
    return report(set, status, next);
  }

  /**
   * Why tenancy does not let the set manage a table it lists, if it does not: each table is decided
   * as its generated policy will be, through the binding the set lists through.
   */
  private static Optional<String> refusal(
      Tenancy tenancy,
      ContinuousBackupsPolicySet set,
      String region,
      Optional<String> binding,
      String table) {
    Tenancy.Resolution resolution =
        tenancy.resolve(
            new Tenancy.Claim(
                set.getMetadata().getNamespace(),
                GeneratedPolicies.name(set.getMetadata().getName(), table),
                table,
                region,
                binding,
                Optional.empty(),
                Optional.empty()));
    return resolution instanceof Tenancy.Refused refused
        ? Optional.of(refused.outcome().message())
        : Optional.empty();
  }

  /** What one reconciliation wrote, and whether it could write all the plan asks for. */
  private record Rollout(
      List<String> created, List<String> released, boolean done, Duration retryAfter, int failed) {
    boolean changedSelection() {
      return !created.isEmpty() || !released.isEmpty();
    }
  }

  /** One write of a rollout. */
  private sealed interface Step {
    String table();
  }

  /** Creates the table's generated policy. */
  private record Create(String table) implements Step {}

  /** Applies the template to the table's generated policy. */
  private record Change(String table) implements Step {}

  /** Deletes the policy of a table the set no longer selects, by the template's deletionPolicy. */
  private record Release(ContinuousBackupsPolicy policy) implements Step {
    public String table() {
      return policy.getSpec().getTableName();
    }
  }

  /** Deletes the policy of a table something else now manages, keeping its PITR as it is. */
  private record HandOver(ContinuousBackupsPolicy policy) implements Step {
    public String table() {
      return policy.getSpec().getTableName();
    }
  }

  /**
   * Writes what the plan asks for, within the rollout rate: new policies first (tables not yet
   * protected), then template changes, then deletions. What the rate does not allow now is written
   * at the next reconciliation, when the budget has refilled.
   */
  private Rollout rollOut(
      ContinuousBackupsPolicySet set,
      String region,
      SetPlan plan,
      Context<ContinuousBackupsPolicySet> context) {
    List<Step> steps = new ArrayList<>();
    plan.toCreate().forEach(table -> steps.add(new Create(table)));
    plan.toUpdate().forEach(policy -> steps.add(new Change(policy.getSpec().getTableName())));
    plan.toHandOver().forEach(policy -> steps.add(new HandOver(policy)));
    plan.toDelete().forEach(policy -> steps.add(new Release(policy)));
    List<String> created = new ArrayList<>();
    List<String> released = new ArrayList<>();
    int failed = 0;
    for (Step step : steps) {
      if (!writes.tryConsume(step instanceof HandOver ? 2 : 1)) {
        long nanos = writes.estimateAbilityToConsume(2).getNanosToWaitForRefill();
        return new Rollout(
            created, released, false, Duration.ofNanos(Math.max(nanos, 1_000_000)), failed);
      }
      try {
        if (step instanceof Create create) {
          apply(GeneratedPolicies.build(set, create.table(), region), context);
          created.add(create.table());
        } else if (step instanceof Change change) {
          apply(GeneratedPolicies.build(set, change.table(), region), context);
        } else if (step instanceof HandOver handOver) {
          // Retain first: with no other policy managing the table yet, a Disable policy's
          // deletion would turn PITR off.
          ContinuousBackupsPolicy retained = GeneratedPolicies.build(set, handOver.table(), region);
          retained.getSpec().setDeletionPolicy(DeletionPolicy.Retain);
          apply(retained, context);
          context.getClient().resource(handOver.policy()).delete();
          released.add(handOver.table());
        } else if (step instanceof Release release) {
          context.getClient().resource(release.policy()).delete();
          released.add(release.table());
        }
      } catch (KubernetesClientException e) {
        failed++;
        LOG.warnf(
            "%s/%s: could not %s the policy of table %s: %s",
            set.getMetadata().getNamespace(),
            set.getMetadata().getName(),
            step.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT),
            step.table(),
            e.getMessage());
      }
    }
    return new Rollout(
        created, released, failed == 0, failed == 0 ? Duration.ZERO : settings.resync(), failed);
  }

  /** Creates or updates a generated policy: one server-side apply of the whole of it. */
  private void apply(ContinuousBackupsPolicy wanted, Context<ContinuousBackupsPolicySet> context) {
    ContinuousBackupsPolicy applied =
        context
            .getClient()
            .resource(wanted)
            .fieldManager(FIELD_MANAGER)
            .forceConflicts()
            .serverSideApply();
    generated.handleRecentResourceCreate(ResourceID.fromResource(applied), applied);
  }

  /**
   * The policy written by hand that manages the table in the set's account (namespace/name): one
   * that tenancy lets manage it, in the same account, as the policy controller decides who manages
   * a table. A policy of another team or account never takes a table from a set.
   */
  private Optional<String> handWritten(
      Tenancy tenancy, String region, String account, String table) {
    return links.handWritten(region, table).stream()
        .filter(
            policy ->
                tenancy.resolve(
                            new Tenancy.Claim(
                                policy.getMetadata().getNamespace(),
                                policy.getMetadata().getName(),
                                table,
                                region,
                                Optional.ofNullable(policy.getSpec().getAccountBinding()),
                                Optional.ofNullable(policy.getStatus())
                                    .map(ContinuousBackupsPolicyStatus::getAccountId),
                                Optional.ofNullable(policy.getStatus())
                                    .map(ContinuousBackupsPolicyStatus::getAccountBinding)))
                        instanceof Tenancy.Permitted permitted
                    && permitted.access().accountId().equals(account))
        .findFirst()
        .map(policy -> policy.getMetadata().getNamespace() + "/" + policy.getMetadata().getName());
  }

  private ContinuousBackupsPolicySetStatus status(
      ContinuousBackupsPolicySet set,
      String region,
      TableInventory inventory,
      SetPlan plan,
      Map<String, ContinuousBackupsPolicy> mine,
      Rollout rollout,
      Instant now) {
    int ready = 0;
    List<String> stalled = new ArrayList<>();
    for (String table : plan.selected()) {
      ContinuousBackupsPolicy policy = mine.get(table);
      if (policy == null || !GeneratedPolicies.upToDate(policy, set, table)) {
        continue;
      }
      if (currentAndTrue(policy, PolicyStatusBuilder.READY)) {
        ready++;
      } else if (currentAndTrue(policy, PolicyStatusBuilder.STALLED)) {
        stalled.add(policy.getMetadata().getName());
      }
    }
    int selected = plan.selected().size();

    ConditionReason reason;
    String message;
    Optional<TableInventory.Failure> failure = inventory.failure();
    if (failure.isPresent() && failure.get().reason().kind() == ConditionReason.Kind.STALLED) {
      reason = failure.get().reason();
      message = "Listing the tables of " + region + " failed: " + failure.get().message();
    } else if (!stalled.isEmpty()) {
      reason = ConditionReason.PoliciesStalled;
      message =
          stalled.size()
              + " of "
              + selected
              + " generated policies are Stalled and need a person: "
              + names(stalled)
              + " (kubectl describe cbp NAME says why).";
    } else if (!inventory.complete() || plan.undecided() > 0) {
      reason = failure.map(TableInventory.Failure::reason).orElse(ConditionReason.Discovering);
      // No counts: they change with every table read, and status is written only on change.
      message =
          failure
              .map(f -> "Discovering the tables of " + region + ": " + f.message())
              .orElse(
                  "Discovering the tables of "
                      + region
                      + (inventory.complete()
                          ? ": reading the tags of the tables the set may select."
                          : ": listing them."));
    } else if (!rollout.done()) {
      reason = ConditionReason.RollingOut;
      message =
          "Rolling the template out: "
              + (plan.toCreate().size() + plan.toUpdate().size() + plan.toDelete().size())
              + " generated policies to create, change or delete"
              + (rollout.failed() > 0 ? " (" + rollout.failed() + " writes failed, retried)" : "")
              + ".";
    } else if (ready < selected) {
      reason = ConditionReason.PoliciesNotReady;
      message = ready + " of " + selected + " generated policies are Ready.";
    } else {
      reason = ConditionReason.InSync;
      message =
          "All "
              + selected
              + " selected tables have point-in-time recovery as the template asks"
              + (plan.excluded().isEmpty() ? "" : "; " + plan.excluded().size() + " excluded")
              + ".";
    }

    var status = new ContinuousBackupsPolicySetStatus();
    status.setObservedGeneration(set.getMetadata().getGeneration());
    status.setRegion(region);
    status.setSelected(selected);
    status.setReady(ready);
    status.setFailing(stalled.size());
    status.setExcluded(plan.excluded().size());
    List<ExcludedTable> listed =
        plan.excluded().stream()
            .limit(ContinuousBackupsPolicySetStatus.MAX_EXCLUDED_LISTED)
            .toList();
    status.setExcludedTables(listed.isEmpty() ? null : listed);
    status.setLastDiscoveryTime(
        inventory.listedAt().map(at -> at.truncatedTo(ChronoUnit.SECONDS).toString()).orElse(null));
    status.setConditions(conditions(set, reason, message, now));
    recordEvents(set, rollout);
    return status;
  }

  private void recordEvents(ContinuousBackupsPolicySet set, Rollout rollout) {
    if (!rollout.created().isEmpty()) {
      events.record(
          set,
          ConditionReason.TablesSelected,
          "Selected "
              + tables(rollout.created())
              + " and generated a policy for each: "
              + names(rollout.created()));
    }
    if (!rollout.released().isEmpty()) {
      events.record(
          set,
          ConditionReason.TablesReleased,
          "No longer selects "
              + tables(rollout.released())
              + "; deleted the policy of each, which goes by the template's deletionPolicy: "
              + names(rollout.released()));
    }
  }

  private ContinuousBackupsPolicySetStatus stalledStatus(
      ContinuousBackupsPolicySet set, ConditionReason reason, String message, Instant now) {
    var status = new ContinuousBackupsPolicySetStatus();
    ContinuousBackupsPolicySetStatus previous = set.getStatus();
    status.setObservedGeneration(set.getMetadata().getGeneration());
    if (previous != null) {
      status.setRegion(previous.getRegion());
      status.setSelected(previous.getSelected());
      status.setReady(previous.getReady());
      status.setFailing(previous.getFailing());
      status.setExcluded(previous.getExcluded());
      status.setExcludedTables(previous.getExcludedTables());
      status.setLastDiscoveryTime(previous.getLastDiscoveryTime());
    }
    status.setConditions(conditions(set, reason, message, now));
    return status;
  }

  private static List<Condition> conditions(
      ContinuousBackupsPolicySet set, ConditionReason reason, String message, Instant now) {
    List<Condition> previous =
        set.getStatus() == null || set.getStatus().getConditions() == null
            ? List.of()
            : set.getStatus().getConditions().stream().filter(Objects::nonNull).toList();
    long generation = set.getMetadata().getGeneration();
    boolean ready = reason.kind() == ConditionReason.Kind.READY;
    List<Condition> conditions = new ArrayList<>();
    conditions.add(
        Conditions.condition(
            previous, PolicyStatusBuilder.READY, ready, reason, message, generation, now));
    if (!ready) {
      conditions.add(
          Conditions.condition(
              previous,
              reason.kind() == ConditionReason.Kind.STALLED
                  ? PolicyStatusBuilder.STALLED
                  : PolicyStatusBuilder.RECONCILING,
              true,
              reason,
              message,
              generation,
              now));
    }
    return conditions;
  }

  private static UpdateControl<ContinuousBackupsPolicySet> report(
      ContinuousBackupsPolicySet set, ContinuousBackupsPolicySetStatus status, Duration next) {
    if (status.equals(set.getStatus())) {
      return UpdateControl.<ContinuousBackupsPolicySet>noUpdate().rescheduleAfter(next);
    }
    Optional<Condition> before = readyOf(set.getStatus());
    Condition after = readyOf(status).orElseThrow();
    if (before.map(Condition::getReason).filter(after.getReason()::equals).isEmpty()) {
      LOG.infof(
          "%s/%s: %s: %s",
          set.getMetadata().getNamespace(),
          set.getMetadata().getName(),
          after.getReason(),
          after.getMessage());
    }
    set.setStatus(status);
    return UpdateControl.patchStatus(set).rescheduleAfter(next);
  }

  private static Optional<Condition> readyOf(ContinuousBackupsPolicySetStatus status) {
    return status == null || status.getConditions() == null
        ? Optional.empty()
        : status.getConditions().stream()
            .filter(c -> PolicyStatusBuilder.READY.equals(c.getType()))
            .findFirst();
  }

  /** Whether the policy's condition is True for its current spec. */
  private static boolean currentAndTrue(ContinuousBackupsPolicy policy, String type) {
    return PolicyStatusBuilder.condition(policy.getStatus(), type)
        .filter(c -> "True".equals(c.getStatus()))
        .filter(
            c -> Objects.equals(c.getObservedGeneration(), policy.getMetadata().getGeneration()))
        .isPresent();
  }

  /**
   * The sets created before this one that list the same account's region (the older wins a table):
   * a set of another account, or one that may not list, never takes a table from this one.
   */
  private List<ContinuousBackupsPolicySet> olderSets(
      ContinuousBackupsPolicySet set, String region, String account, Tenancy tenancy) {
    return sets.list()
        .filter(other -> !other.getMetadata().getUid().equals(set.getMetadata().getUid()))
        .filter(other -> !other.isMarkedForDeletion() && other.getSpec() != null)
        .filter(other -> regionOf(other).filter(region::equals).isPresent())
        .filter(other -> OLDER_FIRST.compare(other, set) < 0)
        .filter(
            other ->
                tenancy.resolveScope(
                            other.getMetadata().getNamespace(),
                            other.getMetadata().getName(),
                            region,
                            Optional.ofNullable(other.getSpec().getAccountBinding()))
                        instanceof Tenancy.Permitted permitted
                    && permitted.access().accountId().equals(account))
        .sorted(OLDER_FIRST)
        .toList();
  }

  private static final Comparator<ContinuousBackupsPolicySet> OLDER_FIRST =
      Comparator.comparing(
              (ContinuousBackupsPolicySet s) ->
                  Instant.parse(s.getMetadata().getCreationTimestamp()))
          .thenComparing(s -> s.getMetadata().getNamespace())
          .thenComparing(s -> s.getMetadata().getName());

  /** The set's region: spec.region, else the one it was first reconciled in, else the default. */
  private Optional<String> regionOf(ContinuousBackupsPolicySet set) {
    if (set.getSpec() != null && set.getSpec().getRegion() != null) {
      return Optional.of(set.getSpec().getRegion());
    }
    if (set.getStatus() != null && set.getStatus().getRegion() != null) {
      return Optional.of(set.getStatus().getRegion());
    }
    return settings.defaultRegion();
  }

  /** Wakes every set of the region (or all, for an empty region). */
  private void wakeRegion(String region) {
    if (sets == null) {
      return;
    }
    sets.list()
        .filter(set -> region.isEmpty() || regionOf(set).filter(region::equals).isPresent())
        .forEach(set -> wakeups.propagateEvent(ResourceID.fromResource(set)));
  }

  private static String tables(List<String> names) {
    return names.size() == 1 ? "1 table" : names.size() + " tables";
  }

  private static String names(List<String> names) {
    return names.stream().limit(EVENT_NAMES).collect(Collectors.joining(", "))
        + (names.size() > EVENT_NAMES ? " and " + (names.size() - EVENT_NAMES) + " more" : "");
  }
}
