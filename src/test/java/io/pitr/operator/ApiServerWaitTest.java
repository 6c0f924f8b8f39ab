package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How the operator waits for the Kubernetes API server before it starts. */
class ApiServerWaitTest {

  private final List<Duration> pauses = new ArrayList<>();

  @Test
  void asksAgainAtOneTwoFourThenEveryFiveSecondsUntilTheServerIsReady() {
    AtomicInteger asked = new AtomicInteger();
    ApiServerWait wait =
        new ApiServerWait(
            () -> asked.incrementAndGet() <= 6 ? Optional.of("HTTP 503") : Optional.empty());

    assertThat(wait.await("https://api", this::pauseWithoutStopping)).isTrue();
    assertThat(asked).hasValue(7);
    assertThat(pauses)
        .containsExactly(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofSeconds(5),
            Duration.ofSeconds(5),
            Duration.ofSeconds(5));
  }

  @Test
  void aReadyServerIsAskedOnceAndNotWaitedFor() {
    AtomicInteger asked = new AtomicInteger();
    ApiServerWait wait =
        new ApiServerWait(
            () -> {
              asked.incrementAndGet();
              return Optional.empty();
            });

    assertThat(wait.await("https://api", this::pauseWithoutStopping)).isTrue();
    assertThat(asked).hasValue(1);
    assertThat(pauses).isEmpty();
  }

  @Test
  void aStopEndsTheWait() {
    AtomicInteger asked = new AtomicInteger();
    ApiServerWait wait =
        new ApiServerWait(
            () -> {
              asked.incrementAndGet();
              return Optional.of("ConnectException: Connection refused");
            });

    assertThat(wait.await("https://api", interval -> pauses.add(interval) && pauses.size() == 3))
        .isFalse();
    assertThat(asked).hasValue(3);
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

  private boolean pauseWithoutStopping(Duration interval) {
    pauses.add(interval);
    return false;
  }
}
