package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.emulator.Observations.RequestRecord;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.testing.OperatorUnderTest;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.RealKubeApiServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared DescribeContinuousBackups rate of the packaged operator: set to 1 per second for five
 * policies with a 2 s drift interval, drift checks never come closer than the rate allows, and the
 * interval stretches to policies ÷ rate (5 s) instead of piling checks up behind the limit.
 */
@ExtendWith(RealKubeApiServer.class)
class DescribeRateIT {

  static final Scope SCOPE = new Scope("555566667777", "eu-west-1");
  static final String NAMESPACE = "describe-rate-a";
  static final List<String> TABLES = IntStream.range(0, 5).mapToObj(i -> "rated-" + i).toList();

  private static OperatorUnderTest under;
  private static Policies policies;

  @BeforeAll
  static void start(KubernetesClient client) {
    under =
        OperatorUnderTest.start(
            client,
            "describe-rate",
            SCOPE,
            values -> values.watchNamespaces(NAMESPACE).describesPerSecond(1));
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
  void driftChecksKeepToTheRateAndTheIntervalStretchesToFitThem() {
    TABLES.forEach(table -> under.emulator().createTable(SCOPE, table));
    TABLES.forEach(table -> policies.awaitReady(policies.create(NAMESPACE, table, table, true, 7)));
    // The drift checks from here on (a new 7-day policy's look before it applies came earlier).
    Instant checksFrom = under.emulator().clock().instant();

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                TABLES.stream()
                    .allMatch(t -> policies.calls(t, Operation.DESCRIBE_CONTINUOUS_BACKUPS) >= 3));

    List<RequestRecord> describes =
        policies.operatorRequests().stream()
            .filter(r -> r.operation().equals(Operation.DESCRIBE_CONTINUOUS_BACKUPS.apiName()))
            .filter(r -> !r.time().isBefore(checksFrom))
            .toList();
    for (int i = 1; i < describes.size(); i++) {
      assertThat(Duration.between(describes.get(i - 1).time(), describes.get(i).time()))
          .as("one Describe per second at the most, whichever policy it is for")
          .isGreaterThanOrEqualTo(Duration.ofMillis(800));
    }
    for (String table : TABLES) {
      List<RequestRecord> checks = policies.requests(table, Operation.DESCRIBE_CONTINUOUS_BACKUPS);
      RequestRecord last = checks.get(checks.size() - 1);
      RequestRecord before = checks.get(checks.size() - 2);
      assertThat(Duration.between(before.time(), last.time()))
          .as("the 2 s interval stretched to 5 s (±10%%) for %s", table)
          .isGreaterThanOrEqualTo(Duration.ofMillis(4400));
    }
    assertThat(policies.calls(Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("checks that find nothing write nothing")
        .isEqualTo(TABLES.size());
  }
}
