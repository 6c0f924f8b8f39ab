package io.pitr.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ContinuousBackupsUnavailableException;
import software.amazon.awssdk.services.dynamodb.model.InternalServerErrorException;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryStatus;

/** Faults the emulator injects, and what it observes, through its Java API and admin endpoint. */
class FaultInjectionTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Scope SCOPE = new Scope("000000000000", "eu-west-1");

  private final HttpClient http = HttpClient.newHttpClient();
  private EmulatorClock clock;
  private DynamoDbEmulator emulator;
  private DynamoDbClient dynamoDb;

  @BeforeEach
  void start() {
    clock = EmulatorClock.fixedAt(Instant.parse("2026-11-25T10:00:00Z"));
    emulator = DynamoDbEmulator.start(EmulatorSettings.defaults(), clock);
    emulator.createTable(SCOPE, "orders");
    dynamoDb = EmulatorClients.client(emulator, "eu-west-1");
  }

  @AfterEach
  void stop() {
    dynamoDb.close();
    emulator.close();
  }

  @Test
  void nextCallsFailWithTheScriptedErrorThenSucceed() {
    emulator
        .faults()
        .failNext(Operation.UPDATE_CONTINUOUS_BACKUPS, 2, AwsErrorType.ACCESS_DENIED, "no access");

    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(this::enable)
          .isInstanceOfSatisfying(
              AwsServiceException.class,
              e -> {
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
                assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("no access");
              });
    }
    enable();
    assertThat(emulator.observations().calls(Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(3);
    assertThat(emulator.observations().calls(Operation.DESCRIBE_CONTINUOUS_BACKUPS)).isZero();
  }

  @Test
  void scriptedFailuresScopedToATableAreTakenOnlyByCallsNamingIt() {
    emulator.createTable(SCOPE, "payments");
    emulator
        .faults()
        .failNext(
            Operation.UPDATE_CONTINUOUS_BACKUPS,
            "payments",
            1,
            AwsErrorType.INTERNAL_SERVER_ERROR,
            "only payments");

    enable();
    assertThatThrownBy(() -> enable("arn:aws:dynamodb:eu-west-1:000000000000:table/payments"))
        .as("an ARN names the table too")
        .isInstanceOfSatisfying(
            InternalServerErrorException.class,
            e -> assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("only payments"));
    enable("payments");
    assertThat(emulator.observations().requests())
        .extracting(Observations.RequestRecord::errorCode)
        .containsExactly(null, "InternalServerError", null);
  }

  @Test
  void aReportedPitrStatusReplacesTheTablesOwnForAWhile() {
    emulator.faults().reportPitrStatus(SCOPE, "orders", "ENABLING", Duration.ofSeconds(30));

    var answered =
        dynamoDb
            .updateContinuousBackups(
                r ->
                    r.tableName("orders")
                        .pointInTimeRecoverySpecification(
                            s -> s.pointInTimeRecoveryEnabled(true).recoveryPeriodInDays(7)))
            .continuousBackupsDescription()
            .pointInTimeRecoveryDescription();
    assertThat(answered.pointInTimeRecoveryStatusAsString()).isEqualTo("ENABLING");
    assertThat(answered.pointInTimeRecoveryStatus())
        .as("a value the SDK does not know")
        .isEqualTo(PointInTimeRecoveryStatus.UNKNOWN_TO_SDK_VERSION);
    assertThat(answered.recoveryPeriodInDays()).isNull();

    clock.advance(Duration.ofSeconds(30));

    var described =
        dynamoDb
            .describeContinuousBackups(r -> r.tableName("orders"))
            .continuousBackupsDescription()
            .pointInTimeRecoveryDescription();
    assertThat(described.pointInTimeRecoveryStatusAsString())
        .as("the update took effect underneath")
        .isEqualTo("ENABLED");
    assertThat(described.recoveryPeriodInDays()).isEqualTo(7);
  }

  @Test
  void theRequestLogTellsCallersApartByAccessKey() {
    try (DynamoDbClient other = EmulatorClients.client(emulator, "eu-west-1", "someone-else")) {
      other.describeContinuousBackups(r -> r.tableName("orders"));
    }
    dynamoDb.describeContinuousBackups(r -> r.tableName("orders"));

    assertThat(emulator.observations().requests())
        .extracting(Observations.RequestRecord::accessKeyId)
        .containsExactly("someone-else", EmulatorClients.ACCESS_KEY);
  }

  @Test
  void callsAboveTheRateAreThrottled() {
    emulator.faults().throttle(Operation.DESCRIBE_CONTINUOUS_BACKUPS, 5);

    long throttled =
        IntStream.range(0, 20)
            .filter(
                i -> {
                  try {
                    dynamoDb.describeContinuousBackups(r -> r.tableName("orders"));
                    return false;
                  } catch (AwsServiceException e) {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException");
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Rate exceeded");
                    assertThat(e.isThrottlingException()).isTrue();
                    return true;
                  }
                })
            .count();

    assertThat(throttled)
        .as("a burst of 20 against 5/s, the emulator's clock standing still")
        .isEqualTo(15);
    assertThat(emulator.observations().calls(Operation.DESCRIBE_CONTINUOUS_BACKUPS)).isEqualTo(20);

    clock.advance(Duration.ofMillis(400));
    dynamoDb.describeContinuousBackups(r -> r.tableName("orders"));
    dynamoDb.describeContinuousBackups(r -> r.tableName("orders"));
    assertThatThrownBy(() -> dynamoDb.describeContinuousBackups(r -> r.tableName("orders")))
        .as("0.4 s of the emulator's clock refilled two calls at 5/s")
        .isInstanceOfSatisfying(
            AwsServiceException.class, e -> assertThat(e.isThrottlingException()).isTrue());
  }

  @Test
  void aShareOfCallsIsThrottledWhateverTheirRate() {
    emulator.faults().throttleShare(Operation.UPDATE_CONTINUOUS_BACKUPS, 1.0);

    assertThatThrownBy(
            () ->
                dynamoDb.updateContinuousBackups(
                    r ->
                        r.tableName("orders")
                            .pointInTimeRecoverySpecification(
                                s -> s.pointInTimeRecoveryEnabled(true))))
        .isInstanceOfSatisfying(
            AwsServiceException.class,
            e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException"));
    dynamoDb.describeContinuousBackups(r -> r.tableName("orders"));
    assertThat(emulator.faults().describe())
        .extractingByKey("throttleProbability")
        .isEqualTo(java.util.Map.of("UpdateContinuousBackups", 1.0));

    emulator.faults().clear();
    dynamoDb.updateContinuousBackups(
        r ->
            r.tableName("orders")
                .pointInTimeRecoverySpecification(s -> s.pointInTimeRecoveryEnabled(true)));
  }

  @Test
  void faultsOfOneRegionLeaveTheOthersAlone() {
    emulator.faults().internalErrors("eu-west-1", 1.0).latency("eu-west-1", Duration.ofMillis(300));
    try (DynamoDbClient elsewhere = EmulatorClients.client(emulator, "us-east-1", "someone")) {
      elsewhere.createTable(
          r ->
              r.tableName("orders")
                  .billingMode("PAY_PER_REQUEST")
                  .attributeDefinitions(a -> a.attributeName("pk").attributeType("S"))
                  .keySchema(k -> k.attributeName("pk").keyType("HASH")));
      long started = System.nanoTime();
      elsewhere.listTables();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(300));
    }

    long started = System.nanoTime();
    assertThatThrownBy(() -> dynamoDb.describeContinuousBackups(r -> r.tableName("orders")))
        .isInstanceOf(InternalServerErrorException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void anEmulatorThatStopsListeningRefusesConnectionsAndComesBackWithItsTables() {
    emulator.stopListening();
    assertThatThrownBy(() -> dynamoDb.describeContinuousBackups(r -> r.tableName("orders")))
        .isInstanceOf(software.amazon.awssdk.core.exception.SdkClientException.class)
        .hasRootCauseInstanceOf(java.net.ConnectException.class);

    emulator.listenAgain();
    assertThat(dynamoDb.describeContinuousBackups(r -> r.tableName("orders"))).isNotNull();
  }

  @Test
  void internalErrorsFollowTheProbability() {
    emulator.faults().internalErrors(Operation.DESCRIBE_CONTINUOUS_BACKUPS, 1.0);

    assertThatThrownBy(() -> dynamoDb.describeContinuousBackups(r -> r.tableName("orders")))
        .isInstanceOfSatisfying(
            InternalServerErrorException.class, e -> assertThat(e.statusCode()).isEqualTo(500));
    assertThat(dynamoDb.listTables().tableNames()).as("other operations unaffected").hasSize(1);

    emulator.faults().internalErrors(Operation.DESCRIBE_CONTINUOUS_BACKUPS, 0.0);
    dynamoDb.describeContinuousBackups(r -> r.tableName("orders"));
  }

  @Test
  void addedLatencyDelaysAnswers() {
    emulator.faults().latency(Operation.DESCRIBE_CONTINUOUS_BACKUPS, Duration.ofMillis(150));

    long started = System.nanoTime();
    dynamoDb.describeContinuousBackups(r -> r.tableName("orders"));
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

    assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(150));
    assertThat(emulator.observations().requests().get(0).durationMicros())
        .isGreaterThanOrEqualTo(150_000);
  }

  @Test
  void backupsUnavailableWindowEndsWithTheClock() {
    emulator.faults().backupsUnavailable(SCOPE, "orders", Duration.ofSeconds(30));

    assertThatThrownBy(this::enable).isInstanceOf(ContinuousBackupsUnavailableException.class);
    clock.advance(Duration.ofSeconds(30));
    enable();
  }

  @Test
  void adminEndpointSetsFaultsAdvancesTheClockAndReportsCalls() throws Exception {
    JsonNode faults =
        admin(
            "POST",
            "faults",
            "{\"failNext\":[{\"operation\":\"UpdateContinuousBackups\",\"count\":1,"
                + "\"error\":\"ThrottlingException\"}],"
                + "\"backupsUnavailable\":[{\"table\":\"orders\",\"region\":\"eu-west-1\","
                + "\"seconds\":60}],"
                + "\"pitrStatus\":[{\"table\":\"payments\",\"status\":\"ENABLING\","
                + "\"seconds\":5}]}");
    assertThat(
            faults
                .at("/pitrStatus/arn:aws:dynamodb:us-east-1:000000000000:table~1payments/status")
                .asText())
        .isEqualTo("ENABLING");
    assertThat(faults.at("/failNext/UpdateContinuousBackups/0").asText())
        .isEqualTo("ThrottlingException");

    assertThatThrownBy(this::enable)
        .isInstanceOfSatisfying(
            AwsServiceException.class, e -> assertThat(e.isThrottlingException()).isTrue());
    assertThatThrownBy(this::enable).isInstanceOf(ContinuousBackupsUnavailableException.class);
    admin("POST", "clock/advance", "{\"seconds\":60}");
    enable();

    JsonNode calls = admin("GET", "calls", null);
    assertThat(calls.get("UpdateContinuousBackups").asLong()).isEqualTo(3);
    JsonNode requests = admin("GET", "requests", null);
    assertThat(requests).hasSize(3);
    assertThat(requests.get(0).get("errorCode").asText()).isEqualTo("ThrottlingException");
    assertThat(requests.get(2).get("httpStatus").asInt()).isEqualTo(200);
    assertThat(requests.get(2).get("accessKeyId").asText()).isEqualTo(EmulatorClients.ACCESS_KEY);

    admin("DELETE", "calls", null);
    assertThat(admin("GET", "calls", null).get("UpdateContinuousBackups").asLong()).isZero();
    admin("DELETE", "faults", null);
    assertThat(admin("GET", "faults", null).get("failNext")).isEmpty();
  }

  @Test
  void adminEndpointRejectsBadFaultsWithAReason() throws Exception {
    HttpResponse<String> response =
        adminRaw("POST", "faults", "{\"failNext\":[{\"operation\":\"Nope\",\"count\":1}]}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("unknown operation Nope");
  }

  private void enable() {
    enable("orders");
  }

  private void enable(String table) {
    dynamoDb.updateContinuousBackups(
        r ->
            r.tableName(table)
                .pointInTimeRecoverySpecification(
                    s -> s.pointInTimeRecoveryEnabled(true).recoveryPeriodInDays(7)));
  }

  private JsonNode admin(String method, String resource, String body) throws Exception {
    HttpResponse<String> response = adminRaw(method, resource, body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private HttpResponse<String> adminRaw(String method, String resource, String body)
      throws Exception {
    URI uri = emulator.endpoint().resolve("/_emulator/" + resource);
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
