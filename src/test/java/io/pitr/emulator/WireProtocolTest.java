package io.pitr.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The bytes on the wire: DynamoDB's JSON 1.0 protocol as clients parse it (spec section 2). */
class WireProtocolTest {

  private static final String SIGNED =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/eu-west-1/dynamodb/aws4_request,"
          + " SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=abc";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newHttpClient();
  private DynamoDbEmulator emulator;

  @BeforeEach
  void start() {
    emulator = DynamoDbEmulator.start(EmulatorSettings.defaults());
    emulator.createTable(new Scope("000000000000", "eu-west-1"), "orders");
  }

  @AfterEach
  void stop() {
    emulator.close();
  }

  @Test
  void answersWithDynamoDbHeadersAndTheExactBodyOfTheSpec() throws Exception {
    HttpResponse<byte[]> response =
        post("DynamoDB_20120810.DescribeContinuousBackups", "{\"TableName\":\"orders\"}", SIGNED);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(new String(response.body(), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"ContinuousBackupsDescription\":{\"ContinuousBackupsStatus\":\"ENABLED\","
                + "\"PointInTimeRecoveryDescription\":{\"PointInTimeRecoveryStatus\":\"DISABLED\"}}}");
    assertThat(response.headers().firstValue("x-amz-crc32")).hasValue("430025545");
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("application/x-amz-json-1.0");
    assertThat(response.headers().firstValue("x-amzn-RequestId"))
        .hasValueSatisfying(id -> assertThat(id).matches("[A-Z0-9]{52}"));
  }

  @Test
  void timestampsAreEpochSecondsAsJsonNumbers() throws Exception {
    post(
        "DynamoDB_20120810.UpdateContinuousBackups",
        "{\"TableName\":\"orders\",\"PointInTimeRecoverySpecification\":"
            + "{\"PointInTimeRecoveryEnabled\":true}}",
        SIGNED);

    JsonNode described =
        json(
            post(
                "DynamoDB_20120810.DescribeContinuousBackups",
                "{\"TableName\":\"orders\"}",
                SIGNED));

    JsonNode earliest =
        described.at(
            "/ContinuousBackupsDescription/PointInTimeRecoveryDescription/EarliestRestorableDateTime");
    assertThat(earliest.isNumber()).isTrue();
    assertThat(earliest.asDouble() % 1).as("whole seconds").isZero();
  }

  @Test
  void errorsCarryTheFullShapeIdTheMessageAndAChecksum() throws Exception {
    HttpResponse<byte[]> response =
        post("DynamoDB_20120810.DescribeContinuousBackups", "{\"TableName\":\"missing\"}", SIGNED);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response))
        .isEqualTo(
            JSON.readTree(
                "{\"__type\":\"com.amazonaws.dynamodb.v20120810#TableNotFoundException\","
                    + "\"message\":\"Table not found: missing\"}"));
    CRC32 crc = new CRC32();
    crc.update(response.body());
    assertThat(response.headers().firstValue("x-amz-crc32"))
        .hasValue(Long.toString(crc.getValue()));
  }

  @ParameterizedTest(name = "target {0}")
  @CsvSource({"DynamoDB_20120810.PutItem", "DynamoDB_20120810.describeTable", "Bogus.ListTables"})
  void unknownTargetsAreUnknownOperationWithoutMessage(String target) throws Exception {
    HttpResponse<byte[]> response = post(target, "{}", SIGNED);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response))
        .isEqualTo(
            JSON.readTree("{\"__type\":\"com.amazon.coral.service#UnknownOperationException\"}"));
    assertThat(emulator.observations().callCounts())
        .containsEntry(Observations.UNKNOWN_OPERATION, 1L);
  }

  @Test
  void unparseableJsonIsSerializationException() throws Exception {
    HttpResponse<byte[]> response = post("DynamoDB_20120810.ListTables", "{\"Limit\":", SIGNED);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("__type").asText())
        .isEqualTo("com.amazon.coral.service#SerializationException");
  }

  @Test
  void wrongMemberTypeIsSerializationExceptionWithCapitalMessage() throws Exception {
    HttpResponse<byte[]> response =
        post(
            "DynamoDB_20120810.UpdateContinuousBackups",
            "{\"TableName\":\"orders\",\"PointInTimeRecoverySpecification\":"
                + "{\"PointInTimeRecoveryEnabled\":true,\"RecoveryPeriodInDays\":\"7\"}}",
            SIGNED);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response))
        .isEqualTo(
            JSON.readTree(
                "{\"__type\":\"com.amazon.coral.service#SerializationException\","
                    + "\"Message\":\"class java.lang.String can not be converted to an Integer\"}"));
  }

  @Test
  void emptyBodyIsAnEmptyRequestAndUnknownMembersAreIgnored() throws Exception {
    assertThat(json(post("DynamoDB_20120810.ListTables", "", SIGNED)).get("TableNames"))
        .containsExactly(JSON.getNodeFactory().textNode("orders"));
    assertThat(
            post(
                    "DynamoDB_20120810.DescribeTable",
                    "{\"TableName\":\"orders\",\"FromTheFuture\":{\"x\":1}}",
                    SIGNED)
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void regionComesFromTheSignatureScopeAndDefaultsWithoutOne() throws Exception {
    assertThat(
            post("DynamoDB_20120810.DescribeTable", "{\"TableName\":\"orders\"}", null)
                .statusCode())
        .as("unsigned requests act in the default region, us-east-1, where orders does not exist")
        .isEqualTo(400);
    assertThat(emulator.observations().requests())
        .last()
        .returns("us-east-1", Observations.RequestRecord::region)
        .returns("ResourceNotFoundException", Observations.RequestRecord::errorCode)
        .returns("orders", Observations.RequestRecord::table);
  }

  @Test
  void strictModeRejectsUnsignedRequests() throws Exception {
    try (var strict =
        DynamoDbEmulator.start(EmulatorSettings.builder().requireAuthentication(true).build())) {
      HttpResponse<byte[]> response =
          http.send(
              request(strict.endpoint(), "DynamoDB_20120810.ListTables", "{}", null),
              HttpResponse.BodyHandlers.ofByteArray());

      assertThat(json(response))
          .isEqualTo(
              JSON.readTree(
                  "{\"__type\":\"com.amazon.coral.service#MissingAuthenticationTokenException\","
                      + "\"message\":\"Request is missing Authentication Token\"}"));
    }
  }

  @Test
  void getOnTheRootIsAHealthCheck() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(emulator.endpoint()).GET().build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).startsWith("healthy: dynamodb.");
  }

  private HttpResponse<byte[]> post(String target, String body, String authorization)
      throws IOException, InterruptedException {
    return http.send(
        request(emulator.endpoint(), target, body, authorization),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static HttpRequest request(
      URI endpoint, String target, String body, String authorization) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(endpoint)
            .header("Content-Type", "application/x-amz-json-1.0")
            .header("X-Amz-Target", target)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      builder.header("Authorization", authorization);
    }
    return builder.build();
  }

  private static JsonNode json(HttpResponse<byte[]> response) throws IOException {
    return JSON.readTree(response.body());
  }
}
