package io.pitr.operator.sets;

import static org.assertj.core.api.Assertions.assertThat;

import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySet;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.api.v1alpha1.ManagementMode;
import io.pitr.operator.testing.Fixtures;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class GeneratedPoliciesTest {

  /** A DNS subdomain, as the API server requires of object names. */
  private static final String OBJECT_NAME =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  @Test
  void namesAreValidObjectNamesForAnyValidTableName() {
    List<String> tables =
        List.of(
            "orders",
            "Orders_2024.archive",
            "___",
            "...",
            "-a-",
            "x".repeat(255),
            "A".repeat(200) + "_" + "b".repeat(54));

    for (String table : tables) {
      String name = GeneratedPolicies.name("prod-tables", table);
      assertThat(name).as(table).matches(OBJECT_NAME).hasSizeLessThanOrEqualTo(253);
      assertThat(GeneratedPolicies.name("prod-tables", table)).as("deterministic").isEqualTo(name);
    }
    assertThat(GeneratedPolicies.name("prod-tables", "orders")).startsWith("orders-");
  }

  @Test
  void tablesThatLookAlikeAndSetsSharingATableGetDifferentNames() {
    List<String> names =
        Stream.of("Orders", "orders", "ORDERS", "or_ders", "or.ders", "or-ders")
            .map(table -> GeneratedPolicies.name("prod-tables", table))
            .toList();

    assertThat(names).doesNotHaveDuplicates();
    assertThat(GeneratedPolicies.name("set-a", "orders"))
        .isNotEqualTo(GeneratedPolicies.name("set-b", "orders"));
  }

  @Test
  void aGeneratedPolicyCarriesTheTemplateItsSetAndItsOwner() {
    ContinuousBackupsPolicySet set = prodTables();
    set.getSpec().getTemplate().setManagementMode(ManagementMode.Observe);

    ContinuousBackupsPolicy policy = GeneratedPolicies.build(set, "orders", "eu-west-1");

    assertThat(policy.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(policy.getMetadata().getLabels())
        .containsEntry(GeneratedPolicies.SET_LABEL, "prod-tables");
    assertThat(GeneratedPolicies.generatedBy(policy, set.getMetadata().getUid())).isTrue();
    assertThat(GeneratedPolicies.owner(policy).orElseThrow().getBlockOwnerDeletion()).isTrue();
    assertThat(policy.getSpec().getTableName()).isEqualTo("orders");
    assertThat(policy.getSpec().getRegion()).isEqualTo("eu-west-1");
    assertThat(policy.getSpec().getPointInTimeRecoverySpecification().getRecoveryPeriodInDays())
        .isEqualTo(35);
    assertThat(policy.getSpec().getManagementMode()).isEqualTo(ManagementMode.Observe);
    assertThat(policy.getSpec().getDeletionPolicy()).isEqualTo(DeletionPolicy.Retain);
  }

  @Test
  void aPolicyIsUpToDateUntilTheTemplateChanges() {
    ContinuousBackupsPolicySet set = prodTables();
    ContinuousBackupsPolicy policy = GeneratedPolicies.build(set, "orders", "eu-west-1");
    // As the API server stores it: defaults written out.
    policy.getSpec().setManagementMode(null);

    assertThat(GeneratedPolicies.upToDate(policy, set, "orders")).isTrue();

    set.getSpec().getTemplate().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(14);
    assertThat(GeneratedPolicies.upToDate(policy, set, "orders")).isFalse();
    set.getSpec().getTemplate().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(35);
    set.getSpec().getTemplate().setAcknowledgeRestorePointLoss("CHG-1");
    assertThat(GeneratedPolicies.upToDate(policy, set, "orders")).isFalse();
  }

  @Test
  void aPolicyWrittenByHandHasNoOwnerSet() {
    ContinuousBackupsPolicy handWritten =
        Fixtures.load("policies/enabled-14-days.yaml", ContinuousBackupsPolicy.class);

    assertThat(GeneratedPolicies.owner(handWritten)).isEmpty();
  }

  static ContinuousBackupsPolicySet prodTables() {
    return Fixtures.load("sets/prod-tables.yaml", ContinuousBackupsPolicySet.class);
  }
}
