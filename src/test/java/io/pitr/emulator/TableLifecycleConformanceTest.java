package io.pitr.emulator;

import static io.pitr.emulator.ContinuousBackupsConformanceTest.assertErrorMessage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ContinuousBackupsStatus;
import software.amazon.awssdk.services.dynamodb.model.ContinuousBackupsUnavailableException;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryStatus;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.Tag;
import software.amazon.awssdk.services.dynamodb.model.UpdateContinuousBackupsResponse;

/**
 * Tables through the AWS SDK v2: the CREATING → ACTIVE → DELETING lifecycle with its windows (spec
 * section 3.6), table and tag operations, and state kept per account and region.
 */
class TableLifecycleConformanceTest {

  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final EmulatorSettings.Lifecycle TIMINGS = EmulatorSettings.Lifecycle.REALISTIC;

  private EmulatorClock clock;
  private DynamoDbEmulator emulator;
  private DynamoDbClient dynamoDb;

  @BeforeEach
  void start() {
    clock = EmulatorClock.fixedAt(T0);
    emulator = DynamoDbEmulator.start(EmulatorSettings.builder().lifecycle(TIMINGS).build(), clock);
    dynamoDb = EmulatorClients.client(emulator, "eu-west-1");
  }

  @AfterEach
  void stop() {
    dynamoDb.close();
    emulator.close();
  }

  @Test
  void createTableAnswersCreatingWithAFullDescription() {
    TableDescription created =
        dynamoDb.createTable(EmulatorClients.onDemandTable("orders")).tableDescription();

    assertThat(created.tableName()).isEqualTo("orders");
    assertThat(created.tableStatus()).isEqualTo(TableStatus.CREATING);
    assertThat(created.tableArn())
        .isEqualTo("arn:aws:dynamodb:eu-west-1:000000000000:table/orders");
    assertThat(created.tableId()).matches("[0-9a-f-]{36}");
    assertThat(created.creationDateTime()).isEqualTo(T0);
    assertThat(created.billingModeSummary().billingModeAsString()).isEqualTo("PAY_PER_REQUEST");
    assertThat(created.provisionedThroughput().readCapacityUnits()).isZero();
    assertThat(created.keySchema()).hasSize(1);
    assertThat(created.deletionProtectionEnabled()).isFalse();
  }

  @Test
  void newTableGoesThroughNotFoundCreatingAndBackupsPendingBeforePitrWorks() {
    dynamoDb.createTable(EmulatorClients.onDemandTable("orders"));

    assertThatThrownBy(() -> dynamoDb.describeTable(r -> r.tableName("orders")))
        .isInstanceOf(ResourceNotFoundException.class)
        .satisfies(
            e -> assertErrorMessage(e, "Requested resource not found: Table: orders not found"));
    assertThatThrownBy(this::enable).isInstanceOf(TableNotFoundException.class);

    clock.advance(TIMINGS.invisibleAfterCreate());
    assertThat(status()).isEqualTo(TableStatus.CREATING);
    assertThatThrownBy(this::enable)
        .isInstanceOf(ContinuousBackupsUnavailableException.class)
        .satisfies(
            e ->
                assertErrorMessage(
                    e, "Backups are being enabled for the table: orders. Please retry later"));
    var whileCreating = dynamoDb.describeContinuousBackups(r -> r.tableName("orders"));
    assertThat(whileCreating.continuousBackupsDescription().continuousBackupsStatus())
        .isEqualTo(ContinuousBackupsStatus.DISABLED);

    clock.advance(TIMINGS.creating().minus(TIMINGS.invisibleAfterCreate()));
    assertThat(status()).isEqualTo(TableStatus.ACTIVE);
    assertThatThrownBy(this::enable).isInstanceOf(ContinuousBackupsUnavailableException.class);

    clock.advance(TIMINGS.backupsPendingAfterActive());
    assertThat(
            enable()
                .continuousBackupsDescription()
                .pointInTimeRecoveryDescription()
                .pointInTimeRecoveryStatus())
        .isEqualTo(PointInTimeRecoveryStatus.ENABLED);
  }

  @Test
  void deletedTableKeepsPitrBrieflyThenDisappearsAndComesBackClean() {
    emulator.createTable(new Scope("000000000000", "eu-west-1"), "orders");
    enable();

    var deleted = dynamoDb.deleteTable(r -> r.tableName("orders")).tableDescription();
    assertThat(deleted.tableStatus()).isEqualTo(TableStatus.DELETING);
    assertThat(pitrStatus())
        .as("the PITR pair still works for a moment")
        .isEqualTo(PointInTimeRecoveryStatus.ENABLED);
    assertThat(dynamoDb.deleteTable(r -> r.tableName("orders")).tableDescription().tableStatus())
        .as("deleting a DELETING table is no error")
        .isEqualTo(TableStatus.DELETING);

    clock.advance(TIMINGS.pitrVisibleWhileDeleting());
    assertThatThrownBy(() -> dynamoDb.describeContinuousBackups(r -> r.tableName("orders")))
        .isInstanceOf(TableNotFoundException.class);
    assertThat(status()).isEqualTo(TableStatus.DELETING);

    clock.advance(TIMINGS.deleting());
    assertThatThrownBy(this::status).isInstanceOf(ResourceNotFoundException.class);
    assertThat(dynamoDb.listTables().tableNames()).isEmpty();

    emulator.createTable(new Scope("000000000000", "eu-west-1"), "orders");
    assertThat(pitrStatus())
        .as("a new incarnation starts with PITR off")
        .isEqualTo(PointInTimeRecoveryStatus.DISABLED);
  }

  @Test
  void creatingOrDeletingAtTheWrongTimeIsResourceInUse() {
    dynamoDb.createTable(EmulatorClients.onDemandTable("orders"));

    assertThatThrownBy(() -> dynamoDb.createTable(EmulatorClients.onDemandTable("orders")))
        .isInstanceOf(ResourceInUseException.class)
        .satisfies(e -> assertErrorMessage(e, "Table already exists: orders"));
    assertThatThrownBy(() -> dynamoDb.deleteTable(r -> r.tableName("orders")))
        .isInstanceOf(ResourceInUseException.class)
        .satisfies(
            e ->
                assertErrorMessage(
                    e,
                    "Attempt to change a resource which is still in use: Table is being created:"
                        + " orders"));
    assertThatThrownBy(() -> dynamoDb.deleteTable(r -> r.tableName("missing")))
        .isInstanceOf(ResourceNotFoundException.class);
  }

  @Test
  void createTableValidatesKeysAndBilling() {
    assertThatThrownBy(
            () ->
                dynamoDb.createTable(
                    EmulatorClients.onDemandTable("orders").toBuilder()
                        .provisionedThroughput(t -> t.readCapacityUnits(1L).writeCapacityUnits(1L))
                        .build()))
        .satisfies(
            e ->
                assertErrorMessage(
                    e,
                    "One or more parameter values were invalid: Neither ReadCapacityUnits nor"
                        + " WriteCapacityUnits can be specified when BillingMode is"
                        + " PAY_PER_REQUEST"));
    assertThatThrownBy(
            () ->
                dynamoDb.createTable(
                    EmulatorClients.onDemandTable("orders").toBuilder()
                        .keySchema(k -> k.attributeName("other").keyType("HASH"))
                        .build()))
        .satisfies(
            e ->
                assertThat(
                        ((software.amazon.awssdk.awscore.exception.AwsServiceException) e)
                            .awsErrorDetails()
                            .errorMessage())
                    .startsWith(
                        "One or more parameter values were invalid: Some index key attributes"
                            + " are not defined in AttributeDefinitions."));
  }

  @Test
  void listTablesPagesInNameOrder() {
    Scope scope = new Scope("000000000000", "eu-west-1");
    for (String name : List.of("delta", "alpha", "echo", "charlie", "bravo")) {
      emulator.createTable(scope, name);
    }

    var first = dynamoDb.listTables(r -> r.limit(2));
    var second = dynamoDb.listTables(r -> r.limit(2).exclusiveStartTableName("bravo"));
    var last = dynamoDb.listTables(r -> r.limit(2).exclusiveStartTableName("delta"));

    assertThat(first.tableNames()).containsExactly("alpha", "bravo");
    assertThat(first.lastEvaluatedTableName()).isEqualTo("bravo");
    assertThat(second.tableNames()).containsExactly("charlie", "delta");
    assertThat(last.tableNames()).containsExactly("echo");
    assertThat(last.lastEvaluatedTableName()).isNull();
    assertThat(dynamoDb.listTablesPaginator(r -> r.limit(2)).tableNames())
        .containsExactly("alpha", "bravo", "charlie", "delta", "echo");
  }

  @Test
  void tagsRoundTripAndMissingResourcesAreResourceNotFound() {
    String arn = emulator.createTable(new Scope("000000000000", "eu-west-1"), "orders");

    dynamoDb.tagResource(
        r ->
            r.resourceArn(arn)
                .tags(
                    Tag.builder().key("team").value("a").build(),
                    Tag.builder().key("env").value("prod").build()));
    dynamoDb.untagResource(r -> r.resourceArn(arn).tagKeys("env"));

    assertThat(dynamoDb.listTagsOfResource(r -> r.resourceArn(arn)).tags())
        .containsExactly(Tag.builder().key("team").value("a").build());
    String missing = "arn:aws:dynamodb:eu-west-1:000000000000:table/missing";
    assertThatThrownBy(() -> dynamoDb.listTagsOfResource(r -> r.resourceArn(missing)))
        .isInstanceOf(ResourceNotFoundException.class)
        .satisfies(
            e ->
                assertErrorMessage(
                    e, "Requested resource not found: ResourceArn: " + missing + " not found"));
  }

  @Test
  void tablesSeededInProcessCarryTheirTagsAndAreValidatedAsCreateTableDoes() {
    Scope scope = new Scope("000000000000", "eu-west-1");
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("env", "prod");
    tags.put("team", "");
    String arn = emulator.createTable(scope, "orders", tags);

    assertThat(dynamoDb.describeTable(r -> r.tableName("orders")).table().tableStatus())
        .as("seeded tables are ready at once, whatever the lifecycle")
        .isEqualTo(TableStatus.ACTIVE);
    assertThat(dynamoDb.listTagsOfResource(r -> r.resourceArn(arn)).tags())
        .containsExactly(
            Tag.builder().key("env").value("prod").build(),
            Tag.builder().key("team").value("").build());

    assertThatThrownBy(() -> emulator.createTable(scope, "payments", Map.of("", "x")))
        .isInstanceOfSatisfying(
            AwsErrorException.class,
            e -> {
              assertThat(e.type()).isEqualTo(AwsErrorType.VALIDATION);
              assertThat(e.getMessage()).contains("'tags.1.member.key'");
            });
    Map<String, String> tooMany = new LinkedHashMap<>();
    for (int i = 0; i < 51; i++) {
      tooMany.put("k" + i, "v");
    }
    assertThatThrownBy(() -> emulator.createTable(scope, "payments", tooMany))
        .hasMessage(
            "One or more parameter values were invalid: The number of tags exceeds the limit of"
                + " 50");
    assertThat(dynamoDb.listTables().tableNames())
        .as("nothing half made")
        .containsExactly("orders");
  }

  @Test
  void stateIsKeptPerRegionAndPerAccount() {
    emulator.createTable(new Scope("000000000000", "eu-west-1"), "orders");

    try (var otherRegion = EmulatorClients.client(emulator, "us-east-1");
        var otherAccount = EmulatorClients.client(emulator, "eu-west-1", "123456789012")) {
      assertThat(otherRegion.listTables().tableNames()).isEmpty();
      assertThat(otherAccount.listTables().tableNames()).isEmpty();
      otherAccount.createTable(EmulatorClients.onDemandTable("orders"));
      clock.advance(Duration.ofMinutes(1));
      assertThat(otherAccount.describeTable(r -> r.tableName("orders")).table().tableArn())
          .isEqualTo("arn:aws:dynamodb:eu-west-1:123456789012:table/orders");
      assertThatThrownBy(() -> otherRegion.describeContinuousBackups(r -> r.tableName("orders")))
          .isInstanceOf(TableNotFoundException.class);
    }
    assertThat(dynamoDb.listTables().tableNames()).containsExactly("orders");
  }

  private PointInTimeRecoveryStatus pitrStatus() {
    return dynamoDb
        .describeContinuousBackups(r -> r.tableName("orders"))
        .continuousBackupsDescription()
        .pointInTimeRecoveryDescription()
        .pointInTimeRecoveryStatus();
  }

  private TableStatus status() {
    return dynamoDb.describeTable(r -> r.tableName("orders")).table().tableStatus();
  }

  private UpdateContinuousBackupsResponse enable() {
    return dynamoDb.updateContinuousBackups(
        r ->
            r.tableName("orders")
                .pointInTimeRecoverySpecification(
                    s -> s.pointInTimeRecoveryEnabled(true).recoveryPeriodInDays(7)));
  }
}
