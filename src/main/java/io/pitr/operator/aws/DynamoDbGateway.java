package io.pitr.operator.aws;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.pitr.DesiredPitr;
import io.pitr.operator.pitr.ObservedPitr;
import io.pitr.operator.pitr.TableRef;
import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ContinuousBackupsDescription;
import software.amazon.awssdk.services.dynamodb.model.ContinuousBackupsStatus;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryDescription;

/**
 * {@link ContinuousBackupsGateway} on the AWS SDK for Java v2: one client per region (built once,
 * shared by all policies), no SDK retries (the reconciler backs off and bounds its calls), and a
 * budget per operation and region shared by every policy ({@link CallBudget}).
 */
public final class DynamoDbGateway implements ContinuousBackupsGateway, AutoCloseable {

  /**
   * How the AWS clients are built.
   *
   * @param endpointOverride a DynamoDB endpoint instead of AWS's (an emulator, a VPC endpoint)
   * @param credentials the credentials provider (the SDK's default chain in production)
   * @param accountId the account, for table ARNs; looked up with STS when absent
   * @param connectTimeout TCP connect timeout
   * @param callTimeout limit for one whole call
   * @param describesPerSecond this operator's DescribeContinuousBackups budget per region
   * @param updatesPerSecond this operator's UpdateContinuousBackups budget per region
   * @param maxCallsInFlight how many calls to one region may wait for an answer at once
   */
  public record Settings(
      Optional<URI> endpointOverride,
      AwsCredentialsProvider credentials,
      Optional<String> accountId,
      Duration connectTimeout,
      Duration callTimeout,
      double describesPerSecond,
      double updatesPerSecond,
      int maxCallsInFlight) {}

  private final Settings settings;
  private final Map<String, DynamoDbClient> clients = new ConcurrentHashMap<>();
  private final Map<Operation, CallBudget> budgets = new EnumMap<>(Operation.class);
  private final Map<String, Semaphore> inFlight = new ConcurrentHashMap<>();
  private final AccountLookup account;
  private final MeterRegistry metrics;

  public DynamoDbGateway(Settings settings, MeterRegistry metrics) {
    this.settings = settings;
    this.account = AccountLookup.of(settings);
    this.metrics = metrics;
    budgets.put(
        Operation.DescribeContinuousBackups,
        new CallBudget(settings.describesPerSecond(), System::nanoTime));
    budgets.put(
        Operation.UpdateContinuousBackups,
        new CallBudget(settings.updatesPerSecond(), System::nanoTime));
    budgets.forEach(
        (operation, budget) -> {
          Gauge.builder("pitr.aws.budget.calls.per.second", budget, CallBudget::perSecond)
              .tag("operation", operation.name())
              .description("This operator's share of the AWS call budget, per region")
              .register(metrics);
          Gauge.builder("pitr.aws.budget.reserved", budget, CallBudget::reserved)
              .tag("operation", operation.name())
              .description("Calls waiting for a reserved slot of the budget")
              .register(metrics);
        });
  }

  @Override
  public ObservedPitr describe(TableRef table) throws AwsCallFailed {
    return call(
        "DescribeContinuousBackups",
        table,
        client ->
            client
                .describeContinuousBackups(r -> r.tableName(table.tableName()))
                .continuousBackupsDescription());
  }

  @Override
  public ObservedPitr update(TableRef table, DesiredPitr desired) throws AwsCallFailed {
    return call(
        "UpdateContinuousBackups",
        table,
        client ->
            client
                .updateContinuousBackups(
                    r ->
                        r.tableName(table.tableName())
                            .pointInTimeRecoverySpecification(
                                s ->
                                    s.pointInTimeRecoveryEnabled(desired.enabled())
                                        // Always explicit when enabling; never sent to disable.
                                        .recoveryPeriodInDays(desired.recoveryPeriodDays())))
                .continuousBackupsDescription());
  }

  @Override
  public Optional<Duration> reserve(Operation operation, TableRef table, String holder) {
    Optional<Duration> wait = budgets.get(operation).reserve(table.region(), holder);
    if (wait.isPresent()) {
      metrics
          .counter(
              "pitr.aws.calls.deferred", "operation", operation.name(), "region", table.region())
          .increment();
    }
    return wait;
  }

  @Override
  public void release(String holder) {
    budgets.values().forEach(budget -> budget.release(holder));
  }

  @Override
  public void close() {
    clients.values().forEach(DynamoDbClient::close);
    account.close();
  }

  private ObservedPitr call(
      String operation, TableRef table, Function<DynamoDbClient, ContinuousBackupsDescription> call)
      throws AwsCallFailed {
    Semaphore calls =
        inFlight.computeIfAbsent(table.region(), r -> new Semaphore(settings.maxCallsInFlight()));
    if (!calls.tryAcquire()) {
      metrics
          .counter("pitr.aws.calls.deferred", "operation", operation, "region", table.region())
          .increment();
      throw new TooManyCallsInFlight(table.region(), settings.maxCallsInFlight());
    }
    try {
      ObservedPitr observed = observed(tableArn(table), call.apply(client(table.region())));
      count(operation, "Success");
      return observed;
    } catch (SdkException failure) {
      if (Thread.currentThread().isInterrupted() || failure instanceof AbortedException) {
        // The operator is stopping: this is not DynamoDB's doing and must not become status.
        throw new CancellationException(operation + " interrupted: the operator is stopping");
      }
      AwsCallFailed classified = AwsErrorClassifier.classify(operation, table, failure);
      count(operation, classified.reason().name());
      if (classified.reason() == ConditionReason.Throttled) {
        metrics
            .counter("pitr.aws.throttles", "operation", operation, "region", table.region())
            .increment();
      }
      throw classified;
    } finally {
      calls.release();
    }
  }

  /** How many calls to {@code region} wait for their answer now. */
  int callsInFlight(String region) {
    Semaphore calls = inFlight.get(region);
    return calls == null ? 0 : settings.maxCallsInFlight() - calls.availablePermits();
  }

  /** AWS calls by operation and outcome (Success, or the condition reason of the failure). */
  private void count(String operation, String outcome) {
    metrics.counter("pitr.aws.calls", "operation", operation, "outcome", outcome).increment();
  }

  private DynamoDbClient client(String region) {
    return clients.computeIfAbsent(
        region,
        name -> {
          var builder = configured(DynamoDbClient.builder(), settings, name);
          settings.endpointOverride().ifPresent(builder::endpointOverride);
          return builder.build();
        });
  }

  /**
   * An AWS client builder as the operator builds all of them: the region, the credentials, the
   * timeouts, and no SDK retries (the reconciler backs off and bounds its calls).
   */
  static <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configured(
      B builder, Settings settings, String region) {
    return builder
        .region(Region.of(region))
        .credentialsProvider(settings.credentials())
        .httpClientBuilder(
            UrlConnectionHttpClient.builder()
                .connectionTimeout(settings.connectTimeout())
                .socketTimeout(settings.callTimeout()))
        .overrideConfiguration(
            o ->
                o.retryStrategy(AwsRetryStrategy.doNotRetry())
                    .apiCallTimeout(settings.callTimeout()));
  }

  /** The ARN is not in DynamoDB's answer; it is derived, when the account is known. */
  private String tableArn(TableRef table) {
    return account
        .accountId(table.region())
        .map(
            id ->
                "arn:"
                    + partition(table.region())
                    + ":dynamodb:"
                    + table.region()
                    + ":"
                    + id
                    + ":table/"
                    + table.tableName())
        .orElse(null);
  }

  private static String partition(String region) {
    if (region.startsWith("cn-")) {
      return "aws-cn";
    }
    return region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
  }

  static ObservedPitr observed(String tableArn, ContinuousBackupsDescription description) {
    PointInTimeRecoveryDescription pitr = description.pointInTimeRecoveryDescription();
    String rawStatus = pitr == null ? null : pitr.pointInTimeRecoveryStatusAsString();
    return new ObservedPitr(
        tableArn,
        description.continuousBackupsStatus() == ContinuousBackupsStatus.ENABLED,
        ObservedPitr.PitrStatus.of(rawStatus),
        rawStatus,
        pitr == null ? null : pitr.recoveryPeriodInDays(),
        pitr == null ? null : pitr.earliestRestorableDateTime(),
        pitr == null ? null : pitr.latestRestorableDateTime());
  }
}
