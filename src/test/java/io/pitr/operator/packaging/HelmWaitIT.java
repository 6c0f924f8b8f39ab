package io.pitr.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.status.PolicyStatusBuilder;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.HelmChart;
import io.pitr.operator.testing.OperatorUnderTest;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.RealKubeApiServer;
import io.pitr.testing.ExternalCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What {@code helm --wait} (Helm 4, whose default wait judges every object of a release by kstatus)
 * does with the policies of an application's chart ({@value #APP_CHART}), with the packaged
 * operator installed from our chart against the emulator: an upgrade that changes a policy returns
 * once the operator has made it Ready for the new generation; a wait on a policy the operator is
 * still working on (its table missing) ends at {@code --timeout} naming the policy; a Stalled
 * policy fails the wait without waiting for the timeout; {@code helm install --wait} waits for a
 * new policy until the operator has acted on it (the CRD's default status says it has not).
 */
@ExtendWith(RealKubeApiServer.class)
class HelmWaitIT {

  static final Scope SCOPE = new Scope("123456789012", "eu-west-1");
  static final String NAMESPACE = "helm-wait";

  /** Not watched by the operator: a policy there keeps the default status it was created with. */
  static final String UNWATCHED = "helm-wait-unwatched";

  static final String APP_CHART = "src/test/resources/helm/app-with-policy";

  private static OperatorUnderTest under;
  private static Policies policies;
  private static Path kubeconfig;
  private final List<String[]> releases = new ArrayList<>();

  @BeforeAll
  static void start(KubernetesClient client, RealKubeApiServer.Kubeconfig config) {
    kubeconfig = config.file();
    under =
        OperatorUnderTest.start(
            client, "helm-wait", SCOPE, values -> values.watchNamespaces(NAMESPACE));
    policies = under.policies();
    CustomResourceDefinitions.ensureNamespace(client, NAMESPACE);
    CustomResourceDefinitions.ensureNamespace(client, UNWATCHED);
  }

  @AfterAll
  static void stop() {
    if (under != null) {
      under.close();
    }
  }

  @AfterEach
  void uninstall() {
    for (String[] release : releases) {
      ExternalCommand.Result uninstalled =
          helm("uninstall", release[0], release[1], "--wait", "--timeout", "60s");
      assertThat(uninstalled.exitCode()).as(uninstalled.stderr()).isZero();
    }
  }

  @Test
  void anUpgradeThatChangesAPolicyReturnsOnceItIsReadyForTheNewGeneration() {
    under.emulator().createTable(SCOPE, "orders");
    install(NAMESPACE, "orders", "name=orders,tableName=orders,period=7");
    policies.awaitReady(NAMESPACE, "orders", 1);

    long started = System.nanoTime();
    ExternalCommand.Result upgraded =
        helm(
            "upgrade",
            NAMESPACE,
            "orders",
            APP_CHART,
            "--set",
            "name=orders,tableName=orders,period=14",
            "--wait",
            "--timeout",
            "60s");
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    ContinuousBackupsPolicy policy = policies.get(NAMESPACE, "orders");

    assertThat(upgraded.exitCode()).as(upgraded.stderr()).isZero();
    assertThat(policy.getMetadata().getGeneration()).isEqualTo(2);
    assertThat(policy.getStatus().getObservedGeneration())
        .as("when helm returned, the operator had acted on the upgraded spec")
        .isEqualTo(2);
    assertThat(ready(policy).getStatus()).isEqualTo("True");
    assertThat(Policies.period(policy)).isEqualTo(14);
    assertThat(policies.calls("orders", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(2);
    System.out.printf(
        "HELM-WAIT: upgrade --wait of a changed policy returned Ready after %d ms%n",
        took.toMillis());
  }

  @Test
  void aWaitOnAPolicyWhoseTableIsMissingTimesOutAndSucceedsOnceTheTableExists() {
    install(NAMESPACE, "ledger", "name=ledger,tableName=ledger");
    policies.awaitCondition(NAMESPACE, "ledger", "Reconciling", "True", "TableNotFound");

    long started = System.nanoTime();
    ExternalCommand.Result timedOut =
        helm(
            "upgrade",
            NAMESPACE,
            "ledger",
            APP_CHART,
            "--set",
            "name=ledger,tableName=ledger",
            "--wait",
            "--timeout",
            "8s");
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(timedOut.exitCode()).isNotZero();
    assertThat(timedOut.stderr())
        .contains("resource ContinuousBackupsPolicy/helm-wait/ledger not ready. status: InProgress")
        .contains("context deadline exceeded");
    assertThat(took)
        .as("it waited for its --timeout")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(8));
    assertThat(helm("status", NAMESPACE, "ledger").stdout()).contains("STATUS: failed");
    System.out.printf(
        "HELM-WAIT: --wait --timeout 8s on a policy whose table is missing failed after %d ms: %s%n",
        took.toMillis(), timedOut.stderr().strip());

    under.emulator().createTable(SCOPE, "ledger");
    ExternalCommand.Result upgraded =
        helm(
            "upgrade",
            NAMESPACE,
            "ledger",
            APP_CHART,
            "--set",
            "name=ledger,tableName=ledger",
            "--wait",
            "--timeout",
            "60s");
    ContinuousBackupsPolicy policy = policies.get(NAMESPACE, "ledger");

    assertThat(upgraded.exitCode()).as(upgraded.stderr()).isZero();
    assertThat(policy.getStatus().getObservedGeneration()).isEqualTo(1);
    assertThat(ready(policy).getStatus()).isEqualTo("True");
    assertThat(ready(policy).getReason()).isEqualTo("InSync");
  }

  @Test
  void aStalledPolicyFailsTheWaitWithoutWaitingForTheTimeout() {
    under.emulator().createTable(SCOPE, "retiring");
    under
        .emulator()
        .seedPitr(
            SCOPE, "retiring", 35, under.emulator().clock().instant().minus(Duration.ofDays(40)));
    // Turning PITR off with no acknowledgement: the operator keeps the policy Stalled.
    install(NAMESPACE, "retiring", "name=retiring,tableName=retiring,enabled=false");
    policies.awaitCondition(
        NAMESPACE, "retiring", "Stalled", "True", "RestorePointLossNotAcknowledged");

    long started = System.nanoTime();
    ExternalCommand.Result failed =
        helm(
            "upgrade",
            NAMESPACE,
            "retiring",
            APP_CHART,
            "--set",
            "name=retiring,tableName=retiring,enabled=false",
            "--wait",
            "--timeout",
            "60s");
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(failed.exitCode()).isNotZero();
    assertThat(failed.stderr())
        .contains("resource ContinuousBackupsPolicy/helm-wait/retiring not ready. status: Failed")
        .contains("would delete all its restore points")
        .doesNotContain("context deadline exceeded");
    assertThat(took).as("kstatus Failed ends the wait").isLessThan(Duration.ofSeconds(30));
    assertThat(policies.calls("retiring", Operation.UPDATE_CONTINUOUS_BACKUPS)).isZero();
    System.out.printf(
        "HELM-WAIT: --wait --timeout 60s on a Stalled policy failed after %d ms: %s%n",
        took.toMillis(), failed.stderr().strip());
  }

  @Test
  void installReturnsOnceTheOperatorHasMadeTheNewPolicyReady() {
    under.emulator().createTable(SCOPE, "invoices");

    long started = System.nanoTime();
    ExternalCommand.Result installed =
        helm(
            "install",
            NAMESPACE,
            "invoices",
            APP_CHART,
            "--set",
            "name=invoices,tableName=invoices,period=7",
            "--wait",
            "--timeout",
            "60s");
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    releases.add(new String[] {NAMESPACE, "invoices"});
    ContinuousBackupsPolicy policy = policies.get(NAMESPACE, "invoices");

    assertThat(installed.exitCode()).as(installed.stderr()).isZero();
    assertThat(policy.getStatus().getObservedGeneration())
        .as("when helm returned, the operator had acted on the new policy")
        .isEqualTo(1);
    assertThat(ready(policy).getStatus()).isEqualTo("True");
    assertThat(Policies.period(policy)).isEqualTo(7);
    System.out.printf(
        "HELM-WAIT: install --wait of a new policy returned Ready after %d ms%n", took.toMillis());
  }

  @Test
  void installWaitsForANewPolicyNoOperatorActsOn() {
    // In a namespace no operator watches, the policy keeps the CRD's default status
    // (observedGeneration -1), which kstatus reads as in progress.
    ExternalCommand.Result timedOut =
        helm(
            "install",
            UNWATCHED,
            "unwatched",
            APP_CHART,
            "--set",
            "name=unwatched,tableName=no-such-table",
            "--wait",
            "--timeout",
            "5s");
    releases.add(new String[] {UNWATCHED, "unwatched"});

    assertThat(timedOut.exitCode()).isNotZero();
    assertThat(timedOut.stderr())
        .contains(
            "resource ContinuousBackupsPolicy/helm-wait-unwatched/unwatched not ready. status:"
                + " InProgress")
        .contains("latest observed generation is -1")
        .contains("context deadline exceeded");
    assertThat(policies.get(UNWATCHED, "unwatched").getStatus())
        .isEqualTo(Policies.unwrittenStatus());
  }

  /** Installs the application's chart without waiting, as release {@code name}. */
  private void install(String namespace, String name, String values) {
    ExternalCommand.Result installed = helm("install", namespace, name, APP_CHART, "--set", values);
    assertThat(installed.exitCode()).as(installed.stderr()).isZero();
    releases.add(new String[] {namespace, name});
  }

  private static Condition ready(ContinuousBackupsPolicy policy) {
    return PolicyStatusBuilder.ready(policy.getStatus()).orElseThrow();
  }

  /** helm {@code command} in {@code namespace}, against the test's API server. */
  private static ExternalCommand.Result helm(
      String command, String namespace, String... arguments) {
    List<String> line =
        new ArrayList<>(
            List.of(
                HelmChart.helm().toString(),
                command,
                "--namespace",
                namespace,
                "--kubeconfig",
                kubeconfig.toString()));
    line.addAll(List.of(arguments));
    return ExternalCommand.run(line, Map.of(), Duration.ofSeconds(120));
  }
}
