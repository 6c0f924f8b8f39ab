package io.pitr.operator.sets;

import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySet;
import io.pitr.operator.api.v1alpha1.ExcludedTable;
import io.pitr.operator.api.v1alpha1.TableSelector;
import io.pitr.operator.discovery.TableInventory;
import io.pitr.operator.discovery.TableInventory.KnownTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What a policy set should manage, decided from what discovery knows of its tables, the policies
 * that exist and the other sets: pure, so that every case is a unit test.
 *
 * @param selected the tables the set manages, by name
 * @param excluded the tables its selector matches that it does not manage, by name, with why
 * @param undecided how many tables it may select once their tags are read
 * @param toCreate selected tables without their generated policy yet, by name
 * @param toUpdate generated policies whose spec the template has changed
 * @param toDelete generated policies of tables no longer selected (or gone), which go by the
 *     template's deletionPolicy
 * @param toHandOver generated policies of tables something else now manages (a policy written for
 *     the table, an older set): deleted with deletionPolicy Retain, whatever the template says, so
 *     that a handover never turns point-in-time recovery off
 */
public record SetPlan(
    SortedSet<String> selected,
    List<ExcludedTable> excluded,
    int undecided,
    List<String> toCreate,
    List<ContinuousBackupsPolicy> toUpdate,
    List<ContinuousBackupsPolicy> toDelete,
    List<ContinuousBackupsPolicy> toHandOver) {

  /** Why the set leaves a table it matches to something else (ExcludedTable.reason). */
  public enum Exclusion {
    /** A name in spec.tableSelector.excludeNames. */
    ExcludedByName,
    /** A ContinuousBackupsPolicy written for the table, which wins over any set. */
    ManagedByPolicy,
    /** An older set selects the table too. */
    SelectedByOlderSet,
    /** Tenancy does not let the set's namespace manage it. */
    NotPermitted
  }

  /**
   * What the plan is made from.
   *
   * @param set the set
   * @param inventory what discovery knows of the set's region
   * @param generated the set's generated policies, by table name, those being deleted included
   * @param handWritten the policy written for a table (namespace/name) in the set's account and
   *     region, if any, generated ones aside
   * @param olderSets the other sets of the same account and region created before this one, that
   *     may select from it
   * @param refusal why tenancy does not let the set manage a table, if it does not
   */
  public record Facts(
      ContinuousBackupsPolicySet set,
      TableInventory inventory,
      Map<String, ContinuousBackupsPolicy> generated,
      Function<String, Optional<String>> handWritten,
      List<ContinuousBackupsPolicySet> olderSets,
      Function<String, Optional<String>> refusal) {}

  /** Decides. */
  public static SetPlan of(Facts facts) {
    TableSelector selector = facts.set().getSpec().getTableSelector();
    SortedSet<String> selected = new TreeSet<>();
    List<ExcludedTable> excluded = new ArrayList<>();
    int undecided = 0;
    List<String> toCreate = new ArrayList<>();
    List<ContinuousBackupsPolicy> toUpdate = new ArrayList<>();
    List<ContinuousBackupsPolicy> toDelete = new ArrayList<>();
    List<ContinuousBackupsPolicy> toHandOver = new ArrayList<>();

    for (KnownTable table : facts.inventory().tables().values()) {
      String name = table.name();
      ContinuousBackupsPolicy policy = facts.generated().get(name);
      boolean terminating = policy != null && policy.isMarkedForDeletion();
      if (TableSelection.namedButExcluded(selector, name)) {
        excluded.add(excluded(name, Exclusion.ExcludedByName, "spec.tableSelector.excludeNames"));
        deleteIfPresent(policy, toDelete);
        continue;
      }
      Optional<Boolean> selects = TableSelection.selects(selector, name, table.tags());
      if (selects.isEmpty()) {
        // Its tags are not read yet: a policy it has stays until they are.
        undecided++;
        continue;
      }
      if (!selects.get()) {
        deleteIfPresent(policy, toDelete);
        continue;
      }
      Optional<Optional<ExcludedTable>> exclusion = exclusion(facts, name, table);
      if (exclusion.isEmpty()) {
        // An older set may select it once its tags are read: nothing is decided before.
        undecided++;
        continue;
      }
      if (exclusion.get().isPresent()) {
        ExcludedTable why = exclusion.get().get();
        excluded.add(why);
        if (!why.getReason().equals(Exclusion.NotPermitted.name())) {
          deleteIfPresent(policy, toHandOver);
        }
        // Not permitted: a policy the set generated earlier stays, and says so itself (Stalled,
        // NotPermitted), so that a tenancy hiccup never deletes anything.
        continue;
      }
      selected.add(name);
      if (terminating) {
        continue; // created again once it is gone
      }
      if (policy == null) {
        toCreate.add(name);
      } else if (!GeneratedPolicies.upToDate(policy, facts.set(), name)) {
        toUpdate.add(policy);
      }
    }
    if (facts.inventory().complete()) {
      // A complete listing without the table: it is gone.
      facts.generated().entrySet().stream()
          .filter(entry -> !facts.inventory().tables().containsKey(entry.getKey()))
          .forEach(entry -> deleteIfPresent(entry.getValue(), toDelete));
    }
    return new SetPlan(selected, excluded, undecided, toCreate, toUpdate, toDelete, toHandOver);
  }

  /**
   * Why the set leaves a table it selects to something else: empty when nothing else claims it, and
   * no answer at all (an empty outer optional) while an older set's claim depends on tags not read.
   */
  private static Optional<Optional<ExcludedTable>> exclusion(
      Facts facts, String name, KnownTable table) {
    Optional<String> policy = facts.handWritten().apply(name);
    if (policy.isPresent()) {
      return Optional.of(
          Optional.of(
              excluded(
                  name, Exclusion.ManagedByPolicy, "ContinuousBackupsPolicy " + policy.get())));
    }
    for (ContinuousBackupsPolicySet older : facts.olderSets()) {
      Optional<Boolean> selects =
          TableSelection.selects(older.getSpec().getTableSelector(), name, table.tags());
      if (selects.isEmpty()) {
        return Optional.empty();
      }
      if (selects.get()) {
        return Optional.of(
            Optional.of(
                excluded(
                    name,
                    Exclusion.SelectedByOlderSet,
                    "ContinuousBackupsPolicySet "
                        + older.getMetadata().getNamespace()
                        + "/"
                        + older.getMetadata().getName())));
      }
    }
    return Optional.of(
        facts
            .refusal()
            .apply(name)
            .map(message -> excluded(name, Exclusion.NotPermitted, message)));
  }

  private static ExcludedTable excluded(String table, Exclusion why, String message) {
    return new ExcludedTable(table, why.name(), message);
  }

  /** Adds the policy, unless there is none or it is already being deleted. */
  private static void deleteIfPresent(
      ContinuousBackupsPolicy policy, List<ContinuousBackupsPolicy> deletions) {
    if (policy != null && !policy.isMarkedForDeletion()) {
      deletions.add(policy);
    }
  }

  /** Whether the set has nothing left to write for its selection. */
  public boolean settled() {
    return toCreate.isEmpty() && toUpdate.isEmpty() && toDelete.isEmpty() && toHandOver.isEmpty();
  }
}
