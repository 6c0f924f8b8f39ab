package io.pitr.emulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Faults the emulator injects, settable at start and at any time while it runs: throttling above a
 * rate, random InternalServerErrors, added latency, ContinuousBackupsUnavailable windows for a
 * table, and scripted failures of the next calls of an operation; and the service's own request
 * rates ({@link #limits(Limits)}), which are not a fault and outlive {@link #clear()}. Thread-safe.
 *
 * <p>Injected errors are answered before validation, as a real service throttles or fails before it
 * reads the request; the forced backups window applies to UpdateContinuousBackups after validation,
 * where live DynamoDB reports it.
 */
public final class Faults {

  private final Clock clock;
  private final Map<Operation, Double> throttleRates = new ConcurrentHashMap<>();
  private final Map<ThrottleKey, TokenBucket> buckets = new ConcurrentHashMap<>();
  private final Map<Operation, Double> throttleProbabilities = new ConcurrentHashMap<>();
  private final Map<Operation, Double> internalErrorProbabilities = new ConcurrentHashMap<>();
  private volatile double internalErrorProbabilityForAll;
  private final Map<Operation, Duration> latencies = new ConcurrentHashMap<>();
  private volatile Duration latencyForAll = Duration.ZERO;
  private final Map<String, Duration> regionLatencies = new ConcurrentHashMap<>();
  private final Map<String, Double> regionInternalErrors = new ConcurrentHashMap<>();
  private final Map<TableKey, Instant> backupsUnavailableUntil = new ConcurrentHashMap<>();
  private final Map<TableKey, StatusReport> pitrStatusReports = new ConcurrentHashMap<>();
  private final Map<Operation, Deque<ScriptedFailure>> scriptedFailures =
      new EnumMap<>(Operation.class);
  // The limits and their buckets replaced together, so that no bucket outlives its limit.
  private volatile LimitsInForce limitsInForce = new LimitsInForce(Limits.NONE);

  Faults(Clock clock) {
    this.clock = clock;
  }

  /**
   * Answers ThrottlingException to calls of {@code operation} above {@code requestsPerSecond} per
   * account and region (a token bucket holding one second's worth, refilled on the emulator's
   * clock, so a fixed clock refills it only when advanced). 0 or less turns it off.
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

  /**
   * Answers ThrottlingException to this share (0 to 1) of the operation's calls, whatever their
   * rate: 1 throttles every call, as an account whose budget other tools spend.
   */
  public Faults throttleShare(Operation operation, double probability) {
    requireProbability(probability);
    throttleProbabilities.put(operation, probability);
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
   * Delays every answer about {@code region} (its SigV4 scope) by {@code latency}, on top of the
   * other latencies: one region slow while the others answer at once.
   */
  public Faults latency(String region, Duration latency) {
    regionLatencies.put(region, requireNotNegative(latency));
    return this;
  }

  /** Answers InternalServerError to this share (0 to 1) of all calls about {@code region}. */
  public Faults internalErrors(String region, double probability) {
    requireProbability(probability);
    regionInternalErrors.put(region, probability);
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
    return failNext(operation, null, count, error, message);
  }

  /**
   * The next {@code count} calls of {@code operation} naming {@code table} (by name or ARN; null:
   * any table) fail with {@code error} and the message. Scoped to a table, a fault cannot be taken
   * by calls about other tables, such as those of other tests sharing the emulator. An STS
   * operation fails with the error's STS counterpart ({@link AwsErrorType#onSts()}), so it takes
   * only errors that have one.
   */
  public Faults failNext(
      Operation operation, String table, int count, AwsErrorType error, String message) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative");
    }
    if (operation.service() == Operation.Service.STS && error.onSts().isEmpty()) {
      throw new IllegalArgumentException(
          error.code() + " is DynamoDB's alone; STS cannot answer " + operation.apiName() + " so");
    }
    synchronized (scriptedFailures) {
      Deque<ScriptedFailure> queue =
          scriptedFailures.computeIfAbsent(operation, key -> new ArrayDeque<>());
      for (int i = 0; i < count; i++) {
        queue.addLast(new ScriptedFailure(table, error, message));
      }
    }
    return this;
  }

  /**
   * DescribeContinuousBackups and UpdateContinuousBackups report {@code status} as the table's
   * PointInTimeRecoveryStatus, without a period or restorable times, for {@code duration} of the
   * emulator's clock. Live DynamoDB answers only ENABLED or DISABLED today (its documentation once
   * named ENABLING): this is for testing how a client treats a value it does not know. An update
   * still takes effect underneath.
   */
  public Faults reportPitrStatus(Scope scope, String tableName, String status, Duration duration) {
    pitrStatusReports.put(
        new TableKey(scope, tableName),
        new StatusReport(status, clock.instant().plus(requireNotNegative(duration))));
    return this;
  }

  /**
   * Enforces these request rates from now on, in place of those in force (the emulator starts with
   * {@link EmulatorSettings#limits()}): calls above an operation's rate in an account and Region
   * are answered ThrottlingException, as {@link #throttle} answers them. {@link Limits#NONE} lifts
   * them. Every bucket starts full.
   */
  public Faults limits(Limits limits) {
    limitsInForce = new LimitsInForce(Objects.requireNonNull(limits, "limits"));
    return this;
  }

  /** The request rates in force. */
  public Limits limits() {
    return limitsInForce.limits();
  }

  /**
   * Removes every fault. The {@link #limits() limits} stay: they are the service's quotas, which a
   * test that cleans up its faults should not lift for the tests after it.
   */
  public void clear() {
    throttleRates.clear();
    buckets.clear();
    throttleProbabilities.clear();
    internalErrorProbabilities.clear();
    internalErrorProbabilityForAll = 0;
    latencies.clear();
    latencyForAll = Duration.ZERO;
    regionLatencies.clear();
    regionInternalErrors.clear();
    backupsUnavailableUntil.clear();
    pitrStatusReports.clear();
    synchronized (scriptedFailures) {
      scriptedFailures.clear();
    }
  }

  /** The current settings, as the admin endpoint shows them. */
  public Map<String, Object> describe() {
    Map<String, Object> description = new LinkedHashMap<>();
    description.put("throttleRequestsPerSecond", byName(throttleRates));
    description.put("throttleProbability", byName(throttleProbabilities));
    Map<String, Object> errors = new LinkedHashMap<>(byName(internalErrorProbabilities));
    errors.put("*", internalErrorProbabilityForAll);
    description.put("internalErrorProbability", errors);
    Map<String, Object> latency = new LinkedHashMap<>();
    latencies.forEach((operation, value) -> latency.put(operation.apiName(), value.toMillis()));
    latency.put("*", latencyForAll.toMillis());
    description.put("latencyMillis", latency);
    Map<String, Object> byRegion = new LinkedHashMap<>();
    regionLatencies.forEach((region, value) -> byRegion.put(region, value.toMillis()));
    description.put("regionLatencyMillis", byRegion);
    description.put("regionInternalErrorProbability", new LinkedHashMap<>(regionInternalErrors));
    Map<String, Object> unavailable = new LinkedHashMap<>();
    backupsUnavailableUntil.forEach(
        (key, until) -> unavailable.put(key.scope().tableArn(key.tableName()), until.toString()));
    description.put("backupsUnavailableUntil", unavailable);
    Map<String, Object> reported = new LinkedHashMap<>();
    pitrStatusReports.forEach(
        (key, report) ->
            reported.put(
                key.scope().tableArn(key.tableName()),
                Map.of("status", report.status(), "until", report.until().toString())));
    description.put("pitrStatus", reported);
    Map<String, Object> scripted = new LinkedHashMap<>();
    synchronized (scriptedFailures) {
      scriptedFailures.forEach(
          (operation, queue) ->
              scripted.put(
                  operation.apiName(),
                  queue.stream()
                      .map(
                          failure ->
                              failure.table() == null
                                  ? failure.error().code()
                                  : failure.error().code() + " on " + failure.table())
                      .toList()));
    }
    description.put("failNext", scripted);
    return description;
  }

  // --- used while answering a request -------------------------------------------------------

  Duration latencyFor(Operation operation, String region) {
    Duration specific = operation == null ? null : latencies.get(operation);
    Duration total = specific == null ? latencyForAll : latencyForAll.plus(specific);
    return total.plus(regionLatencies.getOrDefault(region, Duration.ZERO));
  }

  /**
   * The error to answer instead of handling the call, if a fault says so; {@code table} is the
   * table the request names (name or ARN), if any.
   */
  Optional<AwsErrorException> injectedError(Operation operation, Scope scope, String table) {
    synchronized (scriptedFailures) {
      Deque<ScriptedFailure> queue = scriptedFailures.get(operation);
      if (queue != null) {
        for (var scripted = queue.iterator(); scripted.hasNext(); ) {
          ScriptedFailure failure = scripted.next();
          if (failure.appliesTo(table)) {
            scripted.remove();
            return Optional.of(new AwsErrorException(failure.error(), failure.message()));
          }
        }
      }
    }
    double throttled = throttleProbabilities.getOrDefault(operation, 0.0);
    if (throttled > 0 && ThreadLocalRandom.current().nextDouble() < throttled) {
      return Optional.of(AwsErrorType.THROTTLING.exception("Rate exceeded"));
    }
    Double rate = throttleRates.get(operation);
    if (rate != null
        && !buckets
            .computeIfAbsent(new ThrottleKey(scope, operation), key -> new TokenBucket(rate, clock))
            .tryAcquire()) {
      return Optional.of(AwsErrorType.THROTTLING.exception("Rate exceeded"));
    }
    if (!limitsInForce.allows(operation, scope, clock)) {
      return Optional.of(AwsErrorType.THROTTLING.exception("Rate exceeded"));
    }
    double probability =
        Math.max(
            Math.max(
                internalErrorProbabilityForAll,
                internalErrorProbabilities.getOrDefault(operation, 0.0)),
            regionInternalErrors.getOrDefault(scope.region(), 0.0));
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

  /** The PointInTimeRecoveryStatus to report for the table instead of its own, if any. */
  Optional<String> reportedPitrStatus(Scope scope, String tableName, Instant now) {
    StatusReport report = pitrStatusReports.get(new TableKey(scope, tableName));
    return report != null && now.isBefore(report.until())
        ? Optional.of(report.status())
        : Optional.empty();
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

  private record ScriptedFailure(String table, AwsErrorType error, String message) {
    boolean appliesTo(String named) {
      return table == null
          || table.equals(named)
          || (named != null && named.endsWith(":table/" + table));
    }
  }

  private record StatusReport(String status, Instant until) {}

  /** Limits and the token buckets that enforce them, per account, Region and operation. */
  private record LimitsInForce(Limits limits, Map<ThrottleKey, TokenBucket> buckets) {
    LimitsInForce(Limits limits) {
      this(limits, new ConcurrentHashMap<>());
    }

    boolean allows(Operation operation, Scope scope, Clock clock) {
      Double rate = limits.requestsPerSecond().get(operation);
      return rate == null
          || buckets
              .computeIfAbsent(
                  new ThrottleKey(scope, operation), key -> new TokenBucket(rate, clock))
              .tryAcquire();
    }
  }

  /**
   * Allows {@code rate} calls a second on average, with bursts of up to one second's worth. Time is
   * the emulator's clock, so that tests drive refills by advancing it instead of waiting; a clock
   * that goes back (a system clock set back) adds nothing.
   */
  private static final class TokenBucket {
    // A century: longer than a bucket of any sensible rate takes to fill, short enough to count
    // in nanoseconds.
    private static final Duration FILLS_ANY_BUCKET = Duration.ofDays(36_500);
    private final double rate;
    private final double capacity;
    private final Clock clock;
    private double tokens;
    private Instant lastRefill;

    TokenBucket(double rate, Clock clock) {
      this.rate = rate;
      this.capacity = Math.max(1, rate);
      this.clock = clock;
      this.tokens = capacity;
      this.lastRefill = clock.instant();
    }

    synchronized boolean tryAcquire() {
      Instant now = clock.instant();
      if (now.isAfter(lastRefill)) {
        Duration elapsed = Duration.between(lastRefill, now);
        // Whole nanoseconds times the rate, so that a call every 1/rate seconds earns exactly one.
        tokens =
            elapsed.compareTo(FILLS_ANY_BUCKET) >= 0
                ? capacity
                : Math.min(capacity, tokens + elapsed.toNanos() * rate / 1e9);
        lastRefill = now;
      }
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }
  }
}
