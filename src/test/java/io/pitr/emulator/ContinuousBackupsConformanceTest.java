package io.pitr.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ContinuousBackupsDescription;
import software.amazon.awssdk.services.dynamodb.model.ContinuousBackupsStatus;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryDescription;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryStatus;
import software.amazon.awssdk.services.dynamodb.model.TableNotFoundException;

/**
 * UpdateContinuousBackups and DescribeContinuousBackups through the unmodified AWS SDK v2: shapes,
 * recovery-period semantics, restorable times and validation (spec sections 2.8, 3.2 to 3.5).
 */
class ContinuousBackupsConformanceTest {

  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00.750Z");
  private static final Instant T0_SECONDS = T0.truncatedTo(ChronoUnit.SECONDS);

  private EmulatorClock clock;
  private DynamoDbEmulator emulator;
  private DynamoDbClient dynamoDb;

  @BeforeEach
  void start() {
    clock = EmulatorClock.fixedAt(T0);
    emulator = DynamoDbEmulator.start(EmulatorSettings.defaults(), clock);
    dynamoDb = EmulatorClients.client(emulator, "eu-west-1");
    dynamoDb.createTable(EmulatorClients.onDemandTable("orders"));
  }

  @AfterEach
  void stop() {
    dynamoDb.close();
    emulator.close();
  }

  @Test
  void freshTableHasBackupsButNoPointInTimeRecovery() {
    ContinuousBackupsDescription description = describe();

    assertThat(description.continuousBackupsStatus()).isEqualTo(ContinuousBackupsStatus.ENABLED);
    assertThat(description.pointInTimeRecoveryDescription())
        .isEqualTo(
            PointInTimeRecoveryDescription.builder()
                .pointInTimeRecoveryStatus(PointInTimeRecoveryStatus.DISABLED)
                .build());
  }

  @Test
  void enablingAnswersTheNewDescriptionWithTheWindowStartingNow() {
    ContinuousBackupsDescription answered = update(true, 7);

    assertThat(answered.continuousBackupsStatus()).isEqualTo(ContinuousBackupsStatus.ENABLED);
    assertThat(answered.pointInTimeRecoveryDescription())
        .isEqualTo(
            PointInTimeRecoveryDescription.builder()
                .pointInTimeRecoveryStatus(PointInTimeRecoveryStatus.ENABLED)
                .recoveryPeriodInDays(7)
                .earliestRestorableDateTime(T0_SECONDS)
                .latestRestorableDateTime(T0_SECONDS)
                .build());
    assertThat(describe()).isEqualTo(answered);
  }

  @Test
  void enablingWithoutPeriodMeansThirtyFiveDays() {
    assertThat(update(true, null).pointInTimeRecoveryDescription().recoveryPeriodInDays())
        .isEqualTo(35);
  }

  @Test
  void latestRestorableLagsFiveMinutesOnceTheWindowIsOlder() {
    update(true, 35);

    clock.advance(Duration.ofMinutes(2));
    assertThat(describe().pointInTimeRecoveryDescription().latestRestorableDateTime())
        .isEqualTo(T0_SECONDS);

    clock.advance(Duration.ofMinutes(58));
    assertThat(describe().pointInTimeRecoveryDescription())
        .returns(T0_SECONDS, PointInTimeRecoveryDescription::earliestRestorableDateTime)
        .returns(
            T0.plus(Duration.ofMinutes(55)).truncatedTo(ChronoUnit.SECONDS),
            PointInTimeRecoveryDescription::latestRestorableDateTime);
  }

  @Test
  void earliestRestorableRollsWithThePeriod() {
    update(true, 2);

    clock.advance(Duration.ofDays(5));

    assertThat(describe().pointInTimeRecoveryDescription().earliestRestorableDateTime())
        .isEqualTo(T0.plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.SECONDS));
  }

  @Test
  void shorteningDropsOldRestorePointsAndLengtheningDoesNotBringThemBack() {
    update(true, 35);
    clock.advance(Duration.ofDays(10));

    ContinuousBackupsDescription shortened = update(true, 7);
    Instant sevenDaysAgo = T0.plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.SECONDS);
    assertThat(shortened.pointInTimeRecoveryDescription())
        .returns(7, PointInTimeRecoveryDescription::recoveryPeriodInDays)
        .returns(sevenDaysAgo, PointInTimeRecoveryDescription::earliestRestorableDateTime);

    ContinuousBackupsDescription lengthened = update(true, 35);
    assertThat(lengthened.pointInTimeRecoveryDescription())
        .returns(35, PointInTimeRecoveryDescription::recoveryPeriodInDays)
        .returns(sevenDaysAgo, PointInTimeRecoveryDescription::earliestRestorableDateTime);

    clock.advance(Duration.ofDays(20));
    assertThat(describe().pointInTimeRecoveryDescription().earliestRestorableDateTime())
        .as("history accumulates again from the purge horizon")
        .isEqualTo(sevenDaysAgo);
  }

  @Test
  void enableWhileEnabledKeepsTheWindow() {
    update(true, 14);
    clock.advance(Duration.ofHours(1));

    assertThat(update(true, 14).pointInTimeRecoveryDescription().earliestRestorableDateTime())
        .isEqualTo(T0_SECONDS);
  }

  @Test
  void disablingForgetsThePeriodAndReEnablingRestartsTheWindow() {
    update(true, 7);
    clock.advance(Duration.ofHours(3));

    ContinuousBackupsDescription disabled = update(false, null);
    assertThat(disabled.continuousBackupsStatus()).isEqualTo(ContinuousBackupsStatus.ENABLED);
    assertThat(disabled.pointInTimeRecoveryDescription())
        .isEqualTo(
            PointInTimeRecoveryDescription.builder()
                .pointInTimeRecoveryStatus(PointInTimeRecoveryStatus.DISABLED)
                .build());
    assertThat(update(false, null)).as("disable is idempotent").isEqualTo(disabled);

    clock.advance(Duration.ofMinutes(1));
    ContinuousBackupsDescription reEnabled = update(true, null);
    Instant reEnabledAt = T0.plus(Duration.ofMinutes(181)).truncatedTo(ChronoUnit.SECONDS);
    assertThat(reEnabled.pointInTimeRecoveryDescription())
        .returns(35, PointInTimeRecoveryDescription::recoveryPeriodInDays)
        .returns(reEnabledAt, PointInTimeRecoveryDescription::earliestRestorableDateTime)
        .returns(reEnabledAt, PointInTimeRecoveryDescription::latestRestorableDateTime);
  }

  @Test
  void enableWithoutPeriodOnEnabledTableResetsToDefaultUnlessConfiguredToKeep() {
    update(true, 7);
    assertThat(update(true, null).pointInTimeRecoveryDescription().recoveryPeriodInDays())
        .isEqualTo(35);

    try (var keeping =
            DynamoDbEmulator.start(
                EmulatorSettings.builder()
                    .enableWithoutPeriod(EmulatorSettings.EnableWithoutPeriod.KEEP_CURRENT)
                    .build(),
                EmulatorClock.fixedAt(T0));
        var client = EmulatorClients.client(keeping, "eu-west-1")) {
      client.createTable(EmulatorClients.onDemandTable("orders"));
      client.updateContinuousBackups(
          r ->
              r.tableName("orders")
                  .pointInTimeRecoverySpecification(
                      s -> s.pointInTimeRecoveryEnabled(true).recoveryPeriodInDays(7)));
      var kept =
          client.updateContinuousBackups(
              r ->
                  r.tableName("orders")
                      .pointInTimeRecoverySpecification(s -> s.pointInTimeRecoveryEnabled(true)));
      assertThat(
              kept.continuousBackupsDescription()
                  .pointInTimeRecoveryDescription()
                  .recoveryPeriodInDays())
          .isEqualTo(7);
    }
  }

  @Test
  void tableArnWorksAsTableName() {
    String arn = "arn:aws:dynamodb:eu-west-1:000000000000:table/orders";

    var answered =
        dynamoDb.updateContinuousBackups(
            r ->
                r.tableName(arn)
                    .pointInTimeRecoverySpecification(
                        s -> s.pointInTimeRecoveryEnabled(true).recoveryPeriodInDays(3)));

    assertThat(answered.continuousBackupsDescription()).isEqualTo(describe());
    assertThat(
            dynamoDb
                .describeContinuousBackups(r -> r.tableName(arn))
                .continuousBackupsDescription()
                .pointInTimeRecoveryDescription()
                .recoveryPeriodInDays())
        .isEqualTo(3);
  }

  @Test
  void missingTableIsTableNotFoundWithTheNameAsSent() {
    assertThatThrownBy(() -> dynamoDb.describeContinuousBackups(r -> r.tableName("missing")))
        .isInstanceOf(TableNotFoundException.class)
        .satisfies(e -> assertErrorMessage(e, "Table not found: missing"));
    assertThatThrownBy(
            () ->
                dynamoDb.updateContinuousBackups(
                    r ->
                        r.tableName("missing")
                            .pointInTimeRecoverySpecification(
                                s -> s.pointInTimeRecoveryEnabled(true))))
        .isInstanceOf(TableNotFoundException.class)
        .satisfies(e -> assertErrorMessage(e, "Table not found: missing"));
  }

  @ParameterizedTest(name = "enabled={0}, period={1}, table={2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "true  | 36 | orders  | 1 validation error detected: Value '36' at"
            + " 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy"
            + " constraint: Member must have value less than or equal to 35",
        "true  | 0  | orders  | 1 validation error detected: Value '0' at"
            + " 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy"
            + " constraint: Member must have value greater than or equal to 1",
        "       |    | orders  | 1 validation error detected: Value null at"
            + " 'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled' failed to satisfy"
            + " constraint: Member must not be null",
        "false | 7  | orders  | Invalid Request: Cannot specify RecoveryPeriodInDays when"
            + " disabling point-in-time recovery.",
        "false | 35 | orders  | Invalid Request: Cannot specify RecoveryPeriodInDays when"
            + " disabling point-in-time recovery.",
        "true  | 36 | missing | 1 validation error detected: Value '36' at"
            + " 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy"
            + " constraint: Member must have value less than or equal to 35",
        "true  | 7  | a;      | 2 validation errors detected: Value 'a;' at 'tableName' failed"
            + " to satisfy constraint: Member must have length greater than or equal to 3; Value"
            + " 'a;' at 'tableName' failed to satisfy constraint: Member must satisfy regular"
            + " expression pattern: [a-zA-Z0-9_.-]+",
      })
  void invalidUpdatesAreValidationExceptionsCheckedBeforeTheTable(
      Boolean enabled, Integer period, String table, String message) {
    assertThatThrownBy(
            () ->
                dynamoDb.updateContinuousBackups(
                    r ->
                        r.tableName(table)
                            .pointInTimeRecoverySpecification(
                                s ->
                                    s.pointInTimeRecoveryEnabled(enabled)
                                        .recoveryPeriodInDays(period))))
        .isInstanceOfSatisfying(
            AwsServiceException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(400);
              assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
              assertErrorMessage(e, message);
            });
    assertThat(describe().pointInTimeRecoveryDescription().pointInTimeRecoveryStatus())
        .as("a rejected update changes nothing")
        .isEqualTo(PointInTimeRecoveryStatus.DISABLED);
  }

  @Test
  void missingSpecificationIsAValidationException() {
    assertThatThrownBy(() -> dynamoDb.updateContinuousBackups(r -> r.tableName("orders")))
        .isInstanceOfSatisfying(
            AwsServiceException.class,
            e ->
                assertErrorMessage(
                    e,
                    "1 validation error detected: Value null at"
                        + " 'pointInTimeRecoverySpecification' failed to satisfy constraint:"
                        + " Member must not be null"));
  }

  private ContinuousBackupsDescription update(boolean enabled, Integer period) {
    return dynamoDb
        .updateContinuousBackups(
            r ->
                r.tableName("orders")
                    .pointInTimeRecoverySpecification(
                        s -> s.pointInTimeRecoveryEnabled(enabled).recoveryPeriodInDays(period)))
        .continuousBackupsDescription();
  }

  private ContinuousBackupsDescription describe() {
    return dynamoDb
        .describeContinuousBackups(r -> r.tableName("orders"))
        .continuousBackupsDescription();
  }

  static void assertErrorMessage(Throwable error, String message) {
    assertThat(((AwsServiceException) error).awsErrorDetails().errorMessage()).isEqualTo(message);
  }
}
