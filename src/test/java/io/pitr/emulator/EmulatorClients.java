package io.pitr.emulator;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * Unmodified AWS SDK v2 clients (DynamoDB and STS) pointed at an emulator, as the operator and
 * users build them.
 */
final class EmulatorClients {

  static final String ACCESS_KEY = "AKIDEXAMPLE";

  private EmulatorClients() {}

  /** A client that does not retry, so that every answer of the emulator is seen as sent. */
  static DynamoDbClient client(DynamoDbEmulator emulator, String region) {
    return client(emulator, region, ACCESS_KEY);
  }

  /** A non-retrying client whose access key id selects the account (12 digits) if it is one. */
  static DynamoDbClient client(DynamoDbEmulator emulator, String region, String accessKeyId) {
    return client(emulator.endpoint(), region, accessKeyId);
  }

  /** A non-retrying client for any DynamoDB endpoint. */
  static DynamoDbClient client(URI endpoint, String region, String accessKeyId) {
    return client(
        endpoint,
        region,
        StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, "secret")));
  }

  /** A non-retrying client signing with the temporary credentials STS answered. */
  static DynamoDbClient client(URI endpoint, String region, Credentials session) {
    return client(endpoint, region, StaticCredentialsProvider.create(sessionCredentials(session)));
  }

  /** A non-retrying client signing with whatever the provider gives. */
  static DynamoDbClient client(URI endpoint, String region, AwsCredentialsProvider credentials) {
    return DynamoDbClient.builder()
        .endpointOverride(endpoint)
        .region(Region.of(region))
        .credentialsProvider(credentials)
        .httpClientBuilder(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(10)))
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .build();
  }

  /** A non-retrying STS client for any endpoint, with a basic access key. */
  static StsClient sts(URI endpoint, String region, String accessKeyId) {
    return sts(
        endpoint,
        region,
        StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, "secret")));
  }

  /** A non-retrying STS client signing with the temporary credentials STS answered. */
  static StsClient sts(URI endpoint, String region, Credentials session) {
    return sts(endpoint, region, StaticCredentialsProvider.create(sessionCredentials(session)));
  }

  private static StsClient sts(URI endpoint, String region, AwsCredentialsProvider credentials) {
    return StsClient.builder()
        .endpointOverride(endpoint)
        .region(Region.of(region))
        .credentialsProvider(credentials)
        .httpClientBuilder(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(10)))
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .build();
  }

  static AwsSessionCredentials sessionCredentials(Credentials session) {
    return AwsSessionCredentials.create(
        session.accessKeyId(), session.secretAccessKey(), session.sessionToken());
  }

  /** The smallest valid CreateTable request: on demand, a string hash key. */
  static CreateTableRequest onDemandTable(String name) {
    return CreateTableRequest.builder()
        .tableName(name)
        .attributeDefinitions(
            AttributeDefinition.builder()
                .attributeName("pk")
                .attributeType(ScalarAttributeType.S)
                .build())
        .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .build();
  }
}
