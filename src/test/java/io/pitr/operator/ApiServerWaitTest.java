package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How the operator waits for the Kubernetes API server before it starts. */
class ApiServerWaitTest {

  private static final Duration FIRST = Duration.ofMillis(5);
  private static final Duration LONGEST = Duration.ofMillis(20);

  @Test
  void waitsUntilTheServerIsReady() {
    AtomicInteger asked = new AtomicInteger();
    ApiServerWait wait =
        new ApiServerWait(
            () -> asked.incrementAndGet() <= 3 ? Optional.of("HTTP 503") : Optional.empty(),
            FIRST,
            LONGEST);

    assertThat(wait.await("https://api", new CountDownLatch(1))).isTrue();
    assertThat(asked).hasValue(4);
  }

  @Test
  void aReadyServerIsAskedOnce() {
    AtomicInteger asked = new AtomicInteger();
    ApiServerWait wait =
        new ApiServerWait(
            () -> {
              asked.incrementAndGet();
              return Optional.empty();
            },
            FIRST,
            LONGEST);

    assertThat(wait.await("https://api", new CountDownLatch(1))).isTrue();
    assertThat(asked).hasValue(1);
  }

  @Test
  void aStopEndsTheWaitWithoutStarting() throws Exception {
    CountDownLatch asked = new CountDownLatch(3);
    CountDownLatch stop = new CountDownLatch(1);
    ApiServerWait wait =
        new ApiServerWait(
            () -> {
              asked.countDown();
              return Optional.of("ConnectException: Connection refused");
            },
            FIRST,
            LONGEST);

    CompletableFuture<Boolean> waiting =
        CompletableFuture.supplyAsync(() -> wait.await("https://api", stop));
    assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(waiting).isNotDone();
    stop.countDown();

    assertThat(waiting.get(10, TimeUnit.SECONDS)).isFalse();
  }

  @Test
  void anUnreachableOrUnreadyServerIsWaitedFor() {
    assertThat(
            ApiServerWait.waitFor(
                new KubernetesClientException(
                    "An error has occurred.", new ConnectException("Connection refused"))))
        .contains("ConnectException: Connection refused");
    assertThat(ApiServerWait.waitFor(new KubernetesClientException("not ready", 500, null)))
        .contains("HTTP 500");
    assertThat(ApiServerWait.waitFor(new KubernetesClientException("unavailable", 503, null)))
        .contains("HTTP 503");
    assertThat(ApiServerWait.waitFor(new KubernetesClientException("slow down", 429, null)))
        .contains("HTTP 429");
  }

  @Test
  void aServerThatAnswersOtherwiseIsNotWaitedFor() {
    // A cluster that does not let the operator read /readyz: the start itself finds out the rest.
    assertThat(ApiServerWait.waitFor(new KubernetesClientException("forbidden", 403, null)))
        .isEmpty();
    assertThat(ApiServerWait.waitFor(new KubernetesClientException("unauthorized", 401, null)))
        .isEmpty();
  }
}
