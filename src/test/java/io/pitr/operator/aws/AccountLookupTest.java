package io.pitr.operator.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The account is learned once, in the background; failures wait out a backoff. */
class AccountLookupTest {

  private final AtomicLong nanos = new AtomicLong();
  private final AtomicInteger lookups = new AtomicInteger();

  @Test
  void aSlowLookupIsNeverOnTheCallersPathAndRunsOnce() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (AccountLookup lookup =
        new AccountLookup(
            null,
            region -> {
              lookups.incrementAndGet();
              block(release);
              return Optional.of("123456789012");
            },
            () -> {},
            nanos::get)) {
      for (int call = 0; call < 100; call++) {
        assertThat(lookup.accountId("eu-west-1")).as("answered at once, unknown yet").isEmpty();
      }
      release.countDown();
      await().atMost(Duration.ofSeconds(5)).until(() -> lookup.accountId("eu-west-1").isPresent());
      lookup.accountId("eu-west-1");

      assertThat(lookups).as("one lookup, however many callers").hasValue(1);
      assertThat(lookup.accountId("eu-west-1")).contains("123456789012");
    }
  }

  @Test
  void failuresAreRetriedOnlyAfterADoublingBackoff() {
    try (AccountLookup lookup =
        new AccountLookup(
            null,
            region -> {
              lookups.incrementAndGet();
              throw new IllegalStateException("STS is unreachable");
            },
            () -> {},
            nanos::get)) {
      lookup.accountId("eu-west-1");
      await().atMost(Duration.ofSeconds(5)).until(() -> lookups.get() == 1);
      awaitIdle(lookup);

      for (int call = 0; call < 50; call++) {
        lookup.accountId("eu-west-1");
        assertThat(lookup.idle()).isTrue();
      }
      nanos.addAndGet(AccountLookup.FIRST_RETRY.minusMillis(1).toNanos());
      lookup.accountId("eu-west-1");
      // A lookup starts on the caller's thread (idle turns false at once) and runs in the
      // background: idle right after the call means none was started.
      assertThat(lookup.idle()).as("within the first backoff: no new lookup").isTrue();

      nanos.addAndGet(Duration.ofMillis(1).toNanos());
      lookup.accountId("eu-west-1");
      await().atMost(Duration.ofSeconds(5)).until(() -> lookups.get() == 2);
      awaitIdle(lookup);
      nanos.addAndGet(AccountLookup.FIRST_RETRY.toNanos());
      lookup.accountId("eu-west-1");
      assertThat(lookup.idle()).as("the second backoff is twice the first").isTrue();
      assertThat(lookups).hasValue(2);
    }
  }

  @Test
  void aConfiguredAccountIsNeverLookedUp() {
    try (AccountLookup lookup =
        new AccountLookup(
            Optional.of("210987654321"),
            region -> {
              lookups.incrementAndGet();
              return Optional.empty();
            },
            () -> {},
            nanos::get)) {
      assertThat(lookup.accountId("eu-west-1")).contains("210987654321");
      assertThat(lookups).hasValue(0);
    }
  }

  /** Waits until the background lookup has finished (its backoff set). */
  private static void awaitIdle(AccountLookup lookup) {
    await().atMost(Duration.ofSeconds(5)).until(lookup::idle);
  }

  private static void block(CountDownLatch latch) {
    try {
      assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
