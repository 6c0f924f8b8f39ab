package io.pitr.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.DynamoDbAccountBinding;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.Fixtures;
import io.pitr.operator.testing.HelmChart;
import io.pitr.operator.testing.RealKubeApiServer;
import io.pitr.operator.testing.Tenants;
import io.pitr.testing.ExternalCommand;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How users install the operator (helm/, deploy/, crds/), checked on a real API server: the chart
 * lints and renders, its output and the plain manifests are admitted, bad values are refused, the
 * operator's RBAC is enough and no more, and its pods meet the restricted Pod Security Standard.
 */
@ExtendWith(RealKubeApiServer.class)
class PackagingIT {

  private static final String OPERATOR_ACCOUNT = "system:serviceaccount:pitr-system:pitr-operator";
  private static KubernetesClient client;
  private static Path kubeconfig;

  @BeforeAll
  static void start(KubernetesClient kubernetesClient, RealKubeApiServer.Kubeconfig config) {
    client = kubernetesClient;
    kubeconfig = config.file();
    CustomResourceDefinitions.installPolicyCrds(client);
    CustomResourceDefinitions.installDynamoDbAccountBinding(client);
    for (String namespace : List.of(HelmChart.NAMESPACE, "team-a", "team-b", "payments")) {
      CustomResourceDefinitions.ensureNamespace(client, namespace);
    }
  }

  @Test
  void chartLints() {
    ExternalCommand.Result lint = HelmChart.run("lint", HelmChart.CHART.toString(), "--strict");

    assertThat(lint.exitCode()).as(lint.stdout() + lint.stderr()).isZero();
    assertThat(lint.stdout()).contains("0 chart(s) failed");
  }

  @ParameterizedTest(name = "values: {0}")
  @ValueSource(strings = {"defaults", "src/test/resources/helm/custom-values.yaml"})
  void renderedChartIsAdmittedByTheApiServer(String values) throws Exception {
    String rendered =
        values.equals("defaults") ? HelmChart.template() : HelmChart.template("--values", values);

    ExternalCommand.Result applied =
        kubectl("apply", "--server-side", "--dry-run=server", "-f", file(rendered));

    assertThat(applied.exitCode()).as(applied.stderr()).isZero();
    assertThat(applied.stdout())
        .contains("deployment.apps/pitr-operator serverside-applied (server dry run)");
  }

  @Test
  void customValuesShapeTheInstall() {
    List<HasMetadata> objects =
        objects(HelmChart.template("--values", "src/test/resources/helm/custom-values.yaml"));

    assertThat(objects).filteredOn(o -> o instanceof ClusterRole).isEmpty();
    assertThat(objects)
        .filteredOn(o -> o instanceof Role && o.getMetadata().getName().equals("pitr-operator"))
        .extracting(o -> o.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("team-a", "team-b");
    Deployment operator = deployment(objects, "pitr-operator");
    assertThat(operator.getSpec().getReplicas()).isEqualTo(2);
    // Two replicas: a drain evicts one at a time, and they are spread where the cluster allows.
    Map<String, String> podLabels = operator.getSpec().getSelector().getMatchLabels();
    PodDisruptionBudget budget =
        objects.stream()
            .filter(o -> o instanceof PodDisruptionBudget)
            .map(PodDisruptionBudget.class::cast)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no PodDisruptionBudget for two replicas"));
    assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(budget.getSpec().getSelector().getMatchLabels()).isEqualTo(podLabels);
    assertThat(operator.getSpec().getTemplate().getSpec().getTopologySpreadConstraints())
        .extracting(c -> c.getTopologyKey(), c -> c.getWhenUnsatisfiable())
        .containsExactly(
            tuple("kubernetes.io/hostname", "ScheduleAnyway"),
            tuple("topology.kubernetes.io/zone", "ScheduleAnyway"));
    assertThat(operator.getSpec().getTemplate().getSpec().getTopologySpreadConstraints())
        .allSatisfy(c -> assertThat(c.getLabelSelector().getMatchLabels()).isEqualTo(podLabels));
    assertThat(operator.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/platform/pitr-operator:0.1.0-rc1");
    assertThat(deployment(objects, "pitr-operator-emulator")).isNotNull();
    GenericKubernetesResource config = generic(objects, "ConfigMap", "pitr-operator");
    assertThat((Map<String, Object>) config.getAdditionalProperties().get("data"))
        .containsEntry(
            "PITR_AWS_ENDPOINT_OVERRIDE", "http://pitr-operator-emulator.pitr-system.svc:8000")
        .containsEntry("QUARKUS_OPERATOR_SDK_NAMESPACES", "team-a,team-b")
        .containsEntry("PITR_DRIFT_INTERVAL", "5m");
    assertThat(
            objects.stream()
                .filter(o -> o.getKind().equals("ServiceAccount"))
                .findFirst()
                .orElseThrow()
                .getMetadata()
                .getAnnotations())
        .containsEntry(
            "eks.amazonaws.com/role-arn", "arn:aws:iam::111122223333:role/pitr-operator");
  }

  @ParameterizedTest(name = "--set {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "replicas=0 | at '/replicas'",
        "replicas=two | at '/replicas'",
        "aws.region=Europe | at '/aws/region'",
        "aws.accountId=12345 | at '/aws/accountId'",
        "driftInterval=often | at '/driftInterval'",
        "logLevel=LOUD | at '/logLevel'",
        "watchNamespaces[0]=Team_A | at '/watchNamespaces/0'",
        "emulator.tables[0]=ab | at '/emulator/tables/0'",
        "surprise=1 | 'surprise'",
      })
  void badValuesAreRefusedWithTheField(String setting, String field) {
    ExternalCommand.Result rendered =
        HelmChart.run("template", HelmChart.RELEASE, HelmChart.CHART.toString(), "--set", setting);

    assertThat(rendered.exitCode()).isNotZero();
    assertThat(rendered.stderr())
        .contains("values don't meet the specifications of the schema")
        .contains(field);
  }

  @ParameterizedTest(name = "{0}")
  @FieldSource("io.pitr.operator.testing.CustomResourceDefinitions#ALL")
  void chartCrdIsTheCommittedCrd(String crd) throws Exception {
    Path committed = CustomResourceDefinitions.committedFile(crd);
    Path inChart = HelmChart.CHART.resolve("crds").resolve(committed.getFileName());

    assertThat(Files.readString(inChart))
        .as(
            "%s must equal %s, so the chart validates exactly as crds/ does: cp %s %s",
            inChart, committed, committed, inChart)
        .isEqualTo(Files.readString(committed));
  }

  @Test
  void plainManifestsAreTheChartsDefaultOutputAndAreAdmitted() throws Exception {
    String committed =
        Files.readAllLines(Path.of("deploy", "pitr-operator.yaml")).stream()
            .filter(
                line ->
                    !line.startsWith("#  ")
                        && !line.startsWith("# Generated")
                        && !line.startsWith("# (a test"))
            .reduce("", (all, line) -> all + line + "\n");

    assertThat(committed)
        .as("deploy/pitr-operator.yaml is out of date; regenerate it as its header says")
        .isEqualTo(HelmChart.template());
    ExternalCommand.Result applied =
        kubectl("apply", "--server-side", "--force-conflicts", "--dry-run=server", "-k", "deploy");
    assertThat(applied.exitCode()).as(applied.stderr()).isZero();
  }

  @Test
  void clusterRoleGrantsOnlyWhatTheOperatorUses() {
    ClusterRole role =
        (ClusterRole)
            objects(HelmChart.template()).stream()
                .filter(o -> o instanceof ClusterRole)
                .findFirst()
                .orElseThrow();

    Map<String, List<String>> verbsByResource = new java.util.TreeMap<>();
    for (PolicyRule rule : role.getRules()) {
      assertThat(rule.getApiGroups()).doesNotContain("*");
      assertThat(rule.getNonResourceURLs()).isEmpty();
      for (String resource : rule.getResources()) {
        verbsByResource.put(rule.getApiGroups().get(0) + "/" + resource, rule.getVerbs());
      }
    }
    assertThat(verbsByResource)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                // create and delete: the policies policy sets generate
                "dynamodb.pitr.io/continuousbackupspolicies",
                List.of("get", "list", "watch", "patch", "update", "create", "delete"),
                "dynamodb.pitr.io/continuousbackupspolicies/status",
                List.of("get", "patch", "update"),
                "dynamodb.pitr.io/continuousbackupspolicies/finalizers",
                List.of("update"),
                "dynamodb.pitr.io/continuousbackupspolicysets",
                List.of("get", "list", "watch"),
                "dynamodb.pitr.io/continuousbackupspolicysets/status",
                List.of("get", "patch", "update"),
                "dynamodb.pitr.io/continuousbackupspolicysets/finalizers",
                List.of("update"),
                "events.k8s.io/events",
                List.of("create")));
  }

  @Test
  void tenancyGrowsTheOperatorsRbacByReadingBindingsAndNamespacesOnly() throws Exception {
    List<HasMetadata> off = objects(HelmChart.template());
    List<HasMetadata> on = objects(HelmChart.template("--set", "tenancy.enabled=true"));
    List<String> added =
        on.stream()
            .filter(o -> off.stream().noneMatch(p -> sameObject(o, p)))
            .map(o -> o.getKind() + "/" + o.getMetadata().getName())
            .toList();
    assertThat(added)
        .containsExactlyInAnyOrder(
            "ClusterRole/pitr-operator-tenancy", "ClusterRoleBinding/pitr-operator-tenancy");
    assertThat(on.stream().filter(o -> o instanceof ClusterRole).map(o -> (ClusterRole) o))
        .as("no role of the chart is aggregated into admin or edit, which tenants hold")
        .allSatisfy(
            role -> {
              assertThat(role.getAggregationRule()).isNull();
              assertThat(role.getMetadata().getLabels().keySet())
                  .noneMatch(key -> key.startsWith("rbac.authorization.k8s.io/aggregate-to"));
            });
    ClusterRole role =
        (ClusterRole)
            on.stream()
                .filter(o -> o.getMetadata().getName().equals("pitr-operator-tenancy"))
                .filter(o -> o instanceof ClusterRole)
                .findFirst()
                .orElseThrow();
    Map<String, List<String>> verbsByResource = new java.util.TreeMap<>();
    for (PolicyRule rule : role.getRules()) {
      for (String resource : rule.getResources()) {
        verbsByResource.put(rule.getApiGroups().get(0) + "/" + resource, rule.getVerbs());
      }
    }
    assertThat(verbsByResource)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "dynamodb.pitr.io/dynamodbaccountbindings",
                List.of("get", "list", "watch"),
                "/namespaces",
                List.of("get", "list", "watch")));

    ExternalCommand.Result installed =
        kubectl(
            "apply",
            "--server-side",
            "-f",
            file(HelmChart.template("--set", "tenancy.enabled=true")));
    assertThat(installed.exitCode()).as(installed.stderr()).isZero();
    String bindings = "dynamodbaccountbindings.dynamodb.pitr.io";
    assertThat(canI("watch", bindings, "default")).isTrue();
    assertThat(canI("list", "namespaces", "default")).isTrue();
    for (String verb : List.of("create", "update", "patch", "delete")) {
      assertThat(canI(verb, bindings, "default"))
          .as("the operator may not %s bindings", verb)
          .isFalse();
      assertThat(canI(verb, "namespaces", "default")).as("nor %s namespaces", verb).isFalse();
    }
  }

  /**
   * Bindings are the cluster administrators': a tenant's ServiceAccount with every right in its own
   * namespace (admin, and all of dynamodb.pitr.io there) can manage its policies but cannot create,
   * change or delete a binding.
   */
  @Test
  void tenantsCannotCreateOrChangeAccountBindings() {
    DynamoDbAccountBinding example =
        Fixtures.load(
            Path.of("deploy", "examples", "tenancy", "payments-binding.yaml"),
            DynamoDbAccountBinding.class);
    client.resource(example).serverSideApply();
    String deployer =
        Tenants.namespaceAdmin(client, "payments", "deployer", Tenants.policyRights("*", "*"));
    Config impersonating =
        new ConfigBuilder(client.getConfiguration())
            .withImpersonateUsername(deployer)
            .withImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:payments")
            .build();
    try (KubernetesClient tenant =
        new KubernetesClientBuilder().withConfig(impersonating).build()) {
      ContinuousBackupsPolicy policy =
          Fixtures.load(
              Path.of("deploy", "examples", "tenancy", "payments-ledger.yaml"),
              ContinuousBackupsPolicy.class);
      assertThat(tenant.resource(policy).inNamespace("payments").dryRun().create())
          .as("the tenant manages its own policies")
          .isNotNull();

      DynamoDbAccountBinding own =
          Fixtures.load(
              Path.of("deploy", "examples", "tenancy", "payments-binding.yaml"),
              DynamoDbAccountBinding.class);
      own.getMetadata().setName("payments-self-service");
      own.getSpec().setTableNames(List.of("*"));
      assertForbidden(() -> tenant.resource(own).create());
      assertForbidden(
          () ->
              tenant
                  .resources(DynamoDbAccountBinding.class)
                  .withName(example.getMetadata().getName())
                  .edit(
                      b -> {
                        b.getSpec().setTableNames(List.of("*"));
                        return b;
                      }));
      assertForbidden(
          () ->
              tenant
                  .resources(DynamoDbAccountBinding.class)
                  .withName(example.getMetadata().getName())
                  .delete());
      // Nor can it label its namespace into a binding that selects namespaces by label.
      assertForbidden(
          () ->
              tenant
                  .namespaces()
                  .withName("payments")
                  .edit(
                      ns ->
                          new NamespaceBuilder(ns)
                              .editMetadata()
                              .addToLabels("team", "analytics")
                              .endMetadata()
                              .build()));
    }
    assertThat(
            client
                .resources(DynamoDbAccountBinding.class)
                .withName(example.getMetadata().getName())
                .get()
                .getSpec()
                .getTableNames())
        .containsExactly("payments-*");
  }

  private static void assertForbidden(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
  }

  private static boolean sameObject(HasMetadata a, HasMetadata b) {
    return a.getKind().equals(b.getKind())
        && a.getMetadata().getName().equals(b.getMetadata().getName());
  }

  /**
   * What the ServiceAccount may not do. That its RBAC is enough is shown by every operator test:
   * each runs the packaged operator with a token of the chart's ServiceAccount.
   */
  @Test
  void operatorServiceAccountCannotReadSecretsOrConfigMaps() throws Exception {
    ExternalCommand.Result installed =
        kubectl("apply", "--server-side", "-f", file(HelmChart.template()));
    assertThat(installed.exitCode()).as(installed.stderr()).isZero();
    Config impersonating =
        new ConfigBuilder(client.getConfiguration())
            .withImpersonateUsername(OPERATOR_ACCOUNT)
            .withImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:pitr-system")
            .build();
    try (KubernetesClient asOperator =
        new KubernetesClientBuilder().withConfig(impersonating).build()) {
      assertThatThrownBy(() -> asOperator.secrets().inNamespace(HelmChart.NAMESPACE).list())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
      assertThatThrownBy(() -> asOperator.secrets().inAnyNamespace().list())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
      assertThatThrownBy(() -> asOperator.configMaps().inNamespace("team-a").list())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    }
    assertThat(canI("list", "continuousbackupspolicies.dynamodb.pitr.io", "team-a")).isTrue();
    assertThat(canI("create", "leases.coordination.k8s.io", HelmChart.NAMESPACE)).isTrue();
    assertThat(canI("create", "leases.coordination.k8s.io", "default")).isFalse();
    assertThat(canI("delete", "continuousbackupspolicies.dynamodb.pitr.io", "team-a"))
        .as("policy sets delete the policies they generated")
        .isTrue();
    assertThat(canI("delete", "continuousbackupspolicysets.dynamodb.pitr.io", "team-a"))
        .as("a set is the user's, never the operator's")
        .isFalse();
    assertThat(canI("update", "continuousbackupspolicysets.dynamodb.pitr.io", "team-a")).isFalse();
  }

  @Test
  void operatorAndEmulatorPodsAreAdmittedUnderRestrictedPodSecurity() {
    String namespace = "restricted";
    client
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(namespace)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                .endMetadata()
                .build())
        .serverSideApply();
    List<HasMetadata> objects =
        objects(HelmChart.template("--values", "src/test/resources/helm/custom-values.yaml"));

    for (String name : List.of("pitr-operator", "pitr-operator-emulator")) {
      Pod pod = podOf(deployment(objects, name));
      Pod admitted = client.resource(pod).inNamespace(namespace).dryRun().create();
      assertThat(admitted.getMetadata().getName()).isEqualTo(pod.getMetadata().getName());
    }

    Pod loosened = podOf(deployment(objects, "pitr-operator"));
    loosened.getSpec().getContainers().get(0).setSecurityContext(null);
    assertThatThrownBy(() -> client.resource(loosened).inNamespace(namespace).dryRun().create())
        .as("the control: the same pod without its security context is refused")
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> assertThat(e.getMessage()).contains("violates PodSecurity \"restricted:latest\""));
  }

  private static Pod podOf(Deployment deployment) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(deployment.getMetadata().getName() + "-pod")
        .withLabels(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .endMetadata()
        .withSpec(deployment.getSpec().getTemplate().getSpec())
        .build();
  }

  private static boolean canI(String verb, String resource, String namespace) {
    ExternalCommand.Result answer =
        kubectl(
            "auth", "can-i", verb, resource, "--namespace", namespace, "--as", OPERATOR_ACCOUNT);
    return answer.stdout().strip().equals("yes");
  }

  private static List<HasMetadata> objects(String manifests) {
    return client
        .load(new ByteArrayInputStream(manifests.getBytes(StandardCharsets.UTF_8)))
        .items();
  }

  private static Deployment deployment(List<HasMetadata> objects, String name) {
    return objects.stream()
        .filter(o -> o instanceof Deployment && o.getMetadata().getName().equals(name))
        .map(Deployment.class::cast)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Deployment " + name));
  }

  private static GenericKubernetesResource generic(
      List<HasMetadata> objects, String kind, String name) {
    HasMetadata object =
        objects.stream()
            .filter(o -> o.getKind().equals(kind) && o.getMetadata().getName().equals(name))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    return client
        .getKubernetesSerialization()
        .convertValue(object, GenericKubernetesResource.class);
  }

  private static String file(String manifests) throws Exception {
    Path file = Files.createTempFile("rendered", ".yaml");
    Files.writeString(file, manifests);
    return file.toString();
  }

  private static ExternalCommand.Result kubectl(String... arguments) {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(RealKubeApiServer.kubectl().toString(), "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(arguments));
    return ExternalCommand.run(command, Map.of(), Duration.ofSeconds(60));
  }
}
