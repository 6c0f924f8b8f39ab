package io.pitr.emulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Faults the emulator injects, settable at start and at any time while it runs: throttling above a
 * rate, random InternalServerErrors, added latency, ContinuousBackupsUnavailable windows for a
 * table, and scripted failures of the next calls of an operation. Thread-safe.
 *
 * <p>Injected errors are answered before validation, as a real service throttles or fails before it
 * reads the request; the forced backups window applies to UpdateContinuousBackups after validation,
 * where live DynamoDB reports it.
 */
public final class Faults {

  private final Clock clock;
  private final Map<Operation, Double> throttleRates = new ConcurrentHashMap<>();
  private final Map<ThrottleKey, TokenBucket> buckets = new ConcurrentHashMap<>();
  private final Map<Operation, Double> internalErrorProbabilities = new ConcurrentHashMap<>();
  private volatile double internalErrorProbabilityForAll;
  private final Map<Operation, Duration> latencies = new ConcurrentHashMap<>();
  private volatile Duration latencyForAll = Duration.ZERO;
  private final Map<TableKey, Instant> backupsUnavailableUntil = new ConcurrentHashMap<>();
  private final Map<Operation, Deque<ScriptedFailure>> scriptedFailures =
      new EnumMap<>(Operation.class);

  Faults(Clock clock) {
    this.clock = clock;
  }

  /**
   * Answers ThrottlingException to calls of {@code operation} above {@code requestsPerSecond} per
   * account and region (a token bucket holding one second's worth). 0 or less turns it off.
   */
  public Faults throttle(Operation operation, double requestsPerSecond) {
    if (requestsPerSecond <= 0) {
      throttleRates.remove(operation);
    } else {
      throttleRates.put(operation, requestsPerSecond);
    }
    buckets.keySet().removeIf(key -> key.operation() == operation);
    return this;
  }

  /** Answers InternalServerError (HTTP 500) to this share (0 to 1) of the operation's calls. */
  public Faults internalErrors(Operation operation, double probability) {
    requireProbability(probability);
    internalErrorProbabilities.put(operation, probability);
    return this;
  }

  /** Answers InternalServerError (HTTP 500) to this share (0 to 1) of all calls. */
  public Faults internalErrors(double probability) {
    requireProbability(probability);
    internalErrorProbabilityForAll = probability;
    return this;
  }

  /** Delays every answer to {@code operation} by {@code latency}, on top of any global latency. */
  public Faults latency(Operation operation, Duration latency) {
    latencies.put(operation, requireNotNegative(latency));
    return this;
  }

  /** Delays every answer by {@code latency}. */
  public Faults latency(Duration latency) {
    latencyForAll = requireNotNegative(latency);
    return this;
  }

  /**
   * UpdateContinuousBackups on the table answers ContinuousBackupsUnavailableException for {@code
   * duration} of the emulator's clock, as in the window after a table is created.
   */
  public Faults backupsUnavailable(Scope scope, String tableName, Duration duration) {
    backupsUnavailableUntil.put(
        new TableKey(scope, tableName), clock.instant().plus(requireNotNegative(duration)));
    return this;
  }

  /** The next {@code count} calls of {@code operation} fail with {@code error}. */
  public Faults failNext(Operation operation, int count, AwsErrorType error) {
    return failNext(operation, count, error, error.defaultMessage());
  }

  /** The next {@code count} calls of {@code operation} fail with {@code error} and the message. */
  public Faults failNext(Operation operation, int count, AwsErrorType error, String message) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative");
    }
    synchronized (scriptedFailures) {
      Deque<ScriptedFailure> queue =
          scriptedFailures.computeIfAbsent(operation, key -> new ArrayDeque<>());
      for (int i = 0; i < count; i++) {
        queue.addLast(new ScriptedFailure(error, message));
      }
    }
    return this;
  }

  /** Removes every fault. */
  public void clear() {
    throttleRates.clear();
    buckets.clear();
    internalErrorProbabilities.clear();
    internalErrorProbabilityForAll = 0;
    latencies.clear();
    latencyForAll = Duration.ZERO;
    backupsUnavailableUntil.clear();
    synchronized (scriptedFailures) {
      scriptedFailures.clear();
    }
  }

  /** The current settings, as the admin endpoint shows them. */
  public Map<String, Object> describe() {
    Map<String, Object> description = new LinkedHashMap<>();
    description.put("throttleRequestsPerSecond", byName(throttleRates));
    Map<String, Object> errors = new LinkedHashMap<>(byName(internalErrorProbabilities));
    errors.put("*", internalErrorProbabilityForAll);
    description.put("internalErrorProbability", errors);
    Map<String, Object> latency = new LinkedHashMap<>();
    latencies.forEach((operation, value) -> latency.put(operation.apiName(), value.toMillis()));
    latency.put("*", latencyForAll.toMillis());
    description.put("latencyMillis", latency);
    Map<String, Object> unavailable = new LinkedHashMap<>();
    backupsUnavailableUntil.forEach(
        (key, until) -> unavailable.put(key.scope().tableArn(key.tableName()), until.toString()));
    description.put("backupsUnavailableUntil", unavailable);
    Map<String, Object> scripted = new LinkedHashMap<>();
    synchronized (scriptedFailures) {
      scriptedFailures.forEach(
          (operation, queue) ->
              scripted.put(
                  operation.apiName(),
                  queue.stream().map(failure -> failure.error().code()).toList()));
    }
    description.put("failNext", scripted);
    return description;
  }

  // --- used while answering a request -------------------------------------------------------

  Duration latencyFor(Operation operation) {
    Duration specific = operation == null ? null : latencies.get(operation);
    return specific == null ? latencyForAll : latencyForAll.plus(specific);
  }

  /** The error to answer instead of handling the call, if a fault says so. */
  Optional<AwsErrorException> injectedError(Operation operation, Scope scope) {
    synchronized (scriptedFailures) {
      Deque<ScriptedFailure> queue = scriptedFailures.get(operation);
      ScriptedFailure scripted = queue == null ? null : queue.pollFirst();
      if (scripted != null) {
        return Optional.of(new AwsErrorException(scripted.error(), scripted.message()));
      }
    }
    Double rate = throttleRates.get(operation);
    if (rate != null
        && !buckets
            .computeIfAbsent(new ThrottleKey(scope, operation), key -> new TokenBucket(rate))
            .tryAcquire()) {
      return Optional.of(AwsErrorType.THROTTLING.exception("Rate exceeded"));
    }
    double probability =
        Math.max(
            internalErrorProbabilityForAll,
            internalErrorProbabilities.getOrDefault(operation, 0.0));
    if (probability > 0 && ThreadLocalRandom.current().nextDouble() < probability) {
      return Optional.of(
          AwsErrorType.INTERNAL_SERVER_ERROR.exception(
              AwsErrorType.INTERNAL_SERVER_ERROR.defaultMessage()));
    }
    return Optional.empty();
  }

  boolean backupsUnavailable(Scope scope, String tableName, Instant now) {
    Instant until = backupsUnavailableUntil.get(new TableKey(scope, tableName));
    return until != null && now.isBefore(until);
  }

  private static Map<String, Object> byName(Map<Operation, Double> values) {
    Map<String, Object> named = new LinkedHashMap<>();
    values.forEach((operation, value) -> named.put(operation.apiName(), value));
    return named;
  }

  private static void requireProbability(double probability) {
    if (probability < 0 || probability > 1) {
      throw new IllegalArgumentException("probability must be 0 to 1, was " + probability);
    }
  }

  private static Duration requireNotNegative(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative");
    }
    return duration;
  }

  private record ThrottleKey(Scope scope, Operation operation) {}

  private record TableKey(Scope scope, String tableName) {}

  private record ScriptedFailure(AwsErrorType error, String message) {}

  /** Allows {@code rate} calls a second on average, with bursts of up to one second's worth. */
  private static final class TokenBucket {
    private final double rate;
    private final double capacity;
    private double tokens;
    private long lastRefillNanos;

    TokenBucket(double rate) {
      this.rate = rate;
      this.capacity = Math.max(1, rate);
      this.tokens = capacity;
      this.lastRefillNanos = System.nanoTime();
    }

    synchronized boolean tryAcquire() {
      long now = System.nanoTime();
      tokens = Math.min(capacity, tokens + (now - lastRefillNanos) / 1e9 * rate);
      lastRefillNanos = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }
  }
}
