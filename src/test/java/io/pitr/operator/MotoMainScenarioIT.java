package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.testing.ChartValues;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.OperatorRelease;
import io.pitr.operator.testing.PackagedOperator;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.RealKubeApiServer;
import io.pitr.testing.MotoServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The main scenario with moto server, an endpoint nobody here wrote, as DynamoDB, and the packaged
 * operator: a table missing then created, enable, change the period, out-of-band drift corrected,
 * disable.
 */
@ExtendWith(RealKubeApiServer.class)
class MotoMainScenarioIT {

  private static final String REGION = "eu-west-1";
  private static final String NAMESPACE = "moto";

  private static KubernetesClient client;
  private static MotoServer moto;
  private static OperatorRelease release;
  private static PackagedOperator operator;
  private static DynamoDbClient motoClient;

  @BeforeAll
  static void start(KubernetesClient kubernetesClient) {
    client = kubernetesClient;
    CustomResourceDefinitions.installPolicyCrds(client);
    moto = MotoServer.start();
    release =
        OperatorRelease.install(
            client,
            "moto",
            "moto-system",
            ChartValues.against(moto.endpoint())
                .region(REGION)
                .accountId("123456789012")
                .watchNamespaces(NAMESPACE)
                .build());
    operator = release.start();
    motoClient =
        DynamoDbClient.builder()
            .endpointOverride(moto.endpoint())
            .region(Region.of(REGION))
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("AKIDEXAMPLE", "secret")))
            .build();
  }

  @AfterAll
  static void stop() {
    if (release != null) {
      release.close();
    }
    if (motoClient != null) {
      motoClient.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @Test
  void mainScenario() {
    Policies policies = new Policies(client, null);
    policies.create(NAMESPACE, "orders", "orders", true, 14);
    policies.awaitCondition(NAMESPACE, "orders", "Ready", "False", "TableNotFound");

    motoClient.createTable(
        r ->
            r.tableName("orders")
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                    a -> a.attributeName("pk").attributeType(ScalarAttributeType.S))
                .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH)));
    ContinuousBackupsPolicy enabled = policies.awaitReady(NAMESPACE, "orders", 1);
    assertThat(Policies.period(enabled)).isEqualTo(14);
    assertThat(motoPeriod()).isEqualTo(14);

    policies.edit(
        NAMESPACE,
        "orders",
        p -> {
          p.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(7);
          p.getSpec().setAcknowledgeRestorePointLoss("test: shorter");
        });
    assertThat(Policies.period(policies.awaitReady(NAMESPACE, "orders", 2))).isEqualTo(7);
    assertThat(motoPeriod()).isEqualTo(7);

    motoClient.updateContinuousBackups(
        r ->
            r.tableName("orders")
                .pointInTimeRecoverySpecification(s -> s.pointInTimeRecoveryEnabled(false)));
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(motoPeriod()).isEqualTo(7));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(policies.events(NAMESPACE, "orders")).contains("DriftCorrected"));

    policies.edit(
        NAMESPACE,
        "orders",
        p -> {
          p.getSpec().getPointInTimeRecoverySpecification().setPointInTimeRecoveryEnabled(false);
          p.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(null);
          p.getSpec().setAcknowledgeRestorePointLoss("test: off");
        });
    ContinuousBackupsPolicy disabled = policies.awaitReady(NAMESPACE, "orders", 3);
    assertThat(Policies.pitrStatus(disabled)).isEqualTo("DISABLED");
    assertThat(motoStatus()).isEqualTo("DISABLED");
    assertThat(
            operator
                .metrics()
                .sum(
                    "pitr_aws_calls_total",
                    "operation",
                    "UpdateContinuousBackups",
                    "outcome",
                    "Success"))
        .as("enable, period, drift correction, disable")
        .isEqualTo(4);
  }

  private static Integer motoPeriod() {
    return motoClient
        .describeContinuousBackups(r -> r.tableName("orders"))
        .continuousBackupsDescription()
        .pointInTimeRecoveryDescription()
        .recoveryPeriodInDays();
  }

  private static String motoStatus() {
    return motoClient
        .describeContinuousBackups(r -> r.tableName("orders"))
        .continuousBackupsDescription()
        .pointInTimeRecoveryDescription()
        .pointInTimeRecoveryStatusAsString();
  }
}
