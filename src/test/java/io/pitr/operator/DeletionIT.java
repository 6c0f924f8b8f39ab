package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.emulator.AwsErrorType;
import io.pitr.emulator.Observations.RequestRecord;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.testing.OperatorUnderTest;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.RealKubeApiServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryDescription;
import software.amazon.awssdk.services.dynamodb.model.TableNotFoundException;

/**
 * Deleting policies with the packaged operator: Retain and Disable, a table already gone, failures
 * while turning PITR off, handover to the next policy for the table without losing restore points,
 * a policy in conflict, and deletions while the operator is down.
 */
@ExtendWith(RealKubeApiServer.class)
class DeletionIT {

  static final Scope SCOPE = new Scope("210987654321", "eu-west-1");
  static final String NAMESPACE = "deletion-a";
  static final String OTHER_NAMESPACE = "deletion-b";

  private static OperatorUnderTest under;
  private static Policies policies;
  private static KubernetesClient client;

  @BeforeAll
  static void start(KubernetesClient kubernetesClient) {
    client = kubernetesClient;
    under =
        OperatorUnderTest.start(
            client,
            "deletion",
            SCOPE,
            // Slow drift checks and conflict retries: a successor can only take over as fast as
            // the deletion of the policy before it wakes it.
            values ->
                values
                    .watchNamespaces(NAMESPACE, OTHER_NAMESPACE)
                    .driftInterval("1m")
                    .env("PITR_RETRY_CONFLICT", "1h"));
    policies = under.policies();
  }

  @AfterAll
  static void stop() {
    if (under != null) {
      under.close();
    }
  }

  @AfterEach
  void cleanUp() {
    policies.deleteAll(NAMESPACE);
    policies.deleteAll(OTHER_NAMESPACE);
  }

  @Test
  void retainLeavesAtOnceWithoutACallAndIsNoLongerCounted() {
    under.emulator().createTable(SCOPE, "kept");
    policies.awaitReady(policies.create(NAMESPACE, "kept", "kept", true, 7));
    assertThat(policies.get(NAMESPACE, "kept").getMetadata().getFinalizers()).isEmpty();
    double inSync = under.operator().metrics().sum("pitr_policies", "reason", "InSync");

    policies.delete(NAMESPACE, "kept");

    policies.awaitGone(NAMESPACE, "kept");
    assertThat(policies.calls("kept", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(1);
    assertThat(pitr("kept").pointInTimeRecoveryStatusAsString()).isEqualTo("ENABLED");
    awaitPoliciesInSync(inSync - 1);
  }

  @Test
  void disableTurnsPitrOffThenLetsThePolicyGo() {
    under.emulator().createTable(SCOPE, "temporary");
    create(NAMESPACE, "temporary", "temporary", 7, DeletionPolicy.Disable);
    assertThat(policies.get(NAMESPACE, "temporary").getMetadata().getFinalizers())
        .containsExactly(ContinuousBackupsPolicyReconciler.FINALIZER);
    double inSync = under.operator().metrics().sum("pitr_policies", "reason", "InSync");

    policies.delete(NAMESPACE, "temporary");

    policies.awaitGone(NAMESPACE, "temporary");
    assertThat(pitr("temporary").pointInTimeRecoveryStatusAsString()).isEqualTo("DISABLED");
    assertThat(policies.calls("temporary", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(2);
    assertThat(policies.events(NAMESPACE, "temporary")).contains("DisabledOnDelete");
    awaitPoliciesInSync(inSync - 1);
  }

  @Test
  void switchingToRetainReleasesTheFinalizer() {
    under.emulator().createTable(SCOPE, "switched");
    create(NAMESPACE, "switched", "switched", 7, DeletionPolicy.Disable);

    policies.edit(NAMESPACE, "switched", p -> p.getSpec().setDeletionPolicy(DeletionPolicy.Retain));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> policies.get(NAMESPACE, "switched").getMetadata().getFinalizers().isEmpty());
    policies.delete(NAMESPACE, "switched");
    policies.awaitGone(NAMESPACE, "switched");
    assertThat(pitr("switched").pointInTimeRecoveryStatusAsString()).isEqualTo("ENABLED");
  }

  @Test
  void disableOfATableAlreadyGoneLetsThePolicyGo() {
    under.emulator().createTable(SCOPE, "dropped");
    create(NAMESPACE, "dropped", "dropped", 7, DeletionPolicy.Disable);
    under.outOfBand().deleteTable(r -> r.tableName("dropped"));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> pitr("dropped"))
                    .isInstanceOf(TableNotFoundException.class));

    policies.delete(NAMESPACE, "dropped");

    policies.awaitGone(NAMESPACE, "dropped");
    assertThat(policies.events(NAMESPACE, "dropped")).doesNotContain("DisabledOnDelete");
  }

  @Test
  void disableKeepsThePolicyWhileDynamoDbFailsSaysWhyAndBacksOff() {
    under.emulator().createTable(SCOPE, "stubborn");
    create(NAMESPACE, "stubborn", "stubborn", 7, DeletionPolicy.Disable);
    under
        .emulator()
        .faults()
        .failNext(
            Operation.UPDATE_CONTINUOUS_BACKUPS,
            "stubborn",
            3,
            AwsErrorType.INTERNAL_SERVER_ERROR,
            "Internal server error");

    policies.delete(NAMESPACE, "stubborn");

    Condition failing =
        policies.awaitCondition(NAMESPACE, "stubborn", "Ready", "False", "AwsServerError");
    assertThat(failing.getMessage())
        .startsWith(
            "Could not turn point-in-time recovery off before the policy goes: DynamoDB failed"
                + " UpdateContinuousBackups");
    assertThat(policies.get(NAMESPACE, "stubborn").getMetadata().getDeletionTimestamp())
        .isNotNull();
    policies.awaitGone(NAMESPACE, "stubborn");
    assertThat(pitr("stubborn").pointInTimeRecoveryStatusAsString()).isEqualTo("DISABLED");
    assertThat(policies.events(NAMESPACE, "stubborn"))
        .containsSubsequence("AwsServerError", "DisabledOnDelete");
    List<RequestRecord> updates =
        policies.requests("stubborn", Operation.UPDATE_CONTINUOUS_BACKUPS);
    assertThat(updates).as("apply, three failures, the disable").hasSize(5);
    for (int i = 2; i < updates.size(); i++) {
      assertThat(Duration.between(updates.get(i - 1).time(), updates.get(i).time()))
          .as("retried with backoff (200 ms initial, ±20%)")
          .isGreaterThanOrEqualTo(Duration.ofMillis(150));
    }
  }

  @Test
  void handoverToTheNextPolicyKeepsTheRestorePoints() {
    under.emulator().createTable(SCOPE, "handed-over");
    create(NAMESPACE, "first", "handed-over", 14, DeletionPolicy.Disable);
    Instant earliest = pitr("handed-over").earliestRestorableDateTime();
    policies.create(OTHER_NAMESPACE, "second", "handed-over", true, 7);
    policies.awaitCondition(OTHER_NAMESPACE, "second", "Ready", "False", "Conflict");

    policies.delete(NAMESPACE, "first");

    policies.awaitGone(NAMESPACE, "first");
    ContinuousBackupsPolicy second = policies.awaitReady(OTHER_NAMESPACE, "second", 1);
    assertThat(Policies.period(second)).isEqualTo(7);
    PointInTimeRecoveryDescription after = pitr("handed-over");
    assertThat(after.pointInTimeRecoveryStatusAsString()).isEqualTo("ENABLED");
    assertThat(after.earliestRestorableDateTime())
        .as("no restore point was lost")
        .isEqualTo(earliest);
    assertThat(policies.requests("handed-over", Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("the first policy's apply and the second's; PITR was never turned off")
        .hasSize(2);
    assertThat(policies.events(NAMESPACE, "first")).contains("HandedOver");
  }

  @Test
  void twoDisablePoliciesDeletedTogetherTurnPitrOff() {
    under.emulator().createTable(SCOPE, "both-gone");
    create(NAMESPACE, "elder", "both-gone", 14, DeletionPolicy.Disable);
    ContinuousBackupsPolicy younger = policies.newPolicy("younger", "both-gone", true, 7);
    younger.getSpec().setDeletionPolicy(DeletionPolicy.Disable);
    younger.getSpec().setAcknowledgeRestorePointLoss("test: off on delete");
    client.resource(younger).inNamespace(OTHER_NAMESPACE).create();
    policies.awaitCondition(OTHER_NAMESPACE, "younger", "Ready", "False", "Conflict");

    policies.delete(NAMESPACE, "elder");
    policies.delete(OTHER_NAMESPACE, "younger");

    policies.awaitGone(NAMESPACE, "elder");
    policies.awaitGone(OTHER_NAMESPACE, "younger");
    assertThat(pitr("both-gone").pointInTimeRecoveryStatusAsString())
        .as("whichever went first, the one left managing turned PITR off, as both asked")
        .isEqualTo("DISABLED");
  }

  @Test
  void policyInConflictMakesNoCallWhenDeleted() {
    under.emulator().createTable(SCOPE, "contested");
    policies.awaitReady(policies.create(NAMESPACE, "owner", "contested", true, 14));
    ContinuousBackupsPolicy contender = policies.newPolicy("contender", "contested", true, 7);
    contender.getSpec().setDeletionPolicy(DeletionPolicy.Disable);
    contender.getSpec().setAcknowledgeRestorePointLoss("test: off on delete");
    client.resource(contender).inNamespace(OTHER_NAMESPACE).create();
    policies.awaitCondition(OTHER_NAMESPACE, "contender", "Ready", "False", "Conflict");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                policies
                    .get(OTHER_NAMESPACE, "contender")
                    .hasFinalizer(ContinuousBackupsPolicyReconciler.FINALIZER));

    policies.delete(OTHER_NAMESPACE, "contender");

    policies.awaitGone(OTHER_NAMESPACE, "contender");
    assertThat(policies.requests("contested", Operation.UPDATE_CONTINUOUS_BACKUPS)).hasSize(1);
    PointInTimeRecoveryDescription pitr = pitr("contested");
    assertThat(pitr.pointInTimeRecoveryStatusAsString()).isEqualTo("ENABLED");
    assertThat(pitr.recoveryPeriodInDays()).isEqualTo(14);
  }

  @Test
  void deletionsWhileTheOperatorIsDownWaitOnlyForDisable() {
    under.emulator().createTable(SCOPE, "left-on");
    under.emulator().createTable(SCOPE, "turned-off");
    create(NAMESPACE, "left-on", "left-on", 7, DeletionPolicy.Retain);
    create(NAMESPACE, "turned-off", "turned-off", 7, DeletionPolicy.Disable);
    under.stopOperator();
    try {
      policies.delete(NAMESPACE, "left-on");
      policies.delete(NAMESPACE, "turned-off");

      policies.awaitGone(NAMESPACE, "left-on");
      assertThat(policies.get(NAMESPACE, "turned-off").getMetadata().getDeletionTimestamp())
          .as("a Disable policy waits for the operator")
          .isNotNull();
      assertThat(pitr("turned-off").pointInTimeRecoveryStatusAsString()).isEqualTo("ENABLED");
    } finally {
      under.startOperator();
    }

    policies.awaitGone(NAMESPACE, "turned-off");
    assertThat(pitr("turned-off").pointInTimeRecoveryStatusAsString()).isEqualTo("DISABLED");
    assertThat(pitr("left-on").pointInTimeRecoveryStatusAsString()).isEqualTo("ENABLED");
  }

  private static void create(
      String namespace, String name, String table, int period, DeletionPolicy deletionPolicy) {
    ContinuousBackupsPolicy policy = policies.newPolicy(name, table, true, period);
    policy.getSpec().setDeletionPolicy(deletionPolicy);
    if (deletionPolicy == DeletionPolicy.Disable) {
      policy.getSpec().setAcknowledgeRestorePointLoss("test: off on delete");
    }
    policies.awaitReady(client.resource(policy).inNamespace(namespace).create());
    if (deletionPolicy == DeletionPolicy.Disable) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  policies
                      .get(namespace, name)
                      .hasFinalizer(ContinuousBackupsPolicyReconciler.FINALIZER));
    }
  }

  /** Waits until pitr_policies{reason="InSync"} is {@code expected}. */
  private static void awaitPoliciesInSync(double expected) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(under.operator().metrics().sum("pitr_policies", "reason", "InSync"))
                    .isEqualTo(expected));
  }

  private static PointInTimeRecoveryDescription pitr(String table) {
    return under
        .outOfBand()
        .describeContinuousBackups(r -> r.tableName(table))
        .continuousBackupsDescription()
        .pointInTimeRecoveryDescription();
  }
}
