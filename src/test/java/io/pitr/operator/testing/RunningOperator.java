package io.pitr.operator.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pitr.operator.ContinuousBackupsPolicyReconciler;
import io.pitr.operator.PolicyEvents;
import io.pitr.operator.ReconcilerSettings;
import io.pitr.operator.aws.ContinuousBackupsGateway;
import io.pitr.operator.pitr.DriftSchedule;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The operator's reconciler running in the test JVM on the Java Operator SDK, without Quarkus, so
 * that tests choose its settings and gateway and read its metrics. The Quarkus wiring around it is
 * covered by the local run and the packaged operator.
 */
public final class RunningOperator implements AutoCloseable {

  private final Operator operator;
  private final SimpleMeterRegistry metrics;

  private RunningOperator(Operator operator, SimpleMeterRegistry metrics) {
    this.operator = operator;
    this.metrics = metrics;
  }

  /**
   * Starts watching the policies of one test suite (labelled by {@link Policies}) in all
   * namespaces, so that suites sharing the API server never see each other's policies.
   */
  public static RunningOperator start(
      KubernetesClient client,
      ContinuousBackupsGateway gateway,
      ReconcilerSettings settings,
      SimpleMeterRegistry metrics,
      String suite) {
    Operator operator =
        new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false));
    Clock clock = Clock.systemUTC();
    var reconciler =
        new ContinuousBackupsPolicyReconciler(
            gateway, settings, new PolicyEvents(client, clock), clock, metrics);
    operator.register(
        reconciler, overrider -> overrider.withLabelSelector(Policies.SUITE_LABEL + "=" + suite));
    operator.start();
    return new RunningOperator(operator, metrics);
  }

  /**
   * Settings for tests: a 2 s drift interval, retries in hundreds of milliseconds, stalled policies
   * left alone for an hour (so a retry storm would show), and status rewritten only on change.
   */
  public static ReconcilerSettings fastSettings(
      Optional<String> defaultRegion, Duration driftInterval) {
    return new ReconcilerSettings(
        defaultRegion,
        new DriftSchedule(driftInterval, 0.1, 50),
        Duration.ofMillis(200),
        Duration.ofSeconds(2),
        Duration.ofMillis(500),
        Duration.ofMillis(300),
        Duration.ofHours(1),
        Duration.ofMillis(500),
        Duration.ZERO);
  }

  /** The value of a counter, 0 if it was never incremented. */
  public double counter(String name, String... tags) {
    var counter = metrics.find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  /** The value of a gauge, NaN if it does not exist. */
  public double gauge(String name, String... tags) {
    var gauge = metrics.find(name).tags(tags).gauge();
    return gauge == null ? Double.NaN : gauge.value();
  }

  @Override
  public void close() {
    operator.stop();
  }
}
