package io.pitr.operator.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A second kube-apiserver beside the one of {@link RealKubeApiServer}, on the same etcd, that a
 * test may stop and start again: an API server outage for the clients that use this one, while the
 * cluster's state stays in etcd and the test goes on changing it through the first. Two API servers
 * on one etcd is how a highly available control plane runs; this one is started with the first
 * one's own arguments (certificates, service-account keys, etcd), so that it serves the same
 * certificate and accepts the same tokens, on a port of its own.
 *
 * <p>kube-api-test stops etcd as soon as its API server stops, so its own server cannot be the one
 * stopped.
 */
public final class StoppableApiServer implements AutoCloseable {

  private static final Path LOGS = Path.of("target", "operator-logs");

  private final KubernetesClient admin;
  private final List<String> command;
  private final int port;
  private final String name;
  private Process process;
  private int starts;

  private StoppableApiServer(KubernetesClient admin, List<String> command, int port, String name) {
    this.admin = admin;
    this.command = command;
    this.port = port;
    this.name = name;
  }

  /**
   * Starts a kube-apiserver with the arguments of the one {@code admin} talks to, on a free port,
   * and waits until it is ready.
   */
  public static StoppableApiServer startBeside(KubernetesClient admin, String name) {
    int firstPort = URI.create(admin.getConfiguration().getMasterUrl()).getPort();
    ProcessHandle first =
        ProcessHandle.current()
            .descendants()
            .filter(p -> p.info().command().orElse("").endsWith("/kube-apiserver"))
            .filter(p -> securePort(arguments(p)) == firstPort)
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no kube-apiserver on port " + firstPort));
    try {
      int port = PackagedOperator.freePort();
      List<String> command = new ArrayList<>();
      command.add(first.info().command().orElseThrow());
      List<String> arguments = arguments(first);
      for (int i = 0; i < arguments.size(); i++) {
        String argument = arguments.get(i);
        if (argument.equals("--secure-port")) {
          command.add(argument);
          command.add(Integer.toString(port));
          i++;
        } else if (argument.startsWith("--secure-port=")) {
          command.add("--secure-port=" + port);
        } else {
          command.add(argument);
        }
      }
      StoppableApiServer server = new StoppableApiServer(admin, List.copyOf(command), port, name);
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The URL clients of this API server use. */
  public String url() {
    return "https://127.0.0.1:" + port + "/";
  }

  /** Starts the API server again, with the same arguments on the same port, and waits for it. */
  public void start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is running");
    }
    try {
      Files.createDirectories(LOGS);
      Path log = LOGS.resolve(name + "-" + (++starts) + ".log");
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      System.out.println("[" + name + "] started on port " + port + "; log: " + log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .failFast(name + " exited", () -> !process.isAlive())
        .until(this::ready);
  }

  /** Stops the API server as a control-plane restart does (SIGTERM), and waits until it is gone. */
  public void stop() {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    System.out.println("[" + name + "] stopped");
  }

  @Override
  public void close() {
    stop();
  }

  /** Whether this API server answers /readyz with ok, as the first one's admin sees it. */
  private boolean ready() {
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(admin.getConfiguration())
                    .withMasterUrl(url())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build()) {
      return "ok".equals(client.raw("/readyz"));
    } catch (KubernetesClientException notYet) {
      return false;
    }
  }

  private static List<String> arguments(ProcessHandle process) {
    return process.info().arguments().map(Arrays::asList).orElse(List.of());
  }

  private static int securePort(List<String> arguments) {
    for (int i = 0; i < arguments.size(); i++) {
      if (arguments.get(i).equals("--secure-port") && i + 1 < arguments.size()) {
        return Integer.parseInt(arguments.get(i + 1));
      }
      if (arguments.get(i).startsWith("--secure-port=")) {
        return Integer.parseInt(arguments.get(i).substring("--secure-port=".length()));
      }
    }
    return -1;
  }
}
