package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.pitr.emulator.EmulatorClock;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySpec;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicyStatus;
import io.pitr.operator.api.v1alpha1.PointInTimeRecoverySpecification;
import io.pitr.operator.pitr.DesiredPitr;
import io.prometheus.client.Collector.MetricFamilySamples;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The per-policy gauges, as a scrape renders them from what the policies' status says. */
class PolicyMetricsTest {

  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

  private final EmulatorClock clock = EmulatorClock.fixedAt(NOW);
  private final PolicyMetrics metrics = new PolicyMetrics(clock);
  private final ContinuousBackupsPolicy policy = policy();
  private final DesiredPitr desired =
      DesiredPitr.of(policy.getSpec().getPointInTimeRecoverySpecification());

  @Test
  void stalledSecondsCountFromTheConditionsTransition() {
    metrics.update(policy, stalled(NOW.minus(Duration.ofMinutes(10)).toString()), desired);

    assertThat(scrape()).containsEntry("pitr_policy_stalled_seconds", 600.0);
  }

  @Test
  void anUnreadableTransitionTimeCountsFromWhenTheOperatorFirstSawItStalled() {
    metrics.update(policy, stalled("yesterday"), desired);
    clock.advance(Duration.ofMinutes(5));
    metrics.update(policy, stalled("yesterday"), desired);
    clock.advance(Duration.ofMinutes(1));

    assertThat(scrape()).containsEntry("pitr_policy_stalled_seconds", 360.0);
  }

  @Test
  void aPolicyTheOperatorHasNotWrittenToIsNeitherStalledNorJudged() {
    var unwritten = new ContinuousBackupsPolicyStatus();
    unwritten.setObservedGeneration(-1L);

    metrics.update(policy, unwritten, desired);

    assertThat(scrape())
        .containsEntry("pitr_policy_stalled_seconds", 0.0)
        .containsEntry("pitr_policy_unprotected", 0.0)
        .containsEntry("pitr_policy_restore_window_reduced", 0.0)
        .doesNotContainKey("pitr_policy_compliant");
  }

  /** Gauge name to value, for the one policy. */
  private Map<String, Double> scrape() {
    List<MetricFamilySamples> families = metrics.collect();
    return families.stream()
        .flatMap(family -> family.samples.stream())
        .collect(Collectors.toMap(sample -> sample.name, sample -> sample.value));
  }

  private static ContinuousBackupsPolicyStatus stalled(String since) {
    Condition condition =
        new ConditionBuilder()
            .withType("Stalled")
            .withStatus("True")
            .withReason("AccessDenied")
            .withLastTransitionTime(since)
            .build();
    var status = new ContinuousBackupsPolicyStatus();
    status.setObservedGeneration(1L);
    status.setConditions(List.of(condition));
    return status;
  }

  private static ContinuousBackupsPolicy policy() {
    var pitr = new PointInTimeRecoverySpecification();
    pitr.setPointInTimeRecoveryEnabled(true);
    pitr.setRecoveryPeriodInDays(35);
    var spec = new ContinuousBackupsPolicySpec();
    spec.setTableName("orders");
    spec.setPointInTimeRecoverySpecification(pitr);
    var policy = new ContinuousBackupsPolicy();
    policy.setMetadata(
        new ObjectMetaBuilder().withNamespace("team-a").withName("orders").withUid("u1").build());
    policy.setSpec(spec);
    return policy;
  }
}
