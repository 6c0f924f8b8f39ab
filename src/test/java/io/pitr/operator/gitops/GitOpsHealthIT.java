package io.pitr.operator.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.emulator.AwsErrorType;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.ContinuousBackupsPolicyReconciler;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.api.v1alpha1.ManagementMode;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.GoPrograms;
import io.pitr.operator.testing.GoPrograms.Verdict;
import io.pitr.operator.testing.OperatorUnderTest;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.RealKubeApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * GitOps tools judge the policies the packaged operator really writes: the operator (installed from
 * the chart, against the emulator) drives one policy into each state of a policy's life on a real
 * API server, then cli-utils' kstatus (as Flux and Helm 4 use it) reads them from the API server,
 * and Argo CD's Lua health check, run as Argo CD's controller runs it, judges the very same
 * objects. The objects are kept in target/gitops-health/ as evidence.
 */
@ExtendWith(RealKubeApiServer.class)
class GitOpsHealthIT {

  static final Scope SCOPE = new Scope("123456789012", "eu-west-1");
  static final String NAMESPACE = "gitops-health";

  /** Not watched by the operator: a policy there stays as created, with the default status. */
  static final String UNWATCHED = "gitops-health-unwatched";

  static final Path HEALTH_LUA = GoPrograms.POLICY_HEALTH_CHECK.resolve("health.lua");

  private static OperatorUnderTest under;
  private static Policies policies;
  private static KubernetesClient client;

  @BeforeAll
  static void start(KubernetesClient kubernetesClient) {
    client = kubernetesClient;
    under =
        OperatorUnderTest.start(
            client,
            "gitops-health",
            SCOPE,
            values -> values.watchNamespaces(NAMESPACE).driftInterval("1h"));
    policies = under.policies();
    CustomResourceDefinitions.ensureNamespace(client, UNWATCHED);
  }

  @AfterAll
  static void stop() {
    if (under != null) {
      under.close();
    }
  }

  /** What kstatus and Argo CD say of the policy in each state, and the state's policy. */
  record Expected(String kstatus, String argoCd) {}

  @Test
  void kstatusAndArgoCdJudgeEveryStateOfAPolicysLife(RealKubeApiServer.Kubeconfig kubeconfig)
      throws Exception {
    Map<String, Expected> expected = new LinkedHashMap<>();

    // In sync, with 35 days of restore points: Ready.
    seededTable("in-sync");
    policies.awaitReady(policies.create(NAMESPACE, "in-sync", "in-sync", true, 35));
    expected.put("in-sync", new Expected("Current", "Healthy"));

    // PITR just turned on: Ready, the restore window filling (informs, no fault).
    under.emulator().createTable(SCOPE, "window-reduced");
    policies.awaitReady(policies.create(NAMESPACE, "window-reduced", "window-reduced", true, 35));
    policies.awaitCondition(
        NAMESPACE, "window-reduced", "RestoreWindowReduced", "True", "RestoreWindowFilling");
    expected.put("window-reduced", new Expected("Current", "Healthy"));

    policies.create(NAMESPACE, "table-missing", "no-such-table", true, 35);
    policies.awaitCondition(NAMESPACE, "table-missing", "Reconciling", "True", "TableNotFound");
    expected.put("table-missing", new Expected("InProgress", "Progressing"));

    under.emulator().createTable(SCOPE, "denied");
    under
        .emulator()
        .faults()
        .failNext(
            Operation.UPDATE_CONTINUOUS_BACKUPS,
            "denied",
            1,
            AwsErrorType.ACCESS_DENIED,
            AwsErrorType.ACCESS_DENIED.defaultMessage());
    policies.create(NAMESPACE, "access-denied", "denied", true, 35);
    policies.awaitCondition(NAMESPACE, "access-denied", "Stalled", "True", "AccessDenied");
    expected.put("access-denied", new Expected("Failed", "Degraded"));

    policies.create(NAMESPACE, "conflict", "in-sync", true, 14);
    policies.awaitCondition(NAMESPACE, "conflict", "Stalled", "True", "Conflict");
    expected.put("conflict", new Expected("Failed", "Degraded"));

    under.emulator().createTable(SCOPE, "observed");
    ContinuousBackupsPolicy observed = policies.newPolicy("observe-drift", "observed", true, 35);
    observed.getSpec().setManagementMode(ManagementMode.Observe);
    client.resource(observed).inNamespace(NAMESPACE).create();
    policies.awaitCondition(NAMESPACE, "observe-drift", "Compliant", "False", "DriftObserved");
    expected.put("observe-drift", new Expected("Current", "Healthy"));

    seededTable("retiring");
    policies.create(NAMESPACE, "loss-not-acknowledged", "retiring", false, null);
    policies.awaitCondition(
        NAMESPACE, "loss-not-acknowledged", "Stalled", "True", "RestorePointLossNotAcknowledged");
    expected.put("loss-not-acknowledged", new Expected("Failed", "Degraded"));

    under.emulator().createTable(SCOPE, "doomed");
    ContinuousBackupsPolicy doomed = policies.newPolicy("deleting", "doomed", true, 35);
    doomed.getSpec().setDeletionPolicy(DeletionPolicy.Disable);
    doomed.getSpec().setAcknowledgeRestorePointLoss("test: turned off with its policy");
    policies.awaitReady(client.resource(doomed).inNamespace(NAMESPACE).create());
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                policies
                    .get(NAMESPACE, "deleting")
                    .hasFinalizer(ContinuousBackupsPolicyReconciler.FINALIZER));

    under.emulator().createTable(SCOPE, "busy");
    under
        .emulator()
        .faults()
        .failNext(
            Operation.UPDATE_CONTINUOUS_BACKUPS,
            "busy",
            1000,
            AwsErrorType.THROTTLING,
            AwsErrorType.THROTTLING.defaultMessage());
    policies.create(NAMESPACE, "throttled", "busy", true, 35);
    policies.awaitCondition(NAMESPACE, "throttled", "Reconciling", "True", "Throttled");
    expected.put("throttled", new Expected("InProgress", "Progressing"));

    // With the operator stopped, what it has not acted on yet stays so.
    under.stopOperator();
    try {
      policies.edit(
          NAMESPACE, "in-sync", p -> p.getSpec().setManagementMode(ManagementMode.Observe));
      expected.put("in-sync", new Expected("InProgress", "Progressing"));
      policies.delete(NAMESPACE, "deleting");
      expected.put("deleting", new Expected("Terminating", "Progressing"));
      client
          .resource(policies.newPolicy("new", "in-sync", true, 35))
          .inNamespace(UNWATCHED)
          .create();

      Path evidence = Path.of("target", "gitops-health");
      Files.createDirectories(evidence);
      List<Verdict> kstatus =
          GoPrograms.kstatus(
              kubeconfig.file(), NAMESPACE, List.copyOf(expected.keySet()), evidence);
      List<Verdict> fresh =
          GoPrograms.kstatus(kubeconfig.file(), UNWATCHED, List.of("new"), evidence);
      List<Verdict> argoCd =
          GoPrograms.argoHealth(
              HEALTH_LUA,
              expected.keySet().stream().map(name -> evidence.resolve(name + ".yaml")).toList());
      List<Verdict> argoCdFresh =
          GoPrograms.argoHealth(HEALTH_LUA, List.of(evidence.resolve("new.yaml")));

      assertThat(kstatus)
          .extracting(Verdict::name, Verdict::status)
          .containsExactlyElementsOf(
              expected.entrySet().stream()
                  .map(e -> tuple(e.getKey(), e.getValue().kstatus()))
                  .toList());
      assertThat(argoCd)
          .extracting(Verdict::name, Verdict::status)
          .as("Argo CD, for %s", expected.keySet())
          .containsExactlyElementsOf(
              expected.entrySet().stream()
                  .map(e -> tuple(e.getKey(), e.getValue().argoCd()))
                  .toList());
      // Before the operator writes to it, a policy has the CRD's default status, which kstatus
      // reads as in progress (without it, as Current), as Argo CD's check does.
      assertThat(policies.get(UNWATCHED, "new").getStatus()).isEqualTo(Policies.unwrittenStatus());
      assertThat(fresh)
          .singleElement()
          .returns("InProgress", Verdict::status)
          .returns(
              "ContinuousBackupsPolicy generation is 1, but latest observed generation is -1",
              Verdict::message);
      assertThat(argoCdFresh)
          .singleElement()
          .returns("Progressing", Verdict::status)
          .returns("Waiting for the operator to report the policy's status", Verdict::message);

      // Flux with the example Kustomization's healthCheckExprs (deploy/flux), on the same objects,
      // as FluxHealthCheckTest on the testdata: a new policy is in progress, and the expressions
      // judge a policy being deleted too.
      Map<String, String> flux = new LinkedHashMap<>();
      flux.put("in-sync", "InProgress"); // its spec changed, not yet acted on
      flux.put("window-reduced", "Current");
      flux.put("table-missing", "InProgress");
      flux.put("access-denied", "Failed");
      flux.put("conflict", "Failed");
      flux.put("observe-drift", "Current");
      flux.put("loss-not-acknowledged", "Failed");
      flux.put("throttled", "InProgress");
      flux.put("deleting", "InProgress");
      flux.put("new", "InProgress");
      assertThat(flux).containsKeys(expected.keySet().toArray(String[]::new));
      List<GoPrograms.FluxVerdict> fluxVerdicts =
          GoPrograms.fluxHealth(
              GoPrograms.FLUX_KUSTOMIZATION,
              flux.keySet().stream().map(name -> evidence.resolve(name + ".yaml")).toList());
      assertThat(fluxVerdicts)
          .extracting(GoPrograms.FluxVerdict::name, GoPrograms.FluxVerdict::status)
          .as("Flux, for %s", flux.keySet())
          .containsExactlyElementsOf(
              flux.entrySet().stream().map(e -> tuple(e.getKey(), e.getValue())).toList());
      assertThat(fluxVerdicts).allMatch(GoPrograms.FluxVerdict::healthCheckExpr);

      Map<String, String> argoMessages = new LinkedHashMap<>();
      argoCd.forEach(verdict -> argoMessages.put(verdict.name(), verdict.message()));
      assertThat(argoMessages.get("in-sync"))
          .startsWith("Waiting for the operator to act on generation 2");
      assertThat(argoMessages.get("observe-drift")).startsWith("Observe only:");
      assertThat(argoMessages.get("loss-not-acknowledged"))
          .contains("would delete all its restore points");
      assertThat(argoMessages.get("window-reduced")).contains("less than the 35-day");
      assertThat(argoMessages.get("deleting")).isEqualTo("Pending deletion");
    } finally {
      under.startOperator();
    }
  }

  /** A table whose PITR has been on for 40 days with a 35-day period. */
  private static void seededTable(String name) {
    under.emulator().createTable(SCOPE, name);
    under
        .emulator()
        .seedPitr(SCOPE, name, 35, under.emulator().clock().instant().minus(Duration.ofDays(40)));
  }
}
