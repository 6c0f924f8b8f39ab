package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.api.v1alpha1.ManagementMode;
import io.pitr.operator.api.v1alpha1.RestoreWindow;
import io.pitr.operator.testing.OperatorUnderTest;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.RealKubeApiServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The packaged operator, installed from the chart, keeps restore points: observe-only policies
 * never write, a policy whose spec would delete restore points writes nothing until acknowledged,
 * and status tells since when the table has been protected. Observed through the API server, the
 * emulator's request log and /q/metrics. Drift checks are an hour apart: every look is asked for.
 */
@ExtendWith(RealKubeApiServer.class)
class SafeguardsIT {

  static final Scope SCOPE = new Scope("123456789012", "eu-west-1");
  static final String NAMESPACE = "safeguards";

  private static OperatorUnderTest under;
  private static Policies policies;
  private static KubernetesClient client;

  @BeforeAll
  static void start(KubernetesClient kubernetesClient) {
    client = kubernetesClient;
    under =
        OperatorUnderTest.start(
            client,
            "safeguards",
            SCOPE,
            values -> values.watchNamespaces(NAMESPACE).driftInterval("1h"));
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
  }

  @Test
  void observeOnlyWritesNothingAndReportsWhetherTheTableComplies() {
    under.emulator().createTable(SCOPE, "observed");
    ContinuousBackupsPolicy policy = policies.newPolicy("observed", "observed", true, 35);
    policy.getSpec().setManagementMode(ManagementMode.Observe);
    policy.getSpec().setDeletionPolicy(DeletionPolicy.Disable);
    policy.getSpec().setAcknowledgeRestorePointLoss("test: would turn off on delete");
    client.resource(policy).inNamespace(NAMESPACE).create();

    Condition compliant =
        policies.awaitCondition(NAMESPACE, "observed", "Compliant", "False", "DriftObserved");
    assertThat(compliant.getMessage())
        .contains("DynamoDB reported point-in-time recovery disabled")
        .contains("the spec asks for enabled with a 35-day recovery period");
    Condition ready = policies.condition(NAMESPACE, "observed", "Ready").orElseThrow();
    assertThat(ready.getStatus()).as("observing is all it was asked to do").isEqualTo("True");
    assertThat(ready.getReason()).isEqualTo("DriftObserved");
    assertThat(policies.condition(NAMESPACE, "observed", "Stalled")).isEmpty();
    assertThat(policies.events(NAMESPACE, "observed")).contains("DriftObserved");
    assertThat(policies.get(NAMESPACE, "observed").getMetadata().getFinalizers())
        .as("it will not write on delete either")
        .isEmpty();
    awaitGauge("pitr_policy_compliant", "observed", 0, "mode", "observe", "table", "observed");
    awaitGauge("pitr_policy_unprotected", "observed", 1);

    // Fixed outside the operator: the next look says so, with an event.
    under
        .outOfBand()
        .updateContinuousBackups(
            r ->
                r.tableName("observed")
                    .pointInTimeRecoverySpecification(s -> s.pointInTimeRecoveryEnabled(true)));
    look("observed");
    policies.awaitCondition(NAMESPACE, "observed", "Compliant", "True", "InSync");
    assertThat(policies.condition(NAMESPACE, "observed", "Ready").orElseThrow().getReason())
        .isEqualTo("InSync");
    assertThat(policies.events(NAMESPACE, "observed")).contains("InSync");
    awaitGauge("pitr_policy_compliant", "observed", 1, "mode", "observe");
    awaitGauge("pitr_policy_unprotected", "observed", 0);

    policies.delete(NAMESPACE, "observed");
    policies.awaitGone(NAMESPACE, "observed");
    assertThat(policies.calls("observed", Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("observe only: not one write, not even for deletionPolicy Disable")
        .isZero();
    assertThat(pitrStatus("observed")).isEqualTo("ENABLED");
  }

  @Test
  void aNewPolicyThatWouldTurnPitrOffWritesNothingUntilAcknowledged() {
    under.emulator().createTable(SCOPE, "retiring");
    Instant since = under.emulator().clock().instant().minus(Duration.ofDays(40));
    under.emulator().seedPitr(SCOPE, "retiring", 35, since);

    policies.create(NAMESPACE, "retiring", "retiring", false, null);

    Condition stalled =
        policies.awaitCondition(
            NAMESPACE, "retiring", "Stalled", "True", "RestorePointLossNotAcknowledged");
    assertThat(stalled.getMessage())
        .startsWith(
            "Setting point-in-time recovery of table retiring in eu-west-1 from enabled with a"
                + " 35-day recovery period to disabled would delete all its restore points")
        .endsWith("to confirm, set spec.acknowledgeRestorePointLoss to a new value.");
    assertThat(policies.calls("retiring", Operation.UPDATE_CONTINUOUS_BACKUPS)).isZero();
    assertThat(pitrStatus("retiring")).isEqualTo("ENABLED");
    double stalledFor =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    under
                        .operator()
                        .metrics()
                        .value("pitr_policy_stalled_seconds", "policy", "retiring"),
                value -> value.isPresent() && value.getAsDouble() >= 1)
            .getAsDouble();
    assertThat(stalledFor).as("seconds since Stalled became True").isLessThan(120);

    policies.edit(
        NAMESPACE, "retiring", p -> p.getSpec().setAcknowledgeRestorePointLoss("CHG-9: retired"));
    ContinuousBackupsPolicy done = policies.awaitReady(NAMESPACE, "retiring", 2);

    assertThat(pitrStatus("retiring")).isEqualTo("DISABLED");
    assertThat(policies.calls("retiring", Operation.UPDATE_CONTINUOUS_BACKUPS)).isOne();
    assertThat(done.getStatus().getRestorePointLossAcknowledged()).isEqualTo("CHG-9: retired");

    // Turned on again outside the operator: CHG-9 covered the restore points of then, not these.
    under
        .outOfBand()
        .updateContinuousBackups(
            r ->
                r.tableName("retiring")
                    .pointInTimeRecoverySpecification(s -> s.pointInTimeRecoveryEnabled(true)));
    look("retiring");
    policies.awaitCondition(
        NAMESPACE, "retiring", "Stalled", "True", "RestorePointLossNotAcknowledged");
    assertThat(policies.calls("retiring", Operation.UPDATE_CONTINUOUS_BACKUPS)).isOne();
    assertThat(pitrStatus("retiring")).isEqualTo("ENABLED");
  }

  @Test
  void aShorterPeriodIsJudgedOnTheRestorePointsItWouldDelete() {
    under.emulator().createTable(SCOPE, "long-history");
    under
        .emulator()
        .seedPitr(
            SCOPE,
            "long-history",
            35,
            under.emulator().clock().instant().minus(Duration.ofDays(40)));
    under.emulator().createTable(SCOPE, "young");
    under
        .outOfBand()
        .updateContinuousBackups(
            r ->
                r.tableName("young")
                    .pointInTimeRecoverySpecification(s -> s.pointInTimeRecoveryEnabled(true)));

    policies.create(NAMESPACE, "long-history", "long-history", true, 7);
    policies.create(NAMESPACE, "young", "young", true, 7);

    policies.awaitCondition(
        NAMESPACE, "long-history", "Stalled", "True", "RestorePointLossNotAcknowledged");
    assertThat(policies.calls("long-history", Operation.UPDATE_CONTINUOUS_BACKUPS)).isZero();
    assertThat(policies.calls("long-history", Operation.DESCRIBE_CONTINUOUS_BACKUPS))
        .as("looked before anything that could delete restore points")
        .isOne();

    policies.awaitReady(NAMESPACE, "young", 1);
    assertThat(policies.calls("young", Operation.DESCRIBE_CONTINUOUS_BACKUPS))
        .as("restore points one minute old: 7 days deletes none")
        .isOne();
    assertThat(policies.calls("young", Operation.UPDATE_CONTINUOUS_BACKUPS)).isOne();
  }

  @Test
  void theRestoreWindowIsKeptAcrossChecksAndRestartsWhenPitrIsTurnedOffAndOn() {
    under.emulator().createTable(SCOPE, "ledger");
    under
        .emulator()
        .seedPitr(
            SCOPE, "ledger", 35, under.emulator().clock().instant().minus(Duration.ofDays(40)));

    ContinuousBackupsPolicy ready =
        policies.awaitReady(policies.create(NAMESPACE, "ledger", "ledger", true, 35));
    RestoreWindow full = ready.getStatus().getRestoreWindow();
    assertThat(Instant.parse(full.getProtectedSince()))
        .as("first seen with 35 days of restore points")
        .isBefore(Instant.now().minus(Duration.ofDays(34)));
    assertThat(full.getFullPeriodAt()).isNull();
    assertThat(policies.condition(NAMESPACE, "ledger", "RestoreWindowReduced").orElseThrow())
        .returns("False", Condition::getStatus)
        .returns("FullRestoreWindow", Condition::getReason);

    // An hour later DynamoDB's earliest restorable time has rolled an hour ahead: the window it
    // reports moved, the protection did not.
    Instant earliestBefore = earliestRestorable("ledger");
    under.emulator().clock().advance(Duration.ofHours(1));
    look("ledger");
    assertThat(earliestRestorable("ledger"))
        .isAfterOrEqualTo(earliestBefore.plus(Duration.ofHours(1)));
    assertThat(policies.get(NAMESPACE, "ledger").getStatus().getRestoreWindow())
        .as("kept across a drift check")
        .isEqualTo(full);

    // Off and on again outside the operator, between two of its looks.
    Instant flap = under.emulator().clock().instant().minusSeconds(1);
    under
        .outOfBand()
        .updateContinuousBackups(
            r ->
                r.tableName("ledger")
                    .pointInTimeRecoverySpecification(s -> s.pointInTimeRecoveryEnabled(false)));
    under
        .outOfBand()
        .updateContinuousBackups(
            r ->
                r.tableName("ledger")
                    .pointInTimeRecoverySpecification(s -> s.pointInTimeRecoveryEnabled(true)));
    look("ledger");

    Condition reduced =
        policies.awaitCondition(
            NAMESPACE, "ledger", "RestoreWindowReduced", "True", "RestoreWindowFilling");
    RestoreWindow restarted = policies.get(NAMESPACE, "ledger").getStatus().getRestoreWindow();
    Instant protectedSince = Instant.parse(restarted.getProtectedSince());
    assertThat(protectedSince).isAfter(flap);
    assertThat(Instant.parse(restarted.getFullPeriodAt()))
        .isEqualTo(protectedSince.plus(Duration.ofDays(35)));
    assertThat(reduced.getMessage()).contains("less than the 35-day recovery period");
    assertThat(policies.condition(NAMESPACE, "ledger", "Ready").orElseThrow().getStatus())
        .as("a reduced window is not a failure")
        .isEqualTo("True");
    assertThat(policies.events(NAMESPACE, "ledger")).contains("RestoreWindowFilling");
    awaitGauge("pitr_policy_restore_window_reduced", "ledger", 1);
  }

  /** Asks for a reconciliation now, and waits until the operator has done it. */
  /** What DynamoDB says now, read past the operator. */
  private static Instant earliestRestorable(String table) {
    return under
        .outOfBand()
        .describeContinuousBackups(r -> r.tableName(table))
        .continuousBackupsDescription()
        .pointInTimeRecoveryDescription()
        .earliestRestorableDateTime();
  }

  private static void look(String name) {
    String value = UUID.randomUUID().toString();
    policies.edit(
        NAMESPACE,
        name,
        p ->
            p.getMetadata()
                .setAnnotations(
                    Map.of(ContinuousBackupsPolicyReconciler.RECONCILE_REQUESTED_AT, value)));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> policies.get(NAMESPACE, name).getStatus().getLastHandledReconcileAt(),
            value::equals);
  }

  private static String pitrStatus(String table) {
    return under
        .outOfBand()
        .describeContinuousBackups(r -> r.tableName(table))
        .continuousBackupsDescription()
        .pointInTimeRecoveryDescription()
        .pointInTimeRecoveryStatusAsString();
  }

  /** Waits until /q/metrics serves the policy's pitr_policy_* gauge with this value. */
  private static void awaitGauge(String name, String policy, double expected, String... labels) {
    String[] pairs = new String[labels.length + 4];
    pairs[0] = "namespace";
    pairs[1] = NAMESPACE;
    pairs[2] = "policy";
    pairs[3] = policy;
    System.arraycopy(labels, 0, pairs, 4, labels.length);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(under.operator().metrics().value(name, pairs))
                    .as("%s of %s", name, policy)
                    .hasValue(expected));
  }
}
