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
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.Tag;

/**
 * The request rates the emulator enforces when asked (spec section 3.7): the {@code aws} preset
 * throttles each operation above its documented or assumed rate, per account and region, and lets
 * calls at that rate through; rates can be overridden from Java, the admin API and the command
 * line; nothing is limited by default. The emulator's clock stands still unless a test moves it, so
 * every count is exact. Not covered: how a client paces itself under the limits (the operator's
 * benchmark measures that).
 */
class LimitsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final String REGION = "eu-west-1";
  private static final Scope SCOPE = new Scope(EmulatorSettings.DEFAULT_ACCOUNT_ID, REGION);

  private final HttpClient http = HttpClient.newHttpClient();
  private EmulatorClock clock;
  private DynamoDbEmulator emulator;
  private DynamoDbClient dynamoDb;
  private String ordersArn;
  private int tablesMade;

  @BeforeEach
  void start() {
    clock = EmulatorClock.fixedAt(T0);
    emulator = DynamoDbEmulator.start(EmulatorSettings.builder().limits(Limits.AWS).build(), clock);
    ordersArn = emulator.createTable(SCOPE, "orders", Map.of("env", "prod"));
    dynamoDb = EmulatorClients.client(emulator, REGION);
  }

  @AfterEach
  void stop() {
    dynamoDb.close();
    emulator.close();
  }

  @ParameterizedTest(name = "{0} at {1}/s")
  @CsvSource({
    "DescribeContinuousBackups, 10",
    "ListTagsOfResource, 10",
    "TagResource, 5",
    "UntagResource, 5",
    "UpdateContinuousBackups, 5",
    "DescribeTable, 10",
    "ListTables, 10",
    "CreateTable, 5",
    "DeleteTable, 5"
  })
  void theAwsPresetThrottlesEachOperationAboveItsRate(String name, int rate) {
    Operation operation = Operation.fromApiName(name).orElseThrow();
    assertThat(Limits.AWS.rate(operation)).hasValue(rate);

    assertThat(throttledOf(operation, rate + 3))
        .as("a burst at one instant: one second's worth passes")
        .isEqualTo(3);
    clock.advance(Duration.ofSeconds(1));
    assertThat(throttledOf(operation, rate + 1))
        .as("a second later, one more second's worth and no more")
        .isEqualTo(1);

    assertThat(emulator.observations().calls(operation)).isEqualTo(2L * rate + 4);
    assertThat(emulator.observations().throttled(operation)).isEqualTo(4);
  }

  @ParameterizedTest(name = "{0} at {1}/s")
  @CsvSource({"ListTagsOfResource, 10", "TagResource, 5", "DescribeContinuousBackups, 10"})
  void callsAtTheRateAreNeverThrottled(String name, int rate) {
    Operation operation = Operation.fromApiName(name).orElseThrow();
    assertThat(throttledOf(operation, rate)).as("the burst").isZero();

    for (int i = 0; i < 5 * rate; i++) {
      clock.advance(Duration.ofSeconds(1).dividedBy(rate));
      assertThat(throttledOf(operation, 1)).as("call %d, paced at the rate", i).isZero();
    }
    assertThat(throttledOf(operation, 1)).as("one call more at the same instant").isEqualTo(1);

    assertThat(emulator.observations().calls(operation)).isEqualTo(6L * rate + 1);
    assertThat(emulator.observations().throttled(operation)).isEqualTo(1);
  }

  @Test
  void operationsHaveABucketEachPerAccountAndRegionSharedByTheAccountsCallers() {
    Scope otherAccount = new Scope("111111111111", REGION);
    String otherAccountArn = emulator.createTable(otherAccount, "orders");
    String otherRegionArn =
        emulator.createTable(new Scope(SCOPE.accountId(), "us-east-1"), "orders");

    assertThat(throttledOf(Operation.LIST_TAGS_OF_RESOURCE, 11)).isEqualTo(1);

    try (DynamoDbClient sameAccount = EmulatorClients.client(emulator, REGION, "someone-else")) {
      assertThatThrownBy(() -> sameAccount.listTagsOfResource(r -> r.resourceArn(ordersArn)))
          .as("another caller acting in the same account shares its budget")
          .isInstanceOfSatisfying(
              AwsServiceException.class, e -> assertThat(e.isThrottlingException()).isTrue());
    }
    try (DynamoDbClient other = EmulatorClients.client(emulator, REGION, "111111111111")) {
      assertThat(other.listTagsOfResource(r -> r.resourceArn(otherAccountArn)).tags()).isEmpty();
    }
    try (DynamoDbClient otherRegion = EmulatorClients.client(emulator, "us-east-1")) {
      assertThat(otherRegion.listTagsOfResource(r -> r.resourceArn(otherRegionArn)).tags())
          .isEmpty();
    }
    assertThat(throttledOf(Operation.DESCRIBE_CONTINUOUS_BACKUPS, 10))
        .as("another operation of the same account has its own budget")
        .isZero();
  }

  @Test
  void withoutLimitsNothingIsThrottled() {
    assertThat(EmulatorSettings.defaults().limits()).isEqualTo(Limits.NONE);
    emulator.close();
    emulator = DynamoDbEmulator.start(EmulatorSettings.defaults(), clock);
    ordersArn = emulator.createTable(SCOPE, "orders");
    dynamoDb.close();
    dynamoDb = EmulatorClients.client(emulator, REGION);

    assertThat(throttledOf(Operation.LIST_TAGS_OF_RESOURCE, 100)).isZero();
    assertThat(throttledOf(Operation.UPDATE_CONTINUOUS_BACKUPS, 100)).isZero();
    assertThat(emulator.faults().limits().isEmpty()).isTrue();
  }

  @Test
  void overridesChangeOneRateAndKeepTheOthers() {
    emulator
        .faults()
        .limits(
            Limits.AWS.with(Operation.LIST_TABLES, 2).with(Operation.UPDATE_CONTINUOUS_BACKUPS, 0));

    assertThat(throttledOf(Operation.LIST_TABLES, 3)).isEqualTo(1);
    assertThat(throttledOf(Operation.UPDATE_CONTINUOUS_BACKUPS, 50)).as("lifted").isZero();
    assertThat(throttledOf(Operation.DESCRIBE_CONTINUOUS_BACKUPS, 11)).isEqualTo(1);
    assertThatThrownBy(() -> Limits.AWS.with(Operation.LIST_TABLES, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("ListTables: the rate must be 0 (no limit) or a positive number");
    assertThatThrownBy(() -> Limits.AWS.with(Operation.LIST_TABLES, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void clearingFaultsKeepsTheLimitsAndNoneLiftsThem() {
    emulator.faults().throttleShare(Operation.LIST_TAGS_OF_RESOURCE, 1.0);
    emulator.faults().clear();

    assertThat(emulator.faults().limits()).isEqualTo(Limits.AWS);
    assertThat(throttledOf(Operation.LIST_TAGS_OF_RESOURCE, 11)).isEqualTo(1);

    emulator.faults().limits(Limits.NONE);
    assertThat(throttledOf(Operation.LIST_TAGS_OF_RESOURCE, 20)).isZero();
  }

  @Test
  void aLimitAnswersExactlyAsAThrottlingFaultDoes() {
    AwsServiceException limited = throttledCall(Operation.DESCRIBE_CONTINUOUS_BACKUPS, 11);

    emulator.faults().limits(Limits.NONE).throttle(Operation.DESCRIBE_CONTINUOUS_BACKUPS, 1);
    AwsServiceException faulted = throttledCall(Operation.DESCRIBE_CONTINUOUS_BACKUPS, 2);

    assertThat(limited.statusCode()).isEqualTo(400).isEqualTo(faulted.statusCode());
    assertThat(limited.awsErrorDetails().errorCode())
        .isEqualTo("ThrottlingException")
        .isEqualTo(faulted.awsErrorDetails().errorCode());
    assertThat(limited.awsErrorDetails().errorMessage())
        .isEqualTo("Rate exceeded")
        .isEqualTo(faulted.awsErrorDetails().errorMessage());
    assertThat(limited.awsErrorDetails().rawResponse().asUtf8String())
        .contains("com.amazon.coral.availability#ThrottlingException")
        .isEqualTo(faulted.awsErrorDetails().rawResponse().asUtf8String());
    assertThat(limited).isExactlyInstanceOf(faulted.getClass());
  }

  @Test
  void aRetryingSdkClientSeesThrottlingExceptionForListTagsOfResourceAboveTenPerSecond() {
    int attempts = 3;
    try (DynamoDbClient retrying = retryingClient(attempts)) {
      for (int i = 0; i < 10; i++) {
        assertThat(retrying.listTagsOfResource(r -> r.resourceArn(ordersArn)).tags())
            .containsExactly(Tag.builder().key("env").value("prod").build());
      }

      assertThatThrownBy(() -> retrying.listTagsOfResource(r -> r.resourceArn(ordersArn)))
          .as("after the SDK's retries; SDK 2.42 models it as a subclass of DynamoDbException")
          .isInstanceOfSatisfying(
              DynamoDbException.class,
              e -> {
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException");
                assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Rate exceeded");
                assertThat(e.statusCode()).isEqualTo(400);
                assertThat(e.isThrottlingException()).isTrue();
              });
    }
    assertThat(emulator.observations().calls(Operation.LIST_TAGS_OF_RESOURCE))
        .isEqualTo(10 + attempts);
    assertThat(emulator.observations().throttled(Operation.LIST_TAGS_OF_RESOURCE))
        .isEqualTo(attempts);
  }

  @Test
  void seedingTablesInProcessBypassesTheLimits() {
    Scope scope = new Scope(SCOPE.accountId(), "ap-south-1");
    for (int i = 0; i < 1_000; i++) {
      emulator.createTable(scope, "table-" + i, Map.of("env", i % 2 == 0 ? "prod" : "dev"));
    }

    assertThat(emulator.observations().calls(Operation.CREATE_TABLE)).isZero();
    assertThat(emulator.observations().calls(Operation.TAG_RESOURCE)).isZero();
    try (DynamoDbClient there = EmulatorClients.client(emulator, "ap-south-1")) {
      assertThat(there.listTables(r -> r.exclusiveStartTableName("table-998")).tableNames())
          .containsExactly("table-999");
      assertThat(there.listTagsOfResource(r -> r.resourceArn(scope.tableArn("table-998"))).tags())
          .containsExactly(Tag.builder().key("env").value("prod").build());
    }
  }

  @Test
  void theAdminEndpointShowsChangesAndLiftsLimits() throws Exception {
    assertThat(admin("GET", "limits", null).get("DescribeContinuousBackups").asDouble())
        .isEqualTo(10);

    JsonNode changed =
        admin("POST", "limits", "{\"requestsPerSecond\": {\"ListTables\": 2, \"TagResource\": 0}}");
    assertThat(changed.get("ListTables").asDouble()).isEqualTo(2);
    assertThat(changed.has("TagResource")).isFalse();
    assertThat(changed.get("ListTagsOfResource").asDouble()).as("kept").isEqualTo(10);
    assertThat(throttledOf(Operation.LIST_TABLES, 3)).isEqualTo(1);
    assertThat(admin("GET", "throttled", null).get("ListTables").asLong()).isEqualTo(1);

    admin("DELETE", "faults", null);
    assertThat(admin("GET", "limits", null).get("ListTables").asDouble())
        .as("limits are not faults")
        .isEqualTo(2);
    assertThat(admin("DELETE", "limits", null)).isEmpty();
    assertThat(throttledOf(Operation.LIST_TABLES, 10)).isZero();

    JsonNode preset = admin("POST", "limits", "{\"preset\": \"aws\"}");
    assertThat(JSON.convertValue(preset, Map.class)).isEqualTo(Limits.AWS.byApiName());

    admin("DELETE", "calls", null);
    assertThat(admin("GET", "throttled", null).get("ListTables").asLong()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"preset\": \"fast\"}                              | unknown limits preset fast",
        "{\"requestsPerSecond\": {\"Scan\": 1}}              | unknown operation Scan",
        "{\"requestsPerSecond\": {\"ListTables\": -1}}       | ListTables: the rate must be 0",
        "{\"requestsPerSecond\": {\"ListTables\": \"fast\"}} | requestsPerSecond.ListTables must"
            + " be a number",
        "[\"aws\"]                                           | limits must be a JSON object"
      })
  void theAdminEndpointRefusesWrongLimitsWithAReasonAndKeepsTheOldOnes(String body, String reason)
      throws Exception {
    HttpResponse<String> response = adminRaw("POST", "limits", body);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(response.body()).get("error").asText()).contains(reason);
    assertThat(emulator.faults().limits()).isEqualTo(Limits.AWS);
  }

  @Test
  void theCommandLineTakesAPresetAndOverridesInAnyOrder() throws Exception {
    Limits expected =
        Limits.AWS.with(Operation.LIST_TABLES, 2.5).with(Operation.UPDATE_CONTINUOUS_BACKUPS, 0);

    assertThat(limitsOf("--limits", "aws", "--limit", "ListTables=2.5"))
        .isEqualTo(Limits.AWS.with(Operation.LIST_TABLES, 2.5));
    assertThat(
            limitsOf(
                "--limit", "UpdateContinuousBackups=0",
                "--limit", "ListTables=2.5",
                "--limits", "aws"))
        .isEqualTo(expected);
    assertThat(limitsOf("--limit", "ListTables=5"))
        .isEqualTo(Limits.NONE.with(Operation.LIST_TABLES, 5));
    assertThat(limitsOf("--limits", "none")).isEqualTo(Limits.NONE);
    assertThat(limitsOf()).as("the default").isEqualTo(Limits.NONE);

    DynamoDbEmulatorMain.CommandLine commandLine =
        DynamoDbEmulatorMain.parse(
            new String[] {
              "--port",
              "0",
              "--limits",
              "aws",
              "--limit",
              "ListTables=2.5",
              "--limit",
              "UpdateContinuousBackups=0"
            });
    try (DynamoDbEmulator started = DynamoDbEmulatorMain.start(commandLine)) {
      assertThat(started.faults().limits()).isEqualTo(expected);
    }
    assertThat(DynamoDbEmulatorMain.USAGE).contains("--limits PRESET", "--limit OPERATION=RATE");
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--limits | fast            | --limits is aws or none, was fast",
        "--limits | AWS             | --limits is aws or none, was AWS",
        "--limit  | ListTables      | --limit is OPERATION=RATE, for example ListTables=5, was"
            + " ListTables",
        "--limit  | Scan=5          | --limit: unknown operation Scan; one of [CreateTable,",
        "--limit  | ListTables=fast | --limit ListTables: the rate must be a number of requests"
            + " per second, was fast",
        "--limit  | ListTables=-1   | --limit ListTables: the rate must be 0 (no limit) or a"
            + " positive number of requests per second, was -1.0",
        "--limit  | ListTables=NaN  | --limit ListTables: the rate must be 0 (no limit)"
      })
  void theCommandLineRefusesWrongLimitsWithAClearMessage(
      String option, String value, String message) {
    assertThatThrownBy(() -> DynamoDbEmulatorMain.parse(new String[] {option, value}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message)
        .hasMessageContaining("Usage: DynamoDbEmulatorMain");
  }

  @Test
  void theCommandLineRefusesALimitsOptionWithoutAValue() {
    assertThatThrownBy(() -> DynamoDbEmulatorMain.parse(new String[] {"--limits"}))
        .hasMessageStartingWith("--limits needs a value");
  }

  // --- helpers -------------------------------------------------------------------------------

  /**
   * Makes {@code count} valid calls of {@code operation} and answers how many were throttled; any
   * other failure fails the test, so calls within the rate must succeed.
   */
  private int throttledOf(Operation operation, int count) {
    int throttled = 0;
    for (int i = 0; i < count; i++) {
      try {
        call(operation);
      } catch (AwsServiceException e) {
        if (!"ThrottlingException".equals(e.awsErrorDetails().errorCode())) {
          throw e;
        }
        assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Rate exceeded");
        assertThat(e.isThrottlingException()).isTrue();
        throttled++;
      }
    }
    return throttled;
  }

  /** The throttling answer to the last of {@code count} calls, the ones before it succeeding. */
  private AwsServiceException throttledCall(Operation operation, int count) {
    for (int i = 0; i < count - 1; i++) {
      call(operation);
    }
    try {
      call(operation);
    } catch (AwsServiceException e) {
      return e;
    }
    throw new AssertionError(operation.apiName() + " call " + count + " was not throttled");
  }

  private void call(Operation operation) {
    switch (operation) {
      case DESCRIBE_CONTINUOUS_BACKUPS ->
          dynamoDb.describeContinuousBackups(r -> r.tableName("orders"));
      case UPDATE_CONTINUOUS_BACKUPS ->
          dynamoDb.updateContinuousBackups(
              r ->
                  r.tableName("orders")
                      .pointInTimeRecoverySpecification(s -> s.pointInTimeRecoveryEnabled(true)));
      case LIST_TAGS_OF_RESOURCE -> dynamoDb.listTagsOfResource(r -> r.resourceArn(ordersArn));
      case TAG_RESOURCE ->
          dynamoDb.tagResource(
              r -> r.resourceArn(ordersArn).tags(Tag.builder().key("team").value("a").build()));
      case UNTAG_RESOURCE -> dynamoDb.untagResource(r -> r.resourceArn(ordersArn).tagKeys("team"));
      case DESCRIBE_TABLE -> dynamoDb.describeTable(r -> r.tableName("orders"));
      case LIST_TABLES -> dynamoDb.listTables();
      case CREATE_TABLE ->
          dynamoDb.createTable(EmulatorClients.onDemandTable("new-" + tablesMade++));
      case DELETE_TABLE -> {
        // Seeded in process, so that only the DeleteTable calls count against the limits.
        String name = "old-" + tablesMade++;
        emulator.createTable(SCOPE, name);
        dynamoDb.deleteTable(r -> r.tableName(name));
      }
      default -> throw new IllegalArgumentException(operation + " is not DynamoDB's");
    }
  }

  /** A client retrying as the SDK's standard mode does, without waiting between attempts. */
  private DynamoDbClient retryingClient(int maxAttempts) {
    return DynamoDbClient.builder()
        .endpointOverride(emulator.endpoint())
        .region(Region.of(REGION))
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(EmulatorClients.ACCESS_KEY, "secret")))
        .httpClientBuilder(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(10)))
        .overrideConfiguration(
            o ->
                o.retryStrategy(
                    AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .maxAttempts(maxAttempts)
                        .backoffStrategy(BackoffStrategy.retryImmediately())
                        .throttlingBackoffStrategy(BackoffStrategy.retryImmediately())
                        .build()))
        .build();
  }

  private static Limits limitsOf(String... args) throws Exception {
    return DynamoDbEmulatorMain.parse(args).settings().limits();
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
