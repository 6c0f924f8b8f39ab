package io.pitr.emulator;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Request rates DynamoDB enforces per operation, which the emulator can enforce too: calls above an
 * operation's rate are answered ThrottlingException ("Rate exceeded", HTTP 400), exactly as {@link
 * Faults#throttle} answers them. Immutable; {@link #NONE} (the default) enforces nothing, {@link
 * #AWS} is DynamoDB's documented control-plane rates plus assumptions where AWS publishes none.
 *
 * <p>How a rate is enforced: a token bucket per operation, account and Region, holding one second's
 * worth of calls and refilled on the emulator's clock. The bucket is shared by every caller acting
 * in the account (each access key and role session), as an account's quota is. Calls that fail
 * validation or name a missing table still count, as the service throttles before it reads the
 * request.
 *
 * <p>What AWS says and what is assumed (spec section 3.7):
 *
 * <ul>
 *   <li>Documented in each operation's API reference: DescribeContinuousBackups "at a maximum rate
 *       of 10 times per second"; ListTagsOfResource up to 10 times per second per account;
 *       TagResource and UntagResource up to 5 times per second per account.
 *   <li>Assumed, "per account": DescribeContinuousBackups' text names no scope, and the tag
 *       operations' texts name the account but not the Region. DynamoDB's quotas are otherwise per
 *       account and Region (DescribeLimits, Service Quotas) and each Region has its own endpoint,
 *       so every rate here is per account and Region: the caller's, also for a call naming another
 *       account's table by ARN.
 *   <li>Assumed, the burst: AWS documents none; one second's worth is allowed at once.
 *   <li>Assumed, the operations AWS gives no rate for: UpdateContinuousBackups, CreateTable and
 *       DeleteTable 5/s, the documented rate of the other calls that change a table's settings
 *       (TagResource, UntagResource); DescribeTable and ListTables 10/s, the documented rate of the
 *       other calls that read them (DescribeContinuousBackups, ListTagsOfResource). Undocumented
 *       does not mean unlimited: a probe of live DynamoDB saw DescribeTimeToLive, which has no
 *       published rate either, throttled from the 5th back-to-back call. Each is overridable with
 *       {@link #with}.
 *   <li>Not modelled: CreateTable's and DeleteTable's documented limit, 500 table operations in
 *       flight per account (LimitExceededException), and the control-plane throttle limit of 2,500
 *       requests per second that AWS's developer guide announces (best practices for the control
 *       plane), far above the rates here. STS's operations are not limited by the preset.
 * </ul>
 *
 * @param requestsPerSecond the rate of each limited operation, greater than 0; operations missing
 *     are not limited
 */
public record Limits(Map<Operation, Double> requestsPerSecond) {

  /** No operation limited: the emulator's default. */
  public static final Limits NONE = new Limits(Map.of());

  /** DynamoDB's documented control-plane rates, and the assumed ones; see the type's Javadoc. */
  public static final Limits AWS =
      NONE.with(Operation.DESCRIBE_CONTINUOUS_BACKUPS, 10)
          .with(Operation.LIST_TAGS_OF_RESOURCE, 10)
          .with(Operation.TAG_RESOURCE, 5)
          .with(Operation.UNTAG_RESOURCE, 5)
          .with(Operation.UPDATE_CONTINUOUS_BACKUPS, 5)
          .with(Operation.CREATE_TABLE, 5)
          .with(Operation.DELETE_TABLE, 5)
          .with(Operation.DESCRIBE_TABLE, 10)
          .with(Operation.LIST_TABLES, 10);

  public Limits {
    Objects.requireNonNull(requestsPerSecond, "requestsPerSecond");
    EnumMap<Operation, Double> copy = new EnumMap<>(Operation.class);
    requestsPerSecond.forEach(
        (operation, rate) -> {
          Objects.requireNonNull(operation, "operation");
          copy.put(operation, requirePositive(operation, rate));
        });
    requestsPerSecond = Collections.unmodifiableMap(copy);
  }

  /**
   * The preset with this name, as {@code --limits} takes it: {@code aws} ({@link #AWS}) or {@code
   * none} ({@link #NONE}).
   *
   * @throws IllegalArgumentException for any other name
   */
  public static Limits preset(String name) {
    return switch (String.valueOf(name)) {
      case "aws" -> AWS;
      case "none" -> NONE;
      default ->
          throw new IllegalArgumentException(
              "unknown limits preset " + name + "; the presets are aws and none");
    };
  }

  /**
   * These limits with {@code operation} limited to {@code requestsPerSecond} per account and
   * Region, or not limited at all if it is 0.
   *
   * @throws IllegalArgumentException if the rate is negative or not a finite number
   */
  public Limits with(Operation operation, double requestsPerSecond) {
    Objects.requireNonNull(operation, "operation");
    if (!Double.isFinite(requestsPerSecond) || requestsPerSecond < 0) {
      throw new IllegalArgumentException(
          operation.apiName()
              + ": the rate must be 0 (no limit) or a positive number of requests per second, was "
              + requestsPerSecond);
    }
    Map<Operation, Double> changed = new EnumMap<>(Operation.class);
    changed.putAll(this.requestsPerSecond);
    if (requestsPerSecond == 0) {
      changed.remove(operation);
    } else {
      changed.put(operation, requestsPerSecond);
    }
    return new Limits(changed);
  }

  /** The operation's rate per account and Region, empty if it is not limited. */
  public OptionalDouble rate(Operation operation) {
    Double rate = requestsPerSecond.get(operation);
    return rate == null ? OptionalDouble.empty() : OptionalDouble.of(rate);
  }

  /** Whether no operation is limited. */
  public boolean isEmpty() {
    return requestsPerSecond.isEmpty();
  }

  /** The rates by operation name, as the admin endpoint shows them. */
  public Map<String, Double> byApiName() {
    Map<String, Double> named = new LinkedHashMap<>();
    requestsPerSecond.forEach((operation, rate) -> named.put(operation.apiName(), rate));
    return named;
  }

  private static double requirePositive(Operation operation, Double rate) {
    if (rate == null || !Double.isFinite(rate) || rate <= 0) {
      throw new IllegalArgumentException(
          operation.apiName() + ": a limit must be a positive number of requests per second");
    }
    return rate;
  }
}
