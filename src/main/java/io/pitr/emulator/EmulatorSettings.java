package io.pitr.emulator;

import java.time.Duration;
import java.util.Objects;

/**
 * How the emulator behaves where DynamoDB's behaviour is a timing or an open question (spec
 * sections 3.3, 3.6 and 3.8). Immutable; {@link #defaults()} is what tests and the local run use.
 *
 * @param host address to listen on
 * @param port port to listen on; 0 picks a free one
 * @param accountId account for requests whose access key id is neither a 12-digit account id nor
 *     one of session credentials the emulator issued
 * @param defaultRegion region for requests without a SigV4 credential scope
 * @param lifecycle how long tables take to appear, become ACTIVE, get backups and disappear
 * @param enableWithoutPeriod what an enable without RecoveryPeriodInDays does to an enabled table
 * @param requireAuthentication answer MissingAuthenticationTokenException to unsigned requests
 * @param requestLogCapacity how many recent requests the request log keeps
 * @param limits request rates enforced per operation, account and Region from the start (calls
 *     above them answered ThrottlingException); {@link Limits#NONE}, the default, enforces none,
 *     {@link Limits#AWS} DynamoDB's. {@link Faults#limits(Limits)} changes them while it runs
 */
public record EmulatorSettings(
    String host,
    int port,
    String accountId,
    String defaultRegion,
    Lifecycle lifecycle,
    EnableWithoutPeriod enableWithoutPeriod,
    boolean requireAuthentication,
    int requestLogCapacity,
    Limits limits) {

  public static final String DEFAULT_ACCOUNT_ID = "000000000000";
  public static final String DEFAULT_REGION = "us-east-1";

  public EmulatorSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(defaultRegion, "defaultRegion");
    Objects.requireNonNull(lifecycle, "lifecycle");
    Objects.requireNonNull(enableWithoutPeriod, "enableWithoutPeriod");
    Objects.requireNonNull(limits, "limits");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
    }
    if (!accountId.matches("\\d{12}")) {
      throw new IllegalArgumentException("accountId must be 12 digits, was " + accountId);
    }
    if (requestLogCapacity < 0) {
      throw new IllegalArgumentException("requestLogCapacity must not be negative");
    }
  }

  /** Loopback, a free port, account 000000000000, us-east-1, instant lifecycle, no limits. */
  public static EmulatorSettings defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.host = host;
    builder.port = port;
    builder.accountId = accountId;
    builder.defaultRegion = defaultRegion;
    builder.lifecycle = lifecycle;
    builder.enableWithoutPeriod = enableWithoutPeriod;
    builder.requireAuthentication = requireAuthentication;
    builder.requestLogCapacity = requestLogCapacity;
    builder.limits = limits;
    return builder;
  }

  /** Builds {@link EmulatorSettings}; every setting starts at its documented default. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 0;
    private String accountId = DEFAULT_ACCOUNT_ID;
    private String defaultRegion = DEFAULT_REGION;
    private Lifecycle lifecycle = Lifecycle.INSTANT;
    private EnableWithoutPeriod enableWithoutPeriod = EnableWithoutPeriod.RESET_TO_DEFAULT;
    private boolean requireAuthentication = false;
    private int requestLogCapacity = 10_000;
    private Limits limits = Limits.NONE;

    private Builder() {}

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder accountId(String accountId) {
      this.accountId = accountId;
      return this;
    }

    public Builder defaultRegion(String defaultRegion) {
      this.defaultRegion = defaultRegion;
      return this;
    }

    public Builder lifecycle(Lifecycle lifecycle) {
      this.lifecycle = lifecycle;
      return this;
    }

    public Builder enableWithoutPeriod(EnableWithoutPeriod enableWithoutPeriod) {
      this.enableWithoutPeriod = enableWithoutPeriod;
      return this;
    }

    public Builder requireAuthentication(boolean requireAuthentication) {
      this.requireAuthentication = requireAuthentication;
      return this;
    }

    public Builder requestLogCapacity(int requestLogCapacity) {
      this.requestLogCapacity = requestLogCapacity;
      return this;
    }

    public Builder limits(Limits limits) {
      this.limits = limits;
      return this;
    }

    public EmulatorSettings build() {
      return new EmulatorSettings(
          host,
          port,
          accountId,
          defaultRegion,
          lifecycle,
          enableWithoutPeriod,
          requireAuthentication,
          requestLogCapacity,
          limits);
    }
  }

  /**
   * Table lifecycle timings, measured from CreateTable and DeleteTable (spec section 3.6).
   *
   * @param invisibleAfterCreate DescribeTable and the PITR pair answer "not found" this long
   * @param creating the table is CREATING this long (UpdateContinuousBackups: unavailable)
   * @param backupsPendingAfterActive after ACTIVE, backups stay unavailable this long
   * @param pitrVisibleWhileDeleting the PITR pair still work this long after DeleteTable
   * @param deleting DescribeTable shows DELETING this long, then the table is gone
   */
  public record Lifecycle(
      Duration invisibleAfterCreate,
      Duration creating,
      Duration backupsPendingAfterActive,
      Duration pitrVisibleWhileDeleting,
      Duration deleting) {

    /** CreateTable answers CREATING; from the next read on, the table is ACTIVE with backups. */
    public static final Lifecycle INSTANT =
        new Lifecycle(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);

    /** Timings close to those measured on live DynamoDB. */
    public static final Lifecycle REALISTIC =
        new Lifecycle(
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            Duration.ofSeconds(3),
            Duration.ofSeconds(1),
            Duration.ofSeconds(5));

    public Lifecycle {
      for (Duration duration :
          new Duration[] {
            invisibleAfterCreate,
            creating,
            backupsPendingAfterActive,
            pitrVisibleWhileDeleting,
            deleting
          }) {
        if (duration == null || duration.isNegative()) {
          throw new IllegalArgumentException("lifecycle durations must be zero or positive");
        }
      }
      if (invisibleAfterCreate.compareTo(creating) > 0) {
        throw new IllegalArgumentException("invisibleAfterCreate must not exceed creating");
      }
      if (pitrVisibleWhileDeleting.compareTo(deleting) > 0) {
        throw new IllegalArgumentException("pitrVisibleWhileDeleting must not exceed deleting");
      }
    }
  }

  /**
   * What UpdateContinuousBackups with PointInTimeRecoveryEnabled=true and no RecoveryPeriodInDays
   * does to a table that is already enabled, an open question on live DynamoDB (spec 3.3.3).
   */
  public enum EnableWithoutPeriod {
    /** The documented behaviour: an omitted period means the default of 35 days. */
    RESET_TO_DEFAULT,
    /** What moto and floci do: the current period stays. */
    KEEP_CURRENT
  }
}
