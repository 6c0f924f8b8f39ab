package io.pitr.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.Fixtures;
import io.pitr.operator.testing.RealKubeApiServer;
import io.pitr.operator.testing.Rejections;
import io.pitr.testing.ExternalCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The DynamoDbAccountBinding CRD on a real kube-apiserver: the README's example bindings are
 * accepted; bad accounts, roles, patterns and selectors are refused naming the field; the account
 * and the role cannot be changed once created (CEL transition rules), the ExternalId can.
 */
@ExtendWith(RealKubeApiServer.class)
class DynamoDbAccountBindingAdmissionIT {

  private static final Path EXAMPLES = Path.of("deploy", "examples", "tenancy");

  private static KubernetesClient client;

  @BeforeAll
  static void installCrd(KubernetesClient kubernetesClient) {
    client = kubernetesClient;
    CustomResourceDefinitions.installDynamoDbAccountBinding(client);
  }

  @AfterEach
  void deleteBindings() {
    client.resources(DynamoDbAccountBinding.class).delete();
  }

  static Stream<Path> exampleBindings() {
    return Fixtures.yamlFilesIn(EXAMPLES).stream()
        .filter(file -> file.getFileName().toString().endsWith("-binding.yaml"));
  }

  @ParameterizedTest(name = "{0} is accepted")
  @MethodSource("exampleBindings")
  void acceptsTheExampleBindings(Path example) {
    DynamoDbAccountBinding sent = Fixtures.load(example, DynamoDbAccountBinding.class);

    DynamoDbAccountBinding stored = client.resource(sent).create();

    assertThat(stored.getSpec())
        .as("the API server stores the spec as sent")
        .usingRecursiveComparison()
        .isEqualTo(sent.getSpec());
  }

  @ParameterizedTest(name = "{0} is rejected on {1}")
  @CsvSource({
    "role-of-another-account.yaml, spec.assumeRole.roleArn, "
        + "assumeRole.roleArn must be a role of the binding's account",
    "role-arn-not-a-role.yaml, spec.assumeRole.roleArn, should match",
    "external-id-missing.yaml, spec.assumeRole.externalId, Required value",
    "account-id-short.yaml, spec.accountId, should match",
    "table-pattern-bad.yaml, spec.tableNames[0], should match",
    "no-regions.yaml, spec.regions, should have at least 1 items",
    "no-namespaces.yaml, spec.namespaces, name at least one namespace in names, or give a selector",
    "selector-operator-unknown.yaml, spec.namespaces.selector.matchExpressions[0].operator, "
        + "supported values",
    "selector-in-without-values.yaml, spec.namespaces.selector.matchExpressions[0].values, "
        + "In and NotIn need at least one value",
  })
  void rejectsInvalidBindingNamingTheField(String fixture, String field, String reason) {
    GenericKubernetesResource invalid = Fixtures.loadRaw("bindings/invalid/" + fixture);

    Rejections.assertRejected(() -> client.resource(invalid).create(), field, reason);
    assertThat(
            client
                .resources(DynamoDbAccountBinding.class)
                .withName(invalid.getMetadata().getName())
                .get())
        .as("nothing was stored")
        .isNull();
  }

  @ParameterizedTest(name = "changing {0} is rejected")
  @CsvSource({
    "accountId, spec.accountId, accountId is immutable",
    "roleArn, spec.assumeRole, assumeRole.roleArn is immutable",
    "no role, spec.assumeRole, assumeRole.roleArn is immutable",
  })
  void accountAndRoleAreImmutable(String change, String field, String reason) {
    // A binding with no role for the account alone; one with a role for the role.
    String example =
        change.equals("accountId") ? "analytics-binding.yaml" : "payments-binding.yaml";
    DynamoDbAccountBinding stored =
        client
            .resource(Fixtures.load(EXAMPLES.resolve(example), DynamoDbAccountBinding.class))
            .create();
    Consumer<DynamoDbAccountBindingSpec> edit =
        switch (change) {
          case "accountId" -> spec -> spec.setAccountId("333333333333");
          case "roleArn" ->
              spec -> spec.getAssumeRole().setRoleArn("arn:aws:iam::222222222222:role/another");
          default -> spec -> spec.setAssumeRole(null);
        };
    edit.accept(stored.getSpec());

    Rejections.assertRejected(() -> client.resource(stored).update(), field, reason);

    DynamoDbAccountBinding rotated =
        client
            .resources(DynamoDbAccountBinding.class)
            .withName(stored.getMetadata().getName())
            .edit(
                binding -> {
                  if (binding.getSpec().getAssumeRole() != null) {
                    binding.getSpec().getAssumeRole().setExternalId("pitr-operator-rotated");
                  }
                  binding.getSpec().setTableNames(List.of("payments-*", "ledger"));
                  return binding;
                });
    assertThat(rotated.getMetadata().getGeneration())
        .as("the ExternalId and the tables may change")
        .isEqualTo(2L);
  }

  @Test
  void kubectlExplainDocumentsTheBinding(RealKubeApiServer.Kubeconfig kubeconfig) {
    ExternalCommand.Result explained =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    ExternalCommand.run(
                        List.of(
                            RealKubeApiServer.kubectl().toString(),
                            "--kubeconfig",
                            kubeconfig.file().toString(),
                            "explain",
                            "dynamodbaccountbinding.spec",
                            "--recursive"),
                        Map.of(),
                        Duration.ofSeconds(60)),
                result -> result.exitCode() == 0);

    assertThat(explained.stdout())
        .contains("accountId")
        .contains("assumeRole")
        .contains("externalId")
        .contains("regions")
        .contains("tableNames")
        .contains("namespaces")
        .contains("matchExpressions");
  }
}
