package io.pitr.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.Fixtures;
import io.pitr.operator.testing.RealKubeApiServer;
import io.pitr.operator.testing.Rejections;
import io.pitr.testing.ExternalCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
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
    CustomResourceDefinitions.installContinuousBackupsPolicy(client);
    CustomResourceDefinitions.ensureNamespace(client, NAMESPACE);
  }

  static Stream<Arguments> validPolicies() {
    return Stream.concat(
        Stream.of(
                "policies/enabled-14-days.yaml",
                "policies/disabled.yaml",
                "policies/eu-west-1-disable-on-delete.yaml")
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

    try {
      assertThat(stored.getMetadata().getUid()).isNotBlank();
      assertThat(stored.getSpec())
          .as("the API server stores the spec as sent")
          .usingRecursiveComparison()
          .ignoringFields("deletionPolicy", "managementMode")
          .isEqualTo(sent.getSpec());
      assertThat(stored.getSpec().getManagementMode())
          .as("managementMode defaults to Enforce")
          .isEqualTo(
              sent.getSpec().getManagementMode() == null
                  ? ManagementMode.Enforce
                  : sent.getSpec().getManagementMode());
      assertThat(stored.getSpec().getDeletionPolicy())
          .as("deletionPolicy defaults to Retain")
          .isEqualTo(
              sent.getSpec().getDeletionPolicy() == null
                  ? DeletionPolicy.Retain
                  : sent.getSpec().getDeletionPolicy());
    } finally {
      client.resource(stored).delete();
    }
  }

  @ParameterizedTest(name = "changing {0} is rejected")
  @CsvSource({
    "tableName, spec.tableName, tableName is immutable",
    "region, spec.region, region is immutable",
  })
  void tableAndRegionAreImmutable(String change, String field, String reason) {
    ContinuousBackupsPolicy policy =
        Fixtures.load("policies/enabled-14-days.yaml", ContinuousBackupsPolicy.class);
    policy.getMetadata().setName("immutable-" + change.toLowerCase(Locale.ROOT));
    ContinuousBackupsPolicy stored = client.resource(policy).inNamespace(NAMESPACE).create();
    try {
      if (change.equals("tableName")) {
        stored.getSpec().setTableName("another-table");
      } else {
        stored.getSpec().setRegion("eu-west-1");
      }

      Rejections.assertRejected(() -> client.resource(stored).update(), field, reason);

      stored.getSpec().setTableName(policy.getSpec().getTableName());
      stored.getSpec().setRegion(null);
      stored.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(21);
      assertThat(client.resource(stored).update().getMetadata().getGeneration())
          .as("other changes are accepted")
          .isEqualTo(2L);
    } finally {
      client.resource(stored).delete();
    }
  }

  @Test
  void unknownFieldsAreRejectedForClientsThatAskForStrictValidation(
      RealKubeApiServer.Kubeconfig kubeconfig) {
    // kubectl asks for strict field validation by default; the API server then refuses unknown
    // fields instead of dropping them. Clients that do not ask get them pruned.
    ExternalCommand.Result applied =
        ExternalCommand.run(
            List.of(
                RealKubeApiServer.kubectl().toString(),
                "--kubeconfig",
                kubeconfig.file().toString(),
                "apply",
                "--namespace",
                NAMESPACE,
                "--filename",
                "src/test/resources/policies/invalid/unknown-field.yaml"),
            Map.of(),
            Duration.ofSeconds(60));

    assertThat(applied.exitCode()).as(applied.stdout()).isNotZero();
    assertThat(applied.stderr())
        .contains("unknown field \"spec.pointInTimeRecoverySpecification.recoveryPeriodDays\"");
  }

  @Test
  void kubectlExplainDocumentsEveryField(RealKubeApiServer.Kubeconfig kubeconfig) {
    // The API server publishes a new CRD's schema to discovery and OpenAPI a moment after it is
    // established.
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
                            "cbp.spec"),
                        Map.of(),
                        Duration.ofSeconds(60)),
                result -> result.exitCode() == 0);

    assertThat(explained.exitCode()).as(explained.stderr()).isZero();
    assertThat(explained.stdout())
        .contains("Name of the existing DynamoDB table whose point-in-time recovery this policy")
        .contains("AWS region of the table")
        .contains("Retain (default)")
        .contains("pointInTimeRecoverySpecification")
        .contains("-required-");
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
    "missing-spec.yaml, spec, Required value",
    "table-name-too-short.yaml, spec.tableName, should be at least 3 chars long",
    "table-name-bad-characters.yaml, spec.tableName, should match",
    "period-when-disabled.yaml, spec.pointInTimeRecoverySpecification.recoveryPeriodInDays, "
        + "recoveryPeriodInDays must not be set when pointInTimeRecoveryEnabled is false",
    "region-bad.yaml, spec.region, should match",
    "deletion-policy-unknown.yaml, spec.deletionPolicy, supported values: \"Disable\", \"Retain\"",
  })
  void rejectsInvalidPolicyNamingTheField(String fixture, String field, String reason) {
    GenericKubernetesResource invalid = Fixtures.loadRaw("policies/invalid/" + fixture);

    Rejections.assertRejected(
        () -> client.resource(invalid).inNamespace(NAMESPACE).create(), field, reason);
    assertThat(
            client
                .resources(ContinuousBackupsPolicy.class)
                .inNamespace(NAMESPACE)
                .withName(invalid.getMetadata().getName())
                .get())
        .as("nothing was stored")
        .isNull();
  }

  /** A change to a stored policy, and whether it deletes restore points. */
  enum Change {
    TURN_OFF("turning point-in-time recovery off deletes the table's restore points") {
      @Override
      void apply(ContinuousBackupsPolicySpec spec) {
        spec.getPointInTimeRecoverySpecification().setPointInTimeRecoveryEnabled(false);
        spec.getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(null);
      }
    },
    SHORTEN("shortening recoveryPeriodInDays deletes the table's older restore points") {
      @Override
      void apply(ContinuousBackupsPolicySpec spec) {
        spec.getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(7);
      }
    },
    SHORTEN_FROM_DEFAULT(
        "shortening recoveryPeriodInDays deletes the table's older restore points") {
      @Override
      void apply(ContinuousBackupsPolicySpec spec) {
        // The stored policy omits the period (35 days); 34 is shorter.
        spec.getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(34);
      }
    },
    DISABLE_ON_DELETE("deletionPolicy Disable turns point-in-time recovery off") {
      @Override
      void apply(ContinuousBackupsPolicySpec spec) {
        spec.setDeletionPolicy(DeletionPolicy.Disable);
      }
    };

    final String refusal;

    Change(String refusal) {
      this.refusal = refusal;
    }

    abstract void apply(ContinuousBackupsPolicySpec spec);
  }

  @ParameterizedTest(name = "{0}: refused unconfirmed or with an old confirmation, then accepted")
  @EnumSource(Change.class)
  void changesThatDeleteRestorePointsNeedANewAcknowledgement(Change change) {
    ContinuousBackupsPolicy policy =
        Fixtures.load("policies/enabled-14-days.yaml", ContinuousBackupsPolicy.class);
    policy
        .getMetadata()
        .setName("guard-" + change.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    if (change == Change.SHORTEN_FROM_DEFAULT) {
      policy.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(null);
    }
    policy.getSpec().setAcknowledgeRestorePointLoss("CHG-1: an earlier change");
    ContinuousBackupsPolicy stored = client.resource(policy).inNamespace(NAMESPACE).create();
    try {
      ContinuousBackupsPolicy stale = copy(stored);
      change.apply(stale.getSpec());
      Rejections.assertRejected(
          () -> client.resource(stale).update(),
          "spec.acknowledgeRestorePointLoss",
          change.refusal);

      ContinuousBackupsPolicy unconfirmed = copy(stored);
      change.apply(unconfirmed.getSpec());
      unconfirmed.getSpec().setAcknowledgeRestorePointLoss(null);
      Rejections.assertRejected(
          () -> client.resource(unconfirmed).update(),
          "spec.acknowledgeRestorePointLoss",
          change.refusal);
      assertThat(client.resource(stored).get().getMetadata().getGeneration())
          .as("nothing was stored")
          .isEqualTo(1L);

      ContinuousBackupsPolicy confirmed = copy(stored);
      change.apply(confirmed.getSpec());
      confirmed.getSpec().setAcknowledgeRestorePointLoss("CHG-2: " + change);
      assertThat(client.resource(confirmed).update().getMetadata().getGeneration()).isEqualTo(2L);
    } finally {
      client.resource(stored).delete();
    }
  }

  @Test
  void changesThatKeepRestorePointsNeedNoAcknowledgement() {
    ContinuousBackupsPolicy policy =
        Fixtures.load("policies/disabled.yaml", ContinuousBackupsPolicy.class);
    policy.getMetadata().setName("guard-harmless");
    ContinuousBackupsPolicy stored = client.resource(policy).inNamespace(NAMESPACE).create();
    try {
      stored.getSpec().getPointInTimeRecoverySpecification().setPointInTimeRecoveryEnabled(true);
      stored.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(7);
      stored = client.resource(stored).update();
      stored.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(35);
      stored.getSpec().setManagementMode(ManagementMode.Observe);
      stored = client.resource(stored).update();

      assertThat(stored.getMetadata().getGeneration())
          .as("turning on, lengthening, observing: accepted unconfirmed")
          .isEqualTo(3L);
    } finally {
      client.resource(stored).delete();
    }
  }

  @Test
  void theSpecCannotBeRemovedToSlipPastItsRules() {
    // The transition rules compare two specs; removing the spec would leave nothing to compare,
    // and the next spec would be judged as new.
    ContinuousBackupsPolicy policy =
        Fixtures.load("policies/enabled-14-days.yaml", ContinuousBackupsPolicy.class);
    policy.getMetadata().setName("guard-spec-removed");
    ContinuousBackupsPolicy stored = client.resource(policy).inNamespace(NAMESPACE).create();
    try {
      Rejections.assertRejected(
          () ->
              client
                  .resources(ContinuousBackupsPolicy.class)
                  .inNamespace(NAMESPACE)
                  .withName("guard-spec-removed")
                  .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":null}"),
          "spec",
          "Required value");

      assertThat(client.resource(stored).get().getSpec())
          .as("the spec is as it was")
          .usingRecursiveComparison()
          .isEqualTo(stored.getSpec());
    } finally {
      client.resource(stored).delete();
    }
  }

  @Test
  void aNewPolicyThatDisablesOnDeleteNeedsAnAcknowledgement() {
    ContinuousBackupsPolicy policy =
        Fixtures.load("policies/eu-west-1-disable-on-delete.yaml", ContinuousBackupsPolicy.class);
    policy.getMetadata().setName("guard-new-disable");
    policy.getSpec().setAcknowledgeRestorePointLoss(null);

    Rejections.assertRejected(
        () -> client.resource(policy).inNamespace(NAMESPACE).create(),
        "spec.acknowledgeRestorePointLoss",
        "deletionPolicy Disable turns point-in-time recovery off when the policy is deleted");
  }

  @Test
  void kubectlApplyOfAnUnacknowledgedDisableIsRefusedWithTheReason(
      RealKubeApiServer.Kubeconfig kubeconfig) throws Exception {
    Path dir = Files.createTempDirectory("guard");
    Path manifest = dir.resolve("policy.yaml");
    String enabled =
        """
        apiVersion: dynamodb.pitr.io/v1alpha1
        kind: ContinuousBackupsPolicy
        metadata:
          name: guard-kubectl
        spec:
          tableName: ledger
          pointInTimeRecoverySpecification:
            pointInTimeRecoveryEnabled: true
        """;
    try {
      Files.writeString(manifest, enabled);
      assertThat(kubectlApply(kubeconfig, manifest).exitCode()).isZero();

      Files.writeString(manifest, enabled.replace("Enabled: true", "Enabled: false"));
      ExternalCommand.Result refused = kubectlApply(kubeconfig, manifest);
      assertThat(refused.exitCode()).isNotZero();
      assertThat(refused.stderr())
          .contains("spec.acknowledgeRestorePointLoss")
          .contains("turning point-in-time recovery off deletes the table's restore points");

      Files.writeString(
          manifest,
          enabled.replace("Enabled: true", "Enabled: false")
              + "  acknowledgeRestorePointLoss: \"CHG-7: ledger retired\"\n");
      ExternalCommand.Result accepted = kubectlApply(kubeconfig, manifest);
      assertThat(accepted.exitCode()).as(accepted.stderr()).isZero();
      assertThat(
              client
                  .resources(ContinuousBackupsPolicy.class)
                  .inNamespace(NAMESPACE)
                  .withName("guard-kubectl")
                  .get()
                  .getSpec()
                  .getPointInTimeRecoverySpecification()
                  .getPointInTimeRecoveryEnabled())
          .isFalse();
    } finally {
      client
          .resources(ContinuousBackupsPolicy.class)
          .inNamespace(NAMESPACE)
          .withName("guard-kubectl")
          .delete();
    }
  }

  private static ExternalCommand.Result kubectlApply(
      RealKubeApiServer.Kubeconfig kubeconfig, Path manifest) {
    return ExternalCommand.run(
        List.of(
            RealKubeApiServer.kubectl().toString(),
            "--kubeconfig",
            kubeconfig.file().toString(),
            "apply",
            "--namespace",
            NAMESPACE,
            "--filename",
            manifest.toString()),
        Map.of(),
        Duration.ofSeconds(60));
  }

  private static ContinuousBackupsPolicy copy(ContinuousBackupsPolicy policy) {
    return client.getKubernetesSerialization().clone(policy);
  }
}
