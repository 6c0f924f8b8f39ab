package io.pitr.operator;

import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicyStatus;
import io.pitr.operator.pitr.DesiredPitr;
import io.pitr.operator.pitr.ObservedPitr;
import io.pitr.operator.status.PolicyStatusBuilder;
import io.prometheus.client.Collector;
import io.prometheus.client.GaugeMetricFamily;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-policy gauges (pitr_policy_*), rendered at each scrape from one small entry per policy:
 * at tens of thousands of policies, a meter per policy and gauge would cost more memory than the
 * policies themselves. Registered with the Prometheus registry that serves /q/metrics.
 */
public class PolicyMetrics extends Collector {

  private static final List<String> LABELS = List.of("namespace", "policy", "table", "region");
  private static final List<String> LABELS_WITH_MODE =
      List.of("namespace", "policy", "table", "region", "mode");

  /**
   * What the gauges say about one policy.
   *
   * @param compliant the Compliant condition, if present
   * @param unprotected the spec asks for PITR on and DynamoDB last reported it off
   * @param stalledSince when the Stalled condition became True, if it is True
   * @param windowReduced the RestoreWindowReduced condition is True
   */
  record Entry(
      List<String> labels,
      String mode,
      Optional<Boolean> compliant,
      boolean unprotected,
      Optional<Instant> stalledSince,
      boolean windowReduced) {}

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Clock clock;

  public PolicyMetrics(Clock clock) {
    this.clock = clock;
  }

  /**
   * Records what a policy's status (as written, or as it stands) says; {@code desired}: its spec,
   * null when invalid.
   */
  void update(
      ContinuousBackupsPolicy policy, ContinuousBackupsPolicyStatus status, DesiredPitr desired) {
    if (policy.getSpec() == null || policy.getSpec().getTableName() == null) {
      // A policy stored without a spec has no table to report on.
      entries.remove(policy.getMetadata().getUid());
      return;
    }
    String region = status == null ? null : status.getRegion();
    ObservedPitr stored = PolicyStatusBuilder.lastObserved(status);
    entries.put(
        policy.getMetadata().getUid(),
        new Entry(
            List.of(
                policy.getMetadata().getNamespace(),
                policy.getMetadata().getName(),
                policy.getSpec().getTableName(),
                region == null ? "" : region),
            policy.getSpec().observeOnly() ? "observe" : "enforce",
            PolicyStatusBuilder.condition(status, PolicyStatusBuilder.COMPLIANT)
                .map(c -> "True".equals(c.getStatus())),
            desired != null
                && desired.enabled()
                && stored != null
                && stored.pitrStatus() == ObservedPitr.PitrStatus.DISABLED,
            PolicyStatusBuilder.condition(status, PolicyStatusBuilder.STALLED)
                .filter(c -> "True".equals(c.getStatus()))
                .map(c -> stalledSince(policy, c.getLastTransitionTime())),
            PolicyStatusBuilder.condition(status, PolicyStatusBuilder.RESTORE_WINDOW_REDUCED)
                .filter(c -> "True".equals(c.getStatus()))
                .isPresent()));
  }

  void remove(String uid) {
    entries.remove(uid);
  }

  @Override
  public List<MetricFamilySamples> collect() {
    var compliant =
        new GaugeMetricFamily(
            "pitr_policy_compliant",
            "1 when the table's last observation matches the policy's spec, 0 when it differs;"
                + " absent until the table is observed",
            LABELS_WITH_MODE);
    var unprotected =
        new GaugeMetricFamily(
            "pitr_policy_unprotected",
            "1 when the spec asks for point-in-time recovery and DynamoDB last reported it off",
            LABELS);
    var stalled =
        new GaugeMetricFamily(
            "pitr_policy_stalled_seconds",
            "Seconds since the policy's Stalled condition became True; 0 when it is not stalled",
            LABELS);
    var reduced =
        new GaugeMetricFamily(
            "pitr_policy_restore_window_reduced",
            "1 while the table's restore points reach back less than its recovery period",
            LABELS);
    Instant now = clock.instant();
    for (Entry entry : entries.values()) {
      entry
          .compliant()
          .ifPresent(
              value ->
                  compliant.addMetric(
                      List.of(
                          entry.labels().get(0),
                          entry.labels().get(1),
                          entry.labels().get(2),
                          entry.labels().get(3),
                          entry.mode()),
                      value ? 1 : 0));
      unprotected.addMetric(entry.labels(), entry.unprotected() ? 1 : 0);
      stalled.addMetric(
          entry.labels(),
          entry
              .stalledSince()
              .map(since -> Math.max(0, Duration.between(since, now).toSeconds()))
              .orElse(0L));
      reduced.addMetric(entry.labels(), entry.windowReduced() ? 1 : 0);
    }
    return List.of(compliant, unprotected, stalled, reduced);
  }

  /**
   * When the Stalled condition became True: its lastTransitionTime, or, if that cannot be read,
   * when this operator first saw it stalled, so that the gauge still grows and alerts still fire.
   */
  private Instant stalledSince(ContinuousBackupsPolicy policy, String lastTransitionTime) {
    try {
      if (lastTransitionTime != null) {
        return Instant.parse(lastTransitionTime);
      }
    } catch (DateTimeParseException e) {
      // fall through
    }
    Entry before = entries.get(policy.getMetadata().getUid());
    return before == null ? clock.instant() : before.stalledSince().orElseGet(clock::instant);
  }
}
