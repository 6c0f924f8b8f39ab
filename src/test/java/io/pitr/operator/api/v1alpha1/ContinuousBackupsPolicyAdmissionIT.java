package io.pitr.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.Fixtures;
import io.pitr.operator.testing.RealKubeApiServer;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated CRD, installed on a real kube-apiserver, accepts valid policies and rejects invalid
 * ones itself (HTTP 422 naming the field), so every client gets the same validation.
 */
@ExtendWith(RealKubeApiServer.class)
class ContinuousBackupsPolicyAdmissionIT {

  private static final String NAMESPACE = "admission";

  private static KubernetesClient client;

  @BeforeAll
  static void installCrd(KubernetesClient kubernetesClient) {
    client = kubernetesClient;
    CustomResourceDefinitions.install(
        client,
        CustomResourceDefinitions.committedFile(
            CustomResourceDefinitions.CONTINUOUS_BACKUPS_POLICY));
    client
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .serverSideApply();
  }

  static Stream<Arguments> validPolicies() {
    return Stream.concat(
        Stream.of("policies/enabled-14-days.yaml", "policies/disabled.yaml")
            .map(
                fixture ->
                    Arguments.of(fixture, Fixtures.load(fixture, ContinuousBackupsPolicy.class))),
        Fixtures.yamlFilesIn(Path.of("deploy", "examples")).stream()
            .map(
                example ->
                    Arguments.of(
                        example.toString(),
                        Fixtures.load(example, ContinuousBackupsPolicy.class))));
  }

  @ParameterizedTest(name = "{0} is accepted")
  @MethodSource("validPolicies")
  void acceptsValidPolicy(String source, ContinuousBackupsPolicy sent) {

    ContinuousBackupsPolicy stored = client.resource(sent).inNamespace(NAMESPACE).create();

    assertThat(stored.getMetadata().getUid()).isNotBlank();
    assertThat(stored.getSpec())
        .usingRecursiveComparison()
        .isEqualTo(sent.getSpec())
        .as("the API server stores the spec as sent");
    client.resource(stored).delete();
  }

  @ParameterizedTest(name = "{0} is rejected on {1}")
  @CsvSource({
    "recovery-period-36.yaml, spec.pointInTimeRecoverySpecification.recoveryPeriodInDays, "
        + "should be less than or equal to 35",
    "recovery-period-0.yaml, spec.pointInTimeRecoverySpecification.recoveryPeriodInDays, "
        + "should be greater than or equal to 1",
    "missing-pitr-enabled.yaml, "
        + "spec.pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled, Required value",
    "missing-table-name.yaml, spec.tableName, Required value",
    "table-name-too-short.yaml, spec.tableName, should be at least 3 chars long",
    "table-name-bad-characters.yaml, spec.tableName, should match",
  })
  void rejectsInvalidPolicyNamingTheField(String fixture, String field, String reason) {
    GenericKubernetesResource invalid = Fixtures.loadRaw("policies/invalid/" + fixture);

    assertThatThrownBy(() -> client.resource(invalid).inNamespace(NAMESPACE).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            rejection -> {
              assertThat(rejection.getCode()).isEqualTo(422);
              assertThat(rejection.getStatus().getReason()).isEqualTo("Invalid");
              assertThat(rejection.getStatus().getDetails().getCauses())
                  .extracting(StatusCause::getField)
                  .containsExactly(field);
              assertThat(rejection.getMessage()).contains(field).contains(reason);
            });
    assertThat(
            client
                .resources(ContinuousBackupsPolicy.class)
                .inNamespace(NAMESPACE)
                .withName(invalid.getMetadata().getName())
                .get())
        .as("nothing was stored")
        .isNull();
  }
}
