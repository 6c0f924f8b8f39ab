package io.pitr.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.pitr.emulator.DynamoDbEmulator;
import io.pitr.emulator.EmulatorSettings;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.testing.ChartValues;
import io.pitr.operator.testing.HelmChart;
import io.pitr.operator.testing.LocalCluster;
import io.pitr.operator.testing.OciImage;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.PrometheusMetrics;
import io.pitr.operator.testing.RemoteEmulator;
import io.pitr.testing.ExternalCommand;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The chart and deploy/ installed, upgraded, failed over and uninstalled in a real single-node
 * cluster ({@link LocalCluster}): the operator's image (as the build writes it) imported into the
 * node, its pods run by the kubelet with the chart's probes and securityContext in a namespace that
 * enforces the restricted Pod Security Standard. Everything is observed from outside: the API
 * server, the emulator's counters, the kubelet's probe metrics.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

  static final String SYSTEM = "pitr-system";
  static final String TEAM = "team-a";
  static final String REGION = "us-east-1";
  static final String ACCOUNT = "000000000000";
  static final String OPERATOR = "app.kubernetes.io/component=operator";
  static final String EMULATOR = "app.kubernetes.io/component=dynamodb-emulator";
  static final String CONTROLLER = "continuousbackupspolicy";
  static final List<String> TABLES =
      List.of("orders", "payments", "scratch.events-v2", "audit-log");
  static final Path EXAMPLES = Path.of("deploy", "examples");
  static final List<String> EXAMPLE_POLICIES =
      List.of("orders", "payments", "scratch-events", "audit-log");

  /** The failover bound the issue sets: a new leader within 20 s of the old one's deletion. */
  static final Duration FAILOVER = Duration.ofSeconds(20);

  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static LocalCluster cluster;
  static KubernetesClient client;
  static Policies policies;

  @BeforeAll
  static void startTheCluster() throws Exception {
    assertThat(Files.getLastModifiedTime(OciImage.ARCHIVE))
        .as("the image was built by this build (not skipped with -DskipImage)")
        .isGreaterThanOrEqualTo(
            Files.getLastModifiedTime(Path.of("target", "quarkus-app", "quarkus-run.jar")));
    Instant started = Instant.now();
    cluster = LocalCluster.start("ClusterIT");
    System.out.printf(
        "CLUSTER: started in %.1f s%n", Duration.between(started, Instant.now()).toMillis() / 1e3);
    cluster.importImage(OciImage.ARCHIVE);
    client = cluster.client();
    policies = new Policies(client, null);
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(SYSTEM)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                .addToLabels("pod-security.kubernetes.io/enforce-version", "latest")
                .endMetadata()
                .build())
        .create();
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(TEAM).endMetadata().build())
        .create();
  }

  @AfterEach
  void saveTheLogs(TestInfo test) {
    cluster.savePodLogs(test.getTestMethod().map(Method::getName).orElse("test"));
  }

  @AfterAll
  static void stopTheCluster() {
    if (client != null) {
      client.close();
    }
    if (cluster != null) {
      cluster.close(); // fails if the host is not as it was before the start
    }
  }

  @Test
  @Order(1)
  void theChartWithItsEmulatorRunsTheOperatorInARestrictedNamespace() {
    Instant installing = Instant.now();
    helmOk(
        "install",
        HelmChart.RELEASE,
        HelmChart.CHART.toString(),
        "--namespace",
        SYSTEM,
        "--set",
        "emulator.enabled=true",
        "--set",
        "emulator.tables={" + String.join(",", TABLES) + "}",
        // Imported, never pulled: the node would try the registry from this machine's network.
        "--set",
        "image.pullPolicy=Never",
        "--wait",
        "--timeout",
        "4m");
    Pod operator = awaitReadyPods(OPERATOR, 1).get(0);
    System.out.printf(
        "CLUSTER: helm install to operator pod Ready %.1f s; its container start to Ready %d s%n",
        Duration.between(installing, Instant.now()).toMillis() / 1e3,
        containerStartToReady(operator).toSeconds());
    assertThat(operator.getSpec().getContainers().get(0).getImage())
        .isEqualTo(OciImage.read(OciImage.ARCHIVE).reference());

    kubectlOk("apply", "--namespace", TEAM, "--filename", EXAMPLES.toString());
    for (String policy : EXAMPLE_POLICIES) {
      policies.awaitReady(TEAM, policy, 1);
    }
    try (RemoteEmulator emulator = chartEmulator()) {
      assertThat(emulator.describe("orders").pointInTimeRecoveryDescription())
          .satisfies(
              pitr -> {
                assertThat(pitr.pointInTimeRecoveryStatusAsString()).isEqualTo("ENABLED");
                assertThat(pitr.recoveryPeriodInDays()).isEqualTo(14);
              });
      assertThat(emulator.describe("payments").pointInTimeRecoveryDescription())
          .satisfies(pitr -> assertThat(pitr.recoveryPeriodInDays()).isEqualTo(35));
      assertThat(
              emulator
                  .describe("scratch.events-v2")
                  .pointInTimeRecoveryDescription()
                  .pointInTimeRecoveryStatusAsString())
          .isEqualTo("DISABLED");
      assertThat(
              emulator
                  .describe("audit-log")
                  .pointInTimeRecoveryDescription()
                  .pointInTimeRecoveryStatusAsString())
          .as("observe only: reported, not changed")
          .isEqualTo("DISABLED");
    }
  }

  @Test
  @Order(2)
  void anUpgradeRollsThePodAndTheRestartWritesNothing() throws Exception {
    try (RemoteEmulator emulator = chartEmulator()) {
      emulator.resetCalls();
      Pod old = awaitReadyPods(OPERATOR, 1).get(0);
      String before = name(old);
      helmOk(
          "upgrade",
          HelmChart.RELEASE,
          HelmChart.CHART.toString(),
          "--namespace",
          SYSTEM,
          "--reuse-values",
          "--set",
          "driftInterval=15m",
          "--wait",
          "--timeout",
          "4m");
      Pod after =
          await()
              .atMost(Duration.ofMinutes(2))
              .until(
                  () -> readyPods(OPERATOR),
                  pods -> pods.size() == 1 && !name(pods.get(0)).equals(before))
              .get(0);
      assertThat(after.getMetadata().getAnnotations().get("checksum/config"))
          .as("the changed value rolled the pod through its configuration checksum")
          .isNotEqualTo(old.getMetadata().getAnnotations().get("checksum/config"));
      // The new pod leads, has reconciled every policy, and wrote neither AWS nor status.
      awaitLeaderAmong(List.of(after));
      assertReconciledWithoutWriting(after, emulator);
    }
  }

  @Test
  @Order(3)
  void withTwoReplicasDeletingTheLeaderMovesLeadershipWithoutADuplicateWrite() throws Exception {
    helmOk(
        "upgrade",
        HelmChart.RELEASE,
        HelmChart.CHART.toString(),
        "--namespace",
        SYSTEM,
        "--reuse-values",
        "--set",
        "replicas=2",
        "--wait",
        "--timeout",
        "4m");
    // Both ready: the standby's readiness does not wait for leadership, so that a rolling update
    // is never held up by it (README, "High availability").
    List<Pod> pods = awaitReadyPods(OPERATOR, 2);
    assertThat(client.policy().v1().podDisruptionBudget().inNamespace(SYSTEM).list().getItems())
        .singleElement()
        .satisfies(pdb -> assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1));
    assertThat(pods.get(0).getSpec().getTopologySpreadConstraints()).hasSize(2);

    try (RemoteEmulator emulator = chartEmulator()) {
      String leader = awaitLeaderAmong(pods);
      emulator.resetCalls();
      String next;
      Duration failover;
      // The old leader's log goes with its pod: kept to say how it stopped.
      ByteArrayOutputStream stopping = new ByteArrayOutputStream();
      try (LogWatch log =
          client.pods().inNamespace(SYSTEM).withName(leader).sinceSeconds(1).watchLog(stopping)) {
        Instant deleted = Instant.now();
        kubectlOk("delete", "pod", "--namespace", SYSTEM, leader, "--wait=false");
        next =
            await()
                .atMost(FAILOVER.plusSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(this::leaseHolder, holder -> holder != null && !holder.equals(leader));
        failover = Duration.between(deleted, Instant.now());
      }
      boolean standby = pods.stream().map(ClusterIT::name).anyMatch(next::equals);
      System.out.printf(
          "CLUSTER: leader pod deleted to new leader %s (%s): %.1f s; the old leader's stop:%n%s%n",
          next,
          standby ? "the standby" : "the Deployment's replacement",
          failover.toMillis() / 1e3,
          stopping
              .toString(StandardCharsets.UTF_8)
              .lines()
              .filter(line -> line.contains("Lease") || line.contains("stopped"))
              .collect(Collectors.joining(System.lineSeparator())));
      // Within the bound, whichever replica won: a standby tries every 2 s once the old leader
      // gives
      // the Lease up, but if the old one stops slowly the Deployment's replacement may be first.
      assertThat(failover).isLessThan(FAILOVER);

      // The new leader reconciles every policy and writes nothing: no duplicate of the old one's
      // work.
      assertReconciledWithoutWriting(
          awaitReadyPods(OPERATOR, 2).stream()
              .filter(pod -> name(pod).equals(next))
              .findFirst()
              .orElseThrow(),
          emulator);

      // And it leads: a change is applied once.
      policies.edit(
          TEAM,
          "orders",
          policy ->
              policy.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(21));
      policies.awaitReady(TEAM, "orders", 2);
      assertThat(emulator.calls(Operation.UPDATE_CONTINUOUS_BACKUPS)).isOne();
      assertThat(
              emulator.describe("orders").pointInTimeRecoveryDescription().recoveryPeriodInDays())
          .isEqualTo(21);
    }
    awaitReadyPods(OPERATOR, 2); // the Deployment replaced the deleted pod
  }

  @Test
  @Order(4)
  void theKubeletProbedBothReplicasAndNeverRestartedThem() {
    for (Pod pod : readyPods(OPERATOR)) {
      for (String type : List.of("Liveness", "Readiness")) {
        // A replica started by the failover may not have had its first liveness probe yet (10 s
        // initial delay, then every 20 s).
        await()
            .atMost(Duration.ofSeconds(45))
            .untilAsserted(
                () ->
                    assertThat(
                            probes()
                                .sum(
                                    "prober_probe_total",
                                    "probe_type",
                                    type,
                                    "pod",
                                    name(pod),
                                    "result",
                                    "successful"))
                        .as("%s probes of %s that succeeded", type, name(pod))
                        .isPositive());
      }
      PrometheusMetrics probes = probes();
      // Readiness fails while the JVM starts (no initial delay: ready as soon as it can be);
      // liveness never.
      assertThat(
              probes.sum(
                  "prober_probe_total",
                  "probe_type",
                  "Liveness",
                  "pod",
                  name(pod),
                  "result",
                  "failed"))
          .as("Liveness probes of %s that failed", name(pod))
          .isZero();
      assertThat(pod.getStatus().getContainerStatuses().get(0).getRestartCount()).isZero();
    }
  }

  @Test
  @Order(5)
  void uninstallingTheChartWritesNothingAndLeavesThePoliciesAndTheCrd() throws Exception {
    // The chart's emulator goes with the release: to see the tables after the uninstall, the
    // release is first pointed at an emulator on this machine holding what the operator set.
    try (DynamoDbEmulator emulator = emulatorOnThisMachine();
        RemoteEmulator tables = new RemoteEmulator(emulator.endpoint(), REGION)) {
      tables.setPitr("orders", true, 21);
      tables.setPitr("payments", true, 35);
      helmOk(
          "upgrade",
          HelmChart.RELEASE,
          HelmChart.CHART.toString(),
          "--namespace",
          SYSTEM,
          "--reuse-values",
          "--set",
          "replicas=1,emulator.enabled=false,aws.region=" + REGION + ",aws.accountId=" + ACCOUNT,
          "--set",
          "aws.endpointOverride=" + emulator.endpoint(),
          "--set",
          "extraEnv[0].name=AWS_ACCESS_KEY_ID,extraEnv[0].value=" + ChartValues.OPERATOR_ACCESS_KEY,
          "--set",
          "extraEnv[1].name=AWS_SECRET_ACCESS_KEY,extraEnv[1].value=test",
          "--wait",
          "--timeout",
          "4m");
      Pod operator =
          await()
              .atMost(Duration.ofMinutes(2))
              .until(
                  () -> readyPods(OPERATOR), pods -> pods.size() == 1 && pods(EMULATOR).isEmpty())
              .get(0);
      awaitLeaderAmong(List.of(operator));
      Policies seen = new Policies(client, emulator);
      assertThat(seen.calls(Operation.UPDATE_CONTINUOUS_BACKUPS))
          .as("the upgrade's restart wrote nothing")
          .isZero();
      // It works against this emulator: a change is one Update.
      policies.edit(
          TEAM,
          "orders",
          policy -> {
            policy.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(20);
            policy.getSpec().setAcknowledgeRestorePointLoss("test: one day shorter");
          });
      policies.awaitReady(
          TEAM, "orders", policies.get(TEAM, "orders").getMetadata().getGeneration());
      assertThat(seen.calls(Operation.UPDATE_CONTINUOUS_BACKUPS)).isOne();

      helmOk("uninstall", HelmChart.RELEASE, "--namespace", SYSTEM, "--wait", "--timeout", "2m");
      await().atMost(Duration.ofMinutes(1)).until(() -> pods(OPERATOR).isEmpty());
      assertThat(seen.calls(Operation.UPDATE_CONTINUOUS_BACKUPS))
          .as("the uninstall wrote nothing")
          .isOne();
      assertThat(pitrStatus(tables, "orders")).isEqualTo("ENABLED");
      assertThat(tables.describe("orders").pointInTimeRecoveryDescription().recoveryPeriodInDays())
          .isEqualTo(20);
      assertThat(pitrStatus(tables, "payments"))
          .as("Disable applies to a deleted policy only")
          .isEqualTo("ENABLED");
      assertThat(pitrStatus(tables, "scratch.events-v2")).isEqualTo("DISABLED");
    }
    assertThat(
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("continuousbackupspolicies.dynamodb.pitr.io")
                .get())
        .as("helm never deletes a chart's crds/")
        .isNotNull();
    for (String policy : EXAMPLE_POLICIES) {
      assertThat(policies.find(TEAM, policy)).as(policy).isNotNull();
    }

    // Deleted with no operator running: Retain policies go at once; payments (Disable) waits
    // for an operator to turn PITR off first.
    kubectlOk("delete", "--namespace", TEAM, "--filename", EXAMPLES.toString(), "--wait=false");
    policies.awaitGone(TEAM, "orders");
    policies.awaitGone(TEAM, "scratch-events");
    assertThat(policies.find(TEAM, "payments").getMetadata().getDeletionTimestamp()).isNotNull();
  }

  /**
   * deploy/ (kubectl apply -k), with a patch that points it at an emulator on this machine (on the
   * node's address): the same operator as the chart's. It completes the deletion that waited for
   * it, manages new policies, and honours each one's deletionPolicy; its removal writes nothing.
   */
  @Test
  @Order(6)
  void deployAppliedWithKustomizeDoesWhatTheChartDoes() throws Exception {
    try (DynamoDbEmulator emulator = emulatorOnThisMachine();
        RemoteEmulator tables = new RemoteEmulator(emulator.endpoint(), REGION)) {
      Policies seen = new Policies(client, emulator);
      kubectlOk("apply", "--kustomize", kustomization(emulator.endpoint()).toString());
      awaitReadyPods(OPERATOR, 1);

      policies.awaitGone(TEAM, "payments");
      assertThat(seen.requests("payments", Operation.UPDATE_CONTINUOUS_BACKUPS))
          .as("the deletion that waited: PITR off, once")
          .hasSize(1);

      kubectlOk("apply", "--namespace", TEAM, "--filename", EXAMPLES.toString());
      for (String policy : EXAMPLE_POLICIES) {
        policies.awaitReady(TEAM, policy, 1);
      }
      assertThat(pitrStatus(tables, "orders")).isEqualTo("ENABLED");
      assertThat(pitrStatus(tables, "payments")).isEqualTo("ENABLED");
      long ordersUpdates = seen.requests("orders", Operation.UPDATE_CONTINUOUS_BACKUPS).size();

      policies.delete(TEAM, "orders");
      policies.delete(TEAM, "payments");
      policies.awaitGone(TEAM, "orders");
      policies.awaitGone(TEAM, "payments");
      assertThat(pitrStatus(tables, "payments")).as("deletionPolicy Disable").isEqualTo("DISABLED");
      assertThat(pitrStatus(tables, "orders")).as("deletionPolicy Retain").isEqualTo("ENABLED");
      assertThat(seen.requests("orders", Operation.UPDATE_CONTINUOUS_BACKUPS))
          .as("deleting a Retain policy makes no call")
          .hasSize((int) ordersUpdates);

      long updates = seen.calls(Operation.UPDATE_CONTINUOUS_BACKUPS);
      kubectlOk("delete", "deployment", "--namespace", SYSTEM, "pitr-operator", "--wait=true");
      await().atMost(Duration.ofMinutes(1)).until(() -> pods(OPERATOR).isEmpty());
      assertThat(seen.calls(Operation.UPDATE_CONTINUOUS_BACKUPS))
          .as("the operator's removal wrote nothing")
          .isEqualTo(updates);
      assertThat(pitrStatus(tables, "scratch.events-v2")).isEqualTo("DISABLED");
    }
  }

  /** The project's emulator on the node's address (pods reach it), with the examples' tables. */
  private static DynamoDbEmulator emulatorOnThisMachine() {
    DynamoDbEmulator emulator =
        DynamoDbEmulator.start(
            EmulatorSettings.builder()
                .host(LocalCluster.NODE_ADDRESS)
                .port(0)
                .accountId(ACCOUNT)
                .defaultRegion(REGION)
                .build());
    TABLES.forEach(table -> emulator.createTable(new Scope(ACCOUNT, REGION), table));
    return emulator;
  }

  private static String pitrStatus(RemoteEmulator tables, String table) {
    return tables
        .describe(table)
        .pointInTimeRecoveryDescription()
        .pointInTimeRecoveryStatusAsString();
  }

  // --- helpers

  /**
   * Waits until {@code pod}'s operator has reconciled every policy (its own metrics, from outside),
   * then checks that it wrote no status and the emulator saw no Update since its last reset.
   */
  private static void assertReconciledWithoutWriting(Pod pod, RemoteEmulator emulator)
      throws Exception {
    await()
        .atMost(Duration.ofMinutes(1))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(
                        metrics(pod)
                            .sum("reconciliations_success_total", "controller_name", CONTROLLER))
                    .as("policies %s has reconciled", name(pod))
                    .isGreaterThanOrEqualTo(TABLES.size()));
    assertThat(metrics(pod).sum("pitr_reconciles_total", "status", "written"))
        .as("status writes by %s", name(pod))
        .isZero();
    assertThat(emulator.calls(Operation.UPDATE_CONTINUOUS_BACKUPS)).isZero();
  }

  /** The kubelet's probe counters, through the API server's node proxy. */
  private static PrometheusMetrics probes() {
    return PrometheusMetrics.parse(
        kubectlOk("get", "--raw", "/api/v1/nodes/pitr-node/proxy/metrics/probes"));
  }

  private static PrometheusMetrics metrics(Pod pod) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://" + pod.getStatus().getPodIP() + ":8080/q/metrics"))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return PrometheusMetrics.parse(response.body());
  }

  private static Path kustomization(URI emulator) throws Exception {
    Path overlay = Path.of("target", "cluster-kustomize");
    Files.createDirectories(overlay);
    Files.writeString(
        overlay.resolve("kustomization.yaml"),
        String.join(
            "\n",
            "apiVersion: kustomize.config.k8s.io/v1beta1",
            "kind: Kustomization",
            "resources:",
            "  - ../../deploy",
            "patches:",
            "  - patch: |-",
            "      apiVersion: v1",
            "      kind: ConfigMap",
            "      metadata: {name: pitr-operator, namespace: " + SYSTEM + "}",
            "      data:",
            "        PITR_AWS_ENDPOINT_OVERRIDE: \"" + emulator + "\"",
            "        PITR_AWS_REGION: " + REGION,
            "        PITR_AWS_ACCOUNT_ID: \"" + ACCOUNT + "\"",
            "        AWS_ACCESS_KEY_ID: " + ChartValues.OPERATOR_ACCESS_KEY,
            "        AWS_SECRET_ACCESS_KEY: test",
            "  - patch: |-",
            "      apiVersion: apps/v1",
            "      kind: Deployment",
            "      metadata: {name: pitr-operator, namespace: " + SYSTEM + "}",
            "      spec:",
            "        template:",
            "          spec:",
            "            containers:",
            "              - {name: operator, imagePullPolicy: Never}",
            ""));
    return overlay;
  }

  private static RemoteEmulator chartEmulator() {
    Pod pod = awaitReadyPods(EMULATOR, 1).get(0);
    return new RemoteEmulator(URI.create("http://" + pod.getStatus().getPodIP() + ":8000"), REGION);
  }

  private String leaseHolder() {
    Lease lease = client.leases().inNamespace(SYSTEM).withName(HelmChart.RELEASE + "-leader").get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  private String awaitLeaderAmong(List<Pod> pods) {
    List<String> names = pods.stream().map(ClusterIT::name).toList();
    return await().atMost(Duration.ofMinutes(1)).until(this::leaseHolder, names::contains);
  }

  private static List<Pod> pods(String selector) {
    String[] label = selector.split("=");
    return client.pods().inNamespace(SYSTEM).withLabel(label[0], label[1]).list().getItems();
  }

  private static List<Pod> readyPods(String selector) {
    return pods(selector).stream()
        .filter(pod -> pod.getMetadata().getDeletionTimestamp() == null)
        .filter(ClusterIT::ready)
        .toList();
  }

  private static List<Pod> awaitReadyPods(String selector, int count) {
    return await()
        .atMost(Duration.ofMinutes(3))
        .until(() -> readyPods(selector), pods -> pods.size() == count);
  }

  private static boolean ready(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static Duration containerStartToReady(Pod pod) {
    Instant started =
        Instant.parse(
            pod.getStatus().getContainerStatuses().get(0).getState().getRunning().getStartedAt());
    PodCondition ready =
        pod.getStatus().getConditions().stream()
            .filter(c -> "Ready".equals(c.getType()))
            .findFirst()
            .orElseThrow();
    return Duration.between(started, Instant.parse(ready.getLastTransitionTime()));
  }

  private static String name(Pod pod) {
    return pod.getMetadata().getName();
  }

  private static String helmOk(String... arguments) {
    return ok("helm", cluster.helm(arguments));
  }

  private static String kubectlOk(String... arguments) {
    return ok("kubectl", cluster.kubectl(arguments));
  }

  private static String ok(String what, ExternalCommand.Result result) {
    assertThat(result.exitCode())
        .as("%s failed:%n%s%n%s", what, result.stdout(), result.stderr())
        .isZero();
    return result.stdout();
  }
}
