package io.pitr.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * The three ways to register an assumable role: the Java API, the admin API and the command line.
 */
class RoleRegistrationTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REGION = "eu-west-1";
  private static final String ROLE_ARN = "arn:aws:iam::222222222222:role/pitr";

  private final HttpClient http = HttpClient.newHttpClient();
  private DynamoDbEmulator emulator;

  @BeforeEach
  void start() {
    emulator = DynamoDbEmulator.start(EmulatorSettings.defaults());
  }

  @AfterEach
  void stop() {
    emulator.close();
  }

  @Test
  void javaApiRegistersReplacesAndForgetsRoles() {
    emulator.registerRole(new AssumableRole(ROLE_ARN, "first-id", Set.of("111111111111")));
    AssumeRoleResponse first = assumeRole(emulator, "111111111111", "first-id");

    emulator.registerRole(AssumableRole.trustingAnyAccount(ROLE_ARN, "second-id"));
    assertThat(emulator.roles())
        .containsExactly(new AssumableRole(ROLE_ARN, "second-id", Set.of()));
    assertThatThrownBy(() -> assumeRole(emulator, "111111111111", "first-id"))
        .as("the trust was replaced")
        .isInstanceOf(StsException.class);
    AssumeRoleResponse second = assumeRole(emulator, "333333333333", "second-id");
    assertThat(roleId(second))
        .as("the role keeps its id, as an IAM role does while it exists")
        .isEqualTo(roleId(first));

    emulator.clearRoles();
    assertThat(emulator.roles()).isEmpty();
    assertThatThrownBy(() -> assumeRole(emulator, "333333333333", "second-id"))
        .isInstanceOfSatisfying(
            StsException.class,
            e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied"));
    try (StsClient asRole =
        EmulatorClients.sts(emulator.endpoint(), REGION, second.credentials())) {
      assertThat(asRole.getCallerIdentity().account())
          .as("issued credentials outlive the role's registration until they expire")
          .isEqualTo("222222222222");
    }
  }

  @Test
  void rolesThatStsCouldNeverAssumeAreRefused() {
    assertThatThrownBy(() -> AssumableRole.trustingAnyAccount("arn:aws:iam::2222:role/x", "ab"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("roleArn");
    assertThatThrownBy(() -> AssumableRole.trustingAnyAccount(ROLE_ARN, "a"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("externalId");
    assertThatThrownBy(() -> AssumableRole.trustingAnyAccount(ROLE_ARN, "has space"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("externalId");
    assertThatThrownBy(() -> new AssumableRole(ROLE_ARN, "ab", Set.of("one")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trusted accounts");
  }

  @Test
  void aRolesPathIsLeftOutOfTheAssumedRoleArn() {
    emulator.registerRole(
        AssumableRole.trustingAnyAccount("arn:aws:iam::222222222222:role/ops/team/pitr", "ab"));

    assertThat(
            assumeRole(
                    emulator, "111111111111", "ab", "arn:aws:iam::222222222222:role/ops/team/pitr")
                .assumedRoleUser()
                .arn())
        .isEqualTo("arn:aws:sts::222222222222:assumed-role/pitr/session");
  }

  @Test
  void adminApiRegistersListsAndForgetsRoles() throws Exception {
    JsonNode registered =
        admin(
            "POST",
            "roles",
            "{\"roleArn\":\""
                + ROLE_ARN
                + "\",\"externalId\":\"admin-id\",\"trustedAccounts\":[\"111111111111\"]}",
            200);
    assertThat(registered)
        .isEqualTo(
            JSON.readTree(
                "[{\"roleArn\":\""
                    + ROLE_ARN
                    + "\",\"externalId\":\"admin-id\",\"trustedAccounts\":[\"111111111111\"]}]"));
    assertThat(admin("GET", "roles", null, 200)).isEqualTo(registered);

    AssumeRoleResponse assumed = assumeRole(emulator, "111111111111", "admin-id");
    assertThatThrownBy(() -> assumeRole(emulator, "333333333333", "admin-id"))
        .as("trustedAccounts is enforced")
        .isInstanceOf(StsException.class);
    try (var asRole = EmulatorClients.client(emulator.endpoint(), REGION, assumed.credentials())) {
      asRole.listTables();
    }

    JsonNode requests = admin("GET", "requests", null, 200);
    assertThat(requests.get(0).get("assumeRole"))
        .isEqualTo(
            JSON.readTree(
                "{\"roleArn\":\""
                    + ROLE_ARN
                    + "\",\"roleSessionName\":\"session\",\"sessionTags\":{},"
                    + "\"externalIdMatched\":true}"));
    assertThat(requests.get(1).at("/assumeRole/externalIdMatched").asBoolean()).isTrue();
    assertThat(requests.get(1).get("errorCode").asText()).isEqualTo("AccessDenied");
    assertThat(requests.get(2).get("operation").asText()).isEqualTo("ListTables");
    assertThat(requests.get(2).get("accountId").asText()).isEqualTo("222222222222");
    assertThat(requests.get(2).get("roleArn").asText()).isEqualTo(ROLE_ARN);
    assertThat(requests.get(2).get("roleSessionName").asText()).isEqualTo("session");
    assertThat(requests.get(2).has("assumeRole")).isFalse();
    assertThat(admin("GET", "calls", null, 200).get("AssumeRole").asLong()).isEqualTo(2);

    assertThat(admin("DELETE", "roles", null, 200)).isEmpty();
    assertThat(emulator.roles()).isEmpty();
  }

  @Test
  void adminApiRefusesABadRoleWithAReason() throws Exception {
    assertThat(
            admin("POST", "roles", "{\"roleArn\":\"" + ROLE_ARN + "\"}", 400).get("error").asText())
        .isEqualTo("externalId must be a string");
    assertThat(
            admin(
                    "POST",
                    "roles",
                    "{\"roleArn\":\"arn:aws:s3:::bucket\",\"externalId\":\"ab\"}",
                    400)
                .get("error")
                .asText())
        .contains("roleArn must be");
    assertThat(emulator.roles()).isEmpty();
  }

  @Test
  void commandLineRolesTrustAnyAccountAndKeepCommasInTheExternalId() throws Exception {
    assertThat(DynamoDbEmulatorMain.USAGE).contains("--role ROLE_ARN,EXTERNAL_ID");
    DynamoDbEmulatorMain.CommandLine commandLine =
        DynamoDbEmulatorMain.parse(new String[] {"--port", "0", "--role", ROLE_ARN + ",cli,id=1"});

    try (DynamoDbEmulator fromCommandLine = DynamoDbEmulatorMain.start(commandLine)) {
      assertThat(fromCommandLine.roles())
          .containsExactly(AssumableRole.trustingAnyAccount(ROLE_ARN, "cli,id=1"));
      assertThat(assumeRole(fromCommandLine, "444444444444", "cli,id=1").assumedRoleUser().arn())
          .isEqualTo("arn:aws:sts::222222222222:assumed-role/pitr/session");
    }
    assertThatThrownBy(() -> DynamoDbEmulatorMain.parse(new String[] {"--role", ROLE_ARN}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--role is ROLE_ARN,EXTERNAL_ID");
  }

  private static AssumeRoleResponse assumeRole(
      DynamoDbEmulator target, String callerAccount, String externalId) {
    return assumeRole(target, callerAccount, externalId, ROLE_ARN);
  }

  private static AssumeRoleResponse assumeRole(
      DynamoDbEmulator target, String callerAccount, String externalId, String roleArn) {
    try (StsClient sts = EmulatorClients.sts(target.endpoint(), REGION, callerAccount)) {
      return sts.assumeRole(
          r -> r.roleArn(roleArn).roleSessionName("session").externalId(externalId));
    }
  }

  private static String roleId(AssumeRoleResponse response) {
    return response.assumedRoleUser().assumedRoleId().split(":")[0];
  }

  private JsonNode admin(String method, String resource, String body, int expectedStatus)
      throws Exception {
    URI uri = emulator.endpoint().resolve("/_emulator/" + resource);
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri)
                .method(
                    method,
                    body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
    return JSON.readTree(response.body());
  }
}
