package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pitr.operator.aws.DynamoDbGateway;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.RealKubeApiServer;
import io.pitr.operator.testing.RunningOperator;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An operator whose endpoint answers nobody, and that has no default region. */
@ExtendWith(RealKubeApiServer.class)
class UnreachableEndpointIT {

  private static final String NAMESPACE = "unreachable";

  private static DynamoDbGateway gateway;
  private static RunningOperator operator;
  private static Policies policies;

  @BeforeAll
  static void start(KubernetesClient client) throws Exception {
    CustomResourceDefinitions.installContinuousBackupsPolicy(client);
    CustomResourceDefinitions.ensureNamespace(client, NAMESPACE);
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    gateway =
        Policies.gateway(URI.create("http://127.0.0.1:" + closedPort), Optional.empty(), metrics);
    operator =
        RunningOperator.start(
            client,
            gateway,
            RunningOperator.fastSettings(Optional.empty(), Duration.ofSeconds(2)),
            metrics,
            "unreachable");
    policies = new Policies(client, null, "unreachable");
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (gateway != null) {
      gateway.close();
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
        .startsWith("Could not reach DynamoDB for UpdateContinuousBackups");
    assertThat(policies.condition(NAMESPACE, "far-away", "Reconciling"))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
  }

  @Test
  void policyWithoutRegionWhenTheOperatorHasNoneIsAnInvalidSpec() {
    policies.create(NAMESPACE, "nowhere", "orders", true, 7);

    Condition stalled =
        policies.awaitCondition(NAMESPACE, "nowhere", "Stalled", "True", "InvalidSpec");
    assertThat(stalled.getMessage()).contains("No region");
  }
}
