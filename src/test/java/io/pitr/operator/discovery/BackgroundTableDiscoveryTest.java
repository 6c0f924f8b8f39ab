package io.pitr.operator.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pitr.emulator.AwsErrorType;
import io.pitr.emulator.DynamoDbEmulator;
import io.pitr.emulator.EmulatorClock;
import io.pitr.emulator.EmulatorSettings;
import io.pitr.emulator.Observations.RequestRecord;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.aws.DynamoDbGateway;
import io.pitr.operator.discovery.TableInventory.KnownTable;
import io.pitr.operator.pitr.AwsAccess;
import io.pitr.operator.pitr.ConditionReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.Tag;

/**
 * Discovery against the in-process emulator, through the real DynamoDbGateway: rounds over pages,
 * tables that come and go, tags read only where needed and only when due, failures retried and
 * reported, and watchers told of changes only. Time: real for the calls, the budgets and the rounds
 * (short intervals); a clock of the test's own for when tags come due, which the test moves on an
 * hour instead of waiting one. Not covered: a tag listing of more than one page (the emulator
 * answers one; see {@link BackgroundTableDiscoveryLanesTest}), and real DynamoDB's eventual
 * consistency.
 */
class BackgroundTableDiscoveryTest {

  private static final String ACCOUNT = "123456789012";
  private static final String REGION = "eu-west-1";
  private static final Scope TABLES = new Scope(ACCOUNT, REGION);
  private static final DiscoveryScope OWN = new DiscoveryScope(AwsAccess.own(""), REGION);
  private static final Duration WAIT = Duration.ofSeconds(20);

  private DynamoDbEmulator emulator;
  private DynamoDbClient client;
  private DynamoDbGateway gateway;
  private BackgroundTableDiscovery discovery;
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final EmulatorClock clock = EmulatorClock.system();

  @BeforeEach
  void start() {
    emulator = DynamoDbEmulator.start(EmulatorSettings.builder().accountId(ACCOUNT).build());
    client =
        DynamoDbClient.builder()
            .endpointOverride(emulator.endpoint())
            .region(Region.of(REGION))
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "x")))
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
            .build();
  }

  @AfterEach
  void stop() {
    if (discovery != null) {
      discovery.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    client.close();
    emulator.close();
  }

  // --- rounds -------------------------------------------------------------------------------

  @Test
  void aCompleteRoundFindsEveryTableOverSeveralPagesAndShowsEachPageAsItIsRead() {
    List<String> names = IntStream.range(0, 250).mapToObj(i -> "table-%03d".formatted(i)).toList();
    names.forEach(name -> emulator.createTable(TABLES, name));
    // Slow pages, so that the tables of the first are seen before the round ends.
    emulator.faults().latency(Operation.LIST_TABLES, Duration.ofMillis(400));
    long listed = calls(Operation.LIST_TABLES);
    start(settings(Duration.ofHours(1)), 100);

    discovery.watch("set-a", OWN, name -> false, () -> {});

    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> inventory().tables().size() >= 100 && !inventory().complete());
    await().atMost(WAIT).until(() -> inventory().complete());
    TableInventory inventory = inventory();
    assertThat(inventory.tables().keySet()).containsExactlyElementsOf(names);
    assertThat(inventory.tables().values()).allSatisfy(t -> assertThat(t.tags()).isEmpty());
    assertThat(inventory.failure()).isEmpty();
    assertThat(calls(Operation.LIST_TABLES) - listed).as("pages of 100, 100 and 50").isEqualTo(3);
    assertThat(calls(Operation.LIST_TAGS_OF_RESOURCE)).as("no watcher needs tags").isZero();
    assertThat(metrics.get("pitr.discovery.tables").tag("scope", REGION).gauge().value())
        .isEqualTo(250);
    assertThat(metrics.get("pitr.discovery.round.duration").timer().count()).isEqualTo(1);
  }

  @Test
  void aTableCreatedLaterIsFoundByTheNextRoundAndADeletedOneGoes() {
    emulator.createTable(TABLES, "orders");
    emulator.createTable(TABLES, "invoices");
    start(settings(Duration.ofMillis(100)), 100);
    discovery.watch("set-a", OWN, name -> false, () -> {});
    await().atMost(WAIT).until(() -> inventory().complete());
    assertThat(inventory().tables().keySet()).containsExactly("invoices", "orders");

    emulator.createTable(TABLES, "payments");
    await().atMost(WAIT).until(() -> inventory().tables().containsKey("payments"));

    client.deleteTable(r -> r.tableName("orders"));
    await().atMost(WAIT).until(() -> !inventory().tables().containsKey("orders"));
    assertThat(inventory().tables().keySet()).containsExactly("invoices", "payments");
    assertThat(metrics.get("pitr.discovery.tables").gauge().value()).isEqualTo(2);
  }

  @Test
  void aScopeNobodyWatchesIsNoLongerListed() {
    emulator.createTable(TABLES, "orders");
    emulator.createTable(new Scope(ACCOUNT, "us-east-1"), "orders");
    DiscoveryScope virginia = new DiscoveryScope(AwsAccess.own(""), "us-east-1");
    start(settings(Duration.ofMillis(100)), 100);
    discovery.watch("set-a", OWN, name -> false, () -> {});
    discovery.watch("set-b", virginia, name -> false, () -> {});
    await().atMost(WAIT).until(() -> inventory().complete() && inventory(virginia).complete());

    discovery.unwatch("set-a");
    long irelandCalls = listTablesCalls(REGION);
    long virginiaCalls = listTablesCalls("us-east-1");
    await().atMost(WAIT).until(() -> listTablesCalls("us-east-1") >= virginiaCalls + 3);

    assertThat(listTablesCalls(REGION))
        .as("three rounds elsewhere later, at most the call under way when it was unwatched")
        .isLessThanOrEqualTo(irelandCalls + 1);
    assertThat(inventory()).isEqualTo(new TableInventory(Optional.empty(), emptyTables(), none()));
    assertThat(metrics.find("pitr.discovery.tables").tag("scope", REGION).gauge()).isNull();
    assertThat(metrics.find("pitr.discovery.tables").tag("scope", "us-east-1").gauge()).isNotNull();
  }

  // --- tags ---------------------------------------------------------------------------------

  @Test
  void tagsAreReadOnlyForTablesAWatcherNeedsAndOncePerRefreshInterval() {
    for (int i = 0; i < 5; i++) {
      createTable("prod-" + i, Map.of("env", "prod"));
      createTable("dev-" + i, Map.of("env", "dev"));
    }
    long tagReads = calls(Operation.LIST_TAGS_OF_RESOURCE);
    start(settings(Duration.ofMillis(100)), 100);

    discovery.watch("set-a", OWN, name -> name.startsWith("prod-"), () -> {});

    await().atMost(WAIT).until(() -> tagsRead("prod-") == 5);
    assertThat(calls(Operation.LIST_TAGS_OF_RESOURCE) - tagReads).isEqualTo(5);
    assertThat(tagReadTables(tagReads))
        .containsExactlyInAnyOrder(
            IntStream.range(0, 5)
                .mapToObj(i -> TABLES.tableArn("prod-" + i))
                .toArray(String[]::new));
    assertThat(inventory().tables().get("prod-3").tags()).contains(Map.of("env", "prod"));
    assertThat(inventory().tables().get("dev-3").tags()).as("nobody needs them").isEmpty();

    awaitRounds(3);
    assertThat(calls(Operation.LIST_TAGS_OF_RESOURCE) - tagReads)
        .as("later rounds read no tags that are not due")
        .isEqualTo(5);

    createTable("prod-new", Map.of("env", "prod"));
    await().atMost(WAIT).until(() -> tagsRead("prod-") == 6);
    awaitRounds(3);
    assertThat(calls(Operation.LIST_TAGS_OF_RESOURCE) - tagReads)
        .as("the new table's tags, once")
        .isEqualTo(6);

    clock.advance(Duration.ofHours(1).plusSeconds(1));
    await().atMost(WAIT).until(() -> calls(Operation.LIST_TAGS_OF_RESOURCE) - tagReads == 12);
    awaitRounds(3);
    assertThat(calls(Operation.LIST_TAGS_OF_RESOURCE) - tagReads)
        .as("each needed table once more, an hour on")
        .isEqualTo(12);
    assertThat(tagReadTables(tagReads)).doesNotContain(TABLES.tableArn("dev-1"));
  }

  @Test
  void aTableWhoseTagsAreNotFoundStaysUntilAListingLacksIt() {
    createTable("prod-a", Map.of("env", "prod"));
    createTable("prod-b", Map.of("env", "prod"));
    createTable("prod-c", Map.of("env", "prod"));
    emulator
        .faults()
        .failNext(
            Operation.LIST_TAGS_OF_RESOURCE,
            "prod-b",
            1,
            AwsErrorType.RESOURCE_NOT_FOUND,
            "Requested resource not found");
    start(settings(Duration.ofHours(1)), 100);

    discovery.watch("set-a", OWN, name -> true, () -> {});

    await().atMost(WAIT).until(() -> inventory().complete() && tagsRead("prod-") == 2);
    assertThat(inventory().tables().keySet())
        .as("a tag read that lags behind, or a wrong account, never makes a table gone")
        .containsExactly("prod-a", "prod-b", "prod-c");
    assertThat(inventory().tables().get("prod-b").tags()).as("unknown until read").isEmpty();
    assertThat(inventory().failure()).as("an answer, not a failure").isEmpty();
  }

  @Test
  void aTableWhoseTagsAreDeniedDoesNotStopTheOthers() {
    createTable("prod-a", Map.of("env", "prod"));
    createTable("prod-b", Map.of("env", "prod"));
    createTable("prod-c", Map.of("env", "prod"));
    emulator
        .faults()
        .failNext(
            Operation.LIST_TAGS_OF_RESOURCE,
            "prod-a",
            1,
            AwsErrorType.ACCESS_DENIED,
            AwsErrorType.ACCESS_DENIED.defaultMessage());
    start(settings(Duration.ofHours(1)), 100);

    discovery.watch("set-a", OWN, name -> true, () -> {});

    await().atMost(WAIT).until(() -> tagsRead("prod-") == 2);
    assertThat(inventory().tables().get("prod-a").tags())
        .as("unknown: no set decides on it until a refresh reads it")
        .isEmpty();
    assertThat(inventory().tables().get("prod-c").tags()).contains(Map.of("env", "prod"));
  }

  @Test
  void tagReadsKeepToTheirBudgetSoThatDynamoDbThrottlesNone() {
    IntStream.range(0, 20).forEach(i -> createTable("prod-" + i, Map.of("env", "prod")));
    emulator.faults().throttle(Operation.LIST_TAGS_OF_RESOURCE, 10);
    long tagReads = calls(Operation.LIST_TAGS_OF_RESOURCE);
    start(settings(Duration.ofHours(1)), 8);

    discovery.watch("set-a", OWN, name -> true, () -> {});

    await().atMost(WAIT).until(() -> tagsRead("prod-") == 20);
    assertThat(calls(Operation.LIST_TAGS_OF_RESOURCE) - tagReads).isEqualTo(20);
    List<RequestRecord> reads = requests(Operation.LIST_TAGS_OF_RESOURCE);
    assertThat(reads).extracting(RequestRecord::errorCode).as("none throttled").containsOnlyNulls();
    assertThat(Duration.between(reads.get(0).time(), reads.get(19).time()))
        .as("19 slots of 125 ms after the first call, less some lateness")
        .isGreaterThanOrEqualTo(Duration.ofMillis(2200));
  }

  @Test
  void withoutTheAccountTagsWaitForItAndTheInventorySaysWhy() {
    emulator.createTable(TABLES, "orders");
    gateway = gateway(Optional.empty(), 100);
    discovery =
        new BackgroundTableDiscovery(gateway, settings(Duration.ofHours(1)), clock, metrics);

    discovery.watch("set-a", OWN, name -> true, () -> {});

    await()
        .atMost(WAIT)
        .until(
            () ->
                inventory().complete()
                    && inventory().failure().map(f -> f.reason()).orElse(null)
                        == ConditionReason.AccountUnknown);
    assertThat(inventory().tables()).containsKey("orders");
    assertThat(calls(Operation.LIST_TAGS_OF_RESOURCE)).isZero();
  }

  // --- failures -----------------------------------------------------------------------------

  @Test
  void throttlingIsRetriedWithBackoffReportedOnceAndClearedByTheNextAnswer() {
    emulator.createTable(TABLES, "orders");
    emulator.faults().failNext(Operation.LIST_TABLES, 3, AwsErrorType.THROTTLING);
    long listed = calls(Operation.LIST_TABLES);
    start(settings(Duration.ofHours(1)), 100);
    List<Optional<ConditionReason>> told = new CopyOnWriteArrayList<>();

    discovery.watch("set-a", OWN, name -> false, () -> told.add(failureReason()));

    await().atMost(WAIT).until(() -> inventory().complete());
    assertThat(inventory().failure()).isEmpty();
    assertThat(calls(Operation.LIST_TABLES) - listed)
        .as("three throttled, then the page")
        .isEqualTo(4);
    assertThat(gapsMillis(requests(Operation.LIST_TABLES)))
        .as("100 ms doubling, ±20%")
        .satisfies(
            gaps -> {
              assertThat(gaps.get(0)).isGreaterThanOrEqualTo(80);
              assertThat(gaps.get(1)).isGreaterThanOrEqualTo(160);
              assertThat(gaps.get(2)).isGreaterThanOrEqualTo(320);
            });
    assertThat(told)
        .as("told when the failure started and when it ended (with the tables), not per retry")
        .containsExactly(Optional.of(ConditionReason.Throttled), Optional.empty());
  }

  @Test
  void aThrottledTagReadIsTriedAgainAndTheOthersFollow() {
    createTable("prod-a", Map.of("env", "prod"));
    createTable("prod-b", Map.of("env", "prod"));
    emulator
        .faults()
        .failNext(
            Operation.LIST_TAGS_OF_RESOURCE, "prod-a", 2, AwsErrorType.THROTTLING, "Rate exceeded");
    long tagReads = calls(Operation.LIST_TAGS_OF_RESOURCE);
    start(settings(Duration.ofHours(1)), 100);
    List<Optional<ConditionReason>> told = new CopyOnWriteArrayList<>();

    discovery.watch("set-a", OWN, name -> true, () -> told.add(failureReason()));

    await().atMost(WAIT).until(() -> tagsRead("prod-") == 2);
    assertThat(inventory().failure()).isEmpty();
    assertThat(calls(Operation.LIST_TAGS_OF_RESOURCE) - tagReads).isEqualTo(4);
    assertThat(requests(Operation.LIST_TAGS_OF_RESOURCE))
        .extracting(RequestRecord::table)
        .as("the same table until it answers")
        .containsExactly(
            TABLES.tableArn("prod-a"),
            TABLES.tableArn("prod-a"),
            TABLES.tableArn("prod-a"),
            TABLES.tableArn("prod-b"));
    assertThat(told).contains(Optional.of(ConditionReason.Throttled));
    assertThat(told.get(told.size() - 1)).isEmpty();
  }

  @Test
  void accessDeniedIsReportedWithItsReasonAndTriedAgainAtTheStalledInterval() {
    emulator.createTable(TABLES, "orders");
    String denial =
        "User: arn:aws:iam::123456789012:user/ci is not authorized to perform:"
            + " dynamodb:ListTables on resource: arn:aws:dynamodb:eu-west-1:123456789012:table/*"
            + " because no identity-based policy allows the dynamodb:ListTables action. "
            + "x".repeat(500);
    emulator.faults().failNext(Operation.LIST_TABLES, 2, AwsErrorType.ACCESS_DENIED, denial);
    long listed = calls(Operation.LIST_TABLES);
    start(settings(Duration.ofHours(1)), 100);
    List<Optional<ConditionReason>> told = new CopyOnWriteArrayList<>();

    discovery.watch("set-a", OWN, name -> false, () -> told.add(failureReason()));

    await().atMost(WAIT).until(() -> inventory().failure().isPresent());
    TableInventory.Failure failure = inventory().failure().orElseThrow();
    assertThat(failure.reason()).isEqualTo(ConditionReason.AccessDenied);
    assertThat(failure.message())
        .startsWith(
            "ListTables on the tables of eu-west-1 was refused: AccessDeniedException: User:")
        .hasSizeLessThanOrEqualTo(280);
    await().atMost(WAIT).until(() -> calls(Operation.LIST_TABLES) - listed == 2);
    assertThat(inventory().failure().orElseThrow().since())
        .as("failing since the first denial")
        .isEqualTo(failure.since());

    await().atMost(WAIT).until(() -> inventory().complete());
    assertThat(inventory().failure()).isEmpty();
    assertThat(calls(Operation.LIST_TABLES) - listed).isEqualTo(3);
    assertThat(gapsMillis(requests(Operation.LIST_TABLES)))
        .as("the stalled interval, 300 ms ±20%, not a backoff from 100 ms")
        .allSatisfy(gap -> assertThat(gap).isGreaterThanOrEqualTo(240));
    assertThat(told).containsExactly(Optional.of(ConditionReason.AccessDenied), Optional.empty());
  }

  // --- watchers -----------------------------------------------------------------------------

  @Test
  void watchersAreToldOfChangesThatMatterToThemAndNotOfUnchangedRounds() {
    emulator.createTable(TABLES, "dev-1");
    createTable("prod-1", Map.of("env", "prod"));
    start(settings(Duration.ofMillis(100)), 100);
    AtomicInteger toldA = new AtomicInteger();
    AtomicInteger toldB = new AtomicInteger();
    Predicate<String> prod = name -> name.startsWith("prod-");
    discovery.watch("set-a", OWN, name -> false, toldA::incrementAndGet);
    discovery.watch("set-b", OWN, prod, toldB::incrementAndGet);
    await().atMost(WAIT).until(() -> inventory().complete() && tagsRead("prod-") == 1);
    await().atMost(WAIT).until(() -> toldB.get() >= 2); // the first round; prod-1's tags
    int a = toldA.get();
    int b = toldB.get();

    awaitRounds(3);
    assertThat(toldA.get()).as("unchanged rounds").isEqualTo(a);
    assertThat(toldB.get()).as("unchanged rounds").isEqualTo(b);

    long tagReads = calls(Operation.LIST_TAGS_OF_RESOURCE);
    clock.advance(Duration.ofHours(2));
    await().atMost(WAIT).until(() -> calls(Operation.LIST_TAGS_OF_RESOURCE) > tagReads);
    awaitRounds(2);
    assertThat(toldB.get()).as("a refresh that found the same tags").isEqualTo(b);

    client.tagResource(
        r ->
            r.resourceArn(TABLES.tableArn("prod-1"))
                .tags(Tag.builder().key("env").value("staging").build()));
    clock.advance(Duration.ofHours(2));
    await().atMost(WAIT).until(() -> toldB.get() == b + 1);
    assertThat(inventory().tables().get("prod-1").tags()).contains(Map.of("env", "staging"));
    awaitRounds(2);
    assertThat(toldA.get()).as("set-a needs no tags").isEqualTo(a);
    assertThat(toldB.get()).isEqualTo(b + 1);

    emulator.createTable(TABLES, "dev-2");
    await().atMost(WAIT).until(() -> toldA.get() == a + 1 && toldB.get() == b + 2);
    awaitRounds(2);
    assertThat(toldA.get()).as("told once of the new table").isEqualTo(a + 1);
    assertThat(toldB.get()).isEqualTo(b + 2);
  }

  @Test
  void aWatcherThatStartsNeedingTagsGetsThemReadAndOneThatStopsDropsThem() {
    createTable("prod-1", Map.of("env", "prod"));
    start(settings(Duration.ofHours(1)), 100);
    discovery.watch("set-a", OWN, name -> false, () -> {});
    await().atMost(WAIT).until(() -> inventory().complete());
    assertThat(inventory().tables().get("prod-1").tags()).isEmpty();

    discovery.watch("set-a", OWN, name -> true, () -> {});
    await().atMost(WAIT).until(() -> tagsRead("prod-") == 1);

    discovery.watch("set-a", OWN, name -> false, () -> {});
    assertThat(inventory().tables().get("prod-1").tags())
        .as("not kept where nobody refreshes them")
        .isEmpty();
  }

  // --- the stretch of refreshes -------------------------------------------------------------

  @Test
  void refreshesStretchWhenTheTablesOutgrowEightyPercentOfTheTagBudget() {
    Duration hour = Duration.ofHours(1);
    assertThat(BackgroundTableDiscovery.refreshInterval(10_000, hour, 8))
        .as("10,000 tables an hour: 2.8 reads per second fit 6.4")
        .isEqualTo(hour);
    assertThat(BackgroundTableDiscovery.refreshInterval(23_040, hour, 8)).isEqualTo(hour);
    assertThat(BackgroundTableDiscovery.refreshInterval(50_000, hour, 8))
        .as("50,000 tables at 6.4 per second")
        .isEqualTo(Duration.ofMillis(7_812_500));
  }

  // --- helpers ------------------------------------------------------------------------------

  private DiscoverySettings settings(Duration interval) {
    return new DiscoverySettings(
        interval,
        Duration.ofHours(1),
        8,
        Duration.ofMillis(100),
        Duration.ofMillis(800),
        Duration.ofMillis(300));
  }

  private void start(DiscoverySettings settings, double tagsPerSecond) {
    gateway = gateway(Optional.of(ACCOUNT), tagsPerSecond);
    discovery = new BackgroundTableDiscovery(gateway, settings, clock, metrics);
  }

  private DynamoDbGateway gateway(Optional<String> account, double tagsPerSecond) {
    return new DynamoDbGateway(
        new DynamoDbGateway.Settings(
            Optional.of(emulator.endpoint()),
            Optional.of(emulator.endpoint()),
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")),
            account,
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            100,
            100,
            10,
            100,
            tagsPerSecond),
        metrics);
  }

  private void createTable(String name, Map<String, String> tags) {
    client.createTable(
        r ->
            r.tableName(name)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                    d -> d.attributeName("pk").attributeType(ScalarAttributeType.S))
                .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH))
                .tags(
                    tags.entrySet().stream()
                        .map(t -> Tag.builder().key(t.getKey()).value(t.getValue()).build())
                        .toList()));
  }

  private TableInventory inventory() {
    return inventory(OWN);
  }

  private TableInventory inventory(DiscoveryScope scope) {
    return discovery.inventory(scope);
  }

  private Optional<ConditionReason> failureReason() {
    return inventory().failure().map(TableInventory.Failure::reason);
  }

  private long tagsRead(String prefix) {
    return inventory().tables().values().stream()
        .filter(t -> t.name().startsWith(prefix))
        .map(KnownTable::tags)
        .filter(Optional::isPresent)
        .count();
  }

  private long calls(Operation operation) {
    return emulator.observations().calls(operation);
  }

  /** Waits for {@code count} more ListTables calls: rounds, while the tables fit one page. */
  private void awaitRounds(int count) {
    long from = calls(Operation.LIST_TABLES);
    await().atMost(WAIT).until(() -> calls(Operation.LIST_TABLES) >= from + count);
  }

  private List<RequestRecord> requests(Operation operation) {
    return emulator.observations().requests().stream()
        .filter(r -> r.operation().equals(operation.apiName()))
        .toList();
  }

  private long listTablesCalls(String region) {
    return requests(Operation.LIST_TABLES).stream().filter(r -> r.region().equals(region)).count();
  }

  /** The ARNs of the ListTagsOfResource calls after the first {@code skip}. */
  private List<String> tagReadTables(long skip) {
    return requests(Operation.LIST_TAGS_OF_RESOURCE).stream()
        .skip(skip)
        .map(RequestRecord::table)
        .toList();
  }

  private static List<Long> gapsMillis(List<RequestRecord> requests) {
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < requests.size(); i++) {
      gaps.add(Duration.between(requests.get(i - 1).time(), requests.get(i).time()).toMillis());
    }
    return gaps;
  }

  private static java.util.SortedMap<String, KnownTable> emptyTables() {
    return java.util.Collections.emptySortedMap();
  }

  private static Optional<TableInventory.Failure> none() {
    return Optional.empty();
  }
}
