package io.pitr.operator.aws;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;

/**
 * The operator's AWS account, for table ARNs: configured, or asked of STS once (GetCallerIdentity
 * needs no IAM permission). With an endpoint override (an emulator) and no configured account, the
 * account is unknown and ARNs are left out rather than guessed.
 */
final class AccountLookup implements AutoCloseable {

  private final DynamoDbGateway.Settings settings;
  private final AtomicReference<Optional<String>> found = new AtomicReference<>();
  private volatile StsClient sts;

  AccountLookup(DynamoDbGateway.Settings settings) {
    this.settings = settings;
    settings.accountId().ifPresent(id -> found.set(Optional.of(id)));
    if (settings.accountId().isEmpty() && settings.endpointOverride().isPresent()) {
      found.set(Optional.empty());
    }
  }

  Optional<String> accountId(String region) {
    Optional<String> known = found.get();
    if (known != null) {
      return known;
    }
    try {
      GetCallerIdentityResponse identity = sts(region).getCallerIdentity();
      Optional<String> account = Optional.ofNullable(identity.account());
      found.compareAndSet(null, account);
      return account;
    } catch (SdkException e) {
      // Unknown for now; the next policy asks again. ARNs are informative only.
      return Optional.empty();
    }
  }

  private synchronized StsClient sts(String region) {
    if (sts == null) {
      sts =
          StsClient.builder()
              .region(Region.of(region))
              .credentialsProvider(settings.credentials())
              .httpClientBuilder(
                  UrlConnectionHttpClient.builder()
                      .connectionTimeout(settings.connectTimeout())
                      .socketTimeout(settings.callTimeout()))
              .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
              .build();
    }
    return sts;
  }

  @Override
  public synchronized void close() {
    if (sts != null) {
      sts.close();
    }
  }
}
