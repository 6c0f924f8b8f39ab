package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsDescription;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicyStatus;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.api.v1alpha1.PointInTimeRecoveryDescription;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.testing.OperatorUnderTest;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.RealKubeApiServer;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The packaged operator's safety net: when something other than DynamoDB fails (the API server
 * refuses the operator's writes; someone wrote a status the operator cannot read), the policy's
 * status says so, the operator keeps retrying with backoff, and the policy converges once the
 * obstacle is gone. The refusals come from a real ValidatingAdmissionPolicy on the API server.
 */
@ExtendWith(RealKubeApiServer.class)
class SafetyNetIT {

  static final Scope SCOPE = new Scope("333344445555", "eu-west-1");
  static final String NAMESPACE = "safety-net-a";
  static final String REFUSE_UPDATES = "pitr.test/refuse-operator-updates";
  static final String REFUSE_STATUS = "pitr.test/refuse-operator-status";
  static final String FAILED = ConditionReason.ReconciliationFailed.name();

  private static KubernetesClient client;
  private static OperatorUnderTest under;
  private static Policies policies;
  private static List<HasMetadata> admissionPolicy;

  @BeforeAll
  static void start(KubernetesClient kubernetesClient) throws Exception {
    client = kubernetesClient;
    under =
        OperatorUnderTest.start(
            client, "safety-net", SCOPE, values -> values.watchNamespaces(NAMESPACE));
    policies = under.policies();
    assertThat(under.release().serviceAccountUser())
        .as("the user the admission policy fixture names")
        .isEqualTo("system:serviceaccount:safety-net-system:safety-net-pitr-operator");
    try (InputStream fixture =
        SafetyNetIT.class.getResourceAsStream("/admission/refuse-operator-writes.yaml")) {
      admissionPolicy = client.load(fixture).items();
    }
    admissionPolicy.forEach(object -> client.resource(object).serverSideApply());
    awaitAdmissionPolicyInForce();
  }

  @AfterAll
  static void stop() {
    if (admissionPolicy != null) {
      admissionPolicy.forEach(object -> client.resource(object).delete());
    }
    if (under != null) {
      under.close();
    }
  }

  @AfterEach
  void cleanUp() {
    policies.deleteAll(NAMESPACE);
  }

  @Test
  void refusedKubernetesWritesAreReportedAndRetriedWithBackoffUntilTheyPass() {
    under.emulator().createTable(SCOPE, "guarded");
    double failedBefore = failedReconciles();
    ContinuousBackupsPolicy policy = policies.newPolicy("guarded", "guarded", true, 7);
    policy.getSpec().setDeletionPolicy(DeletionPolicy.Disable);
    policy.getSpec().setAcknowledgeRestorePointLoss("test: off on delete");
    policy.getMetadata().getLabels().put(REFUSE_UPDATES, "yes");

    client.resource(policy).inNamespace(NAMESPACE).create();

    Condition failing = policies.awaitCondition(NAMESPACE, "guarded", "Ready", "False", FAILED);
    assertThat(failing.getMessage())
        .startsWith("Reconciliation failed and is retried: the Kubernetes API answered 422")
        .contains("ValidatingAdmissionPolicy 'pitr-test-refuse-operator-writes'");
    assertThat(policies.condition(NAMESPACE, "guarded", "Reconciling"))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
    long started = System.nanoTime();
    await().atMost(Duration.ofSeconds(30)).until(() -> failedReconciles() >= failedBefore + 8);
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("eight attempts back off (200 ms doubling to 2 s), and go on past JOSDK's default five")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(4));
    assertThat(policies.calls("guarded", Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("the finalizer comes before any AWS call")
        .isZero();

    policies.edit(NAMESPACE, "guarded", p -> p.getMetadata().getLabels().remove(REFUSE_UPDATES));

    policies.awaitReady(NAMESPACE, "guarded", 1);
    assertThat(policies.get(NAMESPACE, "guarded").getMetadata().getFinalizers())
        .containsExactly(ContinuousBackupsPolicyReconciler.FINALIZER);
    assertThat(policies.calls("guarded", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(1);
    assertThat(policies.events(NAMESPACE, "guarded")).containsSubsequence(FAILED, "InSync");
  }

  @Test
  void refusedStatusWritesAreRetriedWithoutEnd() {
    under.emulator().createTable(SCOPE, "muted");
    double failedBefore = failedReconciles();
    // 35 days: applied without a look first, so each retry (with no status saying it was done)
    // applies again.
    ContinuousBackupsPolicy policy = policies.newPolicy("muted", "muted", true, 35);
    policy.getMetadata().getLabels().put(REFUSE_STATUS, "yes");

    client.resource(policy).inNamespace(NAMESPACE).create();

    await().atMost(Duration.ofSeconds(30)).until(() -> failedReconciles() >= failedBefore + 7);
    assertThat(policies.get(NAMESPACE, "muted").getStatus()).isEqualTo(Policies.unwrittenStatus());
    assertThat(policies.calls("muted", Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("each retry applies again (no status says it was done), at the backoff's pace")
        .isBetween(2L, (long) (failedReconciles() - failedBefore) + 1);

    policies.edit(NAMESPACE, "muted", p -> p.getMetadata().getLabels().remove(REFUSE_STATUS));

    policies.awaitReady(NAMESPACE, "muted", 1);
  }

  @Test
  void statusWrittenBySomeoneElseInAnUnreadableShapeIsReplaced() {
    under.emulator().createTable(SCOPE, "scribbled");
    policies.awaitReady(policies.create(NAMESPACE, "scribbled", "scribbled", true, 7));
    Instant earliest =
        under
            .outOfBand()
            .describeContinuousBackups(r -> r.tableName("scribbled"))
            .continuousBackupsDescription()
            .pointInTimeRecoveryDescription()
            .earliestRestorableDateTime();
    double failedBefore = failedReconciles();

    ContinuousBackupsPolicy scribbled = policies.get(NAMESPACE, "scribbled");
    scribbled.setStatus(unreadableStatus());
    client.resource(scribbled).inNamespace(NAMESPACE).updateStatus();

    ContinuousBackupsPolicy repaired = policies.awaitReady(NAMESPACE, "scribbled", 1);
    assertThat(repaired.getStatus().getConditions())
        .as("the foreign Stalled condition is gone")
        .extracting(Condition::getType)
        .startsWith("Ready")
        .doesNotContain("Stalled", "Reconciling");
    Condition ready = repaired.getStatus().getConditions().get(0);
    assertThat(Instant.parse(ready.getLastTransitionTime())).isAfter(Instant.EPOCH);
    assertThat(ready.getReason()).isEqualTo("InSync");
    PointInTimeRecoveryDescription pitr =
        repaired.getStatus().getContinuousBackupsDescription().getPointInTimeRecoveryDescription();
    assertThat(pitr.getPointInTimeRecoveryStatus()).isEqualTo("ENABLED");
    assertThat(pitr.getRecoveryPeriodInDays()).isEqualTo(7);
    assertThat(Instant.parse(pitr.getEarliestRestorableDateTime())).isEqualTo(earliest);
    assertThat(failedReconciles()).as("nothing failed on the way").isEqualTo(failedBefore);
  }

  /** A status the schema admits but the operator never writes. */
  private static ContinuousBackupsPolicyStatus unreadableStatus() {
    var status = new ContinuousBackupsPolicyStatus();
    status.setObservedGeneration(1L);
    status.setLastSyncTime("never");
    status.setContinuousBackupsDescription(
        new ContinuousBackupsDescription(
            "SOMETIMES",
            new PointInTimeRecoveryDescription("MAYBE", 99, "not a time", "yesterday")));
    status.setConditions(
        List.of(
            new ConditionBuilder()
                .withType("Ready")
                .withStatus("Unknown")
                .withReason("SomethingElse")
                .withLastTransitionTime("yesterday")
                .build(),
            new ConditionBuilder().withType("Stalled").withStatus("True").build()));
    return status;
  }

  private static double failedReconciles() {
    return under.operator().metrics().sum("pitr_reconciles_total", "outcome", FAILED);
  }

  /** The admission policy is loaded asynchronously: wait until it refuses the operator. */
  private static void awaitAdmissionPolicyInForce() {
    ContinuousBackupsPolicy probe = policies.newPolicy("probe", "probe", false, null);
    probe.getMetadata().getLabels().put(REFUSE_UPDATES, "yes");
    client.resource(probe).inNamespace(NAMESPACE).create();
    try (KubernetesClient asOperator =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(client.getConfiguration())
                    .withImpersonateUsername(under.release().serviceAccountUser())
                    .build())
            .build()) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThatThrownBy(
                          () ->
                              asOperator
                                  .resources(ContinuousBackupsPolicy.class)
                                  .inNamespace(NAMESPACE)
                                  .withName("probe")
                                  .dryRun()
                                  .edit(
                                      p -> {
                                        p.getMetadata().getAnnotations().put("probe", "yes");
                                        return p;
                                      }))
                      .isInstanceOfSatisfying(
                          KubernetesClientException.class,
                          e -> assertThat(e.getMessage()).contains("the test refuses this write")));
    }
    policies.deleteAll(NAMESPACE);
  }
}
