package io.pitr.operator.bench;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pitr.emulator.DynamoDbEmulator;
import io.pitr.emulator.EmulatorSettings;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.aws.DynamoDbGateway;
import io.pitr.operator.discovery.BackgroundTableDiscovery;
import io.pitr.operator.discovery.DiscoveryScope;
import io.pitr.operator.discovery.DiscoverySettings;
import io.pitr.operator.discovery.TableInventory;
import io.pitr.operator.pitr.AwsAccess;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.Tag;

/**
 * Table discovery's benchmark (not a test; README, "Discovery benchmark"): for each table count,
 * the emulator with that many tagged tables, added latency and ListTagsOfResource throttled above
 * DynamoDB's documented 10/s, and discovery (in this JVM, through the real gateway) with one
 * watcher that needs the tags of every table. Measures the first full discovery (every table listed
 * and its tags read), then a later round in which 1% new tables appear: calls of each kind from the
 * emulator's counters, throttled calls from the gateway's, and times.
 *
 * <p>System properties: benchmark.discovery.tables (1000,10000),
 * benchmark.discovery.tags-per-second (10: the documented rate; a 10,000-table first discovery then
 * takes about 17 minutes, so routine runs raise it), benchmark.discovery.list-tables-per-second (2,
 * the default), benchmark.latency-ms (20), benchmark.discovery.interval-s (30).
 */
public final class DiscoveryBenchmark {

  private static final String ACCOUNT = "123456789012";
  private static final String REGION = "us-east-1";
  private static final double DOCUMENTED_TAG_READS_PER_SECOND = 10;

  private final double tagsPerSecond =
      Double.parseDouble(System.getProperty("benchmark.discovery.tags-per-second", "10"));
  private final double listTablesPerSecond =
      Double.parseDouble(System.getProperty("benchmark.discovery.list-tables-per-second", "2"));
  private final int latencyMs = Integer.getInteger("benchmark.latency-ms", 20);
  private final int intervalSeconds = Integer.getInteger("benchmark.discovery.interval-s", 30);

  public static void main(String[] args) throws Exception {
    List<Integer> sizes =
        Arrays.stream(System.getProperty("benchmark.discovery.tables", "1000,10000").split(","))
            .map(String::trim)
            .map(Integer::parseInt)
            .toList();
    DiscoveryBenchmark benchmark = new DiscoveryBenchmark();
    List<Map<String, Object>> results = new ArrayList<>();
    for (int size : sizes) {
      results.add(benchmark.run(size));
    }
    System.out.println(benchmark.markdown(results));
    System.exit(0);
  }

  private Map<String, Object> run(int size) throws Exception {
    say(
        "=== %d tables, tags budget %s/s, ListTables budget %s/s ===",
        size, tagsPerSecond, listTablesPerSecond);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("tables", size);
    Scope scope = new Scope(ACCOUNT, REGION);
    // The seeder's TagResource calls are not counted: the counters are reset after seeding.
    try (DynamoDbEmulator emulator =
            DynamoDbEmulator.start(
                EmulatorSettings.builder().accountId(ACCOUNT).requestLogCapacity(0).build());
        DynamoDbClient seeder = client(emulator)) {
      seed(emulator, seeder, scope, 0, size);
      // Only the operations discovery makes are slowed: the seeder's own calls are not timed.
      emulator.faults().latency(Operation.LIST_TABLES, Duration.ofMillis(latencyMs));
      emulator.faults().latency(Operation.LIST_TAGS_OF_RESOURCE, Duration.ofMillis(latencyMs));
      if (tagsPerSecond <= DOCUMENTED_TAG_READS_PER_SECOND) {
        emulator
            .faults()
            .throttle(Operation.LIST_TAGS_OF_RESOURCE, DOCUMENTED_TAG_READS_PER_SECOND);
      }
      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      DiscoveryScope discovered = new DiscoveryScope(AwsAccess.own(""), REGION);
      try (DynamoDbGateway gateway = gateway(emulator, metrics);
          BackgroundTableDiscovery discovery =
              new BackgroundTableDiscovery(
                  gateway,
                  new DiscoverySettings(
                      Duration.ofSeconds(intervalSeconds),
                      Duration.ofHours(1),
                      tagsPerSecond,
                      Duration.ofSeconds(5),
                      Duration.ofMinutes(5),
                      Duration.ofMinutes(4)),
                  Clock.systemUTC(),
                  metrics)) {
        emulator.observations().reset();
        long start = System.nanoTime();
        discovery.watch("benchmark", discovered, name -> true, () -> {});
        double listed = awaitSeconds(start, () -> discovery.inventory(discovered).complete());
        double full = awaitSeconds(start, () -> allTagged(discovery.inventory(discovered), size));
        result.put("firstRoundListedSeconds", round(listed));
        result.put("firstFullDiscoverySeconds", round(full));
        result.put("firstCalls", calls(emulator));
        result.put("firstRounds", rounds(metrics).count());
        result.put("firstThrottled", throttled(metrics));

        // A later round: just after one ends, 1% new tables appear; the next round should list
        // its pages and read the new tables' tags, nothing else (no refresh is due within 1 h).
        int added = Math.max(1, size / 100);
        var ended = discovery.inventory(discovered).listedAt();
        awaitSeconds(
            System.nanoTime(), () -> !discovery.inventory(discovered).listedAt().equals(ended));
        var listedAt = discovery.inventory(discovered).listedAt();
        seed(emulator, seeder, scope, size, added);
        emulator.observations().reset();
        double roundsBefore = rounds(metrics).totalTime(java.util.concurrent.TimeUnit.SECONDS);
        long roundsCountBefore = rounds(metrics).count();
        long later = System.nanoTime();
        awaitSeconds(
            later,
            () ->
                !discovery.inventory(discovered).listedAt().equals(listedAt)
                    && allTagged(discovery.inventory(discovered), size + added));
        double laterFull = (System.nanoTime() - later) / 1e9;
        long roundsAfter = rounds(metrics).count();
        result.put("laterNewTables", added);
        result.put("laterCalls", calls(emulator));
        result.put(
            "laterRoundSeconds",
            round(
                (rounds(metrics).totalTime(java.util.concurrent.TimeUnit.SECONDS) - roundsBefore)
                    / Math.max(1, roundsAfter - roundsCountBefore)));
        result.put("laterUntilNewTablesTaggedSeconds", round(laterFull));
        result.put("laterThrottled", throttled(metrics) - (long) result.get("firstThrottled"));
      }
    }
    say("%s", result);
    return result;
  }

  private static boolean allTagged(TableInventory inventory, int size) {
    return inventory.complete()
        && inventory.tables().size() == size
        && inventory.tables().values().stream().allMatch(t -> t.tags().isPresent());
  }

  /** Creates tables {@code from} to {@code from + count - 1}, each tagged, four at a time. */
  private static void seed(
      DynamoDbEmulator emulator, DynamoDbClient client, Scope scope, int from, int count)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> tagged = new ArrayList<>();
      for (int i = from; i < from + count; i++) {
        String name = "table-%05d".formatted(i);
        String arn = emulator.createTable(scope, name);
        String env = i % 2 == 0 ? "prod" : "dev";
        tagged.add(
            pool.submit(
                () ->
                    client.tagResource(
                        r ->
                            r.resourceArn(arn).tags(Tag.builder().key("env").value(env).build()))));
      }
      for (Future<?> done : tagged) {
        done.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  private DynamoDbGateway gateway(DynamoDbEmulator emulator, SimpleMeterRegistry metrics) {
    return new DynamoDbGateway(
        new DynamoDbGateway.Settings(
            Optional.of(emulator.endpoint()),
            Optional.of(emulator.endpoint()),
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")),
            Optional.of(ACCOUNT),
            Duration.ofSeconds(5),
            Duration.ofSeconds(20),
            8,
            4,
            10,
            listTablesPerSecond,
            tagsPerSecond),
        metrics);
  }

  private static DynamoDbClient client(DynamoDbEmulator emulator) {
    return DynamoDbClient.builder()
        .endpointOverride(emulator.endpoint())
        .region(Region.of(REGION))
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")))
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .build();
  }

  private static io.micrometer.core.instrument.Timer rounds(SimpleMeterRegistry metrics) {
    return metrics.get("pitr.discovery.round.duration").timer();
  }

  private static Map<String, Long> calls(DynamoDbEmulator emulator) {
    Map<String, Long> calls = new LinkedHashMap<>();
    calls.put("ListTables", emulator.observations().calls(Operation.LIST_TABLES));
    calls.put("ListTagsOfResource", emulator.observations().calls(Operation.LIST_TAGS_OF_RESOURCE));
    return calls;
  }

  private static long throttled(SimpleMeterRegistry metrics) {
    return (long)
        metrics.find("pitr.aws.throttles").counters().stream().mapToDouble(Counter::count).sum();
  }

  /** Seconds from {@code start} until {@code done}, looked at every 100 ms (within 2 hours). */
  private static double awaitSeconds(long start, BooleanSupplier done) throws InterruptedException {
    long deadline = start + Duration.ofHours(2).toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("discovery did not finish within 2 hours");
      }
      Thread.sleep(100);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private String markdown(List<Map<String, Object>> results) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%nTag budget %s/s, ListTables budget %s/s, %d ms latency per call, round interval"
                + " %d s, ListTagsOfResource throttled by the emulator above 10/s: %s%n%n",
            tagsPerSecond,
            listTablesPerSecond,
            latencyMs,
            intervalSeconds,
            tagsPerSecond <= DOCUMENTED_TAG_READS_PER_SECOND ? "yes" : "no"));
    out.append(
        "| Tables | First round listed | First full discovery | Its calls (ListTables /"
            + " ListTagsOfResource) | Its rounds | Throttled | Later round: new tables | Its calls"
            + " (ListTables / ListTagsOfResource) | Its time | New tables tagged after |\n");
    out.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> r : results) {
      @SuppressWarnings("unchecked")
      Map<String, Long> first = (Map<String, Long>) r.get("firstCalls");
      @SuppressWarnings("unchecked")
      Map<String, Long> later = (Map<String, Long>) r.get("laterCalls");
      out.append(
          String.format(
              Locale.ROOT,
              "| %,d | %s s | %s s | %,d / %,d | %d | %d | %,d | %,d / %,d | %s s | %s s |%n",
              r.get("tables"),
              r.get("firstRoundListedSeconds"),
              r.get("firstFullDiscoverySeconds"),
              first.get("ListTables"),
              first.get("ListTagsOfResource"),
              r.get("firstRounds"),
              (long) r.get("firstThrottled") + (long) r.get("laterThrottled"),
              r.get("laterNewTables"),
              later.get("ListTables"),
              later.get("ListTagsOfResource"),
              r.get("laterRoundSeconds"),
              r.get("laterUntilNewTablesTaggedSeconds")));
    }
    return out.toString();
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }

  private static void say(String format, Object... args) {
    System.out.printf(Locale.ROOT, format + "%n", args);
  }
}
