package io.pitr.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.pitr.testing.MotoServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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

/**
 * The same scenario, step by step, against moto server and against our emulator, through the AWS
 * SDK v2. Where moto is faithful the outcomes are equal; where it is not, the step names the known
 * moto deviation and pins both outcomes, so that a change on either side is noticed.
 */
class MotoDifferentialIT {

  private static final String MOTO_ACCOUNT = "123456789012";
  private static final String REGION = "eu-west-1";
  private static final String ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders";

  /** Where moto 5.2 departs from live DynamoDB (spec section 5). */
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
    FROZEN_TIMESTAMPS("Latest never advances and Earliest never rolls with the period");

    final String description;

    MotoDeviation(String description) {
      this.description = description;
    }
  }

  private record Step(
      String name,
      Function<DynamoDbClient, String> action,
      MotoDeviation deviation,
      String expectedFromEmulator,
      String expectedFromMoto) {}

  private static MotoServer moto;
  private static DynamoDbEmulator emulator;

  @BeforeAll
  static void start() {
    moto = MotoServer.start();
    emulator = DynamoDbEmulator.start(EmulatorSettings.builder().accountId(MOTO_ACCOUNT).build());
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
    List<Step> steps = new ArrayList<>();
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

    SoftAssertions softly = new SoftAssertions();
    try (DynamoDbClient ours = EmulatorClients.client(emulator, REGION);
        DynamoDbClient theirs = EmulatorClients.client(moto.endpoint(), REGION, "AKIDEXAMPLE")) {
      for (Step step : steps) {
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
    }
    softly.assertAll();
    assertThat(steps).filteredOn(step -> step.deviation() == null).hasSizeGreaterThan(10);
  }

  private static Step equal(String name, Function<DynamoDbClient, String> action) {
    return new Step(name, action, null, null, null);
  }

  private static Step deviating(
      String name,
      Function<DynamoDbClient, String> action,
      MotoDeviation deviation,
      String fromEmulator,
      String fromMoto) {
    return new Step(name, action, deviation, fromEmulator, fromMoto);
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
