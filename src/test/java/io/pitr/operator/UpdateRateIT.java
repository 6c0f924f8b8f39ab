package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.emulator.Limits;
import io.pitr.emulator.Observations.RequestRecord;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.testing.CallRates;
import io.pitr.operator.testing.OperatorUnderTest;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.RealKubeApiServer;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The packaged operator against the emulator enforcing DynamoDB's rates ({@code --limits aws}:
 * UpdateContinuousBackups 5 per second), with its own Update budget at the chart's default (4 per
 * second): policies created in bulk are applied at the budget's pace, never throttled, and a spec
 * change made meanwhile is applied ahead of the policies still waiting for their first apply.
 */
@ExtendWith(RealKubeApiServer.class)
class UpdateRateIT {

  static final Scope SCOPE = new Scope("444455556666", "eu-west-1");
  static final String NAMESPACE = "update-rate-a";
  static final List<String> ROLLOUT = IntStream.range(0, 48).mapToObj(i -> "bulk-" + i).toList();

  private static OperatorUnderTest under;
  private static Policies policies;

  @BeforeAll
  static void start(KubernetesClient client) {
    under =
        OperatorUnderTest.start(
            client, "update-rate", SCOPE, values -> values.watchNamespaces(NAMESPACE));
    under.emulator().faults().limits(Limits.AWS);
    policies = under.policies();
  }

  @AfterAll
  static void stop() {
    if (under != null) {
      policies.deleteAll(NAMESPACE);
      under.close();
    }
  }

  @Test
  void aSpecChangeMadeDuringABulkRolloutGoesAheadOfItAndNothingIsThrottled() {
    under.emulator().createTable(SCOPE, "orders");
    ROLLOUT.forEach(table -> under.emulator().createTable(SCOPE, table));
    policies.awaitReady(policies.create(NAMESPACE, "orders", "orders", true, 7));

    // 35 days, the longest: applied without a Describe first, so every first apply waits for the
    // Update budget from its start.
    ROLLOUT.forEach(table -> policies.create(NAMESPACE, table, table, true, 35));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> policies.calls(Operation.UPDATE_CONTINUOUS_BACKUPS) >= 1 + 8);
    policies.edit(
        NAMESPACE,
        "orders",
        policy ->
            policy.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(8));
    policies.awaitReady(NAMESPACE, "orders", 2);
    ROLLOUT.forEach(table -> policies.awaitReady(NAMESPACE, table, 1));

    List<RequestRecord> updates =
        policies.operatorRequests().stream()
            .filter(r -> r.operation().equals(Operation.UPDATE_CONTINUOUS_BACKUPS.apiName()))
            .toList();
    RequestRecord change = policies.requests("orders", Operation.UPDATE_CONTINUOUS_BACKUPS).get(1);
    long rolloutAfterTheChange =
        updates.stream()
            .filter(r -> r.sequence() > change.sequence())
            .filter(r -> !r.table().endsWith("orders"))
            .count();
    assertThat(rolloutAfterTheChange)
        .as("first applies still waiting when the change was applied (of %d)", ROLLOUT.size())
        .isGreaterThanOrEqualTo(ROLLOUT.size() / 2);
    assertThat(updates).as("one Update per policy and one for the change").hasSize(50);
    assertThat(under.emulator().observations().throttled(Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("the budget (4/s) kept under DynamoDB's rate (5/s)")
        .isZero();
    // Counted where they arrive: the burst (2), the one call a change may borrow from it, and one
    // more for the calls' own jitter, as the fault suite allows.
    assertThat(CallRates.mostAboveTheRateAt(updates.stream().map(RequestRecord::time).toList(), 4))
        .as("never ahead of the budget (4/s) by more than its burst (2), the change's and jitter's")
        .isLessThanOrEqualTo(2 + 1 + 1);
  }
}
