package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.emulator.AwsErrorType;
import io.pitr.emulator.Observations.RequestRecord;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.status.PolicyStatusBuilder;
import io.pitr.operator.testing.OperatorUnderTest;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.PrometheusMetrics;
import io.pitr.operator.testing.RealKubeApiServer;
import io.pitr.testing.ExternalCommand;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The packaged operator, installed from the chart, against the emulator: each behaviour of a live
 * policy, each failure reason driven by the emulator's faults, and the AWS calls each costs,
 * observed through the API server, the emulator and the operator's /q/metrics.
 */
@ExtendWith(RealKubeApiServer.class)
class ReconciliationIT {

  static final Scope SCOPE = new Scope("123456789012", "eu-west-1");
  static final String NAMESPACE = "reconciliation-a";
  static final String OTHER_NAMESPACE = "reconciliation-b";
  static final Duration DRIFT_INTERVAL = Duration.ofSeconds(2);

  private static OperatorUnderTest under;
  private static Policies policies;

  @BeforeAll
  static void start(KubernetesClient client) {
    under =
        OperatorUnderTest.start(
            client,
            "reconciliation",
            SCOPE,
            values -> values.watchNamespaces(NAMESPACE, OTHER_NAMESPACE));
    policies = under.policies();
  }

  @AfterAll
  static void stop() {
    if (under != null) {
      under.close();
    }
  }

  @AfterEach
  void cleanUpAndCheckTheOperatorOnlyTouchedPitr() {
    policies.deleteAll(NAMESPACE);
    policies.deleteAll(OTHER_NAMESPACE);
    assertThat(policies.operatorRequests())
        .as("the operator never creates, tags or deletes tables")
        .extracting(RequestRecord::operation)
        .allMatch(
            operation ->
                operation.equals(Operation.UPDATE_CONTINUOUS_BACKUPS.apiName())
                    || operation.equals(Operation.DESCRIBE_CONTINUOUS_BACKUPS.apiName()));
  }

  @Test
  void newPolicyIsAppliedWithOneUpdateAndReportedInStatus() {
    under.emulator().createTable(SCOPE, "orders");

    ContinuousBackupsPolicy ready =
        policies.awaitReady(policies.create(NAMESPACE, "orders", "orders", true, 35));

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
        .isEqualTo(35);
    assertThat(description.getPointInTimeRecoveryDescription().getLatestRestorableDateTime())
        .isNotNull();
    assertThat(status.getConditions())
        .extracting(Condition::getType, Condition::getStatus)
        .as("the restore window just started: it fills the period in 35 days")
        .containsExactly(
            tuple("Ready", "True"),
            tuple("Compliant", "True"),
            tuple("RestoreWindowReduced", "True"));
    assertThat(status.getRestoreWindow().getProtectedSince())
        .isEqualTo(description.getPointInTimeRecoveryDescription().getEarliestRestorableDateTime());
    assertThat(policies.calls("orders", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(1);
    assertThat(policies.calls("orders", Operation.DESCRIBE_CONTINUOUS_BACKUPS)).isZero();
    assertThat(policies.events(NAMESPACE, "orders")).contains("InSync");
    PrometheusMetrics metrics = under.operator().metrics();
    assertThat(metrics.sum("pitr_policies", "reason", "InSync")).isGreaterThanOrEqualTo(1);
    assertThat(metrics.sum("pitr_reconciles_total", "outcome", "InSync", "status", "written"))
        .isGreaterThanOrEqualTo(1);
    assertThat(
            metrics.sum(
                "pitr_aws_calls_total",
                "operation",
                "UpdateContinuousBackups",
                "outcome",
                "Success"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void eachSpecChangeCostsOneUpdateAndNoDescribe() {
    under.emulator().createTable(SCOPE, "periods");
    policies.awaitReady(policies.create(NAMESPACE, "periods", "periods", true, 14));
    long describes = policies.calls("periods", Operation.DESCRIBE_CONTINUOUS_BACKUPS);

    policies.edit(
        NAMESPACE,
        "periods",
        p -> {
          p.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(7);
          p.getSpec().setAcknowledgeRestorePointLoss("test: shorter");
        });
    assertThat(Policies.period(policies.awaitReady(NAMESPACE, "periods", 2))).isEqualTo(7);
    policies.edit(
        NAMESPACE,
        "periods",
        p -> {
          p.getSpec().getPointInTimeRecoverySpecification().setPointInTimeRecoveryEnabled(false);
          p.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(null);
          p.getSpec().setAcknowledgeRestorePointLoss("test: off");
        });
    ContinuousBackupsPolicy disabled = policies.awaitReady(NAMESPACE, "periods", 3);

    assertThat(Policies.pitrStatus(disabled)).isEqualTo("DISABLED");
    assertThat(policies.calls("periods", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(3);
    assertThat(policies.events(NAMESPACE, "periods")).contains("Applied");

    // A spec change that leaves the PITR setting as DynamoDB already has it costs nothing.
    policies.edit(
        NAMESPACE,
        "periods",
        p -> {
          p.getSpec().setDeletionPolicy(DeletionPolicy.Disable);
          p.getSpec().setAcknowledgeRestorePointLoss("test: off on delete");
        });
    policies.awaitReady(NAMESPACE, "periods", 4);
    assertThat(policies.calls("periods", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(3);
    assertThat(policies.calls("periods", Operation.DESCRIBE_CONTINUOUS_BACKUPS) - describes)
        .as("spec changes cost no Describe; only drift checks, at most one per interval")
        .isLessThanOrEqualTo(3);
  }

  @Test
  void outOfBandChangeIsFoundAndCorrectedWithAnEvent() {
    under.emulator().createTable(SCOPE, "drifting");
    policies.awaitReady(policies.create(NAMESPACE, "drifting", "drifting", true, 14));
    double correctionsBefore =
        under.operator().metrics().sum("pitr_drift_corrections_total", "region", SCOPE.region());

    under
        .outOfBand()
        .updateContinuousBackups(
            r ->
                r.tableName("drifting")
                    .pointInTimeRecoverySpecification(
                        s -> s.pointInTimeRecoveryEnabled(true).recoveryPeriodInDays(3)));

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> assertThat(policies.events(NAMESPACE, "drifting")).contains("DriftCorrected"));
    assertThat(periodInDynamoDb("drifting")).isEqualTo(14);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(
                        under
                            .operator()
                            .metrics()
                            .sum("pitr_drift_corrections_total", "region", SCOPE.region()))
                    .isEqualTo(correctionsBefore + 1));
    assertThat(policies.calls("drifting", Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("one Update to apply, one to correct")
        .isEqualTo(2);
  }

  @Test
  void steadyStateMakesOneDescribePerIntervalAndNoWrites() throws Exception {
    // A table just turned on (its restore window filling) and one with 40 days of restore points
    // (its window full, its earliest restorable time rolling forward at every check).
    List<String> tables = List.of("steady", "steady-full");
    under.emulator().createTable(SCOPE, "steady");
    under.emulator().createTable(SCOPE, "steady-full");
    under
        .emulator()
        .seedPitr(
            SCOPE,
            "steady-full",
            14,
            under.emulator().clock().instant().minus(Duration.ofDays(40)));
    for (String table : tables) {
      policies.awaitReady(policies.create(NAMESPACE, table, table, true, 14));
    }
    await()
        .atMost(DRIFT_INTERVAL.multipliedBy(3))
        .until(
            () ->
                tables.stream()
                    .allMatch(
                        table ->
                            policies.calls(table, Operation.DESCRIBE_CONTINUOUS_BACKUPS) >= 1));
    Map<String, String> resourceVersions = new HashMap<>();
    Map<String, Long> describesBefore = new HashMap<>();
    for (String table : tables) {
      resourceVersions.put(
          table, policies.get(NAMESPACE, table).getMetadata().getResourceVersion());
      describesBefore.put(table, policies.calls(table, Operation.DESCRIBE_CONTINUOUS_BACKUPS));
    }
    double unchangedBefore =
        under
            .operator()
            .metrics()
            .sum("pitr_reconciles_total", "outcome", "InSync", "status", "unchanged");

    // A measurement over three drift intervals, not a wait for an event.
    Thread.sleep(DRIFT_INTERVAL.toMillis() * 3);

    long describes = 0;
    for (String table : tables) {
      long made =
          policies.calls(table, Operation.DESCRIBE_CONTINUOUS_BACKUPS) - describesBefore.get(table);
      describes += made;
      assertThat(made)
          .as("one Describe per interval, jitter aside, of %s", table)
          .isBetween(2L, 4L);
      assertThat(policies.calls(table, Operation.UPDATE_CONTINUOUS_BACKUPS))
          .as("updates of %s", table)
          .isEqualTo(table.equals("steady") ? 1 : 0);
      assertThat(policies.get(NAMESPACE, table).getMetadata().getResourceVersion())
          .as("no Kubernetes write when nothing changed, for %s", table)
          .isEqualTo(resourceVersions.get(table));
    }
    assertThat(
            under
                .operator()
                .metrics()
                .sum("pitr_reconciles_total", "outcome", "InSync", "status", "unchanged"))
        .as("the drift checks reconciled without writing")
        .isGreaterThanOrEqualTo(unchangedBefore + describes);
  }

  @Test
  void missingTableWaitsAndConvergesOnceTheTableExists() {
    policies.create(NAMESPACE, "later", "created-later", true, 7);

    Condition waiting =
        policies.awaitCondition(NAMESPACE, "later", "Ready", "False", "TableNotFound");
    assertThat(waiting.getMessage()).isEqualTo("Table created-later was not found in eu-west-1.");
    assertThat(policies.condition(NAMESPACE, "later", "Reconciling"))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
    assertThat(policies.condition(NAMESPACE, "later", "Stalled")).isEmpty();

    under.emulator().createTable(SCOPE, "created-later");

    ContinuousBackupsPolicy ready = policies.awaitReady(NAMESPACE, "later", 1);
    assertThat(Policies.period(ready)).isEqualTo(7);
    assertThat(policies.condition(NAMESPACE, "later", "Reconciling")).isEmpty();
  }

  @Test
  void specChangeAfterAFailureIsNotJudgedOnAStaleObservation() {
    under.emulator().createTable(SCOPE, "vanishing");
    policies.awaitReady(policies.create(NAMESPACE, "vanishing", "vanishing", true, 7));
    under.outOfBand().deleteTable(r -> r.tableName("vanishing"));
    policies.awaitCondition(NAMESPACE, "vanishing", "Ready", "False", "TableNotFound");
    assertThat(policies.get(NAMESPACE, "vanishing").getStatus().getContinuousBackupsDescription())
        .as("no PITR state is claimed for a table that does not exist")
        .isNull();

    // A change that leaves the PITR setting alone must not be judged against the last
    // description the policy had.
    policies.edit(
        NAMESPACE,
        "vanishing",
        p -> {
          p.getSpec().setDeletionPolicy(DeletionPolicy.Disable);
          p.getSpec().setAcknowledgeRestorePointLoss("test: off on delete");
        });

    ContinuousBackupsPolicy changed =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> policies.get(NAMESPACE, "vanishing"),
                p -> p.getStatus().getObservedGeneration() == 2);
    assertThat(PolicyStatusBuilder.ready(changed.getStatus()).orElseThrow().getReason())
        .isEqualTo("TableNotFound");
  }

  @Test
  void backupsNotYetAvailableIsRetriedShortly() {
    under.emulator().createTable(SCOPE, "new-table");
    under.emulator().faults().backupsUnavailable(SCOPE, "new-table", Duration.ofSeconds(2));

    policies.create(NAMESPACE, "new-table", "new-table", true, 35);

    policies.awaitCondition(NAMESPACE, "new-table", "Ready", "False", "BackupsNotYetAvailable");
    policies.awaitReady(NAMESPACE, "new-table", 1);
    assertThat(policies.calls("new-table", Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("short retries, not a storm: 2 s at a 300 ms retry with jitter")
        .isBetween(2L, 12L);
  }

  @Test
  void statusStillChangingIsLookedAtAgainWithReadsNotWrites() {
    under.emulator().createTable(SCOPE, "changing");
    under
        .emulator()
        .faults()
        .reportPitrStatus(SCOPE, "changing", "ENABLING", Duration.ofMillis(1500));

    policies.create(NAMESPACE, "changing", "changing", true, 35);

    Condition changing =
        policies.awaitCondition(NAMESPACE, "changing", "Ready", "False", "PitrStatusChanging");
    assertThat(changing.getMessage())
        .isEqualTo(
            "DynamoDB answered ENABLING to a request for enabled with a 35-day recovery period.");
    assertThat(Policies.period(policies.awaitReady(NAMESPACE, "changing", 1))).isEqualTo(35);
    assertThat(policies.calls("changing", Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("the change was asked for once; the operator then only looked")
        .isEqualTo(1);
    assertThat(policies.calls("changing", Operation.DESCRIBE_CONTINUOUS_BACKUPS))
        .as("a look every 300 ms or so (jittered) for 1.5 s")
        .isBetween(1L, 8L);
  }

  @Test
  void throttlingAndServerErrorsBackOffThenConverge() {
    under.emulator().createTable(SCOPE, "flaky");
    double throttlesBefore =
        under
            .operator()
            .metrics()
            .sum("pitr_aws_throttles_total", "operation", "UpdateContinuousBackups");
    under
        .emulator()
        .faults()
        .failNext(
            Operation.UPDATE_CONTINUOUS_BACKUPS,
            "flaky",
            1,
            AwsErrorType.THROTTLING,
            "Rate exceeded")
        .failNext(
            Operation.UPDATE_CONTINUOUS_BACKUPS,
            "flaky",
            1,
            AwsErrorType.INTERNAL_SERVER_ERROR,
            "Internal server error");

    policies.create(NAMESPACE, "flaky", "flaky", true, 7);

    policies.awaitReady(NAMESPACE, "flaky", 1);
    assertThat(policies.events(NAMESPACE, "flaky"))
        .containsSubsequence("Throttled", "AwsServerError", "InSync");
    assertThat(policies.calls("flaky", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(3);
    List<RequestRecord> updates = policies.requests("flaky", Operation.UPDATE_CONTINUOUS_BACKUPS);
    assertThat(Duration.between(updates.get(0).time(), updates.get(1).time()))
        .as("the first retry waits the initial backoff (200 ms, ±20%)")
        .isGreaterThanOrEqualTo(Duration.ofMillis(150));
    assertThat(
            under
                .operator()
                .metrics()
                .sum("pitr_aws_throttles_total", "operation", "UpdateContinuousBackups"))
        .isEqualTo(throttlesBefore + 1);
  }

  @Test
  void accessDeniedStallsAndIsRetriedOnlyAtTheStalledInterval() {
    under.emulator().createTable(SCOPE, "forbidden");
    under
        .emulator()
        .faults()
        .failNext(
            Operation.UPDATE_CONTINUOUS_BACKUPS,
            "forbidden",
            2,
            AwsErrorType.ACCESS_DENIED,
            "User: arn:aws:sts::123456789012:assumed-role/pitr/op is not authorized to perform:"
                + " dynamodb:UpdateContinuousBackups");

    policies.create(NAMESPACE, "forbidden", "forbidden", true, 7);

    Condition stalled =
        policies.awaitCondition(NAMESPACE, "forbidden", "Stalled", "True", "AccessDenied");
    assertThat(stalled.getMessage())
        .startsWith(
            "UpdateContinuousBackups on table forbidden was refused: AccessDeniedException:");
    assertThat(policies.condition(NAMESPACE, "forbidden", "Reconciling")).isEmpty();
    // Once access is granted (here: the scripted denials run out), the next attempt succeeds.
    policies.awaitReady(NAMESPACE, "forbidden", 1);
    List<RequestRecord> updates =
        policies.requests("forbidden", Operation.UPDATE_CONTINUOUS_BACKUPS);
    assertThat(updates).hasSize(3);
    for (int i = 1; i < updates.size(); i++) {
      assertThat(Duration.between(updates.get(i - 1).time(), updates.get(i).time()))
          .as("no retry storm: a stalled policy waits its interval (here the 2 s drift interval)")
          .isGreaterThanOrEqualTo(Duration.ofMillis(1800));
    }
  }

  @Test
  void requestRejectedByDynamoDbIsAnInvalidSpec() {
    under.emulator().createTable(SCOPE, "rejected");
    under
        .emulator()
        .faults()
        .failNext(
            Operation.UPDATE_CONTINUOUS_BACKUPS,
            "rejected",
            1,
            AwsErrorType.VALIDATION,
            "not today");

    policies.create(NAMESPACE, "rejected", "rejected", true, 7);

    Condition stalled =
        policies.awaitCondition(NAMESPACE, "rejected", "Stalled", "True", "InvalidSpec");
    assertThat(stalled.getMessage())
        .isEqualTo("DynamoDB rejected UpdateContinuousBackups: ValidationException: not today");
  }

  @Test
  void secondPolicyForATableStandsByAndTakesOver() {
    under.emulator().createTable(SCOPE, "shared");
    policies.awaitReady(policies.create(NAMESPACE, "first", "shared", true, 14));

    policies.create(OTHER_NAMESPACE, "second", "shared", true, 3);

    Condition conflict =
        policies.awaitCondition(OTHER_NAMESPACE, "second", "Ready", "False", "Conflict");
    assertThat(conflict.getMessage()).contains(NAMESPACE + "/first");
    assertThat(policies.condition(OTHER_NAMESPACE, "second", "Stalled"))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
    assertThat(policies.calls("shared", Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("the second policy never writes")
        .isEqualTo(1);

    policies.delete(NAMESPACE, "first");

    ContinuousBackupsPolicy second = policies.awaitReady(OTHER_NAMESPACE, "second", 1);
    assertThat(Policies.period(second)).isEqualTo(3);
    assertThat(policies.calls("shared", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(2);
  }

  @Test
  void kubectlWaitsForReady(RealKubeApiServer.Kubeconfig kubeconfig) {
    under.emulator().createTable(SCOPE, "waited");
    policies.create(NAMESPACE, "waited", "waited", true, 7);

    ExternalCommand.Result waited =
        ExternalCommand.run(
            List.of(
                RealKubeApiServer.kubectl().toString(),
                "--kubeconfig",
                kubeconfig.file().toString(),
                "wait",
                "--namespace",
                NAMESPACE,
                "--for=condition=Ready",
                "continuousbackupspolicy/waited",
                "--timeout=30s"),
            Map.of(),
            Duration.ofSeconds(60));

    assertThat(waited.exitCode()).as(waited.stderr()).isZero();
    assertThat(waited.stdout()).contains("condition met");
  }

  private static Integer periodInDynamoDb(String table) {
    return under
        .outOfBand()
        .describeContinuousBackups(r -> r.tableName(table))
        .continuousBackupsDescription()
        .pointInTimeRecoveryDescription()
        .recoveryPeriodInDays();
  }
}
