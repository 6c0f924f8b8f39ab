package io.pitr.operator.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pitr.emulator.Operation;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ContinuousBackupsDescription;

/**
 * The project's emulator running elsewhere (in a pod of the test cluster), seen from outside: its
 * call counters through its own HTTP API, and its tables through the DynamoDB API.
 */
public final class RemoteEmulator implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI endpoint;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final DynamoDbClient dynamoDb;

  /** The emulator at {@code endpoint} (http://host:port), serving {@code region}. */
  public RemoteEmulator(URI endpoint, String region) {
    this.endpoint = endpoint;
    this.dynamoDb =
        DynamoDbClient.builder()
            .endpointOverride(endpoint)
            .region(Region.of(region))
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .build();
  }

  /** Calls of {@code operation} since the start or the last {@link #resetCalls()}. */
  public long calls(Operation operation) {
    Map<String, Long> counts =
        read(send(HttpRequest.newBuilder(admin("calls")).GET()), new TypeReference<>() {});
    return counts.getOrDefault(operation.apiName(), 0L);
  }

  /** Zeroes the call counters and the request log. */
  public void resetCalls() {
    send(HttpRequest.newBuilder(admin("calls")).DELETE());
  }

  /**
   * What DescribeContinuousBackups says of {@code table} now (one call of its own, which {@link
   * #calls} counts).
   */
  public ContinuousBackupsDescription describe(String table) {
    return dynamoDb
        .describeContinuousBackups(request -> request.tableName(table))
        .continuousBackupsDescription();
  }

  /**
   * Sets {@code table}'s PITR as someone other than the operator would (an access key of its own).
   */
  public void setPitr(String table, boolean enabled, Integer days) {
    dynamoDb.updateContinuousBackups(
        request ->
            request
                .tableName(table)
                .pointInTimeRecoverySpecification(
                    pitr -> pitr.pointInTimeRecoveryEnabled(enabled).recoveryPeriodInDays(days)));
  }

  @Override
  public void close() {
    dynamoDb.close();
  }

  private URI admin(String resource) {
    return endpoint.resolve("/_emulator/" + resource);
  }

  private String send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          http.send(
              request.timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw new IllegalStateException(
            "The emulator at " + endpoint + " answered " + response.statusCode());
      }
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException("The emulator at " + endpoint + " did not answer", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static <T> T read(String body, TypeReference<T> type) {
    try {
      return JSON.readValue(body, type);
    } catch (IOException e) {
      throw new IllegalStateException("Unexpected answer from the emulator: " + body, e);
    }
  }
}
