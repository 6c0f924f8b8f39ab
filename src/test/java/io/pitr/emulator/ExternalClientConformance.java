package io.pitr.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The emulator's behaviour as seen by DynamoDB and STS clients nobody here wrote. Subclasses say
 * how to make one call with their client; the scenarios are the same for all of them.
 */
abstract class ExternalClientConformance {

  static final String REGION = "eu-west-1";
  static final ObjectMapper JSON = new ObjectMapper();
  static final Keys DEFAULT_KEYS = new Keys("AKIDEXAMPLE", "secret", null);
  static final String CALLER_ACCOUNT = "111111111111";
  static final String ROLE_ACCOUNT = "222222222222";
  static final String ROLE_ARN = "arn:aws:iam::" + ROLE_ACCOUNT + ":role/pitr";
  static final String EXTERNAL_ID = "pitr-operator-7f3a";

  DynamoDbEmulator emulator;

  /**
   * One call's outcome.
   *
   * @param response the parsed answer, on success
   * @param errorCode the error code, on an error answer
   * @param errorMessage the error message, on an error answer
   * @param clientError the client's own refusal to send the call, if it refused
   */
  record Outcome(JsonNode response, String errorCode, String errorMessage, String clientError) {}

  /**
   * The keys a call signs with.
   *
   * @param sessionToken the token of temporary credentials; null for long-term keys
   */
  record Keys(String accessKeyId, String secretAccessKey, String sessionToken) {

    /** The temporary credentials in an AssumeRole answer. */
    static Keys issuedBy(JsonNode assumeRoleResponse) {
      JsonNode credentials = assumeRoleResponse.get("Credentials");
      return new Keys(
          credentials.get("AccessKeyId").asText(),
          credentials.get("SecretAccessKey").asText(),
          credentials.get("SessionToken").asText());
    }
  }

  /**
   * Makes {@code operation} (its API name) of {@code service} ("dynamodb" or "sts") with {@code
   * params} (API member names) via the client, signed with {@code keys}.
   */
  abstract Outcome call(URI endpoint, String service, String operation, String params, Keys keys);

  @BeforeEach
  void startEmulator() {
    emulator = DynamoDbEmulator.start(EmulatorSettings.defaults());
  }

  @AfterEach
  void stopEmulator() {
    emulator.close();
  }

  @Test
  void pointInTimeRecoveryLifecycle() throws Exception {
    Outcome created = call("CreateTable", createTable("orders"));
    assertThat(created.response().at("/TableDescription/TableStatus").asText())
        .isEqualTo("CREATING");
    assertThat(created.response().at("/TableDescription/TableArn").asText())
        .isEqualTo("arn:aws:dynamodb:eu-west-1:000000000000:table/orders");

    assertThat(call("DescribeContinuousBackups", "{\"TableName\":\"orders\"}").response())
        .isEqualTo(
            JSON.readTree(
                "{\"ContinuousBackupsDescription\":{\"ContinuousBackupsStatus\":\"ENABLED\","
                    + "\"PointInTimeRecoveryDescription\":{\"PointInTimeRecoveryStatus\":\"DISABLED\"}}}"));

    JsonNode enabled = call("UpdateContinuousBackups", specification("orders", true, 7)).response();
    JsonNode pitr = enabled.at("/ContinuousBackupsDescription/PointInTimeRecoveryDescription");
    assertThat(pitr.get("PointInTimeRecoveryStatus").asText()).isEqualTo("ENABLED");
    assertThat(pitr.get("RecoveryPeriodInDays").asInt()).isEqualTo(7);
    assertThat(pitr.get("EarliestRestorableDateTime").asDouble())
        .isEqualTo(pitr.get("LatestRestorableDateTime").asDouble())
        .isCloseTo(System.currentTimeMillis() / 1000.0, org.assertj.core.data.Offset.offset(60.0));
    assertThat(call("DescribeContinuousBackups", "{\"TableName\":\"orders\"}").response())
        .isEqualTo(enabled);

    JsonNode disabled =
        call("UpdateContinuousBackups", specification("orders", false, null)).response();
    assertThat(disabled.at("/ContinuousBackupsDescription/PointInTimeRecoveryDescription"))
        .isEqualTo(JSON.readTree("{\"PointInTimeRecoveryStatus\":\"DISABLED\"}"));
  }

  @Test
  void serverSideValidationReachesTheClient() {
    call("CreateTable", createTable("orders"));

    Outcome tooLong = call("UpdateContinuousBackups", specification("orders", true, 36));
    assertThat(tooLong.errorCode()).isEqualTo("ValidationException");
    assertThat(tooLong.errorMessage())
        .isEqualTo(
            "1 validation error detected: Value '36' at"
                + " 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy"
                + " constraint: Member must have value less than or equal to 35");

    Outcome periodWithDisable = call("UpdateContinuousBackups", specification("orders", false, 7));
    assertThat(periodWithDisable.errorCode()).isEqualTo("ValidationException");
    assertThat(periodWithDisable.errorMessage())
        .isEqualTo(
            "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time"
                + " recovery.");

    Outcome zero = call("UpdateContinuousBackups", specification("orders", true, 0));
    assertThat(zero.clientError())
        .as("botocore checks minimums itself and never sends this (spec 2.6)")
        .contains("RecoveryPeriodInDays");
    assertThat(emulator.observations().calls(Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(2);
  }

  @Test
  void missingTablesAnswerTheErrorCodeOfEachOperation() {
    Outcome pitr = call("DescribeContinuousBackups", "{\"TableName\":\"missing\"}");
    assertThat(pitr.errorCode()).isEqualTo("TableNotFoundException");
    assertThat(pitr.errorMessage()).isEqualTo("Table not found: missing");

    Outcome table = call("DescribeTable", "{\"TableName\":\"missing\"}");
    assertThat(table.errorCode()).isEqualTo("ResourceNotFoundException");
    assertThat(table.errorMessage())
        .isEqualTo("Requested resource not found: Table: missing not found");
  }

  @Test
  void tablesAndTags() {
    call("CreateTable", createTable("orders"));
    call("CreateTable", createTable("customers"));
    String arn = "arn:aws:dynamodb:eu-west-1:000000000000:table/orders";

    assertThat(call("ListTables", "{}").response().get("TableNames"))
        .extracting(JsonNode::asText)
        .containsExactly("customers", "orders");
    call(
        "TagResource",
        "{\"ResourceArn\":\""
            + arn
            + "\",\"Tags\":[{\"Key\":\"team\",\"Value\":\"a\"},{\"Key\":\"env\",\"Value\":\"dev\"}]}");
    call("UntagResource", "{\"ResourceArn\":\"" + arn + "\",\"TagKeys\":[\"env\"]}");
    assertThat(
            call("ListTagsOfResource", "{\"ResourceArn\":\"" + arn + "\"}").response().get("Tags"))
        .containsExactly(JSON.createObjectNode().put("Key", "team").put("Value", "a"));

    Outcome deleted = call("DeleteTable", "{\"TableName\":\"orders\"}");
    assertThat(deleted.response().at("/TableDescription/TableStatus").asText())
        .isEqualTo("DELETING");
    assertThat(call("DescribeContinuousBackups", "{\"TableName\":\"orders\"}").errorCode())
        .isEqualTo("TableNotFoundException");
  }

  @Test
  void injectedFaultsReachTheClient() {
    call("CreateTable", createTable("orders"));
    emulator
        .faults()
        .failNext(Operation.DESCRIBE_CONTINUOUS_BACKUPS, 1, AwsErrorType.INTERNAL_SERVER_ERROR)
        .failNext(
            Operation.DESCRIBE_CONTINUOUS_BACKUPS, 1, AwsErrorType.THROTTLING, "Rate exceeded");

    assertThat(call("DescribeContinuousBackups", "{\"TableName\":\"orders\"}").errorCode())
        .isEqualTo("InternalServerError");
    Outcome throttled = call("DescribeContinuousBackups", "{\"TableName\":\"orders\"}");
    assertThat(throttled.errorCode()).isEqualTo("ThrottlingException");
    assertThat(throttled.errorMessage()).isEqualTo("Rate exceeded");
    assertThat(call("DescribeContinuousBackups", "{\"TableName\":\"orders\"}").response())
        .isNotNull();
    assertThat(emulator.observations().calls(Operation.DESCRIBE_CONTINUOUS_BACKUPS))
        .as("retries are off: one call each")
        .isEqualTo(3);
  }

  @Test
  void assumeRoleGivesCredentialsThatActInTheRolesAccount() {
    emulator.registerRole(new AssumableRole(ROLE_ARN, EXTERNAL_ID, Set.of(CALLER_ACCOUNT)));

    JsonNode assumed =
        sts(
                "AssumeRole",
                assumeRole(
                    "conformance", EXTERNAL_ID, "\"Tags\":[{\"Key\":\"team\",\"Value\":\"a\"}]"),
                callerKeys())
            .response();
    assertThat(assumed.at("/AssumedRoleUser/Arn").asText())
        .isEqualTo("arn:aws:sts::" + ROLE_ACCOUNT + ":assumed-role/pitr/conformance");
    assertThat(assumed.at("/AssumedRoleUser/AssumedRoleId").asText())
        .matches("AROA[A-Z0-9]{17}:conformance");
    assertThat(assumed.at("/Credentials/AccessKeyId").asText()).matches("ASIA[A-Z0-9]{16}");
    assertThat(assumed.get("PackedPolicySize").asInt()).isBetween(1, 100);
    Keys session = Keys.issuedBy(assumed);

    JsonNode identity = sts("GetCallerIdentity", "{}", session).response();
    assertThat(identity.get("Account").asText()).isEqualTo(ROLE_ACCOUNT);
    assertThat(identity.get("Arn").asText()).isEqualTo(assumed.at("/AssumedRoleUser/Arn").asText());
    assertThat(identity.get("UserId").asText())
        .isEqualTo(assumed.at("/AssumedRoleUser/AssumedRoleId").asText());

    Outcome created =
        call(emulator.endpoint(), "dynamodb", "CreateTable", createTable("orders"), session);
    assertThat(created.response().at("/TableDescription/TableArn").asText())
        .isEqualTo(new Scope(ROLE_ACCOUNT, REGION).tableArn("orders"));
    assertThat(call("ListTables", "{}").response().get("TableNames"))
        .as("the default account does not see the role's table")
        .isEmpty();
    assertThat(emulator.observations().requests().get(0).assumeRole())
        .isEqualTo(
            new Observations.AssumeRoleAttempt(ROLE_ARN, "conformance", Map.of("team", "a"), true));
  }

  @Test
  void getCallerIdentityOfLongTermKeysIsTheAccountsRoot() {
    JsonNode identity = sts("GetCallerIdentity", "{}", callerKeys()).response();

    assertThat(identity.get("Account").asText()).isEqualTo(CALLER_ACCOUNT);
    assertThat(identity.get("Arn").asText()).isEqualTo("arn:aws:iam::" + CALLER_ACCOUNT + ":root");
    assertThat(identity.get("UserId").asText()).isEqualTo(CALLER_ACCOUNT);
  }

  @Test
  void assumeRoleWithoutTheRightExternalIdIsAccessDenied() {
    emulator.registerRole(new AssumableRole(ROLE_ARN, EXTERNAL_ID, Set.of(CALLER_ACCOUNT)));
    String denied =
        "User: arn:aws:iam::"
            + CALLER_ACCOUNT
            + ":root is not authorized to perform: sts:AssumeRole on resource: "
            + ROLE_ARN;

    Outcome missing = sts("AssumeRole", assumeRole("conformance", null, null), callerKeys());
    assertThat(missing.errorCode()).isEqualTo("AccessDenied");
    assertThat(missing.errorMessage()).isEqualTo(denied);
    Outcome wrong = sts("AssumeRole", assumeRole("conformance", "guessed", null), callerKeys());
    assertThat(wrong.errorCode()).isEqualTo("AccessDenied");
    assertThat(wrong.errorMessage()).isEqualTo(denied);
    assertThat(emulator.observations().requests())
        .extracting(record -> record.assumeRole().externalIdMatched())
        .containsExactly(false, false);
  }

  @Test
  void injectedFaultsReachStsClientsInStsShape() {
    emulator.faults().failNext(Operation.GET_CALLER_IDENTITY, 1, AwsErrorType.THROTTLING);

    Outcome throttled = sts("GetCallerIdentity", "{}", callerKeys());
    assertThat(throttled.errorCode()).isEqualTo("Throttling");
    assertThat(throttled.errorMessage()).isEqualTo("Rate exceeded");
    assertThat(sts("GetCallerIdentity", "{}", callerKeys()).response()).isNotNull();
    assertThat(emulator.observations().calls(Operation.GET_CALLER_IDENTITY))
        .as("retries are off: one call each")
        .isEqualTo(2);
  }

  Outcome call(String operation, String params) {
    return call(emulator.endpoint(), "dynamodb", operation, params, DEFAULT_KEYS);
  }

  Outcome sts(String operation, String params, Keys keys) {
    return call(emulator.endpoint(), "sts", operation, params, keys);
  }

  /** Long-term keys whose 12-digit access key id makes the caller's account. */
  static Keys callerKeys() {
    return new Keys(CALLER_ACCOUNT, "secret", null);
  }

  /** AssumeRole's parameters for {@link #ROLE_ARN}; null leaves the ExternalId or more out. */
  static String assumeRole(String sessionName, String externalId, String more) {
    return "{\"RoleArn\":\""
        + ROLE_ARN
        + "\",\"RoleSessionName\":\""
        + sessionName
        + "\""
        + (externalId == null ? "" : ",\"ExternalId\":\"" + externalId + "\"")
        + (more == null ? "" : "," + more)
        + "}";
  }

  static String createTable(String name) {
    return "{\"TableName\":\""
        + name
        + "\",\"BillingMode\":\"PAY_PER_REQUEST\","
        + "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
        + "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}";
  }

  static String specification(String table, boolean enabled, Integer period) {
    return "{\"TableName\":\""
        + table
        + "\",\"PointInTimeRecoverySpecification\":"
        + "{\"PointInTimeRecoveryEnabled\":"
        + enabled
        + (period == null ? "" : ",\"RecoveryPeriodInDays\":" + period)
        + "}}";
  }
}
