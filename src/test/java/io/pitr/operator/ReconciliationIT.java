package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pitr.emulator.AwsErrorType;
import io.pitr.emulator.DynamoDbEmulator;
import io.pitr.emulator.EmulatorSettings;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.aws.DynamoDbGateway;
import io.pitr.operator.status.PolicyStatusBuilder;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.RealKubeApiServer;
import io.pitr.operator.testing.RunningOperator;
import io.pitr.testing.ExternalCommand;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The operator on a real kube-apiserver against the emulator: every behaviour of a policy, each
 * failure reason driven through the emulator's fault injection, and the AWS calls each costs.
 */
@ExtendWith(RealKubeApiServer.class)
class ContinuousBackupsPolicyReconcilerIT {

  static final String ACCOUNT = "123456789012";
  static final String REGION = "eu-west-1";
  static final Scope SCOPE = new Scope(ACCOUNT, REGION);
  static final Duration DRIFT_INTERVAL = Duration.ofSeconds(2);
  static final ReconcilerSettings SETTINGS =
      RunningOperator.fastSettings(Optional.of(REGION), DRIFT_INTERVAL);
  private static final AtomicInteger NAMESPACES = new AtomicInteger();

  private static KubernetesClient client;
  private static DynamoDbEmulator emulator;
  private static DynamoDbGateway gateway;
  private static RunningOperator operator;
  private static DynamoDbClient outOfBand;
  private static Policies policies;
  private String namespace;

  @BeforeAll
  static void start(KubernetesClient kubernetesClient) {
    client = kubernetesClient;
    CustomResourceDefinitions.installContinuousBackupsPolicy(client);
    emulator = DynamoDbEmulator.start(EmulatorSettings.builder().accountId(ACCOUNT).build());
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    gateway = Policies.gateway(emulator.endpoint(), Optional.of(ACCOUNT), metrics);
    operator = RunningOperator.start(client, gateway, SETTINGS, metrics, "reconciler");
    outOfBand =
        DynamoDbClient.builder()
            .endpointOverride(emulator.endpoint())
            .region(Region.of(REGION))
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCOUNT, "secret")))
            .build();
    policies = new Policies(client, emulator, "reconciler");
  }

  @AfterAll
  static void stop() {
    operator.close();
    gateway.close();
    outOfBand.close();
    emulator.close();
  }

  @BeforeEach
  void namespace() {
    namespace = "reconcile-" + NAMESPACES.incrementAndGet();
    CustomResourceDefinitions.ensureNamespace(client, namespace);
  }

  @Test
  void newPolicyIsAppliedWithOneUpdateAndReportedInStatus() {
    emulator.createTable(SCOPE, "orders");

    ContinuousBackupsPolicy ready =
        policies.awaitReady(policies.create(namespace, "orders", "orders", true, 14));

    var status = ready.getStatus();
    assertThat(status.getObservedGeneration()).isEqualTo(ready.getMetadata().getGeneration());
    assertThat(status.getTableArn())
        .isEqualTo("arn:aws:dynamodb:eu-west-1:123456789012:table/orders");
    assertThat(status.getLastSyncTime()).isNotNull();
    var description = status.getContinuousBackupsDescription();
    assertThat(description.getContinuousBackupsStatus()).isEqualTo("ENABLED");
    assertThat(description.getPointInTimeRecoveryDescription().getPointInTimeRecoveryStatus())
        .isEqualTo("ENABLED");
    assertThat(description.getPointInTimeRecoveryDescription().getRecoveryPeriodInDays())
        .isEqualTo(14);
    assertThat(description.getPointInTimeRecoveryDescription().getLatestRestorableDateTime())
        .isNotNull();
    assertThat(status.getConditions()).extracting(Condition::getType).containsExactly("Ready");
    assertThat(policies.calls("orders", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(1);
    assertThat(policies.calls("orders", Operation.DESCRIBE_CONTINUOUS_BACKUPS)).isZero();
    assertThat(policies.events(namespace, "orders")).contains("InSync");
    assertThat(operator.gauge("pitr.policies", "reason", "InSync")).isGreaterThanOrEqualTo(1);
    assertThat(operator.counter("pitr.reconciles", "outcome", "InSync", "status", "written"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void eachSpecChangeCostsOneUpdateAndNoDescribe() {
    emulator.createTable(SCOPE, "periods");
    policies.awaitReady(policies.create(namespace, "periods", "periods", true, 14));

    policies.edit(
        namespace,
        "periods",
        p -> p.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(7));
    ContinuousBackupsPolicy seven = policies.awaitReady(namespace, "periods", 2);
    assertThat(Policies.period(seven)).isEqualTo(7);

    policies.edit(
        namespace,
        "periods",
        p -> {
          p.getSpec().getPointInTimeRecoverySpecification().setPointInTimeRecoveryEnabled(false);
          p.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(null);
        });
    ContinuousBackupsPolicy disabled = policies.awaitReady(namespace, "periods", 3);
    assertThat(Policies.pitrStatus(disabled)).isEqualTo("DISABLED");
    assertThat(policies.calls("periods", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(3);

    // A spec change that leaves the PITR setting as DynamoDB already has it costs nothing.
    policies.edit(namespace, "periods", p -> p.getSpec().setDeletionPolicy(DeletionPolicy.Disable));
    policies.edit(namespace, "periods", p -> p.getMetadata().getLabels().put("team", "a"));
    policies.awaitReady(namespace, "periods", 4);
    assertThat(policies.calls("periods", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(3);
    assertThat(policies.calls("periods", Operation.DESCRIBE_CONTINUOUS_BACKUPS))
        .as("no Describe for spec changes; at most the drift checks of the elapsed time")
        .isLessThanOrEqualTo(policies.driftChecksSince(seven, DRIFT_INTERVAL));
    assertThat(policies.events(namespace, "periods")).contains("Applied");
  }

  @Test
  void outOfBandChangeIsFoundAndCorrectedWithAnEvent() {
    emulator.createTable(SCOPE, "drifting");
    policies.awaitReady(policies.create(namespace, "drifting", "drifting", true, 14));
    double correctionsBefore = operator.counter("pitr.drift.corrections", "region", REGION);

    outOfBand.updateContinuousBackups(
        r ->
            r.tableName("drifting")
                .pointInTimeRecoverySpecification(
                    s -> s.pointInTimeRecoveryEnabled(true).recoveryPeriodInDays(3)));

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        outOfBand
                            .describeContinuousBackups(r -> r.tableName("drifting"))
                            .continuousBackupsDescription()
                            .pointInTimeRecoveryDescription()
                            .recoveryPeriodInDays())
                    .isEqualTo(14));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(policies.events(namespace, "drifting")).contains("DriftCorrected"));
    assertThat(operator.counter("pitr.drift.corrections", "region", REGION))
        .isEqualTo(correctionsBefore + 1);
    // One Update to create, one to correct (the out-of-band one went around the operator).
    assertThat(policies.calls("drifting", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(3);
  }

  @Test
  void steadyStateMakesOneDescribePerIntervalAndNoWrites() throws Exception {
    emulator.createTable(SCOPE, "steady");
    ContinuousBackupsPolicy ready =
        policies.awaitReady(policies.create(namespace, "steady", "steady", true, 14));
    // Let the first drift check happen, then watch three intervals.
    Thread.sleep(DRIFT_INTERVAL.toMillis() * 2);
    String resourceVersion = policies.get(namespace, "steady").getMetadata().getResourceVersion();
    long describesBefore = policies.calls("steady", Operation.DESCRIBE_CONTINUOUS_BACKUPS);

    Thread.sleep(DRIFT_INTERVAL.toMillis() * 3);

    long describes =
        policies.calls("steady", Operation.DESCRIBE_CONTINUOUS_BACKUPS) - describesBefore;
    assertThat(describes).as("one Describe per interval, jitter aside").isBetween(2L, 4L);
    assertThat(policies.calls("steady", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(1);
    assertThat(policies.get(namespace, "steady").getMetadata().getResourceVersion())
        .as("no Kubernetes write when nothing changed")
        .isEqualTo(resourceVersion);
    assertThat(operator.counter("pitr.reconciles", "outcome", "InSync", "status", "unchanged"))
        .as("the drift checks reconciled without writing")
        .isGreaterThan(0);
    assertThat(ready.getStatus()).isNotNull();
  }

  @Test
  void missingTableWaitsAndConvergesOnceTheTableExists() {
    policies.create(namespace, "later", "created-later", true, 7);

    Condition waiting =
        policies.awaitCondition(namespace, "later", "Ready", "False", "TableNotFound");
    assertThat(waiting.getMessage()).isEqualTo("Table created-later was not found in eu-west-1.");
    assertThat(policies.condition(namespace, "later", "Reconciling"))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
    assertThat(policies.condition(namespace, "later", "Stalled")).isEmpty();

    emulator.createTable(SCOPE, "created-later");

    ContinuousBackupsPolicy ready = policies.awaitReady(namespace, "later", 1);
    assertThat(Policies.period(ready)).isEqualTo(7);
    assertThat(policies.condition(namespace, "later", "Reconciling")).isEmpty();
  }

  @Test
  void specChangeAfterAFailureIsNotJudgedOnAStaleObservation() {
    emulator.createTable(SCOPE, "vanishing");
    policies.awaitReady(policies.create(namespace, "vanishing", "vanishing", true, 7));
    outOfBand.deleteTable(r -> r.tableName("vanishing"));
    policies.awaitCondition(namespace, "vanishing", "Ready", "False", "TableNotFound");

    // The status still holds the last description; a change that leaves the PITR setting
    // alone must not be judged against it.
    policies.edit(
        namespace, "vanishing", p -> p.getSpec().setDeletionPolicy(DeletionPolicy.Disable));

    ContinuousBackupsPolicy changed =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> policies.get(namespace, "vanishing"),
                p -> p.getStatus().getObservedGeneration() == 2);
    assertThat(PolicyStatusBuilder.ready(changed.getStatus()).orElseThrow().getReason())
        .isEqualTo("TableNotFound");

    // Left behind, it would keep retrying and take other tests' scripted faults.
    policies.delete(namespace, "vanishing");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> policies.find(namespace, "vanishing") == null);
  }

  @Test
  void backupsNotYetAvailableIsRetriedShortly() {
    emulator.createTable(SCOPE, "new-table");
    emulator.faults().backupsUnavailable(SCOPE, "new-table", Duration.ofSeconds(2));

    policies.create(namespace, "new-table", "new-table", true, 7);

    policies.awaitCondition(namespace, "new-table", "Ready", "False", "BackupsNotYetAvailable");
    policies.awaitReady(namespace, "new-table", 1);
    assertThat(policies.calls("new-table", Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("short retries, not a storm: 2 s at a 300 ms retry with jitter")
        .isBetween(2L, 12L);
  }

  @Test
  void throttlingAndServerErrorsBackOffThenConverge() {
    emulator.createTable(SCOPE, "flaky");
    emulator
        .faults()
        .failNext(Operation.UPDATE_CONTINUOUS_BACKUPS, 1, AwsErrorType.THROTTLING, "Rate exceeded")
        .failNext(Operation.UPDATE_CONTINUOUS_BACKUPS, 1, AwsErrorType.INTERNAL_SERVER_ERROR);

    policies.create(namespace, "flaky", "flaky", true, 7);

    policies.awaitReady(namespace, "flaky", 1);
    assertThat(policies.events(namespace, "flaky"))
        .contains("Throttled", "AwsServerError", "InSync");
    assertThat(policies.calls("flaky", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(3);
  }

  @Test
  void accessDeniedStallsWithoutRetrying() throws Exception {
    emulator.createTable(SCOPE, "forbidden");
    emulator
        .faults()
        .failNext(
            Operation.UPDATE_CONTINUOUS_BACKUPS,
            1,
            AwsErrorType.ACCESS_DENIED,
            "User: arn:aws:sts::123456789012:assumed-role/pitr/op is not authorized to perform:"
                + " dynamodb:UpdateContinuousBackups");

    policies.create(namespace, "forbidden", "forbidden", true, 7);

    Condition stalled =
        policies.awaitCondition(namespace, "forbidden", "Stalled", "True", "AccessDenied");
    assertThat(stalled.getMessage())
        .startsWith(
            "UpdateContinuousBackups on table forbidden was refused: AccessDeniedException:");
    assertThat(policies.condition(namespace, "forbidden", "Reconciling")).isEmpty();
    Thread.sleep(2_000);
    assertThat(policies.calls("forbidden", Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("no retry storm")
        .isEqualTo(1);
  }

  @Test
  void requestRejectedByDynamoDbIsAnInvalidSpec() {
    emulator.createTable(SCOPE, "rejected");
    emulator
        .faults()
        .failNext(Operation.UPDATE_CONTINUOUS_BACKUPS, 1, AwsErrorType.VALIDATION, "not today");

    policies.create(namespace, "rejected", "rejected", true, 7);

    policies.awaitCondition(namespace, "rejected", "Stalled", "True", "InvalidSpec");
  }

  @Test
  void secondPolicyForATableStandsByAndTakesOver() {
    emulator.createTable(SCOPE, "shared");
    policies.awaitReady(policies.create(namespace, "first", "shared", true, 14));
    String otherNamespace = namespace + "-other";
    CustomResourceDefinitions.ensureNamespace(client, otherNamespace);

    policies.create(otherNamespace, "second", "shared", true, 3);

    Condition conflict =
        policies.awaitCondition(otherNamespace, "second", "Ready", "False", "Conflict");
    assertThat(conflict.getMessage()).contains(namespace + "/first");
    assertThat(policies.calls("shared", Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("the second policy never writes")
        .isEqualTo(1);

    policies.delete(namespace, "first");

    ContinuousBackupsPolicy second = policies.awaitReady(otherNamespace, "second", 1);
    assertThat(Policies.period(second)).isEqualTo(3);
    assertThat(policies.calls("shared", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(2);
  }

  @Test
  void deletionPolicyDisableTurnsOffPitrBeforeThePolicyGoes() {
    emulator.createTable(SCOPE, "temporary");
    ContinuousBackupsPolicy policy = policies.newPolicy("temporary", "temporary", true, 7);
    policy.getSpec().setDeletionPolicy(DeletionPolicy.Disable);
    policies.awaitReady(client.resource(policy).inNamespace(namespace).create());
    assertThat(policies.get(namespace, "temporary").getMetadata().getFinalizers())
        .containsExactly(ContinuousBackupsPolicyReconciler.FINALIZER);

    policies.delete(namespace, "temporary");

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> policies.find(namespace, "temporary") == null);
    assertThat(pitrStatus("temporary")).isEqualTo("DISABLED");
    assertThat(policies.calls("temporary", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(2);
  }

  @Test
  void deletionPolicyRetainUsesNoFinalizerAndMakesNoCall() {
    emulator.createTable(SCOPE, "kept");
    policies.awaitReady(policies.create(namespace, "kept", "kept", true, 7));
    assertThat(policies.get(namespace, "kept").getMetadata().getFinalizers()).isEmpty();
    long callsBefore = policies.calls("kept", Operation.UPDATE_CONTINUOUS_BACKUPS);

    policies.delete(namespace, "kept");

    await().atMost(Duration.ofSeconds(10)).until(() -> policies.find(namespace, "kept") == null);
    assertThat(policies.calls("kept", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(callsBefore);
    assertThat(pitrStatus("kept")).isEqualTo("ENABLED");
  }

  @Test
  void deletingKeepsRetryingWhileDynamoDbFailsAndSaysSo() {
    emulator.createTable(SCOPE, "stubborn");
    ContinuousBackupsPolicy policy = policies.newPolicy("stubborn", "stubborn", true, 7);
    policy.getSpec().setDeletionPolicy(DeletionPolicy.Disable);
    policies.awaitReady(client.resource(policy).inNamespace(namespace).create());
    emulator
        .faults()
        .failNext(Operation.UPDATE_CONTINUOUS_BACKUPS, 3, AwsErrorType.INTERNAL_SERVER_ERROR);

    policies.delete(namespace, "stubborn");

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> policies.find(namespace, "stubborn") == null);
    assertThat(policies.events(namespace, "stubborn"))
        .contains("AwsServerError", "DisabledOnDelete");
    assertThat(pitrStatus("stubborn")).isEqualTo("DISABLED");
  }

  @Test
  void kubectlWaitsForReady(RealKubeApiServer.Kubeconfig kubeconfig) {
    emulator.createTable(SCOPE, "waited");
    policies.create(namespace, "waited", "waited", true, 7);

    ExternalCommand.Result waited =
        ExternalCommand.run(
            List.of(
                RealKubeApiServer.kubectl().toString(),
                "--kubeconfig",
                kubeconfig.file().toString(),
                "wait",
                "--namespace",
                namespace,
                "--for=condition=Ready",
                "continuousbackupspolicy/waited",
                "--timeout=30s"),
            Map.of(),
            Duration.ofSeconds(60));

    assertThat(waited.exitCode()).as(waited.stderr()).isZero();
    assertThat(waited.stdout()).contains("condition met");
  }

  private static String pitrStatus(String table) {
    return outOfBand
        .describeContinuousBackups(r -> r.tableName(table))
        .continuousBackupsDescription()
        .pointInTimeRecoveryDescription()
        .pointInTimeRecoveryStatusAsString();
  }

  static boolean isReady(ContinuousBackupsPolicy policy) {
    return PolicyStatusBuilder.ready(policy.getStatus())
        .filter(c -> "True".equals(c.getStatus()))
        .isPresent();
  }
}
