package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.testing.ChartValues;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.OperatorRelease;
import io.pitr.operator.testing.PackagedOperator;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.RealKubeApiServer;
import java.net.ServerSocket;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The packaged operator with an endpoint that answers nobody, and no default region. */
@ExtendWith(RealKubeApiServer.class)
class UnreachableEndpointIT {

  private static final String NAMESPACE = "unreachable";

  private static OperatorRelease release;
  private static PackagedOperator operator;
  private static Policies policies;

  @BeforeAll
  static void start(KubernetesClient client) throws Exception {
    CustomResourceDefinitions.installPolicyCrds(client);
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    release =
        OperatorRelease.install(
            client,
            "unreachable",
            "unreachable-system",
            ChartValues.against(URI.create("http://127.0.0.1:" + closedPort))
                .watchNamespaces(NAMESPACE)
                .build());
    operator = release.start();
    policies = new Policies(client, null);
  }

  @AfterAll
  static void stop() {
    if (release != null) {
      release.close();
    }
  }

  @Test
  void unreachableEndpointIsReportedAndRetried() {
    var policy = policies.newPolicy("far-away", "orders", true, 7);
    policy.getSpec().setRegion("eu-west-1");
    policies.client().resource(policy).inNamespace(NAMESPACE).create();

    Condition ready =
        policies.awaitCondition(NAMESPACE, "far-away", "Ready", "False", "EndpointUnreachable");
    assertThat(ready.getMessage())
        .as("7 days could delete restore points: the table is looked at first")
        .startsWith("Could not reach DynamoDB for DescribeContinuousBackups");
    assertThat(policies.condition(NAMESPACE, "far-away", "Reconciling"))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
    assertThat(
            operator
                .metrics()
                .sum(
                    "pitr_aws_calls_total",
                    "operation",
                    "UpdateContinuousBackups",
                    "outcome",
                    "EndpointUnreachable"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void deletingADisablePolicyWaitsWhileDynamoDbCannotBeReached() {
    ContinuousBackupsPolicy policy = policies.newPolicy("cut-off", "payments", true, 7);
    policy.getSpec().setRegion("eu-west-1");
    policy.getSpec().setDeletionPolicy(DeletionPolicy.Disable);
    policy.getSpec().setAcknowledgeRestorePointLoss("test: off on delete");
    policies.client().resource(policy).inNamespace(NAMESPACE).create();
    policies.awaitCondition(NAMESPACE, "cut-off", "Ready", "False", "EndpointUnreachable");
    org.awaitility.Awaitility.await()
        .until(
            () ->
                policies
                    .get(NAMESPACE, "cut-off")
                    .hasFinalizer(ContinuousBackupsPolicyReconciler.FINALIZER));

    policies.delete(NAMESPACE, "cut-off");

    String leaving =
        "Could not turn point-in-time recovery off before the policy goes: Could not reach"
            + " DynamoDB";
    Condition waiting =
        org.awaitility.Awaitility.await()
            .until(
                () -> policies.condition(NAMESPACE, "cut-off", "Ready").orElse(null),
                c -> c != null && c.getMessage().startsWith(leaving));
    assertThat(waiting.getReason()).isEqualTo("EndpointUnreachable");
    assertThat(policies.get(NAMESPACE, "cut-off").getMetadata().getDeletionTimestamp()).isNotNull();
    // A person who accepts that PITR stays on lets the policy go by removing the finalizer.
    policies.edit(NAMESPACE, "cut-off", p -> p.getMetadata().getFinalizers().clear());
    policies.awaitGone(NAMESPACE, "cut-off");
  }

  @Test
  void policyWithoutRegionWhenTheOperatorHasNoneIsAnInvalidSpec() {
    policies.create(NAMESPACE, "nowhere", "orders", true, 7);

    Condition stalled =
        policies.awaitCondition(NAMESPACE, "nowhere", "Stalled", "True", "InvalidSpec");
    assertThat(stalled.getMessage()).contains("No region");
  }
}
