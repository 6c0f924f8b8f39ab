package io.pitr.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The example IAM policies grant the operator's two calls and nothing else (and, for policy sets,
 * the two it lists tables with), and the tenant role of the multi-account example trusts only the
 * operator's role, with the binding's ExternalId, for sessions tagged with the tenant's namespace
 * (the README's "Several teams and accounts").
 */
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
  void policySetsAddOnlyListingTablesAndReadingTheirTags() throws Exception {
    JsonNode policy =
        json.readTree(Path.of("deploy", "iam", "pitr-operator-policy-sets.json").toFile());

    JsonNode list = policy.at("/Statement/0");
    JsonNode tags = policy.at("/Statement/1");
    assertThat(policy.get("Statement")).hasSize(2);
    // ListTables names no resource: IAM allows it only on "*".
    assertThat(list.get("Action").toString()).isEqualTo("[\"dynamodb:ListTables\"]");
    assertThat(list.get("Resource").asText()).isEqualTo("*");
    assertThat(tags.get("Action").toString()).isEqualTo("[\"dynamodb:ListTagsOfResource\"]");
    assertThat(tags.get("Resource").asText()).matches("arn:aws:dynamodb:[^:]+:\\d{12}:table/.+");
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

  @Test
  void aTenantsRoleTrustsTheOperatorOnlyWithItsExternalIdAndNamespaceTag() throws Exception {
    JsonNode trust =
        json.readTree(Path.of("deploy", "iam", "tenant-role-trust-policy.json").toFile());
    JsonNode binding =
        new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readTree(Path.of("deploy", "examples", "tenancy", "payments-binding.yaml").toFile());
    String externalId = binding.at("/spec/assumeRole/externalId").asText();
    String namespace = binding.at("/spec/namespaces/names/0").asText();

    JsonNode assume = trust.at("/Statement/0");
    assertThat(assume.get("Action").asText()).isEqualTo("sts:AssumeRole");
    assertThat(assume.at("/Condition/StringEquals/sts:ExternalId").asText()).isEqualTo(externalId);
    assertThat(assume.at("/Condition/StringEquals/aws:RequestTag~1pitr-namespace").asText())
        .isEqualTo(namespace);
    JsonNode tag = trust.at("/Statement/1");
    assertThat(tag.get("Action").asText()).isEqualTo("sts:TagSession");
    assertThat(tag.at("/Condition/ForAllValues:StringEquals/aws:TagKeys").toString())
        .isEqualTo("[\"pitr-namespace\",\"pitr-policy\"]");

    JsonNode permissions =
        json.readTree(Path.of("deploy", "iam", "tenant-role-policy.json").toFile());
    assertThat(permissions.at("/Statement/2/Resource").asText())
        .as("policy sets read tags of the binding's tables only")
        .isEqualTo(permissions.at("/Statement/0/Resource").asText());
    assertThat(permissions.at("/Statement/0/Resource").asText())
        .as("the binding's account and table pattern")
        .isEqualTo(
            "arn:aws:dynamodb:eu-west-1:"
                + binding.at("/spec/accountId").asText()
                + ":table/"
                + binding.at("/spec/tableNames/0").asText());
  }
}
