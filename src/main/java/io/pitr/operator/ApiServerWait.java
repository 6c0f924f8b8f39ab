package io.pitr.operator;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Waits until the Kubernetes API server is ready, asking its {@code /readyz} (which every
 * authenticated client may read) at growing intervals: {@link #FIRST_INTERVAL}, doubling, at most
 * {@link #LONGEST_INTERVAL}, so that work resumes within seconds of the server's return and the
 * server is not pressed meanwhile.
 *
 * <p>Only an unreachable or unready server is waited for: a server that answers anything else (a
 * cluster that forbids {@code /readyz}, say) is reachable, and the operator's start finds out the
 * rest.
 */
final class ApiServerWait {

  private static final Logger LOG = Logger.getLogger(ApiServerWait.class);

  static final Duration FIRST_INTERVAL = Duration.ofSeconds(1);
  static final Duration LONGEST_INTERVAL = Duration.ofSeconds(5);
  private static final Duration REMINDER = Duration.ofMinutes(1);

  /** Waits between two questions. */
  interface Pause {
    /**
     * @return true if the wait should end instead, the operator stopping
     */
    boolean stopsDuring(Duration interval);
  }

  private final Supplier<Optional<String>> notReady;

  /**
   * @param notReady why the API server is not ready, or empty once it is
   */
  ApiServerWait(Supplier<Optional<String>> notReady) {
    this.notReady = notReady;
  }

  /**
   * Waits until the API server {@code client} talks to is ready.
   *
   * @return false if {@code stop} was counted down first
   */
  static boolean untilReady(KubernetesClient client, CountDownLatch stop) {
    // A client of its own that asks once per attempt: the operator's client retries a refused
    // connection for many seconds, which would hide the server's return.
    try (KubernetesClient probe =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(client.getConfiguration())
                    .withRequestRetryBackoffLimit(0)
                    .withConnectionTimeout((int) LONGEST_INTERVAL.toMillis())
                    .withRequestTimeout((int) LONGEST_INTERVAL.toMillis())
                    .build())
            .build()) {
      return new ApiServerWait(() -> readyz(probe))
          .await(client.getConfiguration().getMasterUrl(), interval -> stops(stop, interval));
    }
  }

  private static boolean stops(CountDownLatch stop, Duration interval) {
    try {
      return stop.await(interval.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  /**
   * @return false if {@code pause} said to stop first
   */
  boolean await(String server, Pause pause) {
    long waitingSince = System.nanoTime();
    long remindedAt = waitingSince;
    Duration interval = FIRST_INTERVAL;
    int attempts = 0;
    for (Optional<String> why = notReady.get(); why.isPresent(); why = notReady.get()) {
      long now = System.nanoTime();
      if (attempts++ == 0) {
        LOG.warnf(
            "The Kubernetes API server %s is not ready (%s): waiting for it before starting; the"
                + " operator is not ready meanwhile",
            server, why.get());
        remindedAt = now;
      } else if (now - remindedAt >= REMINDER.toNanos()) {
        LOG.warnf(
            "The Kubernetes API server %s is still not ready after %d s: %s",
            server, Duration.ofNanos(now - waitingSince).toSeconds(), why.get());
        remindedAt = now;
      } else {
        LOG.debugf("The Kubernetes API server is not ready yet: %s", why.get());
      }
      if (pause.stopsDuring(interval)) {
        return false;
      }
      interval = interval.multipliedBy(2);
      if (interval.compareTo(LONGEST_INTERVAL) > 0) {
        interval = LONGEST_INTERVAL;
      }
    }
    if (attempts > 0) {
      LOG.infof(
          "The Kubernetes API server %s is ready, after %d s of waiting",
          server, Duration.ofNanos(System.nanoTime() - waitingSince).toSeconds());
    }
    return true;
  }

  /** Why the server does not answer /readyz with success, if it is unreachable or not ready. */
  static Optional<String> readyz(KubernetesClient probe) {
    try {
      probe.raw("/readyz");
      return Optional.empty();
    } catch (KubernetesClientException e) {
      return waitFor(e);
    }
  }

  /** Whether a failed /readyz means the server cannot be used yet, and why. */
  static Optional<String> waitFor(KubernetesClientException failure) {
    int code = failure.getCode();
    if (code < 100) {
      // No answer at all (Fabric8 gives such failures no HTTP status).
      Throwable cause = failure;
      while (cause.getCause() != null) {
        cause = cause.getCause();
      }
      return Optional.of(cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }
    if (code == 429 || code >= 500) {
      return Optional.of("HTTP " + code);
    }
    return Optional.empty();
  }
}
