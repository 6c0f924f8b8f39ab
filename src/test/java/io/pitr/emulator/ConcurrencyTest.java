package io.pitr.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryDescription;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryStatus;
import software.amazon.awssdk.services.dynamodb.model.Tag;

/** Many clients at once: no lost updates, no torn reads, every call counted. */
class ConcurrencyTest {

  private static final int CLIENTS = 16;
  private static final int CALLS_PER_CLIENT = 50;

  private DynamoDbEmulator emulator;
  private DynamoDbClient dynamoDb;
  private ExecutorService pool;

  @BeforeEach
  void start() {
    emulator = DynamoDbEmulator.start(EmulatorSettings.defaults());
    dynamoDb = EmulatorClients.client(emulator, "eu-west-1");
    pool = Executors.newFixedThreadPool(CLIENTS);
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
    dynamoDb.close();
    emulator.close();
  }

  @Test
  void concurrentTaggingLosesNoTag() throws Exception {
    String arn = emulator.createTable(new Scope("000000000000", "eu-west-1"), "orders");

    ConcurrencyTest.<Void>runConcurrently(
        pool,
        client ->
            () -> {
              for (int i = 0; i < 3; i++) {
                Tag tag = Tag.builder().key("client-" + client + "-" + i).value("v").build();
                dynamoDb.tagResource(r -> r.resourceArn(arn).tags(tag));
              }
              return List.of();
            });

    assertThat(dynamoDb.listTagsOfResource(r -> r.resourceArn(arn)).tags()).hasSize(CLIENTS * 3);
  }

  @Test
  void readsNeverSeeAHalfAppliedUpdate() throws Exception {
    emulator.createTable(new Scope("000000000000", "eu-west-1"), "orders");

    List<PointInTimeRecoveryDescription> seen =
        runConcurrently(
            pool,
            client ->
                () -> {
                  List<PointInTimeRecoveryDescription> reads = new ArrayList<>();
                  for (int i = 0; i < CALLS_PER_CLIENT; i++) {
                    if (client % 2 == 0) {
                      boolean enable = i % 2 == 0;
                      int period = 1 + (client + i) % 35;
                      dynamoDb.updateContinuousBackups(
                          r ->
                              r.tableName("orders")
                                  .pointInTimeRecoverySpecification(
                                      s ->
                                          s.pointInTimeRecoveryEnabled(enable)
                                              .recoveryPeriodInDays(enable ? period : null)));
                    } else {
                      reads.add(
                          dynamoDb
                              .describeContinuousBackups(r -> r.tableName("orders"))
                              .continuousBackupsDescription()
                              .pointInTimeRecoveryDescription());
                    }
                  }
                  return reads;
                });

    assertThat(seen).hasSize(CLIENTS / 2 * CALLS_PER_CLIENT);
    assertThat(seen)
        .allSatisfy(
            pitr -> {
              boolean enabled =
                  pitr.pointInTimeRecoveryStatus() == PointInTimeRecoveryStatus.ENABLED;
              assertThat(pitr.recoveryPeriodInDays() != null).isEqualTo(enabled);
              assertThat(pitr.earliestRestorableDateTime() != null).isEqualTo(enabled);
              assertThat(pitr.latestRestorableDateTime() != null).isEqualTo(enabled);
            });
    assertThat(
            emulator.observations().calls(Operation.UPDATE_CONTINUOUS_BACKUPS)
                + emulator.observations().calls(Operation.DESCRIBE_CONTINUOUS_BACKUPS))
        .isEqualTo((long) CLIENTS * CALLS_PER_CLIENT);
  }

  @Test
  void concurrentCreatesOfOneTableHaveExactlyOneWinner() throws Exception {
    List<Boolean> created =
        runConcurrently(
            pool,
            client ->
                () -> {
                  try {
                    dynamoDb.createTable(EmulatorClients.onDemandTable("contended"));
                    return List.of(true);
                  } catch (
                      software.amazon.awssdk.services.dynamodb.model.ResourceInUseException e) {
                    return List.of(false);
                  }
                });

    assertThat(created).containsOnlyOnce(true).hasSize(CLIENTS);
  }

  /** Runs one task per client at once and gathers what they return. */
  private static <T> List<T> runConcurrently(
      ExecutorService pool, IntFunction<Callable<List<T>>> work) throws Exception {
    List<Future<List<T>>> futures = new ArrayList<>();
    for (int client = 0; client < CLIENTS; client++) {
      futures.add(pool.submit(work.apply(client)));
    }
    List<T> results = new ArrayList<>();
    for (Future<List<T>> future : futures) {
      results.addAll(future.get());
    }
    return results;
  }
}
