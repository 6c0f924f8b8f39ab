package io.pitr.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The example IAM policy grants the operator's two calls and nothing else. */
class IamPolicyTest {

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void grantsOnlyThePointInTimeRecoveryCallsOnTables() throws Exception {
    JsonNode policy = json.readTree(Path.of("deploy", "iam", "pitr-operator-policy.json").toFile());

    List<String> actions = new ArrayList<>();
    for (JsonNode statement : policy.get("Statement")) {
      assertThat(statement.get("Effect").asText()).isEqualTo("Allow");
      assertThat(statement.get("Resource").asText())
          .matches("arn:aws:dynamodb:[^:]+:\\d{12}:table/.+");
      statement.get("Action").forEach(action -> actions.add(action.asText()));
    }
    assertThat(actions)
        .containsExactlyInAnyOrder(
            "dynamodb:DescribeContinuousBackups", "dynamodb:UpdateContinuousBackups");
  }

  @Test
  void trustPoliciesAreForTheOperatorsServiceAccount() throws Exception {
    JsonNode irsa = json.readTree(Path.of("deploy", "iam", "irsa-trust-policy.json").toFile());
    JsonNode podIdentity =
        json.readTree(Path.of("deploy", "iam", "pod-identity-trust-policy.json").toFile());

    assertThat(irsa.toString())
        .contains("sts:AssumeRoleWithWebIdentity")
        .contains("system:serviceaccount:pitr-system:pitr-operator");
    assertThat(podIdentity.at("/Statement/0/Principal/Service").asText())
        .isEqualTo("pods.eks.amazonaws.com");
  }
}
