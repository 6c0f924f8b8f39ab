package io.pitr.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The emulator's behaviour as seen by a DynamoDB client nobody here wrote. Subclasses say how to
 * make one call with their client; the scenarios are the same for all of them.
 */
abstract class ExternalClientConformance {

  static final String REGION = "eu-west-1";
  static final ObjectMapper JSON = new ObjectMapper();

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
   * Makes {@code operation} (its API name) with {@code params} (API member names) via the client.
   */
  abstract Outcome call(URI endpoint, String operation, String params);

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

  Outcome call(String operation, String params) {
    return call(emulator.endpoint(), operation, params);
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
