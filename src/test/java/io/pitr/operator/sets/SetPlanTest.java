package io.pitr.operator.sets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySet;
import io.pitr.operator.api.v1alpha1.ExcludedTable;
import io.pitr.operator.discovery.TableInventory;
import io.pitr.operator.discovery.TableInventory.KnownTable;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** What a set decides to manage, for the set of the fixture: env=prod, except *-scratch. */
class SetPlanTest {

  private static final Instant LISTED = Instant.parse("2026-12-04T10:00:00Z");
  private static final Map<String, String> PROD = Map.of("env", "prod");

  private final ContinuousBackupsPolicySet set = GeneratedPoliciesTest.prodTables();
  private final Map<String, ContinuousBackupsPolicy> generated = new HashMap<>();
  private Function<String, Optional<String>> handWritten = table -> Optional.empty();
  private List<ContinuousBackupsPolicySet> olderSets = List.of();
  private Function<String, Optional<String>> refusal = table -> Optional.empty();

  @Test
  void selectsTaggedTablesAndCreatesTheirPolicies() {
    SetPlan plan =
        plan(
            complete(
                table("orders", PROD),
                table("search", Map.of("env", "dev")),
                table("untagged", Map.of())));

    assertThat(plan.selected()).containsExactly("orders");
    assertThat(plan.toCreate()).containsExactly("orders");
    assertThat(plan.toUpdate()).isEmpty();
    assertThat(plan.toDelete()).isEmpty();
    assertThat(plan.excluded()).isEmpty();
  }

  @Test
  void excludeNamesAreReportedAndNeverSelected() {
    generated.put("orders-scratch", GeneratedPolicies.build(set, "orders-scratch", "eu-west-1"));

    SetPlan plan = plan(complete(table("orders-scratch", PROD), table("orders", PROD)));

    assertThat(plan.selected()).containsExactly("orders");
    assertThat(plan.excluded())
        .extracting(ExcludedTable::getTableName, ExcludedTable::getReason)
        .containsExactly(tuple("orders-scratch", "ExcludedByName"));
    assertThat(plan.toDelete())
        .extracting(p -> p.getSpec().getTableName())
        .contains("orders-scratch");
  }

  @Test
  void aTableWhoseTagsAreUnknownKeepsItsPolicyAndIsNotCreatedYet() {
    generated.put("orders", GeneratedPolicies.build(set, "orders", "eu-west-1"));

    SetPlan plan = plan(complete(unread("orders"), unread("ledger")));

    assertThat(plan.undecided()).isEqualTo(2);
    assertThat(plan.selected()).isEmpty();
    assertThat(plan.toCreate()).isEmpty();
    assertThat(plan.toDelete()).as("never deleted on what is not known").isEmpty();
  }

  @Test
  void aTableThatStopsMatchingLosesItsPolicy() {
    ContinuousBackupsPolicy policy = GeneratedPolicies.build(set, "orders", "eu-west-1");
    generated.put("orders", policy);

    SetPlan plan = plan(complete(table("orders", Map.of("env", "staging"))));

    assertThat(plan.selected()).isEmpty();
    assertThat(plan.toDelete()).containsExactly(policy);
  }

  @Test
  void aTableGoneFromACompleteListingLosesItsPolicyButNotFromAnIncompleteOne() {
    ContinuousBackupsPolicy policy = GeneratedPolicies.build(set, "dropped", "eu-west-1");
    generated.put("dropped", policy);

    assertThat(plan(incomplete(table("orders", PROD))).toDelete()).isEmpty();
    assertThat(plan(complete(table("orders", PROD))).toDelete()).containsExactly(policy);
  }

  @Test
  void aPolicyWrittenByHandWinsAndTheGeneratedOneGoes() {
    ContinuousBackupsPolicy policy = GeneratedPolicies.build(set, "orders", "eu-west-1");
    generated.put("orders", policy);
    handWritten = table -> table.equals("orders") ? Optional.of("team-b/orders") : Optional.empty();

    SetPlan plan = plan(complete(table("orders", PROD), table("ledger", PROD)));

    assertThat(plan.selected()).containsExactly("ledger");
    assertThat(plan.excluded())
        .extracting(
            ExcludedTable::getTableName, ExcludedTable::getReason, ExcludedTable::getMessage)
        .containsExactly(
            tuple("orders", "ManagedByPolicy", "ContinuousBackupsPolicy team-b/orders"));
    assertThat(plan.toHandOver())
        .as("handed over (deleted with Retain), whatever the template's deletionPolicy")
        .containsExactly(policy);
    assertThat(plan.toDelete()).isEmpty();
  }

  @Test
  void aTableTenancyNoLongerAllowsKeepsItsPolicy() {
    ContinuousBackupsPolicy policy = GeneratedPolicies.build(set, "orders", "eu-west-1");
    generated.put("orders", policy);
    refusal = table -> Optional.of("the binding no longer allows " + table);

    SetPlan plan = plan(complete(table("orders", PROD)));

    assertThat(plan.excluded())
        .extracting(ExcludedTable::getReason)
        .containsExactly("NotPermitted");
    assertThat(plan.toDelete()).isEmpty();
    assertThat(plan.toHandOver()).isEmpty();
  }

  @Test
  void aPolicyBeingDeletedIsNeitherCreatedAgainNorDeletedTwice() {
    ContinuousBackupsPolicy leaving = GeneratedPolicies.build(set, "orders", "eu-west-1");
    leaving.getMetadata().setDeletionTimestamp("2026-12-04T10:00:00Z");
    ContinuousBackupsPolicy gone = GeneratedPolicies.build(set, "dropped", "eu-west-1");
    gone.getMetadata().setDeletionTimestamp("2026-12-04T10:00:00Z");
    generated.put("orders", leaving);
    generated.put("dropped", gone);

    SetPlan plan = plan(complete(table("orders", PROD)));

    assertThat(plan.selected()).containsExactly("orders");
    assertThat(plan.toCreate()).as("created again once it is gone").isEmpty();
    assertThat(plan.toDelete()).isEmpty();
  }

  @Test
  void anOlderSetWhoseClaimDependsOnTagsNotReadDecidesNothingYet() {
    ContinuousBackupsPolicySet older = GeneratedPoliciesTest.prodTables();
    older.getMetadata().setName("older");
    older.getSpec().getTableSelector().setMatchTags(Map.of("team", "payments"));
    olderSets = List.of(older);
    // This set selects by name only, so it knows; the older one needs the tags.
    set.getSpec().getTableSelector().setMatchTags(null);
    set.getSpec().getTableSelector().setNames(List.of("orders"));

    SetPlan plan = plan(complete(unread("orders")));

    assertThat(plan.undecided()).isEqualTo(1);
    assertThat(plan.toCreate()).isEmpty();
  }

  @Test
  void anOlderSetSelectingTheTableWins() {
    ContinuousBackupsPolicySet older = GeneratedPoliciesTest.prodTables();
    older.getMetadata().setNamespace("platform");
    older.getMetadata().setName("all-orders");
    older.getSpec().getTableSelector().setMatchTags(null);
    older.getSpec().getTableSelector().setNames(List.of("orders*"));
    olderSets = List.of(older);

    SetPlan plan = plan(complete(table("orders", PROD), table("ledger", PROD)));

    assertThat(plan.selected()).containsExactly("ledger");
    assertThat(plan.excluded())
        .extracting(ExcludedTable::getReason, ExcludedTable::getMessage)
        .containsExactly(
            tuple("SelectedByOlderSet", "ContinuousBackupsPolicySet platform/all-orders"));
  }

  @Test
  void aTableTenancyRefusesIsExcludedWithTheReason() {
    refusal = table -> Optional.of("no binding allows " + table);

    SetPlan plan = plan(complete(table("orders", PROD)));

    assertThat(plan.selected()).isEmpty();
    assertThat(plan.toCreate()).isEmpty();
    assertThat(plan.excluded())
        .extracting(ExcludedTable::getReason, ExcludedTable::getMessage)
        .containsExactly(tuple("NotPermitted", "no binding allows orders"));
  }

  @Test
  void aTemplateChangeUpdatesOnlyThePoliciesItChanges() {
    generated.put("orders", GeneratedPolicies.build(set, "orders", "eu-west-1"));
    generated.put("ledger", GeneratedPolicies.build(set, "ledger", "eu-west-1"));
    set.getSpec().getTemplate().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(21);
    generated.put("ledger", GeneratedPolicies.build(set, "ledger", "eu-west-1"));

    SetPlan plan = plan(complete(table("orders", PROD), table("ledger", PROD)));

    assertThat(plan.toUpdate())
        .extracting(p -> p.getSpec().getTableName())
        .containsExactly("orders");
    assertThat(plan.toCreate()).isEmpty();
    assertThat(plan.settled()).isFalse();
  }

  private SetPlan plan(TableInventory inventory) {
    return SetPlan.of(
        new SetPlan.Facts(set, inventory, generated, handWritten, olderSets, refusal));
  }

  private static TableInventory complete(KnownTable... tables) {
    return inventory(Optional.of(LISTED), tables);
  }

  private static TableInventory incomplete(KnownTable... tables) {
    return inventory(Optional.empty(), tables);
  }

  private static TableInventory inventory(Optional<Instant> listedAt, KnownTable... tables) {
    TreeMap<String, KnownTable> byName = new TreeMap<>();
    for (KnownTable table : tables) {
      byName.put(table.name(), table);
    }
    return new TableInventory(listedAt, byName, Optional.empty());
  }

  private static KnownTable table(String name, Map<String, String> tags) {
    return new KnownTable(name, Optional.of(tags), Optional.of(LISTED));
  }

  private static KnownTable unread(String name) {
    return new KnownTable(name, Optional.empty(), Optional.empty());
  }
}
