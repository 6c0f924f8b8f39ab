package io.pitr.operator.testing;

import io.pitr.testing.ExternalCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One pod of the operator as it ships, run as a process on this machine: the packaged application
 * (target/quarkus-app, what the image holds) started by the JDK that runs the tests, with only the
 * environment the pod would have, the chart's JVM options (JAVA_TOOL_OPTIONS, in that environment)
 * and its memory limit (-XX:MaxRAM: what the container's cgroup tells the JVM). Observed from
 * outside, as a pod is: its health and metrics endpoints, its log and its process.
 */
public final class PackagedOperator implements AutoCloseable {

  /** The packaged application, as the Quarkus build leaves it and the image copies it. */
  public static final Path APPLICATION = Path.of("target", "quarkus-app", "quarkus-run.jar");

  private static final Path LOGS = Path.of("target", "operator-logs");
  private static final Duration STARTUP = Duration.ofSeconds(60);

  private final String podName;
  private final Process process;
  private final Path logFile;
  private final Path workingDirectory;
  private final List<String> log = new ArrayList<>();
  private final OperatorHttp http;

  private PackagedOperator(
      String podName, Process process, int port, Path logFile, Path workingDirectory) {
    this.podName = podName;
    this.process = process;
    this.logFile = logFile;
    this.workingDirectory = workingDirectory;
    this.http = new OperatorHttp(port, process, logFile);
  }

  /**
   * Starts the pod {@code podName} with the environment the kubelet would give it, authenticated by
   * {@code kubeconfig}; the HTTP port is the one substitution (a free port instead of 8080).
   */
  static PackagedOperator start(
      String podName, Map<String, String> environment, long memoryLimitBytes, Path kubeconfig) {
    return start(podName, 0, environment, memoryLimitBytes, kubeconfig);
  }

  /**
   * Starts the container of pod {@code podName} again after {@code restarts} restarts, as the
   * kubelet does when it has exited: same environment, same token; its log goes to a file of its
   * own.
   */
  static PackagedOperator start(
      String podName,
      int restarts,
      Map<String, String> environment,
      long memoryLimitBytes,
      Path kubeconfig) {
    if (!Files.isRegularFile(APPLICATION)) {
      throw new IllegalStateException(
          APPLICATION.toAbsolutePath() + " is missing: run the tests with ./mvnw verify");
    }
    try {
      Files.createDirectories(LOGS);
      Path workingDirectory = Files.createTempDirectory("operator-" + podName + "-");
      int port = freePort();
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder builder =
          new ProcessBuilder(
                  java,
                  "-XX:MaxRAM=" + memoryLimitBytes,
                  "-jar",
                  APPLICATION.toAbsolutePath().toString())
              .directory(workingDirectory.toFile())
              .redirectErrorStream(true);
      // Nothing of this machine's environment (AWS profiles, KUBECONFIG, PITR_*) leaks in.
      Map<String, String> env = builder.environment();
      env.clear();
      env.putAll(environment);
      env.put("HOME", workingDirectory.toString());
      env.put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
      env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
      Path logFile = LOGS.resolve(podName + (restarts == 0 ? "" : "-restart-" + restarts) + ".log");
      say(podName, "starting the packaged operator: " + String.join(" ", builder.command()));
      say(podName, "environment: " + withoutSecrets(environment) + "; log: " + logFile);
      PackagedOperator operator =
          new PackagedOperator(podName, builder.start(), port, logFile, workingDirectory);
      operator.followLog();
      return operator;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String podName() {
    return podName;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Completes with the process's exit code when it has ended. */
  public CompletableFuture<Integer> exit() {
    return process.onExit().thenApply(Process::exitValue);
  }

  /** Waits until /q/health/ready answers 200, as the chart's readiness probe does. */
  public PackagedOperator awaitReady() {
    awaitStatus("/q/health/ready", 200);
    return this;
  }

  /** Waits until /q/health/live answers 200, as the chart's liveness probe does. */
  public PackagedOperator awaitLive() {
    awaitStatus("/q/health/live", 200);
    return this;
  }

  /** The HTTP status and body of a GET on the operator's HTTP port. */
  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.get(path);
  }

  /** The operator's metrics, as Prometheus scrapes them from /q/metrics. */
  public PrometheusMetrics metrics() {
    try {
      HttpResponse<String> response = get("/q/metrics");
      if (response.statusCode() != 200) {
        throw new IllegalStateException("/q/metrics answered " + response.statusCode());
      }
      return PrometheusMetrics.parse(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The lines the operator has logged so far. */
  public List<String> log() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  /** Runs jcmd against the operator's JVM, as one would in its container. */
  public String jcmd(String... command) {
    List<String> arguments = new ArrayList<>();
    arguments.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    arguments.add(Long.toString(process.pid()));
    arguments.addAll(List.of(command));
    ExternalCommand.Result result =
        ExternalCommand.run(arguments, Map.of(), Duration.ofSeconds(60));
    if (result.exitCode() != 0) {
      throw new IllegalStateException("jcmd failed: " + result.stdout() + result.stderr());
    }
    return result.stdout();
  }

  /**
   * How a pod ended.
   *
   * @param took from SIGTERM to the end of the process
   * @param exitCode the process's exit code
   * @param killed whether it had to be killed after the grace period
   */
  public record Stopped(Duration took, int exitCode, boolean killed) {}

  /** Stops the pod as the kubelet does: SIGTERM, then SIGKILL after the grace period (30 s). */
  public Stopped stop() {
    long started = System.nanoTime();
    // Through the handle: Process.destroy() would also close the pipe of the log being read.
    process.toHandle().destroy();
    boolean killed = false;
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        say(podName, "did not stop within 30 s of SIGTERM; its threads:\n" + jcmd("Thread.print"));
        say(podName, "killing it");
        killed = true;
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      killed = true;
    }
    Stopped stopped =
        new Stopped(
            Duration.ofNanos(System.nanoTime() - started),
            process.isAlive() ? -1 : process.exitValue(),
            killed);
    say(podName, "stopped: " + stopped);
    deleteWorkingDirectory();
    return stopped;
  }

  /** Kills the pod's process at once (SIGKILL), as a node failure or an OOM kill would. */
  public void kill() {
    process.toHandle().destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the pod if it still runs, keeping its last metrics beside its log for a post-mortem. */
  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        Files.writeString(
            LOGS.resolve(podName + ".metrics"), get("/q/metrics").body(), StandardCharsets.UTF_8);
      } catch (IOException | InterruptedException e) {
        say(podName, "could not keep its metrics: " + e);
      }
      stop();
    } else {
      // Killed, or ended by itself: stop() did not run.
      deleteWorkingDirectory();
    }
  }

  private void deleteWorkingDirectory() {
    try (var files = Files.walk(workingDirectory)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      say(podName, "could not delete " + workingDirectory + ": " + e);
    }
  }

  private void awaitStatus(String path, int status) {
    http.awaitStatus(path, status, STARTUP);
  }

  /** Copies the operator's output to its log file, to this test's output and to {@link #log}. */
  private void followLog() {
    Thread follower =
        new Thread(
            () -> {
              try (BufferedReader in =
                      new BufferedReader(
                          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                  Writer file = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                  file.write(line + "\n");
                  file.flush();
                  synchronized (log) {
                    log.add(line);
                  }
                  say(podName, line);
                }
              } catch (IOException e) {
                say(podName, "log follower stopped: " + e);
              }
            },
            "log-" + podName);
    follower.setDaemon(true);
    follower.start();
  }

  private static String withoutSecrets(Map<String, String> environment) {
    Map<String, String> shown = new java.util.TreeMap<>(environment);
    shown.replaceAll((key, value) -> key.contains("SECRET") ? "<redacted>" : value);
    return shown.toString();
  }

  private static void say(String podName, String line) {
    System.out.println("[" + podName + "] " + line);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
