package io.pitr.operator.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** The operator's HTTP port (health, metrics) on this machine, as probes and scrapers reach it. */
final class OperatorHttp {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final int port;
  private final Process process;
  private final Path logFile;

  /**
   * @param process the operator's process (or its container runtime's), to stop waiting if it ends
   */
  OperatorHttp(int port, Process process, Path logFile) {
    this.port = port;
    this.process = process;
    this.logFile = logFile;
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Waits until {@code path} answers {@code status}, failing at once if the process ends. */
  void awaitStatus(String path, int status, Duration atMost) {
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(100))
        .failFast(
            "the operator exited; its log: " + logFile.toAbsolutePath(), () -> !process.isAlive())
        .until(
            () -> {
              try {
                return get(path).statusCode() == status;
              } catch (IOException notYet) {
                return false;
              }
            });
  }
}
