package io.pitr.operator.bench;

import io.pitr.emulator.EmulatorSettings;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged operator in a JVM of its own, as the benchmark runs and measures it.
 *
 * <p>System properties: benchmark.nmt (true: Native Memory Tracking on, for memory()'s breakdown;
 * it costs a few MiB of its own), benchmark.jvm-options (added after the chart's, to try options).
 */
final class OperatorProcess {
  private static final String NMT = "-XX:NativeMemoryTracking=summary";

  /**
   * The operator container's environment variables the Helm chart sets to literal values
   * (JAVA_TOOL_OPTIONS, MALLOC_ARENA_MAX), so the figures are the chart's.
   */
  static final Map<String, String> CHART_ENV = chartEnvironment();

  /** The chart's JVM options, in a container of the chart's default 384 MiB limit. */
  static final String JVM_OPTIONS =
      String.join(
              " ",
              "-XX:MaxRAM=384m",
              CHART_ENV.get("JAVA_TOOL_OPTIONS").replace(" -Djava.io.tmpdir=/tmp", ""),
              Boolean.parseBoolean(System.getProperty("benchmark.nmt", "true")) ? NMT : "",
              System.getProperty("benchmark.jvm-options", ""))
          .trim()
          .replaceAll(" +", " ");

  private static Map<String, String> chartEnvironment() {
    try {
      Matcher variable =
          Pattern.compile("- name: (\\w+)\\s+value: \"([^\"]*)\"")
              .matcher(
                  Files.readString(
                      Path.of("helm", "pitr-operator", "templates", "deployment.yaml")));
      Map<String, String> env = new TreeMap<>();
      while (variable.find()) {
        env.put(variable.group(1), variable.group(2));
      }
      if (!env.containsKey("JAVA_TOOL_OPTIONS")) {
        throw new IllegalStateException("JAVA_TOOL_OPTIONS not found in the chart's deployment");
      }
      return env;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  final Process process;
  final int port;
  final long startupMillis;

  private OperatorProcess(Process process, int port, long startupMillis) {
    this.process = process;
    this.port = port;
    this.startupMillis = startupMillis;
  }

  static OperatorProcess start(Path kubeconfig, URI endpoint, int size, String label)
      throws Exception {
    return start(kubeconfig, endpoint, size, label, Map.of());
  }

  /** As {@link #start(Path, URI, int, String)}, with {@code overrides} added to its environment. */
  static OperatorProcess start(
      Path kubeconfig, URI endpoint, int size, String label, Map<String, String> overrides)
      throws Exception {
    int port = freePort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(List.of(JVM_OPTIONS.split(" ")));
    command.addAll(List.of("-jar", "target/quarkus-app/quarkus-run.jar"));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(
                OperatorBenchmark.OUT.resolve("operator-" + size + "-" + label + ".log").toFile());
    Map<String, String> env = builder.environment();
    CHART_ENV.forEach(
        (name, value) -> {
          if (!name.equals("JAVA_TOOL_OPTIONS")) { // on the command line, as JVM_OPTIONS
            env.put(name, value);
          }
        });
    env.put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    env.put("PITR_AWS_ENDPOINT_OVERRIDE", endpoint.toString());
    env.put("PITR_AWS_REGION", OperatorBenchmark.REGION);
    env.put("PITR_AWS_ACCOUNT_ID", EmulatorSettings.DEFAULT_ACCOUNT_ID);
    env.put("AWS_ACCESS_KEY_ID", "bench");
    env.put("AWS_SECRET_ACCESS_KEY", "bench");
    env.put("PITR_DRIFT_INTERVAL", Integer.getInteger("benchmark.drift-interval-s", 60) + "s");
    env.put(
        "PITR_AWS_DESCRIBES_PER_SECOND",
        Integer.toString(Integer.getInteger("benchmark.describes-per-second", 250)));
    // Creating 10,000 policies is 10,000 Updates: not what the benchmark measures the budget by.
    env.put(
        "PITR_AWS_UPDATES_PER_SECOND",
        Integer.toString(Integer.getInteger("benchmark.updates-per-second", 1000)));
    env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
    env.put("PITR_LEADER_ELECTION_LEASE_NAMESPACE", OperatorBenchmark.NAMESPACE);
    env.putAll(overrides);
    long started = System.nanoTime();
    Process process = builder.start();
    URI ready = URI.create("http://127.0.0.1:" + port + "/q/health/ready");
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the operator exited; see " + OperatorBenchmark.OUT);
      }
      try {
        if (OperatorBenchmark.HTTP
                .send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          break;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(20);
    }
    return new OperatorProcess(process, port, (System.nanoTime() - started) / 1_000_000);
  }

  /** pitr_reconciles_total from the operator's Prometheus endpoint, by its status label. */
  Map<String, Double> reconciles() throws Exception {
    String metrics =
        OperatorBenchmark.HTTP
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Map<String, Double> byStatus = new LinkedHashMap<>();
    Matcher line =
        Pattern.compile(
                "^pitr_reconciles_total\\{[^}]*status=\"(\\w+)\"[^}]*} ([0-9.E+]+)$",
                Pattern.MULTILINE)
            .matcher(metrics);
    while (line.find()) {
      byStatus.merge(line.group(1), Double.parseDouble(line.group(2)), Double::sum);
    }
    return byStatus;
  }

  /** CPU time the operator's process has used so far, user and system, from /proc. */
  double cpuSeconds() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
    // After the command's closing parenthesis: state is field 3, utime 14 and stime 15.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    return ticks / 100.0; // USER_HZ, 100 on Linux
  }

  /**
   * After a full GC: RSS and threads from /proc, the heap in use (GC.heap_info), loaded classes
   * (and how many came from a class-data sharing archive), live threads by name, and, with NMT on,
   * the memory the JVM has committed by NMT's category (VM.native_memory summary).
   */
  Map<String, Object> memory() throws Exception {
    jcmd("GC.run");
    String heap = jcmd("GC.heap_info");
    // The heap's generations (serial: "def new generation", "tenured generation"; G1: one
    // "garbage-first heap" line), not Metaspace or class space.
    long usedKiB = 0;
    Pattern used = Pattern.compile("used (\\d+)K");
    for (String line : heap.split("\n")) {
      if (line.contains("generation") || line.contains("heap")) {
        Matcher match = used.matcher(line);
        if (match.find()) {
          usedKiB += Long.parseLong(match.group(1));
        }
      }
    }
    String status = Files.readString(Path.of("/proc", Long.toString(process.pid()), "status"));
    Map<String, Object> memory = new LinkedHashMap<>();
    memory.put("rssMiB", number(status, "^VmRSS:\\s+(\\d+) kB") / 1024);
    memory.put("heapAfterGcKiB", usedKiB);
    memory.put("threads", number(status, "^Threads:\\s+(\\d+)"));
    String counters = jcmd("PerfCounter.print");
    // The JVM counts the classes it loaded from a CDS archive apart from the others.
    long shared = number(counters, "^java\\.cls\\.sharedLoadedClasses=(\\d+)");
    memory.put("loadedClasses", number(counters, "^java\\.cls\\.loadedClasses=(\\d+)") + shared);
    memory.put("sharedLoadedClasses", shared);
    memory.put("threadsByName", threadsByName(jcmd("Thread.print")));
    if (JVM_OPTIONS.contains(NMT)) {
      memory.put("nmtCommittedKiB", nativeMemory(jcmd("VM.native_memory", "summary")));
    }
    return memory;
  }

  /** NMT's summary: committed KiB in all and by category, largest first. */
  static Map<String, Long> nativeMemory(String summary) {
    Map<String, Long> committed = new LinkedHashMap<>();
    committed.put("Total", number(summary, "^Total: reserved=\\d+KB, committed=(\\d+)KB"));
    Matcher category =
        Pattern.compile("^-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)", Pattern.MULTILINE)
            .matcher(summary);
    Map<String, Long> categories = new LinkedHashMap<>();
    while (category.find()) {
      categories.put(category.group(1).trim(), Long.parseLong(category.group(2)));
    }
    categories.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(entry -> committed.put(entry.getKey(), entry.getValue()));
    return committed;
  }

  /** Live threads by name, with the digits that number a pool's threads replaced by N. */
  static Map<String, Integer> threadsByName(String dump) {
    Map<String, Integer> byName = new TreeMap<>();
    Matcher thread = Pattern.compile("^\"([^\"]*)\"", Pattern.MULTILINE).matcher(dump);
    while (thread.find()) {
      byName.merge(thread.group(1).replaceAll("[0-9]+", "N"), 1, Integer::sum);
    }
    return byName;
  }

  /** The number the first group of {@code regex} finds in {@code text}, line by line. */
  private static long number(String text, String regex) {
    Matcher value = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
    if (!value.find()) {
      throw new IllegalStateException("no " + regex + " in: " + text);
    }
    return Long.parseLong(value.group(1));
  }

  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  /** Runs a jcmd command in the operator's JVM and answers its output. */
  String jcmd(String... command) throws Exception {
    List<String> arguments =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(process.pid())));
    arguments.addAll(List.of(command));
    return run(arguments.toArray(String[]::new));
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    process.waitFor();
    return output;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
