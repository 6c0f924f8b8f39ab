package io.pitr.operator.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pitr.emulator.AssumableRole;
import io.pitr.emulator.AwsErrorType;
import io.pitr.emulator.DynamoDbEmulator;
import io.pitr.emulator.EmulatorSettings;
import io.pitr.emulator.Observations;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.pitr.AwsAccess;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.pitr.DesiredPitr;
import io.pitr.operator.pitr.ObservedPitr;
import io.pitr.operator.pitr.TableRef;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The SDK adapter against the emulator: mapping, one call per operation, classified failures. */
class DynamoDbGatewayTest {

  private static final String ACCOUNT = "123456789012";
  private static final TableRef ORDERS = new TableRef("eu-west-1", "orders");
  private static final AwsAccess OWN = AwsAccess.own("");

  private DynamoDbEmulator emulator;
  private DynamoDbGateway gateway;

  @BeforeEach
  void start() {
    emulator = DynamoDbEmulator.start(EmulatorSettings.builder().accountId(ACCOUNT).build());
    emulator.createTable(new Scope(ACCOUNT, "eu-west-1"), "orders");
    gateway = gateway(emulator.endpoint(), Optional.of(ACCOUNT), 8);
  }

  @AfterEach
  void stop() {
    gateway.close();
    emulator.close();
  }

  @Test
  void aBindingsRoleIsAssumedOncePerPolicyAndItsCallsLandInTheRolesAccount() throws Exception {
    emulator.registerRole(new AssumableRole(ROLE, "pitr-operator-payments", Set.of(ACCOUNT)));
    emulator.createTable(new Scope("222222222222", "eu-west-1"), "payments-ledger");
    TableRef ledger = new TableRef("222222222222", "eu-west-1", "payments-ledger");

    ObservedPitr applied =
        gateway.update(ledger, DesiredPitr.enabled(7), viaRole("pitr-operator-payments"), "uid-1");
    ObservedPitr described = gateway.describe(ledger, viaRole("pitr-operator-payments"), "uid-1");

    assertThat(applied.tableArn())
        .isEqualTo("arn:aws:dynamodb:eu-west-1:222222222222:table/payments-ledger");
    assertThat(described.recoveryPeriodDays()).isEqualTo(7);
    List<Observations.RequestRecord> requests = emulator.observations().requests();
    assertThat(requests)
        .extracting(Observations.RequestRecord::operation)
        .as("one session for both calls")
        .containsExactly("AssumeRole", "UpdateContinuousBackups", "DescribeContinuousBackups");
    Observations.AssumeRoleAttempt assumed = requests.get(0).assumeRole();
    assertThat(assumed.roleSessionName()).isEqualTo("payments.payments-ledger");
    assertThat(assumed.sessionTags())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("pitr-namespace", "payments", "pitr-policy", "payments-ledger"));
    assertThat(assumed.externalIdMatched()).isTrue();
    assertThat(requests.subList(1, 3))
        .allSatisfy(
            call -> {
              assertThat(call.accountId()).isEqualTo("222222222222");
              assertThat(call.roleArn()).isEqualTo(ROLE);
            });
    assertThat(emulator.observations().calls(Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(1);
  }

  @Test
  void aRoleStsRefusesIsAssumeRoleDeniedAndNoDynamoDbCallIsMade() {
    emulator.registerRole(new AssumableRole(ROLE, "pitr-operator-payments", Set.of(ACCOUNT)));
    TableRef ledger = new TableRef("222222222222", "eu-west-1", "payments-ledger");

    assertThatThrownBy(
            () -> gateway.update(ledger, DesiredPitr.disabled(), viaRole("wrong-id"), "uid-1"))
        .isInstanceOfSatisfying(
            AwsCallFailed.class,
            failed -> {
              assertThat(failed.reason()).isEqualTo(ConditionReason.AssumeRoleDenied);
              assertThat(failed.getMessage())
                  .startsWith(
                      "Could not assume the binding's role for table payments-ledger in eu-west-1 of"
                          + " account 222222222222: AccessDenied: ");
            });
    assertThat(emulator.observations().requests())
        .extracting(Observations.RequestRecord::operation)
        .containsExactly("AssumeRole");
  }

  private static final String ROLE = "arn:aws:iam::222222222222:role/pitr-operator";

  private static AwsAccess viaRole(String externalId) {
    return new AwsAccess(
        "222222222222",
        Optional.of(
            new AwsAccess.AssumedRole(
                ROLE,
                externalId,
                Optional.of(900),
                "payments.payments-ledger",
                Map.of("pitr-namespace", "payments", "pitr-policy", "payments-ledger"))));
  }

  @Test
  void updateAnswersTheObservationInOneCall() throws Exception {
    ObservedPitr observed = gateway.update(ORDERS, DesiredPitr.enabled(14), OWN, "policy-uid");

    assertThat(observed.tableArn())
        .isEqualTo("arn:aws:dynamodb:eu-west-1:123456789012:table/orders");
    assertThat(observed.backupsAvailable()).isTrue();
    assertThat(observed.pitrStatus()).isEqualTo(ObservedPitr.PitrStatus.ENABLED);
    assertThat(observed.recoveryPeriodDays()).isEqualTo(14);
    assertThat(observed.latestRestorable()).isNotNull();
    assertThat(DesiredPitr.enabled(14).isSatisfiedBy(observed)).isTrue();
    assertThat(emulator.observations().calls(Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(1);
    assertThat(emulator.observations().calls(Operation.DESCRIBE_CONTINUOUS_BACKUPS)).isZero();
  }

  @Test
  void disablingSendsNoPeriodAndDescribeReadsIt() throws Exception {
    gateway.update(ORDERS, DesiredPitr.enabled(7), OWN, "policy-uid");

    ObservedPitr disabled = gateway.update(ORDERS, DesiredPitr.disabled(), OWN, "policy-uid");
    ObservedPitr described = gateway.describe(ORDERS, OWN, "policy-uid");

    assertThat(disabled.pitrStatus()).isEqualTo(ObservedPitr.PitrStatus.DISABLED);
    assertThat(described.sameSettingsAs(disabled)).isTrue();
    assertThat(described.recoveryPeriodDays()).isNull();
  }

  @Test
  void withAnEndpointOverrideAndNoAccountTheArnIsLeftOut() throws Exception {
    try (DynamoDbGateway anonymous = gateway(emulator.endpoint(), Optional.empty(), 8)) {
      assertThat(anonymous.describe(ORDERS, OWN, "policy-uid").tableArn()).isNull();
    }
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource({
    "TableNotFoundException, TableNotFound",
    "ContinuousBackupsUnavailableException, BackupsNotYetAvailable",
    "ThrottlingException, Throttled",
    "LimitExceededException, Throttled",
    "InternalServerError, AwsServerError",
    "ServiceUnavailableException, AwsServerError",
    "AccessDeniedException, AccessDenied",
    "UnrecognizedClientException, AccessDenied",
    "ExpiredTokenException, CredentialsUnavailable",
    "InvalidSignatureException, CredentialsUnavailable",
    "ValidationException, InvalidSpec",
  })
  void failuresAreClassifiedAfterExactlyOneCall(String error, ConditionReason reason) {
    emulator
        .faults()
        .failNext(
            Operation.UPDATE_CONTINUOUS_BACKUPS,
            1,
            AwsErrorType.fromCode(error).orElseThrow(),
            "User: arn:aws:iam::123456789012:user/ci with key AKIAABCDEFGHIJKLMNOP said no");

    assertThatThrownBy(() -> gateway.update(ORDERS, DesiredPitr.enabled(7), OWN, "policy-uid"))
        .isInstanceOfSatisfying(
            AwsCallFailed.class,
            failure -> {
              assertThat(failure.reason()).isEqualTo(reason);
              assertThat(failure.getMessage()).doesNotContain("AKIAABCDEFGHIJKLMNOP");
            });
    assertThat(emulator.observations().calls(Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("no SDK retries")
        .isEqualTo(1);
  }

  @Test
  void missingTableIsTableNotFound() {
    assertThatThrownBy(
            () -> gateway.describe(new TableRef("eu-west-1", "missing"), OWN, "policy-uid"))
        .isInstanceOfSatisfying(
            AwsCallFailed.class,
            failure -> {
              assertThat(failure.reason()).isEqualTo(ConditionReason.TableNotFound);
              assertThat(failure.getMessage())
                  .isEqualTo("Table missing was not found in eu-west-1.");
            });
  }

  @Test
  void unreachableEndpointIsEndpointUnreachable() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (DynamoDbGateway nowhere =
        gateway(URI.create("http://127.0.0.1:" + closedPort), Optional.of(ACCOUNT), 8)) {
      assertThatThrownBy(() -> nowhere.describe(ORDERS, OWN, "policy-uid"))
          .isInstanceOfSatisfying(
              AwsCallFailed.class,
              failure ->
                  assertThat(failure.reason()).isEqualTo(ConditionReason.EndpointUnreachable));
    }
  }

  @Test
  void eachOperationHasABudgetPerRegion() {
    try (DynamoDbGateway limited = gateway(emulator.endpoint(), Optional.of(ACCOUNT), 2)) {
      var describe = ContinuousBackupsGateway.Operation.DescribeContinuousBackups;
      var update = ContinuousBackupsGateway.Operation.UpdateContinuousBackups;
      assertThat(limited.reserve(describe, ORDERS, "a")).isEmpty();
      assertThat(limited.reserve(describe, ORDERS, "b"))
          .as("the region's slot is taken: the next one, half a second on, is reserved")
          .hasValueSatisfying(
              wait -> assertThat(wait).isPositive().isLessThanOrEqualTo(Duration.ofMillis(500)));
      assertThat(limited.reserve(update, ORDERS, "b")).as("Updates have their own").isEmpty();
      assertThat(limited.reserve(describe, new TableRef("us-east-1", "orders"), "b"))
          .as("another region has its own budget")
          .isEmpty();
      assertThat(
              limited.reserve(describe, new TableRef("222222222222", "eu-west-1", "orders"), "b"))
          .as("and so has another account in the same region")
          .isEmpty();
    }
  }

  @Test
  void listTablesReadsOnePageOfAHundredAndSaysWhereTheNextStarts() throws Exception {
    Scope ireland = new Scope(ACCOUNT, "eu-west-1");
    for (int i = 0; i < 150; i++) {
      emulator.createTable(ireland, "table-%03d".formatted(i));
    }

    TableListingGateway.TablePage first =
        gateway.listTables(OWN, "eu-west-1", Optional.empty(), "discovery");
    TableListingGateway.TablePage second =
        gateway.listTables(OWN, "eu-west-1", first.lastEvaluatedTableName(), "discovery");

    assertThat(first.tableNames()).hasSize(100).startsWith("orders", "table-000");
    assertThat(first.lastEvaluatedTableName()).contains("table-098");
    assertThat(second.tableNames()).hasSize(51).startsWith("table-099").endsWith("table-149");
    assertThat(second.lastEvaluatedTableName()).isEmpty();
    assertThat(emulator.observations().calls(Operation.LIST_TABLES)).isEqualTo(2);
  }

  @Test
  void listTagsReadsATablesTagsByTheArnOfTheOperatorsAccount() throws Exception {
    try (DynamoDbClient client = client()) {
      client.tagResource(
          r ->
              r.resourceArn("arn:aws:dynamodb:eu-west-1:123456789012:table/orders")
                  .tags(
                      software.amazon.awssdk.services.dynamodb.model.Tag.builder()
                          .key("env")
                          .value("prod")
                          .build()));
    }

    TableListingGateway.TagPage tags = gateway.listTags(ORDERS, Optional.empty(), OWN, "discovery");

    assertThat(tags.tags()).isEqualTo(Map.of("env", "prod"));
    assertThat(tags.nextToken()).isEmpty();
    assertThat(emulator.observations().requests())
        .filteredOn(r -> r.operation().equals("ListTagsOfResource"))
        .extracting(Observations.RequestRecord::table)
        .containsExactly("arn:aws:dynamodb:eu-west-1:123456789012:table/orders");
  }

  @Test
  void listTagsOfAMissingTableIsTableNotFound() {
    assertThatThrownBy(
            () ->
                gateway.listTags(
                    new TableRef("eu-west-1", "missing"), Optional.empty(), OWN, "discovery"))
        .isInstanceOfSatisfying(
            AwsCallFailed.class,
            failure -> assertThat(failure.reason()).isEqualTo(ConditionReason.TableNotFound));
  }

  @Test
  void withoutTheAccountNoArnCanBeBuiltSoListTagsMakesNoCallAndSaysWhy() throws Exception {
    try (DynamoDbGateway anonymous = gateway(emulator.endpoint(), Optional.empty(), 8)) {
      assertThatThrownBy(() -> anonymous.listTags(ORDERS, Optional.empty(), OWN, "discovery"))
          .isInstanceOfSatisfying(
              AwsCallFailed.class,
              failure -> assertThat(failure.reason()).isEqualTo(ConditionReason.AccountUnknown));
    }
    assertThat(emulator.observations().calls(Operation.LIST_TAGS_OF_RESOURCE)).isZero();
  }

  @Test
  void aRefusedListTablesNamesTheRegionsTablesNotATable() {
    emulator
        .faults()
        .failNext(Operation.LIST_TABLES, 1, AwsErrorType.ACCESS_DENIED, "not authorized");

    assertThatThrownBy(
            () ->
                gateway.listTables(
                    new AwsAccess("222222222222", Optional.empty()),
                    "eu-west-1",
                    Optional.empty(),
                    "discovery"))
        .isInstanceOfSatisfying(
            AwsCallFailed.class,
            failure -> {
              assertThat(failure.reason()).isEqualTo(ConditionReason.AccessDenied);
              assertThat(failure.getMessage())
                  .isEqualTo(
                      "ListTables on the tables of eu-west-1 of account 222222222222 was refused:"
                          + " AccessDeniedException: not authorized");
            });
  }

  @Test
  void listingHasBudgetsOfItsOwnPerOperationAccountAndRegion() {
    var listTables = TableListingGateway.ListingOperation.ListTables;
    var listTags = TableListingGateway.ListingOperation.ListTagsOfResource;
    assertThat(gateway.reserve(listTables, "", "eu-west-1", "a")).isEmpty();
    assertThat(gateway.reserve(listTables, "", "eu-west-1", "b"))
        .as("2 per second by default: the next slot is half a second on")
        .hasValueSatisfying(
            wait -> assertThat(wait).isPositive().isLessThanOrEqualTo(Duration.ofMillis(500)));
    assertThat(gateway.reserve(listTags, "", "eu-west-1", "b")).as("tags have their own").isEmpty();
    assertThat(
            gateway.reserve(
                ContinuousBackupsGateway.Operation.DescribeContinuousBackups, ORDERS, "b"))
        .as("and so have Describes")
        .isEmpty();
    assertThat(gateway.reserve(listTables, "222222222222", "eu-west-1", "b"))
        .as("another account in the same region")
        .isEmpty();
  }

  private DynamoDbClient client() {
    return DynamoDbClient.builder()
        .endpointOverride(emulator.endpoint())
        .region(software.amazon.awssdk.regions.Region.EU_WEST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")))
        .httpClientBuilder(
            software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder())
        .build();
  }

  @Test
  void aRotatedExternalIdOrAReleasedPolicyOpensANewSession() throws Exception {
    emulator.registerRole(new AssumableRole(ROLE, "pitr-operator-payments", Set.of(ACCOUNT)));
    emulator.createTable(new Scope("222222222222", "eu-west-1"), "payments-ledger");
    TableRef ledger = new TableRef("222222222222", "eu-west-1", "payments-ledger");
    gateway.describe(ledger, viaRole("pitr-operator-payments"), "uid-1");

    emulator.registerRole(new AssumableRole(ROLE, "pitr-operator-2027", Set.of(ACCOUNT)));
    gateway.describe(ledger, viaRole("pitr-operator-2027"), "uid-1");
    gateway.release("uid-1");
    gateway.describe(ledger, viaRole("pitr-operator-2027"), "uid-1");

    assertThat(emulator.observations().requests())
        .extracting(Observations.RequestRecord::operation)
        .containsExactly(
            "AssumeRole",
            "DescribeContinuousBackups",
            "AssumeRole",
            "DescribeContinuousBackups",
            "AssumeRole",
            "DescribeContinuousBackups");
    assertThat(emulator.observations().requests())
        .filteredOn(r -> r.assumeRole() != null)
        .extracting(r -> r.assumeRole().externalIdMatched())
        .containsExactly(true, true, true);
  }

  @Test
  void aRegionWithTooManyUnansweredCallsTakesNoMoreUntilOneIsAnswered() throws Exception {
    emulator.faults().latency(Operation.DESCRIBE_CONTINUOUS_BACKUPS, Duration.ofMillis(1500));
    var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      var first = pool.submit(() -> gateway.describe(ORDERS, OWN, "policy-uid"));
      var second = pool.submit(() -> gateway.describe(ORDERS, OWN, "policy-uid"));
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> gateway.callsInFlight(ORDERS.region()) == 2);

      assertThatThrownBy(() -> gateway.describe(ORDERS, OWN, "policy-uid"))
          .as("two calls to the region wait for their answer: no third")
          .isInstanceOf(TooManyCallsInFlight.class);
      assertThat(emulator.observations().calls(Operation.DESCRIBE_CONTINUOUS_BACKUPS))
          .as("and it was not sent")
          .isZero();
      first.get();
      second.get();
      emulator.faults().clear();
      assertThat(gateway.describe(ORDERS, OWN, "policy-uid")).isNotNull();
      assertThat(gateway.callsInFlight(ORDERS.region())).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void credentialsAreRemovedFromMessages() {
    assertThat(AwsErrorClassifier.sanitize("key ASIAABCDEFGHIJKLMNOP, Signature=abcdef, token=xyz"))
        .isEqualTo("key <access key id>, Signature=<redacted>, token=<redacted>");
  }

  private static DynamoDbGateway gateway(URI endpoint, Optional<String> account, double rate) {
    return new DynamoDbGateway(
        new DynamoDbGateway.Settings(
            Optional.of(endpoint),
            Optional.of(endpoint),
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")),
            account,
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            rate,
            rate,
            2),
        new SimpleMeterRegistry());
  }
}
