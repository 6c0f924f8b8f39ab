package io.pitr.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.pitr.operator.aws.DynamoDbGateway;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Optional;
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
            // IRSA (web identity), EKS Pod Identity (container credentials), environment, profiles.
            DefaultCredentialsProvider.builder().build(),
            aws.accountId(),
            aws.connectTimeout(),
            aws.callTimeout(),
            aws.describesPerSecond()),
        metrics);
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
    return ReconcilerSettings.of(config, region);
  }

  /** quarkus-operator-sdk uses it in the profiles where leader election is active (prod). */
  @Produces
  @Singleton
  LeaderElectionConfiguration leaderElection(OperatorConfig config) {
    return new LeaderElectionConfiguration(
        config.leaderElection().leaseName(), config.leaderElection().leaseNamespace().orElse(null));
  }

  @Produces
  @Singleton
  PolicyEvents policyEvents(KubernetesClient client, Clock clock) {
    return new PolicyEvents(client, clock);
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
