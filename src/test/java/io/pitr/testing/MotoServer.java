package io.pitr.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** A moto server (a DynamoDB emulator nobody here wrote) on a free loopback port. */
public final class MotoServer implements AutoCloseable {

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final URI endpoint;

  private MotoServer(Process process, URI endpoint) {
    this.process = process;
    this.endpoint = endpoint;
  }

  /** Starts moto_server and waits until it answers; fails with how to get it if missing. */
  public static MotoServer start() {
    Path motoServer = ProvisionedTools.python("moto_server");
    int port = freePort();
    URI endpoint = URI.create("http://127.0.0.1:" + port);
    try {
      Process process =
          new ProcessBuilder(motoServer.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      MotoServer server = new MotoServer(process, endpoint);
      server.awaitReady();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start " + motoServer, e);
    }
  }

  public URI endpoint() {
    return endpoint;
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
  }

  private void awaitReady() {
    HttpClient http = HttpClient.newHttpClient();
    Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("moto_server exited with " + process.exitValue());
      }
      try {
        http.send(
            HttpRequest.newBuilder(endpoint).GET().build(), HttpResponse.BodyHandlers.discarding());
        return;
      } catch (IOException e) {
        sleep();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    close();
    throw new IllegalStateException("moto_server did not answer within " + STARTUP_TIMEOUT);
  }

  private static void sleep() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
