package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.testing.ChartValues;
import io.pitr.operator.testing.OperatorRelease;
import io.pitr.operator.testing.OperatorUnderTest;
import io.pitr.operator.testing.PackagedOperator;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.PrometheusMetrics;
import io.pitr.operator.testing.RealKubeApiServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The packaged operator as the chart deploys it by default (all namespaces, a ClusterRole), with a
 * label selector set through the chart's extraEnv; pinned wherever the packaged configuration could
 * differ from what the reconciler's annotation says: which policies it watches, which events reach
 * it (generation awareness), its informer's item store, its own and the Java Operator SDK's
 * metrics, and leader election with graceful stops.
 */
@ExtendWith(RealKubeApiServer.class)
class DeploymentIT {

  static final Scope SCOPE = new Scope("444455556666", "eu-west-1");
  static final String SELECTED = "pitr.test/deployment";
  static final String NAMESPACE = "deployment-a";
  static final String OTHER_NAMESPACE = "deployment-b";
  static final String LEASE = "deployment-pitr-operator-leader";

  private static KubernetesClient client;
  private static OperatorUnderTest under;
  private static Policies policies;

  @BeforeAll
  static void start(KubernetesClient kubernetesClient) {
    client = kubernetesClient;
    under =
        OperatorUnderTest.start(
            client,
            "deployment",
            SCOPE,
            values ->
                values.env(
                    "QUARKUS_OPERATOR_SDK_CONTROLLERS_CONTINUOUSBACKUPSPOLICY_SELECTOR",
                    SELECTED + "=yes"));
    policies = under.policies();
    List.of(NAMESPACE, OTHER_NAMESPACE)
        .forEach(
            namespace ->
                io.pitr.operator.testing.CustomResourceDefinitions.ensureNamespace(
                    client, namespace));
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
  void onlyThePoliciesTheSelectorPicksAreManagedInAnyNamespace() {
    under.emulator().createTable(SCOPE, "ignored");
    under.emulator().createTable(SCOPE, "picked");
    client
        .resource(policies.newPolicy("ignored", "ignored", true, 7))
        .inNamespace(NAMESPACE)
        .create();

    policies.awaitReady(create(OTHER_NAMESPACE, "picked", "picked", 7));

    assertThat(policies.get(NAMESPACE, "ignored").getStatus())
        .isEqualTo(Policies.unwrittenStatus());
    assertThat(policies.calls("ignored", Operation.UPDATE_CONTINUOUS_BACKUPS)).isZero();
  }

  @Test
  void changesThatLeaveTheSpecAloneReachNoReconciliation() {
    under.emulator().createTable(SCOPE, "labelled");
    under.emulator().createTable(SCOPE, "marker");
    policies.awaitReady(create(NAMESPACE, "labelled", "labelled", 7));
    policies.awaitReady(create(NAMESPACE, "marker", "marker", 7));
    double updatesSeen = updateEvents();

    policies.edit(NAMESPACE, "labelled", p -> p.getMetadata().getLabels().put("team", "a"));
    policies.edit(NAMESPACE, "labelled", p -> p.getMetadata().getAnnotations().put("note", "x"));
    // A spec change after them, as a marker: by the time it is Ready, their events were seen.
    policies.edit(
        NAMESPACE,
        "marker",
        p -> p.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(8));
    policies.awaitReady(NAMESPACE, "marker", 2);

    assertThat(updateEvents())
        .as("only the marker's spec change; label, annotation and status changes are filtered")
        .isEqualTo(updatesSeen + 1);
  }

  @Test
  void theInformerCacheKeepsPoliciesWithoutTheirManagedFields() {
    int cached = 30;
    IntStream.range(0, cached)
        .forEach(
            i -> {
              under.emulator().createTable(SCOPE, "cached-" + i);
              create(NAMESPACE, "cached-" + i, "cached-" + i, 7);
            });
    IntStream.range(0, cached).forEach(i -> policies.awaitReady(NAMESPACE, "cached-" + i, 1));
    assertThat(policies.get(NAMESPACE, "cached-0").getMetadata().getManagedFields())
        .as("the API server sends managedFields")
        .hasSizeGreaterThanOrEqualTo(2);

    // The Java Operator SDK 5.3.2 keeps its own copy of the answer to the operator's last write of
    // a policy (managedFields included) until the next event about that policy; one more event
    // each (a label) lets those go, so that what remains is what the informer's store holds.
    IntStream.range(0, cached)
        .forEach(
            i ->
                policies.edit(
                    NAMESPACE, "cached-" + i, p -> p.getMetadata().getLabels().put("seen", "yes")));

    assertThat(histogram(under.operator().jcmd("GC.class_histogram")))
        // One per informer over policies: the policy controller's, and the policy sets' of the
        // policies they generated.
        .containsEntry(LeanPolicyStore.class.getName(), 2L);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        histogram(under.operator().jcmd("GC.class_histogram"))
                            .getOrDefault("io.fabric8.kubernetes.api.model.ManagedFieldsEntry", 0L))
                    .as("cached policies hold none (each would hold two or more)")
                    .isLessThan(cached / 3));
  }

  @Test
  void itsOwnTheSdksAndTheJvmsMetricsAreServed() throws Exception {
    under.emulator().createTable(SCOPE, "measured");
    policies.awaitReady(create(NAMESPACE, "measured", "measured", 7));

    PrometheusMetrics metrics = under.operator().metrics();

    assertThat(metrics.sum("pitr_reconciles_total")).isPositive();
    assertThat(
            metrics.sum(
                "reconciliations_started_total", "controller_name", "continuousbackupspolicy"))
        .isPositive();
    assertThat(metrics.sum("reconciliations_success_total")).isPositive();
    assertThat(metrics.has("jvm_memory_used_bytes")).isTrue();
    assertThat(under.operator().get("/q/health/ready").body()).contains("\"status\": \"UP\"");
  }

  @Test
  void theLeaderAloneWorksAndAStandbyTakesOverWithoutWritingWhenItStops() {
    PackagedOperator leader = under.operator();
    List.of("one", "two", "three").forEach(t -> under.emulator().createTable(SCOPE, t));
    List.of("one", "two", "three").forEach(t -> policies.awaitReady(create(NAMESPACE, t, t, 7)));
    Map<String, String> versions = new LinkedHashMap<>();
    List.of("one", "two", "three")
        .forEach(
            t -> versions.put(t, policies.get(NAMESPACE, t).getMetadata().getResourceVersion()));
    long updates =
        under.policies().operatorRequests().stream()
            .filter(r -> r.operation().equals(Operation.UPDATE_CONTINUOUS_BACKUPS.apiName()))
            .count();

    PackagedOperator standby = under.release().startUnready().awaitLive();
    assertThat(leaseHolder()).isEqualTo(leader.podName());
    under.emulator().createTable(SCOPE, "while-standing-by");
    policies.awaitReady(create(NAMESPACE, "while-standing-by", "while-standing-by", 7));
    assertThat(standby.metrics().sum("pitr_reconciles_total")).as("the standby waits").isZero();
    // Ready while it stands by, so that it never holds up a rolling update.
    standby.awaitReady();
    assertThat(leaseHolder()).isEqualTo(leader.podName());

    PackagedOperator.Stopped stopped = leader.stop();
    under.adopt(standby);

    assertThat(stopped.killed()).as("SIGTERM stops the pod; no SIGKILL is needed").isFalse();
    assertThat(stopped.took()).isLessThan(Duration.ofSeconds(10));
    await().atMost(Duration.ofSeconds(40)).until(() -> standby.podName().equals(leaseHolder()));
    standby.awaitReady();
    under.emulator().createTable(SCOPE, "after-takeover");
    policies.awaitReady(create(NAMESPACE, "after-takeover", "after-takeover", 7));
    assertThat(standby.metrics().sum("pitr_reconciles_total")).isPositive();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(standby.metrics().sum("pitr_policies", "reason", "InSync"))
                    .as(
                        "the new leader counts the policies it took over, not only those it changed")
                    .isEqualTo(5));
    List.of("one", "two", "three")
        .forEach(
            t ->
                assertThat(policies.get(NAMESPACE, t).getMetadata().getResourceVersion())
                    .as("taking over writes no status")
                    .isEqualTo(versions.get(t)));
    assertThat(policies.calls(Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("taking over sends no Update; only the two new policies did")
        .isEqualTo(updates + 2);
  }

  @Test
  void twoReleasesInOneNamespaceEachElectTheirOwnLeaderAndTakeTheirShare() {
    String shardNamespace = "deployment-shard";
    io.pitr.operator.testing.CustomResourceDefinitions.ensureNamespace(client, shardNamespace);
    try (OperatorRelease shard =
        OperatorRelease.install(
            client,
            "shard",
            under.release().namespace(),
            ChartValues.against(under.emulator().endpoint())
                .region(SCOPE.region())
                .accountId(SCOPE.accountId())
                .watchNamespaces(shardNamespace)
                .budgetShare(0.5)
                .build())) {
      PackagedOperator pod = shard.start();
      under.emulator().createTable(SCOPE, "sharded");
      under.emulator().createTable(SCOPE, "unsharded");

      policies.awaitReady(policies.create(shardNamespace, "sharded", "sharded", true, 7));
      policies.awaitReady(create(NAMESPACE, "unsharded", "unsharded", 7));

      assertThat(leaseHolder("shard-pitr-operator-leader")).isEqualTo(pod.podName());
      assertThat(leaseHolder(LEASE)).isEqualTo(under.operator().podName());
      assertThat(
              pod.metrics()
                  .sum(
                      "pitr_aws_budget_calls_per_second", "operation", "DescribeContinuousBackups"))
          .as("half of the Describe budget of 10")
          .isEqualTo(5);
      assertThat(
              under
                  .operator()
                  .metrics()
                  .sum(
                      "pitr_aws_budget_calls_per_second", "operation", "DescribeContinuousBackups"))
          .isEqualTo(10);
      policies.deleteAll(shardNamespace);
    }
  }

  @Test
  void aChangedDefaultRegionNeverRetargetsAPolicy() {
    under.emulator().createTable(SCOPE, "regional");
    assertThat(
            policies
                .awaitReady(create(NAMESPACE, "regional", "regional", 7))
                .getStatus()
                .getRegion())
        .isEqualTo(SCOPE.region());
    Scope elsewhere = new Scope(SCOPE.accountId(), "us-east-1");
    under.emulator().createTable(elsewhere, "regional");
    under.emulator().createTable(elsewhere, "regional-new");

    under.stopOperator();
    try (OperatorRelease moved =
        OperatorRelease.install(
            client, "deployment", under.release().namespace(), values(elsewhere.region()))) {
      moved.start();
      policies.edit(
          NAMESPACE,
          "regional",
          p -> p.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(9));
      ContinuousBackupsPolicy kept = policies.awaitReady(NAMESPACE, "regional", 2);
      ContinuousBackupsPolicy added =
          policies.awaitReady(create(NAMESPACE, "regional-new", "regional-new", 7));

      assertThat(kept.getStatus().getRegion()).isEqualTo(SCOPE.region());
      assertThat(policies.requests("regional", Operation.UPDATE_CONTINUOUS_BACKUPS))
          .extracting(r -> r.region())
          .as("both Updates, before and after the change of the default, in the recorded region")
          .containsExactly(SCOPE.region(), SCOPE.region());
      assertThat(added.getStatus().getRegion()).isEqualTo(elsewhere.region());
    } finally {
      OperatorRelease.install(
          client, "deployment", under.release().namespace(), values(SCOPE.region()));
      under.startOperator();
    }
  }

  @Test
  void aBadSettingEndsThePodWithItsReason() {
    try (OperatorRelease misconfigured =
        OperatorRelease.install(
            client,
            "misconfigured",
            under.release().namespace(),
            ChartValues.against(under.emulator().endpoint())
                .region(SCOPE.region())
                .watchNamespaces("deployment-misconfigured")
                .env("PITR_AWS_BUDGET_SHARE", "2")
                .build())) {
      PackagedOperator pod = misconfigured.startUnready();

      // The operator starts in the background; its settings are still checked up front.
      assertThat(pod.exit()).succeedsWithin(Duration.ofSeconds(60)).isEqualTo(1);
      assertThat(pod.log())
          .anyMatch(line -> line.contains("pitr.aws.budget-share must be above 0 and at most 1"));
    }
  }

  @Test
  void aStartThatFailsOnceTheApiServerIsReadyEndsThePodWithItsReason() {
    try (OperatorRelease leaseless =
        OperatorRelease.install(
            client,
            "leaseless",
            under.release().namespace(),
            ChartValues.against(under.emulator().endpoint())
                .region(SCOPE.region())
                .watchNamespaces("deployment-leaseless")
                .build())) {
      // The Lease may be read, not taken.
      client
          .rbac()
          .roles()
          .inNamespace(under.release().namespace())
          .withName("leaseless-pitr-operator-leader-election")
          .edit(
              role -> {
                role.getRules().forEach(rule -> rule.setVerbs(List.of("get")));
                return role;
              });
      PackagedOperator pod = leaseless.startUnready();

      assertThat(pod.exit()).succeedsWithin(Duration.ofSeconds(60)).isEqualTo(1);
      assertThat(pod.log())
          .anyMatch(line -> line.contains("The operator could not start: exiting"))
          .anyMatch(line -> line.contains("No permission to lease resource"));
    }
  }

  /** The values the suite's release is installed with, but for the default region. */
  private static Map<String, Object> values(String region) {
    return ChartValues.against(under.emulator().endpoint())
        .region(region)
        .accountId(SCOPE.accountId())
        .env("QUARKUS_OPERATOR_SDK_CONTROLLERS_CONTINUOUSBACKUPSPOLICY_SELECTOR", SELECTED + "=yes")
        .build();
  }

  private static ContinuousBackupsPolicy create(
      String namespace, String name, String table, int period) {
    ContinuousBackupsPolicy policy = policies.newPolicy(name, table, true, period);
    policy.getMetadata().getLabels().put(SELECTED, "yes");
    return client.resource(policy).inNamespace(namespace).create();
  }

  private static String leaseHolder() {
    return leaseHolder(LEASE);
  }

  private static String leaseHolder(String name) {
    var lease = client.leases().inNamespace(under.release().namespace()).withName(name).get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static double updateEvents() {
    return under
        .operator()
        .metrics()
        .sum("events_received_total", "event", "ResourceEvent", "action", "UPDATED");
  }

  /** Instances per class, from {@code jcmd GC.class_histogram}. */
  private static Map<String, Long> histogram(String output) {
    Map<String, Long> instances = new LinkedHashMap<>();
    Matcher row =
        Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+\\d+\\s+(\\S+)", Pattern.MULTILINE)
            .matcher(output);
    while (row.find()) {
      instances.merge(row.group(2), Long.parseLong(row.group(1)), Long::sum);
    }
    return instances;
  }
}
