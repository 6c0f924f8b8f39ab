package io.pitr.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;
import software.amazon.awssdk.services.sts.model.StsException;
import software.amazon.awssdk.services.sts.model.Tag;

/**
 * STS's AssumeRole and GetCallerIdentity through the AWS SDK v2's own StsClient and credentials
 * provider: trust and ExternalId, the role's account for the credentials it issues, validation,
 * expiry on the emulator's clock, faults and the request log.
 */
class StsConformanceTest {

  private static final String REGION = "eu-west-1";
  private static final String CALLER_ACCOUNT = "111111111111";
  private static final String ROLE_ACCOUNT = "222222222222";
  private static final String ROLE_ARN = "arn:aws:iam::" + ROLE_ACCOUNT + ":role/pitr";
  private static final String EXTERNAL_ID = "pitr-operator-7f3a";

  private EmulatorClock clock;
  private DynamoDbEmulator emulator;
  private StsClient sts;

  @BeforeEach
  void start() {
    clock = EmulatorClock.fixedAt(Instant.parse("2026-11-25T10:00:00Z"));
    emulator = DynamoDbEmulator.start(EmulatorSettings.defaults(), clock);
    emulator.registerRole(new AssumableRole(ROLE_ARN, EXTERNAL_ID, Set.of(CALLER_ACCOUNT)));
    sts = EmulatorClients.sts(emulator.endpoint(), REGION, CALLER_ACCOUNT);
  }

  @AfterEach
  void stop() {
    sts.close();
    emulator.close();
  }

  @Test
  void theRightExternalIdGivesCredentialsThatActInTheRolesAccount() {
    AssumeRoleResponse assumed = assumeRole(r -> r.externalId(EXTERNAL_ID));

    assertThat(assumed.assumedRoleUser().arn())
        .isEqualTo("arn:aws:sts::" + ROLE_ACCOUNT + ":assumed-role/pitr/operator");
    assertThat(assumed.assumedRoleUser().assumedRoleId()).matches("AROA[A-Z0-9]{17}:operator");
    Credentials credentials = assumed.credentials();
    assertThat(credentials.accessKeyId()).matches("ASIA[A-Z0-9]{16}");
    assertThat(credentials.secretAccessKey()).isNotBlank();
    assertThat(credentials.sessionToken()).isNotBlank();
    assertThat(credentials.expiration())
        .as("the default duration, on the emulator's clock")
        .isEqualTo(clock.instant().plusSeconds(3600));
    assertThat(assumed.packedPolicySize()).as("no tags, no packed size").isNull();

    String tableArn;
    try (DynamoDbClient asRole = EmulatorClients.client(emulator.endpoint(), REGION, credentials)) {
      tableArn =
          asRole.createTable(EmulatorClients.onDemandTable("orders")).tableDescription().tableArn();
      assertThat(asRole.listTables().tableNames()).containsExactly("orders");
    }
    assertThat(tableArn).isEqualTo(new Scope(ROLE_ACCOUNT, REGION).tableArn("orders"));
    try (DynamoDbClient defaultAccount = EmulatorClients.client(emulator, REGION);
        DynamoDbClient caller = EmulatorClients.client(emulator, REGION, CALLER_ACCOUNT);
        DynamoDbClient roleAccountRoot = EmulatorClients.client(emulator, REGION, ROLE_ACCOUNT)) {
      assertThat(defaultAccount.listTables().tableNames()).isEmpty();
      assertThat(caller.listTables().tableNames()).isEmpty();
      assertThat(roleAccountRoot.listTables().tableNames()).containsExactly("orders");
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      nullValues = "null",
      value = {
        "wrong ExternalId, 111111111111, arn:aws:iam::222222222222:role/pitr, not-the-one, false",
        "no ExternalId, 111111111111, arn:aws:iam::222222222222:role/pitr, null, false",
        "untrusted account, 333333333333, arn:aws:iam::222222222222:role/pitr, pitr-operator-7f3a,"
            + " true",
        "unregistered role, 111111111111, arn:aws:iam::222222222222:role/other,"
            + " pitr-operator-7f3a, false"
      })
  void anythingTheTrustDoesNotAllowIsAccessDenied(
      String why,
      String callerAccount,
      String roleArn,
      String externalId,
      boolean externalIdMatched) {
    try (StsClient caller = EmulatorClients.sts(emulator.endpoint(), REGION, callerAccount)) {
      assertThatThrownBy(
              () ->
                  caller.assumeRole(
                      r -> r.roleArn(roleArn).roleSessionName("operator").externalId(externalId)))
          .isInstanceOfSatisfying(
              StsException.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
                assertThat(e.awsErrorDetails().errorMessage())
                    .isEqualTo(
                        "User: arn:aws:iam::"
                            + callerAccount
                            + ":root is not authorized to perform: sts:AssumeRole on resource: "
                            + roleArn);
                assertThat(e.requestId()).matches("[0-9a-f-]{36}");
              });
    }
    assertThat(emulator.observations().requests())
        .singleElement()
        .satisfies(
            record -> {
              assertThat(record.operation()).isEqualTo("AssumeRole");
              assertThat(record.accountId()).isEqualTo(callerAccount);
              assertThat(record.errorCode()).isEqualTo("AccessDenied");
              assertThat(record.assumeRole().roleArn()).isEqualTo(roleArn);
              assertThat(record.assumeRole().externalIdMatched()).isEqualTo(externalIdMatched);
            });
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "x|1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy"
            + " constraint: Member must have length greater than or equal to 2",
        "has space|1 validation error detected: Value 'has space' at 'roleSessionName' failed to"
            + " satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
      })
  void badSessionNamesAreValidationErrors(String sessionName, String message) {
    assertValidationError(r -> r.roleSessionName(sessionName).externalId(EXTERNAL_ID), message);
  }

  @Test
  void durationsOutsideTheModelsRangeAreValidationErrors() {
    assertValidationError(
        r -> r.externalId(EXTERNAL_ID).durationSeconds(899),
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy"
            + " constraint: Member must have value greater than or equal to 900");
    assertValidationError(
        r -> r.externalId(EXTERNAL_ID).durationSeconds(43201),
        "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy"
            + " constraint: Member must have value less than or equal to 43200");
    assertValidationError(
        r -> r.externalId("x"),
        "1 validation error detected: Value 'x' at 'externalId' failed to satisfy constraint:"
            + " Member must have length greater than or equal to 2");
  }

  @Test
  void sessionTagsBeyondTheLimitsAreValidationErrors() {
    assertValidationError(
        r ->
            r.externalId(EXTERNAL_ID)
                .tags(Tag.builder().key("team").value("a!").build())
                .durationSeconds(900),
        "1 validation error detected: Value 'a!' at 'tags.1.member.value' failed to satisfy"
            + " constraint: Member must satisfy regular expression pattern:"
            + " [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");
    List<Tag> tooMany =
        IntStream.rangeClosed(1, 51)
            .mapToObj(i -> Tag.builder().key("k" + i).value("v").build())
            .toList();
    AwsServiceException refused = assumeRoleFails(r -> r.externalId(EXTERNAL_ID).tags(tooMany));
    assertThat(refused.awsErrorDetails().errorMessage())
        .startsWith("1 validation error detected: Value '[k1, k2,")
        .endsWith(
            "at 'tags' failed to satisfy constraint: Member must have length less than or equal"
                + " to 50");
    assertThat(emulator.observations().calls(Operation.ASSUME_ROLE)).isEqualTo(2);
  }

  @Test
  void getCallerIdentityNamesTheRootUserOrTheSession() {
    GetCallerIdentityResponse root = sts.getCallerIdentity();
    assertThat(root.account()).isEqualTo(CALLER_ACCOUNT);
    assertThat(root.arn()).isEqualTo("arn:aws:iam::" + CALLER_ACCOUNT + ":root");
    assertThat(root.userId()).isEqualTo(CALLER_ACCOUNT);

    try (StsClient notAnAccount = EmulatorClients.sts(emulator.endpoint(), REGION, "AKIDEXAMPLE")) {
      assertThat(notAnAccount.getCallerIdentity().account())
          .isEqualTo(EmulatorSettings.DEFAULT_ACCOUNT_ID);
    }

    AssumeRoleResponse assumed = assumeRole(r -> r.externalId(EXTERNAL_ID));
    try (StsClient asRole =
        EmulatorClients.sts(emulator.endpoint(), REGION, assumed.credentials())) {
      GetCallerIdentityResponse session = asRole.getCallerIdentity();
      assertThat(session.account()).isEqualTo(ROLE_ACCOUNT);
      assertThat(session.arn()).isEqualTo(assumed.assumedRoleUser().arn());
      assertThat(session.userId()).isEqualTo(assumed.assumedRoleUser().assumedRoleId());
    }
    assertThat(emulator.observations().calls(Operation.GET_CALLER_IDENTITY)).isEqualTo(3);
    assertThat(emulator.observations().callCounts()).containsEntry("GetCallerIdentity", 3L);
  }

  @Test
  void theRequestLogShowsWhatWasAskedAndWhoActed() {
    AssumeRoleResponse assumed =
        assumeRole(
            r ->
                r.externalId(EXTERNAL_ID)
                    .tags(
                        Tag.builder().key("team").value("payments").build(),
                        Tag.builder().key("cluster").value("eu-1").build())
                    .transitiveTagKeys("team"));
    assertThat(assumed.packedPolicySize()).isBetween(1, 100);
    try (DynamoDbClient asRole =
        EmulatorClients.client(emulator.endpoint(), REGION, assumed.credentials())) {
      asRole.listTables();
    }

    List<Observations.RequestRecord> requests = emulator.observations().requests();
    assertThat(requests).hasSize(2);
    Observations.RequestRecord assumeRole = requests.get(0);
    assertThat(assumeRole.operation()).isEqualTo("AssumeRole");
    assertThat(assumeRole.accountId()).as("acts as its caller").isEqualTo(CALLER_ACCOUNT);
    assertThat(assumeRole.accessKeyId()).isEqualTo(CALLER_ACCOUNT);
    assertThat(assumeRole.roleArn()).as("not signed with session credentials").isNull();
    assertThat(assumeRole.assumeRole())
        .isEqualTo(
            new Observations.AssumeRoleAttempt(
                ROLE_ARN, "operator", Map.of("team", "payments", "cluster", "eu-1"), true));
    assertThat(assumeRole.assumeRole().sessionTags().keySet())
        .as("in the order sent")
        .containsExactly("team", "cluster");

    Observations.RequestRecord listTables = requests.get(1);
    assertThat(listTables.operation()).isEqualTo("ListTables");
    assertThat(listTables.accountId()).isEqualTo(ROLE_ACCOUNT);
    assertThat(listTables.accessKeyId()).isEqualTo(assumed.credentials().accessKeyId());
    assertThat(listTables.roleArn()).isEqualTo(ROLE_ARN);
    assertThat(listTables.roleSessionName()).isEqualTo("operator");
    assertThat(listTables.assumeRole()).isNull();
  }

  @Test
  void sessionCredentialsExpireOnTheEmulatorsClock() {
    Credentials credentials =
        assumeRole(r -> r.externalId(EXTERNAL_ID).durationSeconds(900)).credentials();
    try (DynamoDbClient asRole = EmulatorClients.client(emulator.endpoint(), REGION, credentials);
        StsClient stsAsRole = EmulatorClients.sts(emulator.endpoint(), REGION, credentials)) {
      clock.advance(Duration.ofSeconds(899));
      asRole.listTables();

      clock.advance(Duration.ofSeconds(1));
      assertThat(clock.instant()).isEqualTo(credentials.expiration());
      assertThatThrownBy(asRole::listTables)
          .isInstanceOfSatisfying(
              AwsServiceException.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(400);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ExpiredTokenException");
                assertThat(e.awsErrorDetails().errorMessage())
                    .isEqualTo("The security token included in the request is expired");
              });
      assertThatThrownBy(stsAsRole::getCallerIdentity)
          .isInstanceOfSatisfying(
              StsException.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ExpiredToken");
                assertThat(e.awsErrorDetails().errorMessage())
                    .isEqualTo("The security token included in the request is expired");
              });
    }
    assertThat(emulator.observations().requests())
        .extracting(Observations.RequestRecord::errorCode)
        .containsExactly(null, null, "ExpiredTokenException", "ExpiredToken");
  }

  @Test
  void anIssuedKeyWithAnotherTokenIsRefused() {
    Credentials issued = assumeRole(r -> r.externalId(EXTERNAL_ID)).credentials();
    Credentials forged = issued.toBuilder().sessionToken("not-the-token").build();

    try (DynamoDbClient dynamoDb = EmulatorClients.client(emulator.endpoint(), REGION, forged);
        StsClient stsWithForged = EmulatorClients.sts(emulator.endpoint(), REGION, forged)) {
      assertThatThrownBy(dynamoDb::listTables)
          .isInstanceOfSatisfying(
              AwsServiceException.class,
              e ->
                  assertThat(e.awsErrorDetails().errorCode())
                      .isEqualTo("UnrecognizedClientException"));
      assertThatThrownBy(stsWithForged::getCallerIdentity)
          .isInstanceOfSatisfying(
              StsException.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidClientTokenId");
              });
    }
  }

  @Test
  void anAsiaKeyTheEmulatorDidNotIssueActsInTheDefaultAccount() {
    try (StsClient stranger =
        EmulatorClients.sts(emulator.endpoint(), REGION, "ASIAAAAAAAAAAAAAAAAA")) {
      assertThat(stranger.getCallerIdentity().account())
          .isEqualTo(EmulatorSettings.DEFAULT_ACCOUNT_ID);
    }
  }

  /**
   * The SDK decides when to refresh on its own clock, which the emulator cannot move, and it keeps
   * credentials at least a minute even when they look stale at once. So the provider is told to
   * treat its 900-second credentials as stale 5 seconds after they are issued, and the test awaits
   * that in real time while the emulator's clock jumps past their expiration. What it proves: the
   * provider's refresh is an AssumeRole the emulator answers, and the refreshed credentials work in
   * the role's account after the first ones expired. Not proven: the SDK's timing with the default
   * stale and prefetch times.
   */
  @Test
  void theSdksAssumeRoleProviderReplacesExpiredCredentials() {
    try (DynamoDbEmulator realTime =
        DynamoDbEmulator.start(EmulatorSettings.defaults(), EmulatorClock.system())) {
      realTime.registerRole(new AssumableRole(ROLE_ARN, EXTERNAL_ID, Set.of(CALLER_ACCOUNT)));
      assumeThroughTheProvider(realTime);
    }
  }

  private void assumeThroughTheProvider(DynamoDbEmulator realTime) {
    Duration staleAfterIssue = Duration.ofSeconds(5);
    try (StsClient caller = EmulatorClients.sts(realTime.endpoint(), REGION, CALLER_ACCOUNT);
        StsAssumeRoleCredentialsProvider provider =
            StsAssumeRoleCredentialsProvider.builder()
                .stsClient(caller)
                .staleTime(Duration.ofSeconds(900).minus(staleAfterIssue))
                .prefetchTime(Duration.ofSeconds(900).minus(staleAfterIssue))
                .refreshRequest(
                    r ->
                        r.roleArn(ROLE_ARN)
                            .roleSessionName("operator")
                            .externalId(EXTERNAL_ID)
                            .durationSeconds(900))
                .build();
        DynamoDbClient viaProvider =
            EmulatorClients.client(realTime.endpoint(), REGION, provider)) {
      AwsCredentials first = provider.resolveCredentials();
      viaProvider.createTable(EmulatorClients.onDemandTable("orders"));
      assertThat(realTime.observations().calls(Operation.ASSUME_ROLE))
          .as("cached while fresh")
          .isEqualTo(1);

      realTime.clock().advance(Duration.ofSeconds(901));
      try (DynamoDbClient withFirst =
          EmulatorClients.client(
              realTime.endpoint(), REGION, StaticCredentialsProvider.create(first))) {
        assertThatThrownBy(withFirst::listTables)
            .isInstanceOfSatisfying(
                AwsServiceException.class,
                e ->
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ExpiredTokenException"));
      }

      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> !provider.resolveCredentials().accessKeyId().equals(first.accessKeyId()));
      assertThat(viaProvider.listTables().tableNames())
          .as("the role's account, through refreshed credentials")
          .containsExactly("orders");
      assertThat(realTime.observations().calls(Operation.ASSUME_ROLE)).isEqualTo(2);
      assertThat(realTime.observations().requests())
          .filteredOn(record -> record.operation().equals("ListTables"))
          .last()
          .returns(null, Observations.RequestRecord::errorCode)
          .returns(ROLE_ACCOUNT, Observations.RequestRecord::accountId);
    }
  }

  @Test
  void injectedFaultsAnswerInStsShape() {
    emulator.faults().failNext(Operation.ASSUME_ROLE, 1, AwsErrorType.THROTTLING);

    AwsServiceException throttled = assumeRoleFails(r -> r.externalId(EXTERNAL_ID));
    assertThat(throttled.statusCode()).isEqualTo(400);
    assertThat(throttled.awsErrorDetails().errorCode()).isEqualTo("Throttling");
    assertThat(throttled.awsErrorDetails().errorMessage()).isEqualTo("Rate exceeded");
    assertThat(throttled.isThrottlingException()).isTrue();
    assertThat(emulator.observations().requests())
        .singleElement()
        .satisfies(
            record -> {
              assertThat(record.errorCode()).isEqualTo("Throttling");
              assertThat(record.assumeRole().externalIdMatched())
                  .as("the trust was never checked")
                  .isNull();
            });
    assumeRole(r -> r.externalId(EXTERNAL_ID));

    assertThatThrownBy(
            () ->
                emulator
                    .faults()
                    .failNext(Operation.GET_CALLER_IDENTITY, 1, AwsErrorType.TABLE_NOT_FOUND))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TableNotFoundException");
  }

  private AssumeRoleResponse assumeRole(Consumer<AssumeRoleRequest.Builder> request) {
    return sts.assumeRole(r -> request.accept(r.roleArn(ROLE_ARN).roleSessionName("operator")));
  }

  private AwsServiceException assumeRoleFails(Consumer<AssumeRoleRequest.Builder> request) {
    try {
      assumeRole(request);
    } catch (AwsServiceException e) {
      return e;
    }
    throw new AssertionError("AssumeRole succeeded");
  }

  private void assertValidationError(Consumer<AssumeRoleRequest.Builder> request, String message) {
    AwsServiceException refused = assumeRoleFails(request);
    assertThat(refused).isInstanceOf(StsException.class);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.awsErrorDetails().errorCode()).isEqualTo("ValidationError");
    assertThat(refused.awsErrorDetails().errorMessage()).isEqualTo(message);
  }
}
