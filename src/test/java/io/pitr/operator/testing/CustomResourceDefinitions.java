package io.pitr.operator.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finds the project's CRD files and installs them as a user would. */
public final class CustomResourceDefinitions {

  /** Set by the build to the folder quarkus-operator-sdk generates CRDs into. */
  public static final String DIRECTORY_PROPERTY = "pitr.test.crd-dir";

  public static final String CONTINUOUS_BACKUPS_POLICY =
      "continuousbackupspolicies.dynamodb.pitr.io";

  public static final String CONTINUOUS_BACKUPS_POLICY_SET =
      "continuousbackupspolicysets.dynamodb.pitr.io";

  public static final String DYNAMODB_ACCOUNT_BINDING = "dynamodbaccountbindings.dynamodb.pitr.io";

  /** Every CRD the project ships. */
  public static final List<String> ALL =
      List.of(CONTINUOUS_BACKUPS_POLICY, CONTINUOUS_BACKUPS_POLICY_SET, DYNAMODB_ACCOUNT_BINDING);

  private static final Duration ESTABLISHED_TIMEOUT = Duration.ofSeconds(30);

  private CustomResourceDefinitions() {}

  /** Installs the ContinuousBackupsPolicy CRD users apply (crds/) and waits until it is served. */
  public static CustomResourceDefinition installContinuousBackupsPolicy(KubernetesClient client) {
    return install(client, committedFile(CONTINUOUS_BACKUPS_POLICY));
  }

  /**
   * Installs the CRDs the operator watches without tenancy, policies and policy sets, as users
   * apply them (crds/), and waits until they are served.
   */
  public static void installPolicyCrds(KubernetesClient client) {
    installContinuousBackupsPolicy(client);
    installContinuousBackupsPolicySet(client);
  }

  /**
   * Installs the ContinuousBackupsPolicySet CRD users apply (crds/) and waits until it is served.
   */
  public static CustomResourceDefinition installContinuousBackupsPolicySet(
      KubernetesClient client) {
    return install(client, committedFile(CONTINUOUS_BACKUPS_POLICY_SET));
  }

  /** Installs the DynamoDbAccountBinding CRD users apply (crds/) and waits until it is served. */
  public static CustomResourceDefinition installDynamoDbAccountBinding(KubernetesClient client) {
    return install(client, committedFile(DYNAMODB_ACCOUNT_BINDING));
  }

  /** Creates the namespace if it does not exist yet. */
  public static void ensureNamespace(KubernetesClient client, String name) {
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .serverSideApply();
  }

  /** The CRD file users apply, committed under crds/. */
  public static Path committedFile(String crdName) {
    return existing(Path.of("crds", fileName(crdName)), "it is committed with the sources");
  }

  /** The CRD file the Quarkus build generated from the Java model. */
  public static Path generatedFile(String crdName) {
    Path directory = Path.of(System.getProperty(DIRECTORY_PROPERTY, "target/kubernetes"));
    return existing(
        directory.resolve(fileName(crdName)),
        "the Quarkus build generates it; run the tests with ./mvnw verify");
  }

  /** Applies a CRD file with server-side apply and waits until the API server serves it. */
  public static CustomResourceDefinition install(KubernetesClient client, Path file) {
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(file)) {
      crd = client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    client.resource(crd).forceConflicts().serverSideApply();
    return client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(crd.getMetadata().getName())
        .waitUntilCondition(
            CustomResourceDefinitions::isEstablished,
            ESTABLISHED_TIMEOUT.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  private static String fileName(String crdName) {
    return crdName + "-v1.yml";
  }

  private static Path existing(Path file, String hint) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("CRD file " + file.toAbsolutePath() + " not found: " + hint);
    }
    return file;
  }

  private static boolean isEstablished(CustomResourceDefinition crd) {
    // A CRD just created may have a status without conditions yet.
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
