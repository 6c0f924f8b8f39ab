package io.pitr.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetricsV2;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.pitr.operator.aws.DynamoDbGateway;
import io.pitr.operator.discovery.BackgroundTableDiscovery;
import io.pitr.operator.discovery.DiscoverySettings;
import io.pitr.operator.pitr.DriftSchedule;
import io.pitr.operator.pitr.ReconcilerSettings;
import io.pitr.operator.sets.ContinuousBackupsPolicySetReconciler;
import io.pitr.operator.sets.PolicySetLinks;
import io.pitr.operator.sets.PolicySetSettings;
import io.pitr.operator.tenancy.TenancySettings;
import io.quarkiverse.operatorsdk.runtime.QuarkusConfigurationService;
import io.quarkiverse.operatorsdk.runtime.QuarkusControllerConfiguration;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/** Builds the operator's collaborators from {@link OperatorConfig}: the one place AWS is set up. */
public class OperatorProducers {

  private static final Logger LOG = Logger.getLogger(OperatorProducers.class);

  /** Also the {@link io.pitr.operator.aws.ContinuousBackupsGateway} the reconciler uses. */
  @Produces
  @Singleton
  DynamoDbGateway gateway(OperatorConfig config, MeterRegistry metrics) {
    OperatorConfig.Aws aws = config.aws();
    aws.endpointOverride()
        .ifPresent(endpoint -> LOG.infof("DynamoDB endpoint override: %s", endpoint));
    return new DynamoDbGateway(
        new DynamoDbGateway.Settings(
            aws.endpointOverride(),
            aws.stsEndpointOverride(),
            // IRSA (web identity), EKS Pod Identity (container credentials), environment, profiles.
            DefaultCredentialsProvider.builder().build(),
            aws.accountId(),
            aws.connectTimeout(),
            aws.callTimeout(),
            aws.describesPerSecond() * budgetShare(config),
            aws.updatesPerSecond() * budgetShare(config),
            aws.maxCallsInFlight(),
            aws.listTablesPerSecond() * budgetShare(config),
            aws.listTagsPerSecond() * budgetShare(config)),
        metrics);
  }

  /**
   * Also the {@link io.pitr.operator.discovery.TableDiscovery} policy sets select tables through:
   * found in the background within the listing budgets, for the scopes sets watch (nothing is
   * listed, and no thread started, until one does).
   */
  @Produces
  @Singleton
  BackgroundTableDiscovery tableDiscovery(
      OperatorConfig config, DynamoDbGateway gateway, Clock clock, MeterRegistry metrics) {
    OperatorConfig.Retry retry = config.retry();
    return new BackgroundTableDiscovery(
        gateway,
        new DiscoverySettings(
            config.discovery().interval(),
            config.discovery().tagRefreshInterval(),
            config.aws().listTagsPerSecond() * budgetShare(config),
            retry.initialBackoff(),
            retry.maxBackoff(),
            retry.stalled()),
        clock,
        metrics);
  }

  void closeTableDiscovery(@Disposes BackgroundTableDiscovery discovery) {
    discovery.close();
  }

  /**
   * Drift checks plan on this fraction of the Describe budget, leaving the rest for retries,
   * requested reconciliations and statuses still changing.
   */
  static final double DRIFT_SHARE_OF_DESCRIBES = 0.8;

  private static double budgetShare(OperatorConfig config) {
    double share = config.aws().budgetShare();
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException(
          "pitr.aws.budget-share must be above 0 and at most 1, was " + share);
    }
    return share;
  }

  @Produces
  @Singleton
  TenancySettings tenancySettings(OperatorConfig config) {
    boolean enabled = config.tenancy().enabled();
    LOG.infof(
        enabled
            ? "Tenancy on: policies act only through the DynamoDbAccountBindings that allow them"
            : "Tenancy off: every policy acts with the operator's own AWS identity");
    return new TenancySettings(enabled);
  }

  @Produces
  @Singleton
  PolicySetSettings policySetSettings(OperatorConfig config, ReconcilerSettings reconciler) {
    double writes = config.policySets().writesPerSecond();
    if (!(writes >= 1)) {
      throw new IllegalArgumentException(
          "pitr.policy-sets.writes-per-second must be at least 1, was " + writes);
    }
    return new PolicySetSettings(reconciler.defaultRegion(), writes, config.policySets().resync());
  }

  @Produces
  @Singleton
  PolicySetLinks policySetLinks() {
    return new PolicySetLinks();
  }

  void closeGateway(@Disposes DynamoDbGateway gateway) {
    gateway.close();
  }

  @Produces
  @Singleton
  ReconcilerSettings reconcilerSettings(OperatorConfig config) {
    Optional<String> region = config.aws().region().or(OperatorProducers::regionFromEnvironment);
    region.ifPresentOrElse(
        name -> LOG.infof("Default region: %s", name),
        () ->
            LOG.warn(
                "No default region (pitr.aws.region, AWS_REGION): policies must set spec.region"));
    OperatorConfig.Retry retry = config.retry();
    return new ReconcilerSettings(
        region,
        new DriftSchedule(
            config.drift().interval(),
            config.drift().jitter(),
            config.aws().describesPerSecond() * budgetShare(config) * DRIFT_SHARE_OF_DESCRIBES),
        retry.initialBackoff(),
        retry.maxBackoff(),
        retry.tableNotFound(),
        retry.backupsNotYetAvailable(),
        retry.stalled(),
        retry.conflict(),
        config.status().refreshAfter(),
        config.drift().staleAfter());
  }

  /**
   * The Java Operator SDK's Operator, one that waits for the Kubernetes API server before it starts
   * ({@link PatientOperator}), in place of quarkus-operator-sdk's default one (a
   * {@code @DefaultBean}). quarkus-operator-sdk 7.7.3 builds each controller's run-time
   * configuration without some settings its build step reads, triggerReconcilerOnAllEvents among
   * them, so the packaged operator would not run the reconciler as its annotation asks: policies
   * being deleted would never be reconciled. The reconciler is registered here with its
   * configuration completed (see {@link #completed}); everything else comes from the extension.
   */
  @Produces
  @ApplicationScoped
  // Built while the application starts, not lazily in the background start: a bad setting ends the
  // process at once with its reason, as a start that fails should.
  @Startup
  Operator operator(
      QuarkusConfigurationService configuration,
      ContinuousBackupsPolicyReconciler reconciler,
      ContinuousBackupsPolicySetReconciler setReconciler,
      ReconcilerSettings settings,
      PolicySetSettings setSettings) {
    Operator operator = new PatientOperator(configuration);
    operator.register(
        reconciler,
        completed(
            configuration.getConfigurationFor(reconciler),
            configuration,
            ContinuousBackupsPolicyReconciler.class,
            settings,
            settings.drift().interval()));
    operator.register(
        setReconciler,
        completed(
            configuration.getConfigurationFor(setReconciler),
            configuration,
            ContinuousBackupsPolicySetReconciler.class,
            settings,
            setSettings.resync()));
    Duration termination = configuration.reconciliationTerminationTimeout();
    if (!termination.isZero()) {
      operator.installShutdownHook(termination);
    }
    return operator;
  }

  /**
   * The controller's configuration as the extension built it, completed: every event reaches the
   * reconciler, deletes included, as its annotation asks; a failed reconciliation is retried with
   * the operator's backoff (doubling from pitr.retry.initial-backoff to pitr.retry.max-backoff, or
   * the drift interval if shorter) and never given up; and each policy is looked at at least once
   * per drift interval. It stays the extension's own configuration type, which the rest of the
   * extension expects.
   */
  static <R extends HasMetadata> QuarkusControllerConfiguration<R> completed(
      QuarkusControllerConfiguration<R> built,
      QuarkusConfigurationService service,
      Class<?> reconcilerClass,
      ReconcilerSettings settings,
      Duration maxInterval) {
    boolean allEvents =
        reconcilerClass.getAnnotation(ControllerConfiguration.class).triggerReconcilerOnAllEvents();
    var completed =
        new QuarkusControllerConfiguration<>(
            built.getInformerConfig(),
            built.getName(),
            built.isGenerationAware(),
            built.getAssociatedReconcilerClassName(),
            new GenericRetry()
                .setInitialInterval(settings.initialBackoff().toMillis())
                .setIntervalMultiplier(2)
                .setMaxInterval(Math.min(settings.maxBackoff().toMillis(), maxInterval.toMillis()))
                .withoutMaxAttempts(),
            built.getRateLimiter(),
            maxInterval,
            built.getFinalizerName(),
            built.fieldManager(),
            built.getWorkflow(),
            built.getResourceTypeName(),
            built.getResourceClass()) {
          @Override
          public boolean triggerReconcilerOnAllEvents() {
            return allEvents;
          }
        };
    completed.setParent(service);
    return completed;
  }

  /**
   * quarkus-operator-sdk uses it in the profiles where leader election is active (prod). A replica
   * that loses its Lease exits, so that two never reconcile at once; but not while the JVM is
   * already shutting down: the Java Operator SDK 5.3.2 calls System.exit when a stop ends its
   * leadership, and from the SIGTERM shutdown hook that deadlocks, so that a pod would never stop
   * before the kubelet kills it (fixed in 5.3.5, which our package mirror does not serve).
   */
  @Produces
  @Singleton
  @SuppressWarnings("deprecation") // 5.3.2's builder refuses exitOnStopLeading outside tests
  LeaderElectionConfiguration leaderElection(OperatorConfig config) {
    return new LeaderElectionConfiguration(
        config.leaderElection().leaseName(),
        config.leaderElection().leaseNamespace().orElse(null),
        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
        // As the Java Operator SDK would choose it, but known, so that a stopping leader can give
        // its Lease up (PatientOperator).
        Optional.ofNullable(System.getenv("HOSTNAME"))
            .filter(hostname -> !hostname.isBlank())
            .orElseGet(() -> UUID.randomUUID().toString()),
        new LeaderCallbacks(
            () -> {},
            () ->
                PatientOperator.exit(
                    "Lost the leader election Lease (another replica may lead)", null),
            leader -> {}),
        false);
  }

  /**
   * The Java Operator SDK's own metrics (reconciliations started, succeeded and failed, events
   * received, reconciliation time, queue), in place of quarkus-operator-sdk's default: 7.7.3 hands
   * the SDK its metrics before it binds them to the registry, so the SDK recorded nothing. The
   * timer has no histogram, to keep the number of series small.
   */
  @Produces
  @Singleton
  Metrics operatorSdkMetrics(MeterRegistry registry) {
    return MicrometerMetricsV2.newBuilder(registry)
        .withExecutionTimerConfig(timer -> timer.publishPercentileHistogram(false))
        .build();
  }

  @Produces
  @Singleton
  PolicyEvents policyEvents(KubernetesClient client, Clock clock) {
    return new PolicyEvents(client, clock);
  }

  /** The per-policy gauges, served with every other metric at /q/metrics. */
  @Produces
  @Singleton
  PolicyMetrics policyMetrics(Clock clock, PrometheusMeterRegistry prometheus) {
    PolicyMetrics metrics = new PolicyMetrics(clock);
    metrics.register(prometheus.getPrometheusRegistry());
    return metrics;
  }

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  private static Optional<String> regionFromEnvironment() {
    try {
      return Optional.of(DefaultAwsRegionProviderChain.builder().build().getRegion().id());
    } catch (SdkClientException e) {
      return Optional.empty();
    }
  }
}
