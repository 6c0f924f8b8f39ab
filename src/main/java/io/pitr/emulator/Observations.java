package io.pitr.emulator;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the emulator received: a call counter per operation, a counter of the throttled ones, and a
 * bounded log of recent requests, for tests and benchmarks to read and reset. Every call counts,
 * failed and injected ones too, since that is what a client's AWS bill and rate limits see.
 */
public final class Observations {

  /**
   * The counter key for requests whose X-Amz-Target (STS: Action) names no operation the emulator
   * answers.
   */
  public static final String UNKNOWN_OPERATION = "Unknown";

  private static final Set<String> THROTTLING_CODES =
      Set.of(AwsErrorType.THROTTLING.code(), AwsErrorType.THROTTLING.onSts().orElseThrow().code());

  private final Map<Operation, LongAdder> calls = new EnumMap<>(Operation.class);
  private final LongAdder unknownCalls = new LongAdder();
  private final Map<Operation, LongAdder> throttledCalls = new EnumMap<>(Operation.class);
  private final ArrayDeque<RequestRecord> log;
  private final int logCapacity;
  private final AtomicLong sequence = new AtomicLong();

  Observations(int logCapacity) {
    this.logCapacity = logCapacity;
    this.log = new ArrayDeque<>(Math.min(logCapacity, 1024));
    for (Operation operation : Operation.values()) {
      calls.put(operation, new LongAdder());
      throttledCalls.put(operation, new LongAdder());
    }
  }

  /** Calls received for {@code operation} since the start or the last {@link #reset}. */
  public long calls(Operation operation) {
    return calls.get(operation).sum();
  }

  /**
   * Calls of {@code operation} answered ThrottlingException (STS: Throttling) since the start or
   * the last {@link #reset}, whether a limit or an injected fault throttled them; each attempt of a
   * retrying client counts. Counted apart from the request log, which keeps only recent requests.
   */
  public long throttled(Operation operation) {
    return throttledCalls.get(operation).sum();
  }

  /** Throttled calls per operation name, zero counts included. */
  public Map<String, Long> throttledCounts() {
    Map<String, Long> counts = new LinkedHashMap<>();
    throttledCalls.forEach((operation, count) -> counts.put(operation.apiName(), count.sum()));
    return counts;
  }

  /** Calls per operation name (with {@value #UNKNOWN_OPERATION}), zero counts included. */
  public Map<String, Long> callCounts() {
    Map<String, Long> counts = new LinkedHashMap<>();
    calls.forEach((operation, count) -> counts.put(operation.apiName(), count.sum()));
    counts.put(UNKNOWN_OPERATION, unknownCalls.sum());
    return counts;
  }

  /** The most recent requests, oldest first, at most the configured capacity. */
  public List<RequestRecord> requests() {
    synchronized (log) {
      return new ArrayList<>(log);
    }
  }

  /** Zeroes the counters and empties the request log. */
  public void reset() {
    calls.values().forEach(LongAdder::reset);
    throttledCalls.values().forEach(LongAdder::reset);
    unknownCalls.reset();
    synchronized (log) {
      log.clear();
    }
  }

  void record(
      Instant time,
      Operation operation,
      String nameAsSent,
      Caller caller,
      String accessKeyId,
      String table,
      int httpStatus,
      String errorCode,
      long durationMicros,
      AssumeRoleAttempt assumeRole) {
    if (operation != null) {
      calls.get(operation).increment();
      if (errorCode != null && THROTTLING_CODES.contains(errorCode)) {
        throttledCalls.get(operation).increment();
      }
    } else {
      unknownCalls.increment();
    }
    if (logCapacity == 0) {
      return;
    }
    RoleSession session = caller.session();
    RequestRecord record =
        new RequestRecord(
            sequence.incrementAndGet(),
            time,
            operation != null ? operation.apiName() : nameAsSent,
            caller.scope().accountId(),
            caller.scope().region(),
            accessKeyId,
            session != null ? session.role().roleArn() : null,
            session != null ? session.sessionName() : null,
            table,
            httpStatus,
            errorCode,
            durationMicros,
            assumeRole);
    synchronized (log) {
      if (log.size() == logCapacity) {
        log.removeFirst();
      }
      log.addLast(record);
    }
  }

  /**
   * One request as the emulator saw it.
   *
   * @param sequence order of arrival, from 1
   * @param time when it arrived, on the emulator's clock
   * @param operation the operation name, or the raw X-Amz-Target (STS: Action) for unknown ones
   * @param accountId the account it acted in: a session's role's account for session credentials
   * @param region the region it acted in
   * @param accessKeyId the access key id it was signed with, null if unsigned (who called, as
   *     CloudTrail records it)
   * @param roleArn the role whose session credentials signed it, null for other credentials
   * @param roleSessionName that session's name, null for other credentials
   * @param table the table it named (TableName or ResourceArn), if any
   * @param httpStatus the status answered
   * @param errorCode the error code answered, null on success
   * @param durationMicros time spent answering, injected latency included
   * @param assumeRole what an AssumeRole asked for, null for other operations
   */
  public record RequestRecord(
      long sequence,
      Instant time,
      String operation,
      String accountId,
      String region,
      String accessKeyId,
      String roleArn,
      String roleSessionName,
      String table,
      int httpStatus,
      String errorCode,
      long durationMicros,
      AssumeRoleAttempt assumeRole) {}

  /**
   * What an AssumeRole asked for, as sent, and what the role's trust made of its ExternalId.
   *
   * @param roleArn the RoleArn requested
   * @param roleSessionName the RoleSessionName requested
   * @param sessionTags the session tags sent, key to value, in the order sent
   * @param externalIdMatched whether the ExternalId was the one the registered role's trust
   *     requires (false for a role not registered); null when the trust was not checked, because
   *     the request was invalid or failed first
   */
  public record AssumeRoleAttempt(
      String roleArn,
      String roleSessionName,
      Map<String, String> sessionTags,
      Boolean externalIdMatched) {}
}
