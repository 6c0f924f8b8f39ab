package io.pitr.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.pitr.testing.MotoServer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ContinuousBackupsDescription;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryDescription;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.Tag;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;

/**
 * The same scenarios, step by step, against moto server and against our emulator, through the AWS
 * SDK v2. Where moto is faithful the outcomes are equal; where it is not, the step names the known
 * moto deviation and pins both outcomes, so that a change on either side is noticed.
 */
class MotoDifferentialIT {

  private static final String MOTO_ACCOUNT = "123456789012";
  private static final String REGION = "eu-west-1";
  private static final String ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders";

  /** Where moto 5.2 departs from live DynamoDB (spec section 5) and live STS. */
  enum MotoDeviation {
    TABLES_ARE_ACTIVE_AT_ONCE("CreateTable answers ACTIVE; there is no CREATING window"),
    KEEPS_PERIOD_WHEN_ENABLE_OMITS_IT(
        "an enable without RecoveryPeriodInDays keeps the old period; the model says 35"),
    ACCEPTS_PERIOD_ABOVE_35("no range check: RecoveryPeriodInDays 36 is stored"),
    IGNORES_PERIOD_WITH_DISABLE("a period sent with a disable is ignored, not rejected"),
    DELETE_ANSWERS_ACTIVE("DeleteTable answers TableStatus ACTIVE, not DELETING"),
    TERSE_TAG_NOT_FOUND("tag operations on a missing table omit the ARN from the message"),
    /**
     * Not pinned: whether two clock reads land in one millisecond is chance. {@link
     * ContinuousBackupsConformanceTest} checks our whole, equal seconds exactly.
     */
    MILLISECOND_TIMESTAMPS(
        "restorable times carry milliseconds and Earliest trails Latest by about 1 ms at enable;"
            + " live DynamoDB answers whole seconds, equal at enable"),
    /** Not exercised here: it takes minutes of real time, since moto's clock cannot be moved. */
    FROZEN_TIMESTAMPS("Latest never advances and Earliest never rolls with the period"),
    IGNORES_ROLE_TRUST(
        "AssumeRole checks neither the ExternalId, the trusted accounts nor that the role exists"),
    PACKED_POLICY_SIZE_WITHOUT_TAGS(
        "AssumeRole answers PackedPolicySize 6 though no session policy or tag was passed"),
    UNKNOWN_KEYS_ARE_USER_MOTO(
        "GetCallerIdentity of keys it did not issue answers user/moto, not the account's root"),
    ROLE_ID_CHANGES_PER_CALL(
        "the role id in AssumedRoleId and UserId is drawn anew on every call for a role not in"
            + " moto's IAM, so GetCallerIdentity's UserId is not AssumeRole's AssumedRoleId"),
    DOUBLE_SPACE_IN_SESSION_NAME_ERROR(
        "the ValidationError for a long RoleSessionName reads 'less than or  equal'"),
    /** Not exercised here: moto's clock cannot be moved to a session's expiration. */
    SESSIONS_NEVER_EXPIRE("credentials past their Expiration still work; no ExpiredToken");

    final String description;

    MotoDeviation(String description) {
      this.description = description;
    }
  }

  /** One step of a scenario, run with {@code C}, the clients of one server. */
  private record Step<C>(
      String name,
      Function<C, String> action,
      MotoDeviation deviation,
      String expectedFromEmulator,
      String expectedFromMoto) {}

  /**
   * One server's clients for the STS scenario, and the session its AssumeRole answered, which later
   * steps act with.
   */
  private static final class Side {
    final URI endpoint;
    AssumeRoleResponse assumed;

    Side(URI endpoint) {
      this.endpoint = endpoint;
    }

    StsClient sts() {
      return EmulatorClients.sts(endpoint, REGION, "AKIDEXAMPLE");
    }
  }

  private static final String ROLE_ACCOUNT = "222222222222";
  private static final String ROLE_ARN = "arn:aws:iam::" + ROLE_ACCOUNT + ":role/pitr";
  private static final String EXTERNAL_ID = "pitr-operator-7f3a";

  private static MotoServer moto;
  private static DynamoDbEmulator emulator;

  @BeforeAll
  static void start() {
    moto = MotoServer.start();
    emulator = DynamoDbEmulator.start(EmulatorSettings.builder().accountId(MOTO_ACCOUNT).build());
    emulator.registerRole(new AssumableRole(ROLE_ARN, EXTERNAL_ID, Set.of(MOTO_ACCOUNT)));
  }

  @AfterAll
  static void stop() {
    if (emulator != null) {
      emulator.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @Test
  void sameScenarioSameOutcomesExceptNamedMotoDeviations() {
    List<Step<DynamoDbClient>> steps = new ArrayList<>();
    steps.add(
        deviating(
            "create table",
            c ->
                outcome(
                    () ->
                        table(
                            c.createTable(EmulatorClients.onDemandTable("orders"))
                                .tableDescription())),
            MotoDeviation.TABLES_ARE_ACTIVE_AT_ONCE,
            "ok status=CREATING name=orders arn=" + ARN + " billing=PAY_PER_REQUEST",
            "ok status=ACTIVE name=orders arn=" + ARN + " billing=PAY_PER_REQUEST"));
    steps.add(
        equal(
            "describe table",
            c -> outcome(() -> table(c.describeTable(r -> r.tableName("orders")).table()))));
    steps.add(equal("describe fresh table's backups", MotoDifferentialIT::describe));
    steps.add(equal("enable for 7 days", c -> update(c, true, 7)));
    steps.add(equal("describe enabled", MotoDifferentialIT::describe));
    steps.add(equal("change period to 14", c -> update(c, true, 14)));
    steps.add(
        deviating(
            "enable without period",
            c -> update(c, true, null),
            MotoDeviation.KEEPS_PERIOD_WHEN_ENABLE_OMITS_IT,
            "ok backups=ENABLED pitr=ENABLED period=35 window=fresh",
            "ok backups=ENABLED pitr=ENABLED period=14 window=fresh"));
    steps.add(
        deviating(
            "period 36",
            c -> update(c, true, 36),
            MotoDeviation.ACCEPTS_PERIOD_ABOVE_35,
            "error ValidationException: 1 validation error detected: Value '36' at"
                + " 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy"
                + " constraint: Member must have value less than or equal to 35",
            "ok backups=ENABLED pitr=ENABLED period=36 window=fresh"));
    steps.add(
        deviating(
            "disable with a period",
            c -> update(c, false, 7),
            MotoDeviation.IGNORES_PERIOD_WITH_DISABLE,
            "error ValidationException: Invalid Request: Cannot specify RecoveryPeriodInDays when"
                + " disabling point-in-time recovery.",
            "ok backups=ENABLED pitr=DISABLED period=null window=none"));
    steps.add(equal("disable", c -> update(c, false, null)));
    steps.add(equal("describe disabled", MotoDifferentialIT::describe));
    steps.add(
        equal(
            "describe a missing table's backups",
            c ->
                outcome(
                    () ->
                        backups(
                            c.describeContinuousBackups(r -> r.tableName("missing"))
                                .continuousBackupsDescription()))));
    steps.add(
        equal(
            "update a missing table",
            c ->
                outcome(
                    () ->
                        backups(
                            c.updateContinuousBackups(
                                    r ->
                                        r.tableName("missing")
                                            .pointInTimeRecoverySpecification(
                                                s -> s.pointInTimeRecoveryEnabled(true)))
                                .continuousBackupsDescription()))));
    steps.add(
        equal(
            "describe a missing table",
            c -> outcome(() -> table(c.describeTable(r -> r.tableName("missing")).table()))));
    steps.add(equal("list tables", c -> outcome(() -> c.listTables().tableNames().toString())));
    steps.add(
        equal(
            "tag, untag and list tags",
            c ->
                outcome(
                    () -> {
                      c.tagResource(
                          r ->
                              r.resourceArn(ARN)
                                  .tags(
                                      Tag.builder().key("team").value("a").build(),
                                      Tag.builder().key("env").value("dev").build()));
                      c.untagResource(r -> r.resourceArn(ARN).tagKeys("env"));
                      return c.listTagsOfResource(r -> r.resourceArn(ARN)).tags().toString();
                    })));
    steps.add(
        deviating(
            "list tags of a missing table",
            c ->
                outcome(
                    () ->
                        c.listTagsOfResource(r -> r.resourceArn(ARN.replace("orders", "missing")))
                            .tags()
                            .toString()),
            MotoDeviation.TERSE_TAG_NOT_FOUND,
            "error ResourceNotFoundException: Requested resource not found: ResourceArn: "
                + ARN.replace("orders", "missing")
                + " not found",
            "error ResourceNotFoundException: Requested resource not found"));
    steps.add(
        deviating(
            "delete table",
            c -> outcome(() -> table(c.deleteTable(r -> r.tableName("orders")).tableDescription())),
            MotoDeviation.DELETE_ANSWERS_ACTIVE,
            "ok status=DELETING name=orders arn=" + ARN + " billing=PAY_PER_REQUEST",
            "ok status=ACTIVE name=orders arn=" + ARN + " billing=PAY_PER_REQUEST"));
    steps.add(equal("describe a deleted table's backups", MotoDifferentialIT::describe));
    steps.add(
        equal(
            "re-created table starts disabled",
            c ->
                outcome(
                    () -> {
                      c.createTable(EmulatorClients.onDemandTable("orders"));
                      return backups(
                          c.describeContinuousBackups(r -> r.tableName("orders"))
                              .continuousBackupsDescription());
                    })));

    try (DynamoDbClient ours = EmulatorClients.client(emulator, REGION);
        DynamoDbClient theirs = EmulatorClients.client(moto.endpoint(), REGION, "AKIDEXAMPLE")) {
      run(steps, ours, theirs);
    }
    assertThat(steps).filteredOn(step -> step.deviation() == null).hasSizeGreaterThan(10);
  }

  /**
   * Cross-account access through a role: what both answer to AssumeRole and GetCallerIdentity, and
   * where the session's tables land. The emulator's role trusts moto's default account with an
   * ExternalId; moto has no trust to check.
   */
  @Test
  void sameAssumeRoleScenarioSameOutcomesExceptNamedMotoDeviations() {
    String sessionArn = "arn:aws:sts::" + ROLE_ACCOUNT + ":assumed-role/pitr/differential";
    String denied =
        "error AccessDenied: User: arn:aws:iam::"
            + MOTO_ACCOUNT
            + ":root is not authorized to perform: sts:AssumeRole on resource: ";
    String longName = "s".repeat(65);
    List<Step<Side>> steps = new ArrayList<>();
    steps.add(
        equal(
            "assume the role with its ExternalId",
            side ->
                outcome(
                    () -> {
                      side.assumed = assumeRole(side, ROLE_ARN, EXTERNAL_ID);
                      return assumed(side.assumed);
                    })));
    steps.add(
        deviating(
            "packed policy size without tags",
            side -> "ok packed=" + side.assumed.packedPolicySize(),
            MotoDeviation.PACKED_POLICY_SIZE_WITHOUT_TAGS,
            "ok packed=null",
            "ok packed=6"));
    steps.add(
        equal(
            "the session's caller identity",
            side ->
                outcome(
                    () -> {
                      try (StsClient asRole =
                          EmulatorClients.sts(side.endpoint, REGION, side.assumed.credentials())) {
                        return identity(asRole.getCallerIdentity());
                      }
                    })));
    steps.add(
        deviating(
            "the session's UserId is AssumeRole's AssumedRoleId",
            side ->
                outcome(
                    () -> {
                      try (StsClient asRole =
                          EmulatorClients.sts(side.endpoint, REGION, side.assumed.credentials())) {
                        return "same="
                            + asRole
                                .getCallerIdentity()
                                .userId()
                                .equals(side.assumed.assumedRoleUser().assumedRoleId());
                      }
                    }),
            MotoDeviation.ROLE_ID_CHANGES_PER_CALL,
            "ok same=true",
            "ok same=false"));
    steps.add(
        equal(
            "the session creates a table",
            side ->
                outcome(
                    () -> {
                      try (DynamoDbClient asRole =
                          EmulatorClients.client(
                              side.endpoint, REGION, side.assumed.credentials())) {
                        return asRole
                            .createTable(EmulatorClients.onDemandTable("sessions"))
                            .tableDescription()
                            .tableArn();
                      }
                    })));
    steps.add(
        equal(
            "the caller's own account does not see it",
            side ->
                outcome(
                    () -> {
                      try (DynamoDbClient caller =
                          EmulatorClients.client(side.endpoint, REGION, "AKIDEXAMPLE")) {
                        return "sees sessions="
                            + caller.listTables().tableNames().contains("sessions");
                      }
                    })));
    steps.add(
        deviating(
            "assume the role without an ExternalId",
            side -> outcome(() -> assumed(assumeRole(side, ROLE_ARN, null))),
            MotoDeviation.IGNORES_ROLE_TRUST,
            denied + ROLE_ARN,
            "ok arn=" + sessionArn + " id=AROA…:differential key=ASIA… lasts=60min"));
    steps.add(
        deviating(
            "assume the role with a wrong ExternalId",
            side -> outcome(() -> assumed(assumeRole(side, ROLE_ARN, "guessed"))),
            MotoDeviation.IGNORES_ROLE_TRUST,
            denied + ROLE_ARN,
            "ok arn=" + sessionArn + " id=AROA…:differential key=ASIA… lasts=60min"));
    steps.add(
        deviating(
            "assume a role nobody registered",
            side ->
                outcome(
                    () ->
                        assumed(assumeRole(side, ROLE_ARN.replace("pitr", "other"), EXTERNAL_ID))),
            MotoDeviation.IGNORES_ROLE_TRUST,
            denied + ROLE_ARN.replace("pitr", "other"),
            "ok arn="
                + sessionArn.replace("pitr", "other")
                + " id=AROA…:differential key=ASIA… lasts=60min"));
    steps.add(
        deviating(
            "caller identity of keys STS did not issue",
            side ->
                outcome(
                    () -> {
                      try (StsClient sts = side.sts()) {
                        return identity(sts.getCallerIdentity());
                      }
                    }),
            MotoDeviation.UNKNOWN_KEYS_ARE_USER_MOTO,
            "ok account="
                + MOTO_ACCOUNT
                + " arn=arn:aws:iam::"
                + MOTO_ACCOUNT
                + ":root userId="
                + MOTO_ACCOUNT,
            "ok account="
                + MOTO_ACCOUNT
                + " arn=arn:aws:sts::"
                + MOTO_ACCOUNT
                + ":user/moto userId=AKIAIOSFODNN7EXAMPLE"));
    steps.add(
        deviating(
            "a session name of 65 characters",
            side ->
                outcome(
                    () -> {
                      try (StsClient sts = side.sts()) {
                        return assumed(
                            sts.assumeRole(
                                r ->
                                    r.roleArn(ROLE_ARN)
                                        .roleSessionName(longName)
                                        .externalId(EXTERNAL_ID)));
                      }
                    }),
            MotoDeviation.DOUBLE_SPACE_IN_SESSION_NAME_ERROR,
            "error ValidationError: 1 validation error detected: Value '"
                + longName
                + "' at 'roleSessionName' failed to satisfy constraint: Member must have length"
                + " less than or equal to 64",
            "error ValidationError: 1 validation error detected: Value '"
                + longName
                + "' at 'roleSessionName' failed to satisfy constraint: Member must have length"
                + " less than or  equal to 64"));

    run(steps, new Side(emulator.endpoint()), new Side(moto.endpoint()));
    assertThat(steps).filteredOn(step -> step.deviation() == null).hasSize(4);
  }

  /** Runs each step on both servers in turn; equal steps must agree, deviating ones are pinned. */
  private static <C> void run(List<Step<C>> steps, C ours, C theirs) {
    SoftAssertions softly = new SoftAssertions();
    for (Step<C> step : steps) {
      String fromEmulator = step.action().apply(ours);
      String fromMoto = step.action().apply(theirs);
      if (step.deviation() == null) {
        softly.assertThat(fromEmulator).as(step.name()).isEqualTo(fromMoto);
      } else {
        String why = step.name() + " (moto deviation: " + step.deviation().description + ")";
        softly
            .assertThat(fromEmulator)
            .as(why + ", emulator")
            .isEqualTo(step.expectedFromEmulator());
        softly.assertThat(fromMoto).as(why + ", moto").isEqualTo(step.expectedFromMoto());
      }
    }
    softly.assertAll();
  }

  private static <C> Step<C> equal(String name, Function<C, String> action) {
    return new Step<>(name, action, null, null, null);
  }

  private static <C> Step<C> deviating(
      String name,
      Function<C, String> action,
      MotoDeviation deviation,
      String fromEmulator,
      String fromMoto) {
    return new Step<>(name, action, deviation, fromEmulator, fromMoto);
  }

  private static AssumeRoleResponse assumeRole(Side side, String roleArn, String externalId) {
    try (StsClient sts = side.sts()) {
      return sts.assumeRole(
          r -> r.roleArn(roleArn).roleSessionName("differential").externalId(externalId));
    }
  }

  /** The answer's shapes: the ARN as is, ids and keys by their form, the duration in minutes. */
  private static String assumed(AssumeRoleResponse response) {
    String assumedRoleId = response.assumedRoleUser().assumedRoleId();
    String accessKeyId = response.credentials().accessKeyId();
    long lasts = Duration.between(Instant.now(), response.credentials().expiration()).toSeconds();
    return "arn="
        + response.assumedRoleUser().arn()
        + " id="
        + assumedRoleId.replaceFirst("^AROA[A-Z0-9]{17}:", "AROA…:")
        + " key="
        + accessKeyId.replaceFirst("^ASIA[A-Z0-9]{16}$", "ASIA…")
        + " lasts="
        + Math.round(lasts / 60.0)
        + "min";
  }

  private static String identity(GetCallerIdentityResponse identity) {
    return "account="
        + identity.account()
        + " arn="
        + identity.arn()
        + " userId="
        + identity.userId().replaceFirst("^AROA[A-Z0-9]{17}:", "AROA…:");
  }

  private static String update(DynamoDbClient client, boolean enabled, Integer period) {
    return outcome(
        () ->
            backups(
                client
                    .updateContinuousBackups(
                        r ->
                            r.tableName("orders")
                                .pointInTimeRecoverySpecification(
                                    s ->
                                        s.pointInTimeRecoveryEnabled(enabled)
                                            .recoveryPeriodInDays(period)))
                    .continuousBackupsDescription()));
  }

  private static String describe(DynamoDbClient client) {
    return outcome(
        () ->
            backups(
                client
                    .describeContinuousBackups(r -> r.tableName("orders"))
                    .continuousBackupsDescription()));
  }

  /** "ok ..." with the normalised answer, or "error Code: message". */
  private static String outcome(Supplier<String> call) {
    try {
      return "ok " + call.get();
    } catch (AwsServiceException e) {
      return "error " + e.awsErrorDetails().errorCode() + ": " + e.awsErrorDetails().errorMessage();
    }
  }

  private static String table(TableDescription table) {
    return "status="
        + table.tableStatusAsString()
        + " name="
        + table.tableName()
        + " arn="
        + table.tableArn()
        + " billing="
        + table.billingModeSummary().billingModeAsString();
  }

  /**
   * The description without its volatile times: the window is "fresh" right after enabling. Up to a
   * second between Earliest and Latest is tolerated ({@link MotoDeviation#MILLISECOND_TIMESTAMPS}).
   */
  private static String backups(ContinuousBackupsDescription description) {
    PointInTimeRecoveryDescription pitr = description.pointInTimeRecoveryDescription();
    Instant earliest = pitr.earliestRestorableDateTime();
    Instant latest = pitr.latestRestorableDateTime();
    String window;
    if (earliest == null && latest == null) {
      window = "none";
    } else if (earliest != null
        && latest != null
        && Duration.between(earliest, latest).abs().compareTo(Duration.ofSeconds(1)) < 0
        && Duration.between(earliest, Instant.now()).abs().compareTo(Duration.ofMinutes(2)) < 0) {
      window = "fresh";
    } else {
      window = earliest + ".." + latest;
    }
    return "backups="
        + description.continuousBackupsStatusAsString()
        + " pitr="
        + pitr.pointInTimeRecoveryStatusAsString()
        + " period="
        + pitr.recoveryPeriodInDays()
        + " window="
        + window;
  }
}
