package io.pitr.operator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.pitr.emulator.DynamoDbEmulator;
import io.pitr.emulator.EmulatorSettings;
import io.pitr.emulator.Observations;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.status.PolicyStatusBuilder;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.Policies;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The operator's benchmark (not a test; README, "Benchmark"): for each size, a fresh
 * kube-apiserver, the emulator with added latency, and the packaged operator as its own JVM, sized
 * like the chart's default container. Prints a Markdown table and writes target/benchmark/.
 *
 * <p>System properties: benchmark.sizes (100,1000,10000), benchmark.latency-ms (20),
 * benchmark.drift-interval-s (60), benchmark.describes-per-second (250),
 * benchmark.updates-per-second (1000), benchmark.samples (20).
 */
public final class OperatorBenchmark {

  static final String REGION = "us-east-1";
  static final String NAMESPACE = "bench";
  static final Path OUT = Path.of("target", "benchmark");
  static final HttpClient HTTP = HttpClient.newHttpClient();

  private final int latencyMs = Integer.getInteger("benchmark.latency-ms", 20);
  private final int driftSeconds = Integer.getInteger("benchmark.drift-interval-s", 60);
  private final int describesPerSecond = Integer.getInteger("benchmark.describes-per-second", 250);
  private final int samples = Integer.getInteger("benchmark.samples", 20);
  private final String kubeVersion;

  private OperatorBenchmark(String kubeVersion) {
    this.kubeVersion = kubeVersion;
  }

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = sizes("benchmark.sizes", "100,1000,10000");
    OperatorBenchmark benchmark = new OperatorBenchmark(args.length > 0 ? args[0] : "1.36.3");
    Files.createDirectories(OUT);
    List<Map<String, Object>> results = new ArrayList<>();
    for (int size : sizes) {
      results.add(benchmark.run(size));
      benchmark.write(results);
    }
    System.out.println(benchmark.markdown(results));
    System.exit(0);
  }

  private Map<String, Object> run(int size) throws Exception {
    say("=== %d policies ===", size);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("policies", size);
    KubeAPIServer server = startApiServer(kubeVersion);
    Path kubeconfig = OUT.resolve("kubeconfig-" + size);
    Files.writeString(kubeconfig, server.getKubeConfigYaml());
    try (KubernetesClient client = client(server);
        DynamoDbEmulator emulator =
            DynamoDbEmulator.start(
                EmulatorSettings.builder().requestLogCapacity(100_000).build())) {
      emulator.faults().latency(Duration.ofMillis(latencyMs));
      Scope scope = new Scope(EmulatorSettings.DEFAULT_ACCOUNT_ID, REGION);
      for (int i = 0; i < size; i++) {
        emulator.createTable(scope, table(i));
      }
      CustomResourceDefinitions.installPolicyCrds(client);
      CustomResourceDefinitions.ensureNamespace(client, NAMESPACE);
      Policies policies = new Policies(client, emulator);

      OperatorProcess operator =
          OperatorProcess.start(kubeconfig, emulator.endpoint(), size, "first");
      result.put("startupToReadyMs", operator.startupMillis);
      result.put("idle", operator.memory());

      emulator.observations().reset();
      long wrote = System.nanoTime();
      createAll(client, policies, size);
      long created = System.nanoTime();
      long readyAt = awaitAllReady(client, size, Duration.ofMinutes(30));
      double convergence = (readyAt - wrote) / 1e9;
      result.put("createSeconds", round((created - wrote) / 1e9));
      result.put("allReadySeconds", round(convergence));
      result.put("reconcilesPerSecond", round(size / convergence));
      result.put("createCalls", calls(emulator.observations()));
      result.put("operatorReconciles", operator.reconciles());
      result.put("loaded", operator.memory());

      emulator.observations().reset();
      List<Double> idle = singleChanges(client, size, samples, 0);
      result.put("singleChangeIdleMs", percentiles(idle));
      Map<String, Long> changeCalls = calls(emulator.observations());
      result.put(
          "callsPerSpecChange",
          Map.of(
              "UpdateContinuousBackups",
                  round(changeCalls.get("UpdateContinuousBackups") / (double) samples),
              "DescribeContinuousBackups",
                  round(changeCalls.get("DescribeContinuousBackups") / (double) samples)));
      List<Double> loaded = singleChanges(client, size, samples, Math.max(1, size / 10));
      result.put("singleChangeUnderLoadMs", percentiles(loaded));
      awaitAllReady(client, size, Duration.ofMinutes(10));

      result.put("steadyState", steadyState(client, emulator, size, operator));

      operator.stop();
      emulator.observations().reset();
      OperatorProcess restarted =
          OperatorProcess.start(kubeconfig, emulator.endpoint(), size, "restart");
      result.put("restartToReadyMs", restarted.startupMillis);
      result.put("afterRestart", steadyState(client, emulator, size, restarted));
      result.put("afterRestartMemory", restarted.memory());
      restarted.stop();
    } finally {
      server.stop();
    }
    say("%s", result);
    return result;
  }

  /** The policy counts a comma-separated system property asks for. */
  static List<Integer> sizes(String property, String defaults) {
    return Arrays.stream(System.getProperty(property, defaults).split(","))
        .map(String::trim)
        .map(Integer::parseInt)
        .toList();
  }

  /** Counts MODIFIED events of the benchmark's policies (Kubernetes writes) until closed. */
  static Watch watchModifications(KubernetesClient client, AtomicLong modified) {
    return client
        .resources(ContinuousBackupsPolicy.class)
        .inNamespace(NAMESPACE)
        .watch(
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, ContinuousBackupsPolicy resource) {
                if (action == Action.MODIFIED) {
                  modified.incrementAndGet();
                }
              }

              @Override
              public void onClose(WatcherException cause) {}
            });
  }

  /**
   * A fresh kube-apiserver and etcd (kube-api-test), from binaries provisioned as the build does.
   */
  static KubeAPIServer startApiServer(String kubeVersion) throws Exception {
    Process provision =
        new ProcessBuilder(
                "bash",
                "src/test/scripts/provision-kube-binaries.sh",
                "--kube-version",
                kubeVersion)
            .inheritIO()
            .start();
    if (provision.waitFor() != 0) {
      throw new IllegalStateException("could not provision kube-apiserver");
    }
    KubeAPIServer server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withOfflineMode(true)
                .withApiServerVersion(kubeVersion)
                .build());
    server.start();
    return server;
  }

  /** A client of {@code server} that can create thousands of policies at once. */
  static KubernetesClient client(KubeAPIServer server) {
    Config config = Config.fromKubeconfig(server.getKubeConfigYaml());
    config.setMaxConcurrentRequests(128);
    config.setMaxConcurrentRequestsPerHost(128);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Over one drift interval: AWS calls, their spread, and Kubernetes writes (watch events). */
  private Map<String, Object> steadyState(
      KubernetesClient client, DynamoDbEmulator emulator, int size, OperatorProcess operator)
      throws Exception {
    Map<String, Double> reconcilesBefore = operator.reconciles();
    AtomicLong modified = new AtomicLong();
    emulator.observations().reset();
    long[] buckets = new long[10];
    Instant start = Instant.now();
    try (Watch watch = watchModifications(client, modified)) {
      long before = 0;
      for (int bucket = 0; bucket < buckets.length; bucket++) {
        Thread.sleep(driftSeconds * 100L);
        long now = emulator.observations().calls(Operation.DESCRIBE_CONTINUOUS_BACKUPS);
        buckets[bucket] = now - before;
        before = now;
      }
    }
    Map<String, Long> calls = calls(emulator.observations());
    Map<String, Object> steady = new LinkedHashMap<>();
    steady.put("intervalSeconds", driftSeconds);
    steady.put("describesPerPolicy", round(calls.get("DescribeContinuousBackups") / (double) size));
    steady.put("updates", calls.get("UpdateContinuousBackups"));
    steady.put("kubernetesWrites", modified.get());
    Map<String, Double> reconcilesAfter = operator.reconciles();
    steady.put(
        "operatorStatusWrites",
        reconcilesAfter.getOrDefault("written", 0.0)
            - reconcilesBefore.getOrDefault("written", 0.0));
    steady.put(
        "operatorReconciles",
        reconcilesAfter.values().stream().mapToDouble(Double::doubleValue).sum()
            - reconcilesBefore.values().stream().mapToDouble(Double::doubleValue).sum());
    steady.put("describesPerTenthOfInterval", Arrays.stream(buckets).boxed().toList());
    steady.put("measuredFrom", start.toString());
    return steady;
  }

  /**
   * Changes {@code count} policies' periods one at a time, with {@code background} changing too.
   */
  private List<Double> singleChanges(KubernetesClient client, int size, int count, int background)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> load = new ArrayList<>();
    for (int i = 0; i < background; i++) {
      int index = size - 1 - i;
      load.add(pool.submit(() -> bumpPeriod(client, index)));
    }
    List<Double> latencies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int index = i % Math.max(1, size - background);
      long started = System.nanoTime();
      long generation = bumpPeriod(client, index);
      while (true) {
        ContinuousBackupsPolicy policy = get(client, index);
        if (policy.getStatus() != null
            && policy.getStatus().getObservedGeneration() != null
            && policy.getStatus().getObservedGeneration() >= generation
            && isReady(policy)) {
          break;
        }
        Thread.sleep(5);
      }
      latencies.add((System.nanoTime() - started) / 1e6);
    }
    for (Future<?> future : load) {
      future.get();
    }
    pool.shutdown();
    return latencies;
  }

  private static long bumpPeriod(KubernetesClient client, int index) {
    ContinuousBackupsPolicy edited =
        client
            .resources(ContinuousBackupsPolicy.class)
            .inNamespace(NAMESPACE)
            .withName(table(index))
            .edit(
                policy -> {
                  var pitr = policy.getSpec().getPointInTimeRecoverySpecification();
                  pitr.setRecoveryPeriodInDays(pitr.getRecoveryPeriodInDays() % 35 + 1);
                  return policy;
                });
    return edited.getMetadata().getGeneration();
  }

  private static ContinuousBackupsPolicy get(KubernetesClient client, int index) {
    return client
        .resources(ContinuousBackupsPolicy.class)
        .inNamespace(NAMESPACE)
        .withName(table(index))
        .get();
  }

  static void createAll(KubernetesClient client, Policies policies, int size) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(32);
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      int index = i;
      futures.add(
          pool.submit(() -> policies.create(NAMESPACE, table(index), table(index), true, 7)));
    }
    for (Future<?> future : futures) {
      future.get();
    }
    pool.shutdown();
  }

  /** Polls until every policy is Ready for its generation; returns System.nanoTime() then. */
  static long awaitAllReady(KubernetesClient client, int size, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      long ready =
          client
              .resources(ContinuousBackupsPolicy.class)
              .inNamespace(NAMESPACE)
              .list()
              .getItems()
              .stream()
              .filter(
                  p ->
                      p.getStatus() != null
                          && p.getMetadata()
                              .getGeneration()
                              .equals(p.getStatus().getObservedGeneration())
                          && isReady(p))
              .count();
      if (ready == size) {
        return System.nanoTime();
      }
      // Listing every policy is itself load on two cores: poll large sets less often.
      Thread.sleep(Math.max(250, size / 5));
    }
    throw new IllegalStateException("not all " + size + " policies became Ready within " + timeout);
  }

  static boolean isReady(ContinuousBackupsPolicy policy) {
    return PolicyStatusBuilder.ready(policy.getStatus())
        .filter(c -> "True".equals(c.getStatus()))
        .isPresent();
  }

  private static Map<String, Long> calls(Observations observations) {
    return Map.of(
        "UpdateContinuousBackups", observations.calls(Operation.UPDATE_CONTINUOUS_BACKUPS),
        "DescribeContinuousBackups", observations.calls(Operation.DESCRIBE_CONTINUOUS_BACKUPS));
  }

  static Map<String, Double> percentiles(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return Map.of(
        "p50", round(sorted.get((int) Math.ceil(0.5 * sorted.size()) - 1)),
        "p99", round(sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1)));
  }

  static String table(int index) {
    return String.format(Locale.ROOT, "bench-%05d", index);
  }

  static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  private void write(List<Map<String, Object>> results) throws IOException {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("machine", machine());
    document.put(
        "settings",
        Map.of(
            "emulatorLatencyMs", latencyMs,
            "driftIntervalSeconds", driftSeconds,
            "describesPerSecond", describesPerSecond,
            "operatorJvm", OperatorProcess.JVM_OPTIONS,
            "operatorEnvironment", OperatorProcess.CHART_ENV));
    document.put("results", results);
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(OUT.resolve("results.json").toFile(), document);
    Files.writeString(OUT.resolve("results.md"), markdown(results));
  }

  @SuppressWarnings("unchecked")
  private String markdown(List<Map<String, Object>> results) {
    StringBuilder md = new StringBuilder();
    md.append(
        "| Policies | All Ready | Reconciles/s | Change→Ready idle p50/p99 | under load p50/p99 | Calls per change (Update/Describe) | Steady: Describes per policy, Updates, K8s writes | After restart: Updates, Describes per policy | RSS idle/loaded | Heap after GC loaded | Heap per policy | Startup |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> r : results) {
      Map<String, Object> idle = (Map<String, Object>) r.get("idle");
      Map<String, Object> loaded = (Map<String, Object>) r.get("loaded");
      Map<String, Object> steady = (Map<String, Object>) r.get("steadyState");
      Map<String, Object> restart = (Map<String, Object>) r.get("afterRestart");
      Map<String, Double> idleMs = (Map<String, Double>) r.get("singleChangeIdleMs");
      Map<String, Double> loadMs = (Map<String, Double>) r.get("singleChangeUnderLoadMs");
      Map<String, Double> perChange = (Map<String, Double>) r.get("callsPerSpecChange");
      int size = (int) r.get("policies");
      long loadedHeapKiB = ((Number) loaded.get("heapAfterGcKiB")).longValue();
      double heapPerPolicy =
          (loadedHeapKiB - ((Number) idle.get("heapAfterGcKiB")).longValue()) / (double) size;
      md.append(
          String.format(
              Locale.ROOT,
              "| %,d | %.1f s | %.0f | %.0f / %.0f ms | %.0f / %.0f ms | %.2f / %.2f | %.2f, %d, %d | %d, %.2f | %d / %d MiB | %d MiB | %.1f KiB | %d ms |%n",
              size,
              r.get("allReadySeconds"),
              r.get("reconcilesPerSecond"),
              idleMs.get("p50"),
              idleMs.get("p99"),
              loadMs.get("p50"),
              loadMs.get("p99"),
              perChange.get("UpdateContinuousBackups"),
              perChange.get("DescribeContinuousBackups"),
              steady.get("describesPerPolicy"),
              steady.get("updates"),
              steady.get("kubernetesWrites"),
              restart.get("updates"),
              restart.get("describesPerPolicy"),
              idle.get("rssMiB"),
              loaded.get("rssMiB"),
              loadedHeapKiB / 1024,
              heapPerPolicy,
              r.get("startupToReadyMs")));
    }
    return md.toString();
  }

  static Map<String, Object> machine() {
    return Map.of(
        "cores", Runtime.getRuntime().availableProcessors(),
        "java", System.getProperty("java.version"),
        "os", System.getProperty("os.name") + " " + System.getProperty("os.version"),
        "date", Instant.now().toString());
  }

  static void say(String format, Object... args) {
    System.out.println("benchmark: " + String.format(format, args));
  }

  /** The packaged operator in its own JVM. */
}
