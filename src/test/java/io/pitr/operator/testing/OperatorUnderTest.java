package io.pitr.operator.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.emulator.DynamoDbEmulator;
import io.pitr.emulator.EmulatorSettings;
import io.pitr.emulator.Scope;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * One test suite's operator: the packaged operator, installed from the chart as its own release,
 * against an emulator of its own, on the shared API server; plus a DynamoDB client that acts
 * outside the operator (with its own access key, so the emulator's log tells the two apart).
 */
public final class OperatorUnderTest implements AutoCloseable {

  /** The access key of changes made behind the operator's back. */
  public static final String OUT_OF_BAND_ACCESS_KEY = "out-of-band";

  private final DynamoDbEmulator emulator;
  private final Scope scope;
  private final OperatorRelease release;
  private final Policies policies;
  private final DynamoDbClient outOfBand;
  private PackagedOperator operator;

  private OperatorUnderTest(
      DynamoDbEmulator emulator,
      Scope scope,
      OperatorRelease release,
      Policies policies,
      DynamoDbClient outOfBand) {
    this.emulator = emulator;
    this.scope = scope;
    this.release = release;
    this.policies = policies;
    this.outOfBand = outOfBand;
  }

  /**
   * Installs release {@code name} (in namespace {@code name}-system) pointed at a new emulator
   * whose default account is {@code scope}'s, with {@code scope}'s region as the default region,
   * values as {@code values} shapes them, and starts one operator pod.
   */
  public static OperatorUnderTest start(
      KubernetesClient client, String name, Scope scope, UnaryOperator<ChartValues> values) {
    CustomResourceDefinitions.installPolicyCrds(client);
    DynamoDbEmulator emulator =
        DynamoDbEmulator.start(
            EmulatorSettings.builder()
                .accountId(scope.accountId())
                .defaultRegion(scope.region())
                .build());
    OperatorRelease release =
        OperatorRelease.install(
            client,
            name,
            name + "-system",
            values
                .apply(
                    ChartValues.against(emulator.endpoint())
                        .region(scope.region())
                        .accountId(scope.accountId()))
                .build());
    DynamoDbClient outOfBand =
        DynamoDbClient.builder()
            .endpointOverride(emulator.endpoint())
            .region(Region.of(scope.region()))
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(OUT_OF_BAND_ACCESS_KEY, "secret")))
            .build();
    OperatorUnderTest under =
        new OperatorUnderTest(emulator, scope, release, new Policies(client, emulator), outOfBand);
    under.operator = release.start();
    return under;
  }

  public DynamoDbEmulator emulator() {
    return emulator;
  }

  /** The account and region of the operator's default tables. */
  public Scope scope() {
    return scope;
  }

  public OperatorRelease release() {
    return release;
  }

  /** The running operator pod. */
  public PackagedOperator operator() {
    return operator;
  }

  public Policies policies() {
    return policies;
  }

  /** A DynamoDB client for changes made outside the operator. */
  public DynamoDbClient outOfBand() {
    return outOfBand;
  }

  /** Stops the operator pod (SIGTERM), as an upgrade or an eviction does. */
  public void stopOperator() {
    operator.stop();
  }

  /** Starts a new operator pod and waits until it is ready. */
  public PackagedOperator startOperator() {
    operator = release.start();
    return operator;
  }

  /** Makes {@code pod}, another pod of the release, the one {@link #operator()} answers. */
  public void adopt(PackagedOperator pod) {
    operator = pod;
  }

  @Override
  public void close() {
    release.close();
    outOfBand.close();
    emulator.close();
  }
}
