package io.pitr.operator.aws;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.pitr.operator.pitr.AwsAccess;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.pitr.DesiredPitr;
import io.pitr.operator.pitr.ObservedPitr;
import io.pitr.operator.pitr.TableRef;
import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
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
import software.amazon.awssdk.services.dynamodb.model.ListTablesResponse;
import software.amazon.awssdk.services.dynamodb.model.ListTagsOfResourceResponse;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryDescription;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.Tag;

/**
 * {@link ContinuousBackupsGateway} and {@link TableListingGateway} on the AWS SDK for Java v2: one
 * client per region (built once, shared by all policies, discovery and accounts), no SDK retries
 * (the callers back off and bound their calls), and a budget per operation, account and region
 * shared by every caller ({@link CallBudget}). A call into an account reached through a role
 * carries the credentials of the policy's own role session: the SDK's {@link
 * StsAssumeRoleCredentialsProvider}, which assumes the role on first use (with the ExternalId,
 * session name and session tags) and again before the session expires, on the path of a call that
 * is already within the budgets.
 */
public final class DynamoDbGateway
    implements ContinuousBackupsGateway, TableListingGateway, AutoCloseable {

  /**
   * How the AWS clients are built.
   *
   * @param endpointOverride a DynamoDB endpoint instead of AWS's (an emulator, a VPC endpoint)
   * @param stsEndpointOverride an STS endpoint instead of the region's
   * @param credentials the credentials provider (the SDK's default chain in production)
   * @param accountId the account, for table ARNs; looked up with STS when absent
   * @param connectTimeout TCP connect timeout
   * @param callTimeout limit for one whole call
   * @param describesPerSecond this operator's DescribeContinuousBackups budget per account and
   *     region
   * @param updatesPerSecond this operator's UpdateContinuousBackups budget per account and region
   * @param maxCallsInFlight how many calls to one account's region may wait for an answer at once
   * @param listTablesPerSecond this operator's ListTables budget per account and region
   * @param listTagsPerSecond this operator's ListTagsOfResource budget per account and region
   */
  public record Settings(
      Optional<URI> endpointOverride,
      Optional<URI> stsEndpointOverride,
      AwsCredentialsProvider credentials,
      Optional<String> accountId,
      Duration connectTimeout,
      Duration callTimeout,
      double describesPerSecond,
      double updatesPerSecond,
      int maxCallsInFlight,
      double listTablesPerSecond,
      double listTagsPerSecond) {

    /** Without discovery's budgets of their own: the defaults of {@code pitr.aws}. */
    public Settings(
        Optional<URI> endpointOverride,
        Optional<URI> stsEndpointOverride,
        AwsCredentialsProvider credentials,
        Optional<String> accountId,
        Duration connectTimeout,
        Duration callTimeout,
        double describesPerSecond,
        double updatesPerSecond,
        int maxCallsInFlight) {
      this(
          endpointOverride,
          stsEndpointOverride,
          credentials,
          accountId,
          connectTimeout,
          callTimeout,
          describesPerSecond,
          updatesPerSecond,
          maxCallsInFlight,
          2,
          8);
    }
  }

  private final Settings settings;
  private final Map<String, DynamoDbClient> clients = new ConcurrentHashMap<>();
  private final Map<String, StsClient> stsClients = new ConcurrentHashMap<>();

  /** Each holder's role session, by the holder (a policy's UID). */
  private final Map<String, RoleSession> sessions = new ConcurrentHashMap<>();

  private final Map<Operation, CallBudget> budgets = new EnumMap<>(Operation.class);
  private final Map<ListingOperation, CallBudget> listingBudgets =
      new EnumMap<>(ListingOperation.class);
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
    listingBudgets.put(
        ListingOperation.ListTables,
        new CallBudget(settings.listTablesPerSecond(), System::nanoTime));
    listingBudgets.put(
        ListingOperation.ListTagsOfResource,
        new CallBudget(settings.listTagsPerSecond(), System::nanoTime));
    budgets.forEach((operation, budget) -> registerBudget(operation.name(), budget));
    listingBudgets.forEach((operation, budget) -> registerBudget(operation.name(), budget));
  }

  private void registerBudget(String operation, CallBudget budget) {
    Gauge.builder("pitr.aws.budget.calls.per.second", budget, CallBudget::perSecond)
        .tag("operation", operation)
        .description("This operator's share of the AWS call budget, per account and region")
        .register(metrics);
    Gauge.builder("pitr.aws.budget.reserved", budget, CallBudget::reserved)
        .tag("operation", operation)
        .description("Calls waiting for a reserved slot of the budget")
        .register(metrics);
  }

  @Override
  public ObservedPitr describe(TableRef table, AwsAccess access, String holder)
      throws AwsCallFailed {
    String tableArn = tableArn(table);
    return observed(
        tableArn,
        call(
            "DescribeContinuousBackups",
            table,
            (client, credentials) ->
                client
                    .describeContinuousBackups(
                        r -> r.tableName(table.tableName()).overrideConfiguration(credentials))
                    .continuousBackupsDescription(),
            access,
            holder));
  }

  @Override
  public ObservedPitr update(TableRef table, DesiredPitr desired, AwsAccess access, String holder)
      throws AwsCallFailed {
    String tableArn = tableArn(table);
    return observed(
        tableArn,
        call(
            "UpdateContinuousBackups",
            table,
            (client, credentials) ->
                client
                    .updateContinuousBackups(
                        r ->
                            r.tableName(table.tableName())
                                .overrideConfiguration(credentials)
                                .pointInTimeRecoverySpecification(
                                    s ->
                                        s.pointInTimeRecoveryEnabled(desired.enabled())
                                            // Always explicit when enabling; never sent to disable.
                                            .recoveryPeriodInDays(desired.recoveryPeriodDays())))
                    .continuousBackupsDescription(),
            access,
            holder));
  }

  @Override
  public TablePage listTables(
      AwsAccess access, String region, Optional<String> exclusiveStartTableName, String holder)
      throws AwsCallFailed {
    String scope = scope(access.accountId(), region);
    ListTablesResponse page =
        call(
            "ListTables",
            scope,
            region,
            (client, credentials) ->
                client.listTables(
                    r ->
                        r.exclusiveStartTableName(exclusiveStartTableName.orElse(null))
                            .limit(LIST_TABLES_PAGE)
                            .overrideConfiguration(credentials)),
            access,
            holder,
            failure ->
                AwsErrorClassifier.classifyListing(
                    "ListTables", access.accountId(), region, failure));
    return new TablePage(page.tableNames(), Optional.ofNullable(page.lastEvaluatedTableName()));
  }

  @Override
  public TagPage listTags(
      TableRef table, Optional<String> nextToken, AwsAccess access, String holder)
      throws AwsCallFailed {
    String tableArn = tableArn(table);
    if (tableArn == null) {
      throw new AwsCallFailed(
          ConditionReason.AccountUnknown,
          "The operator's AWS account is not known yet (STS GetCallerIdentity has not answered,"
              + " and pitr.aws.account-id is not set), so the ARN of table "
              + table.tableName()
              + " for ListTagsOfResource is not either.",
          null);
    }
    ListTagsOfResourceResponse page =
        call(
            "ListTagsOfResource",
            table,
            (client, credentials) ->
                client.listTagsOfResource(
                    r ->
                        r.resourceArn(tableArn)
                            .nextToken(nextToken.orElse(null))
                            .overrideConfiguration(credentials)),
            access,
            holder);
    Map<String, String> tags = new LinkedHashMap<>();
    page.tags().forEach(tag -> tags.put(tag.key(), tag.value()));
    return new TagPage(tags, Optional.ofNullable(page.nextToken()));
  }

  @Override
  public Optional<Duration> reserve(
      ListingOperation operation, String accountId, String region, String holder) {
    Optional<Duration> wait =
        listingBudgets.get(operation).reserve(scope(accountId, region), holder);
    if (wait.isPresent()) {
      metrics
          .counter("pitr.aws.calls.deferred", "operation", operation.name(), "region", region)
          .increment();
    }
    return wait;
  }

  /** The account and region, which DynamoDB's limits and names are scoped to (as TableRef's). */
  private static String scope(String accountId, String region) {
    return new TableRef(accountId, region, "").scope();
  }

  @Override
  public Optional<String> ownAccount(String region) {
    return account.accountId(region);
  }

  @Override
  public Optional<Duration> reserve(
      Operation operation, TableRef table, String holder, CallBudget.Lane lane) {
    Optional<Duration> wait = budgets.get(operation).reserve(table.scope(), holder, lane);
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
    listingBudgets.values().forEach(budget -> budget.release(holder));
    RoleSession session = sessions.remove(holder);
    if (session != null) {
      session.credentials().close();
    }
  }

  @Override
  public void close() {
    sessions.values().forEach(session -> session.credentials().close());
    clients.values().forEach(DynamoDbClient::close);
    stsClients.values().forEach(StsClient::close);
    account.close();
  }

  /** A DynamoDB call, given the client of the region and the request's credentials. */
  @FunctionalInterface
  private interface Call<R> {
    R make(DynamoDbClient client, Consumer<AwsRequestOverrideConfiguration.Builder> credentials);
  }

  private <R> R call(
      String operation, TableRef table, Call<R> call, AwsAccess access, String holder)
      throws AwsCallFailed {
    return call(
        operation,
        table.scope(),
        table.region(),
        call,
        access,
        holder,
        failure -> AwsErrorClassifier.classify(operation, table, failure));
  }

  /**
   * One call to {@code region} within the account's limit of calls in flight ({@code scope}),
   * counted by outcome, its failure classified by {@code classifier}.
   */
  private <R> R call(
      String operation,
      String scope,
      String region,
      Call<R> call,
      AwsAccess access,
      String holder,
      Function<SdkException, AwsCallFailed> classifier)
      throws AwsCallFailed {
    Semaphore calls =
        inFlight.computeIfAbsent(scope, r -> new Semaphore(settings.maxCallsInFlight()));
    if (!calls.tryAcquire()) {
      metrics
          .counter("pitr.aws.calls.deferred", "operation", operation, "region", region)
          .increment();
      throw new TooManyCallsInFlight(scope, settings.maxCallsInFlight());
    }
    try {
      AwsCredentialsProvider credentials = credentials(region, access, holder);
      R answer =
          call.make(
              client(region),
              o -> {
                if (credentials != null) {
                  o.credentialsProvider(credentials);
                }
              });
      count(operation, "Success");
      return answer;
    } catch (SdkException failure) {
      if (Thread.currentThread().isInterrupted() || failure instanceof AbortedException) {
        // The operator is stopping: this is not DynamoDB's doing and must not become status.
        throw new CancellationException(operation + " interrupted: the operator is stopping");
      }
      AwsCallFailed classified = classifier.apply(failure);
      count(operation, classified.reason().name());
      if (classified.reason() == ConditionReason.Throttled) {
        metrics.counter("pitr.aws.throttles", "operation", operation, "region", region).increment();
      }
      throw classified;
    } finally {
      calls.release();
    }
  }

  /** How many calls to {@code scope} (an account's region) wait for their answer now. */
  int callsInFlight(String scope) {
    Semaphore calls = inFlight.get(scope);
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
   * The credentials of the holder's role session when the access is through a role (a new session
   * when the role, ExternalId or tags changed); null for the operator's own identity.
   */
  private AwsCredentialsProvider credentials(String region, AwsAccess access, String holder) {
    if (access.role().isEmpty()) {
      RoleSession old = sessions.remove(holder);
      if (old != null) {
        old.credentials().close(); // the policy no longer goes through a role
      }
      return null;
    }
    AwsAccess.AssumedRole role = access.role().get();
    return sessions
        .compute(
            holder,
            (key, old) -> {
              if (old != null && old.role().equals(role)) {
                return old;
              }
              if (old != null) {
                old.credentials().close();
              }
              return new RoleSession(role, assume(role, region));
            })
        .credentials();
  }

  private StsAssumeRoleCredentialsProvider assume(AwsAccess.AssumedRole role, String region) {
    StsClient sts =
        stsClients.computeIfAbsent(
            region,
            name -> {
              var builder = configured(StsClient.builder(), settings, name);
              settings.stsEndpointOverride().ifPresent(builder::endpointOverride);
              return builder.build();
            });
    return StsAssumeRoleCredentialsProvider.builder()
        .stsClient(sts)
        .refreshRequest(
            request ->
                request
                    .roleArn(role.roleArn())
                    .roleSessionName(role.sessionName())
                    .externalId(role.externalId())
                    .durationSeconds(role.durationSeconds().orElse(null))
                    .tags(
                        role.sessionTags().entrySet().stream()
                            .map(
                                tag ->
                                    Tag.builder().key(tag.getKey()).value(tag.getValue()).build())
                            .toList()))
        .build();
  }

  /** A holder's role session: the request it was opened with, and its refreshing credentials. */
  private record RoleSession(
      AwsAccess.AssumedRole role, StsAssumeRoleCredentialsProvider credentials) {}

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
    return (table.accountId().isEmpty()
            ? account.accountId(table.region())
            : Optional.of(table.accountId()))
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
