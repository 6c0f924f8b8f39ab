package io.pitr.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.Fixtures;
import io.pitr.operator.testing.RealKubeApiServer;
import io.pitr.operator.testing.Rejections;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ContinuousBackupsPolicySet CRD users apply (crds/), on a real kube-apiserver: it accepts a
 * valid set with the defaults a policy has, refuses invalid selectors and templates naming the
 * field, and guards the template's restore points as a policy's spec is guarded.
 */
@ExtendWith(RealKubeApiServer.class)
class ContinuousBackupsPolicySetAdmissionIT {

  private static final String NAMESPACE = "set-admission";

  private static KubernetesClient client;

  @BeforeAll
  static void installCrd(KubernetesClient kubernetesClient) {
    client = kubernetesClient;
    CustomResourceDefinitions.installContinuousBackupsPolicySet(client);
    CustomResourceDefinitions.ensureNamespace(client, NAMESPACE);
  }

  @Test
  void acceptsTheExampleWithDefaultsAndAnUnwrittenStatus() {
    ContinuousBackupsPolicySet set = example("accepted");

    ContinuousBackupsPolicySet stored = client.resource(set).inNamespace(NAMESPACE).create();
    try {
      assertThat(stored.getSpec().getTemplate().getManagementMode())
          .isEqualTo(ManagementMode.Enforce);
      assertThat(stored.getSpec().getTemplate().getDeletionPolicy())
          .isEqualTo(DeletionPolicy.Retain);
      assertThat(stored.getSpec().getTableSelector().getMatchTags()).containsEntry("env", "prod");
      assertThat(stored.getStatus().getObservedGeneration())
          .as("a new set is in progress to kstatus")
          .isEqualTo(-1L);
    } finally {
      client.resource(stored).delete();
    }
  }

  @Test
  void acceptsTheDeployedExamples() {
    for (Path example : Fixtures.yamlFilesIn(Path.of("deploy", "examples", "sets"))) {
      ContinuousBackupsPolicySet set = Fixtures.load(example, ContinuousBackupsPolicySet.class);
      ContinuousBackupsPolicySet stored = client.resource(set).inNamespace(NAMESPACE).create();
      client.resource(stored).delete();
      assertThat(stored.getMetadata().getUid()).as(example.toString()).isNotBlank();
    }
  }

  @ParameterizedTest(name = "{0} is rejected")
  @CsvSource({
    "no-selection.yaml, spec.tableSelector, select tables by names, matchTags or",
    "in-without-values.yaml, spec.tableSelector.matchTagExpressions[0].values, "
        + "In and NotIn need at least one value",
    "pattern-bad-characters.yaml, spec.tableSelector.names[0], should match",
    "period-36.yaml, spec.template.pointInTimeRecoverySpecification.recoveryPeriodInDays, "
        + "should be less than or equal to 35",
    "disable-on-delete-unacknowledged.yaml, spec.template.acknowledgeRestorePointLoss, "
        + "deletionPolicy Disable turns point-in-time recovery off when a generated policy",
    "tag-key-too-long.yaml, spec.tableSelector.matchTags, a tag key has 1 to 128 characters",
  })
  void rejectsInvalidSetsNamingTheField(String fixture, String field, String reason) {
    GenericKubernetesResource invalid = Fixtures.loadRaw("sets/invalid/" + fixture);

    Rejections.assertRejected(
        () -> client.resource(invalid).inNamespace(NAMESPACE).create(), field, reason);
  }

  @Test
  void aSetsNameFitsALabel() {
    GenericKubernetesResource invalid = Fixtures.loadRaw("sets/invalid/name-too-long.yaml");

    // A rule on the object itself names no field; its message does.
    assertThatThrownBy(() -> client.resource(invalid).inNamespace(NAMESPACE).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            rejection -> {
              assertThat(rejection.getCode()).isEqualTo(422);
              assertThat(rejection.getMessage())
                  .contains("metadata.name: a set's name has at most 63 characters");
            });
  }

  @Test
  void turningTheTemplateOffNeedsANewAcknowledgement() {
    ContinuousBackupsPolicySet stored =
        client.resource(example("template-off")).inNamespace(NAMESPACE).create();
    try {
      ContinuousBackupsPolicySet off = client.getKubernetesSerialization().clone(stored);
      off.getSpec()
          .getTemplate()
          .getPointInTimeRecoverySpecification()
          .setPointInTimeRecoveryEnabled(false);
      off.getSpec()
          .getTemplate()
          .getPointInTimeRecoverySpecification()
          .setRecoveryPeriodInDays(null);

      Rejections.assertRejected(
          () -> client.resource(off).update(),
          "spec.template.acknowledgeRestorePointLoss",
          "deletes the restore points of every table the set selects");

      off.getSpec().getTemplate().setAcknowledgeRestorePointLoss("CHG-7: retire the prod tables");
      assertThat(client.resource(off).update().getMetadata().getGeneration()).isEqualTo(2L);
    } finally {
      client.resource(stored).delete();
    }
  }

  @Test
  void theSpecAndRegionStayAsTheyAre() {
    ContinuousBackupsPolicySet stored =
        client.resource(example("guarded")).inNamespace(NAMESPACE).create();
    try {
      Rejections.assertRejected(
          () ->
              client
                  .resources(ContinuousBackupsPolicySet.class)
                  .inNamespace(NAMESPACE)
                  .withName("guarded")
                  .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":null}"),
          "spec",
          "Required value");
      ContinuousBackupsPolicySet moved = client.getKubernetesSerialization().clone(stored);
      moved.getSpec().setRegion("us-east-1");
      Rejections.assertRejected(
          () -> client.resource(moved).update(), "spec.region", "region is immutable");
    } finally {
      client.resource(stored).delete();
    }
  }

  private static ContinuousBackupsPolicySet example(String name) {
    ContinuousBackupsPolicySet set =
        Fixtures.load("sets/prod-tables.yaml", ContinuousBackupsPolicySet.class);
    set.getMetadata().setName(name);
    set.getMetadata().setNamespace(null);
    set.getMetadata().setUid(null);
    set.getMetadata().setGeneration(null);
    set.getMetadata().setCreationTimestamp(null);
    return set;
  }
}
