package io.pitr.operator.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pitr.operator.aws.TableListingGateway;
import io.pitr.operator.pitr.AwsAccess;
import io.pitr.operator.pitr.TableRef;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A table whose tags come in more than one page (the emulator answers one): every page is a call of
 * its own, each on a slot of the tag budget, and the inventory has all of them. A fake listing port
 * stands in for DynamoDB, since what is tested is how discovery drives it.
 */
class BackgroundTableDiscoveryLanesTest {

  @Test
  void aLaneMakesOneCallAtATimeHoweverOftenRoundsWakeIt() throws Exception {
    List<String> names = IntStream.range(0, 300).mapToObj("table-%03d"::formatted).toList();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger mostInFlight = new AtomicInteger();
    Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
    TableListingGateway slowTags =
        new TableListingGateway() {
          @Override
          public TablePage listTables(
              AwsAccess access, String region, Optional<String> from, String holder) {
            return new TablePage(names, Optional.empty());
          }

          @Override
          public TagPage listTags(
              TableRef table, Optional<String> nextToken, AwsAccess access, String holder) {
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
              Thread.sleep(2); // an answer's latency, during which rounds end and wake the lane
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } finally {
              inFlight.decrementAndGet();
            }
            reads.computeIfAbsent(table.tableName(), name -> new AtomicInteger()).incrementAndGet();
            return new TagPage(Map.of(), Optional.empty());
          }

          @Override
          public Optional<Duration> reserve(
              ListingOperation operation, String accountId, String region, String holder) {
            return Optional.empty();
          }

          @Override
          public void release(String holder) {}
        };
    DiscoveryScope scope = new DiscoveryScope(AwsAccess.own("123456789012"), "eu-west-1");
    try (BackgroundTableDiscovery discovery =
        new BackgroundTableDiscovery(
            slowTags,
            new DiscoverySettings(
                Duration.ofMillis(1),
                Duration.ofHours(1),
                1000,
                Duration.ofMillis(100),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1)),
            Clock.systemUTC(),
            new SimpleMeterRegistry())) {

      discovery.watch("set-a", scope, name -> true, () -> {});

      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  discovery.inventory(scope).tables().values().stream()
                          .filter(t -> t.tags().isPresent())
                          .count()
                      == names.size());
      assertThat(mostInFlight.get()).as("calls of the lane at once").isEqualTo(1);
      assertThat(reads).hasSize(names.size());
      assertThat(reads.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
    }
  }

  @Test
  void everyPageOfATablesTagsTakesABudgetSlotAndTheirTagsAreMerged() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    TableListingGateway twoPages =
        new TableListingGateway() {
          @Override
          public TablePage listTables(
              AwsAccess access, String region, Optional<String> from, String holder) {
            events.add("ListTables");
            return new TablePage(List.of("orders"), Optional.empty());
          }

          @Override
          public TagPage listTags(
              TableRef table, Optional<String> nextToken, AwsAccess access, String holder) {
            events.add("ListTagsOfResource " + table.tableName() + " " + nextToken.orElse("-"));
            return nextToken.isEmpty()
                ? new TagPage(Map.of("env", "prod"), Optional.of("page-2"))
                : new TagPage(Map.of("team", "payments"), Optional.empty());
          }

          @Override
          public Optional<Duration> reserve(
              ListingOperation operation, String accountId, String region, String holder) {
            events.add("reserve " + operation);
            return Optional.empty();
          }

          @Override
          public void release(String holder) {}
        };
    DiscoveryScope scope = new DiscoveryScope(AwsAccess.own("123456789012"), "eu-west-1");
    try (BackgroundTableDiscovery discovery =
        new BackgroundTableDiscovery(
            twoPages,
            new DiscoverySettings(
                Duration.ofHours(1),
                Duration.ofHours(1),
                8,
                Duration.ofMillis(100),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1)),
            Clock.systemUTC(),
            new SimpleMeterRegistry())) {

      discovery.watch("set-a", scope, name -> true, () -> {});

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> discovery.inventory(scope).tables().get("orders").tags().isPresent());
      assertThat(discovery.inventory(scope).tables().get("orders").tags())
          .contains(Map.of("env", "prod", "team", "payments"));
      assertThat(events.stream().filter(e -> e.contains("ListTagsOfResource")))
          .containsExactly(
              "reserve ListTagsOfResource",
              "ListTagsOfResource orders -",
              "reserve ListTagsOfResource",
              "ListTagsOfResource orders page-2");
    }
  }
}
