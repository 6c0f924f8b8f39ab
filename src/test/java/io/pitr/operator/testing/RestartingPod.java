package io.pitr.operator.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A pod with {@code restartPolicy: Always}: whenever its container exits, it is started again as
 * the kubelet does, after the kubelet's back-off (10 s, doubling each time, at most 5 minutes;
 * reset once a container has run for 10 minutes). A container that keeps exiting is a crash loop,
 * which {@link #restarts()} shows.
 */
public final class RestartingPod implements AutoCloseable {

  static final Duration FIRST_BACK_OFF = Duration.ofSeconds(10);
  static final Duration MAX_BACK_OFF = Duration.ofMinutes(5);
  static final Duration BACK_OFF_RESET = Duration.ofMinutes(10);

  private final IntFunction<PackagedOperator> container;

  /**
   * A container that exited.
   *
   * @param container the container, with its log
   * @param at when it exited
   * @param exitCode its exit code
   */
  public record Exit(PackagedOperator container, Instant at, int exitCode) {}

  private final List<Exit> exits = new ArrayList<>();
  private int restarts;
  private final Thread kubelet;
  private volatile PackagedOperator current;
  private volatile boolean closed;

  /**
   * @param container starts the pod's container after the given number of restarts
   */
  RestartingPod(IntFunction<PackagedOperator> container) {
    this.container = container;
    this.current = container.apply(0);
    this.kubelet = new Thread(this::restartWhenExited, "kubelet-" + current.podName());
    kubelet.setDaemon(true);
    kubelet.start();
  }

  /** The container running now, or the one that last exited while the next waits its back-off. */
  public PackagedOperator current() {
    return current;
  }

  /** How many times the container has been restarted. */
  public synchronized int restarts() {
    return restarts;
  }

  /** The containers that exited, in order. */
  public synchronized List<Exit> exits() {
    return List.copyOf(exits);
  }

  private void restartWhenExited() {
    Duration backOff = FIRST_BACK_OFF;
    while (!closed) {
      PackagedOperator running = current;
      Instant started = Instant.now();
      int exitCode = running.exit().join();
      if (closed) {
        return;
      }
      Instant exited = Instant.now();
      synchronized (this) {
        exits.add(new Exit(running, exited, exitCode));
      }
      if (Duration.between(started, exited).compareTo(BACK_OFF_RESET) > 0) {
        backOff = FIRST_BACK_OFF;
      }
      System.out.printf(
          "[%s] exited with %d; restarting it in %d s%n",
          running.podName(), exitCode, backOff.toSeconds());
      try {
        Thread.sleep(backOff.toMillis());
      } catch (InterruptedException closing) {
        return;
      }
      synchronized (this) {
        if (closed) {
          return;
        }
        current = container.apply(++restarts);
      }
      backOff =
          backOff.multipliedBy(2).compareTo(MAX_BACK_OFF) > 0
              ? MAX_BACK_OFF
              : backOff.multipliedBy(2);
    }
  }

  /** Deletes the pod: no more restarts, and its container stopped as the kubelet stops it. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    kubelet.interrupt();
    current.close();
  }
}
