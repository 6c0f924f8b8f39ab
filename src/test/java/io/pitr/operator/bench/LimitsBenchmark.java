package io.pitr.operator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.pitr.emulator.DynamoDbEmulator;
import io.pitr.emulator.EmulatorSettings;
import io.pitr.emulator.Limits;
import io.pitr.emulator.Observations;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.RemoteEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The operator's benchmark under DynamoDB's rates (not a test; README, "Under DynamoDB's rates"):
 * the emulator enforces its {@code aws} preset ({@link Limits#AWS}: DescribeContinuousBackups 10
 * per second, UpdateContinuousBackups 5, per account and region), optionally every rate multiplied
 * by {@code benchmark.limits.scale} so that 10,000 policies take minutes, not hours; the packaged
 * operator's budgets are the preset's rates (it is alone in the account). For each size it measures
 * mass creation against N ÷ the Update rate and the share of calls throttled; single spec changes
 * made during that rollout, to Ready; the time to detect one out-of-band change against the
 * (stretched) drift interval; idle CPU; a restart (Updates, status writes, Describes spread over
 * the interval); and the deletion of every policy with deletionPolicy Disable. Writes
 * target/benchmark/limits.json and limits.md and prints the table.
 *
 * <p>System properties: benchmark.limits.sizes (1000,10000), benchmark.limits.scale (1; 10 for the
 * 10,000 run in the README), benchmark.latency-ms (20), benchmark.drift-interval-s (60, stretched
 * by the operator to fit the Describe rate), benchmark.limits.changes (5), benchmark.limits.idle-s
 * (60), benchmark.limits.restart-window-s (120).
 */
public final class LimitsBenchmark {

  private static final String EARLY = "early-";

  private final String kubeVersion;
  private final double scale =
      Double.parseDouble(System.getProperty("benchmark.limits.scale", "1"));
  private final int latencyMs = Integer.getInteger("benchmark.latency-ms", 20);
  private final int driftSeconds = Integer.getInteger("benchmark.drift-interval-s", 60);
  private final int changes = Integer.getInteger("benchmark.limits.changes", 5);
  private final int idleSeconds = Integer.getInteger("benchmark.limits.idle-s", 60);

  /** Records the idle stretch with JDK Flight Recorder (its own CPU is then in the figure). */
  private final boolean profileIdle = Boolean.getBoolean("benchmark.limits.profile-idle");

  private final int restartWindowSeconds =
      Integer.getInteger("benchmark.limits.restart-window-s", 120);

  private LimitsBenchmark(String kubeVersion) {
    this.kubeVersion = kubeVersion;
  }

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = OperatorBenchmark.sizes("benchmark.limits.sizes", "1000,10000");
    LimitsBenchmark benchmark = new LimitsBenchmark(args.length > 0 ? args[0] : "1.36.3");
    Files.createDirectories(OperatorBenchmark.OUT);
    List<Map<String, Object>> results = new ArrayList<>();
    try {
      for (int size : sizes) {
        results.add(benchmark.run(size));
        benchmark.write(results);
      }
    } catch (Exception | AssertionError e) {
      // Said here: exec:java would first wait for the threads the failure left behind.
      e.printStackTrace();
      System.exit(1);
    }
    System.out.println(markdown(results));
    System.exit(0);
  }

  private Limits limits() {
    Limits scaled = Limits.NONE;
    for (Operation operation : Operation.values()) {
      var rate = Limits.AWS.rate(operation);
      if (rate.isPresent()) {
        scaled = scaled.with(operation, rate.getAsDouble() * scale);
      }
    }
    return scaled;
  }

  private Map<String, Object> run(int size) throws Exception {
    OperatorBenchmark.say("=== %d policies under the aws limits ×%s ===", size, scale);
    Limits limits = limits();
    double updateRate = limits.rate(Operation.UPDATE_CONTINUOUS_BACKUPS).orElseThrow();
    double describeRate = limits.rate(Operation.DESCRIBE_CONTINUOUS_BACKUPS).orElseThrow();
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("policies", size);
    result.put("limits", limits.byApiName());
    KubeAPIServer server = OperatorBenchmark.startApiServer(kubeVersion);
    Path kubeconfig = OperatorBenchmark.OUT.resolve("kubeconfig-limits-" + size);
    Files.writeString(kubeconfig, server.getKubeConfigYaml());
    try (KubernetesClient client = OperatorBenchmark.client(server);
        DynamoDbEmulator emulator =
            DynamoDbEmulator.start(
                EmulatorSettings.builder().requestLogCapacity(200_000).limits(limits).build());
        RemoteEmulator outOfBand =
            new RemoteEmulator(emulator.endpoint(), OperatorBenchmark.REGION)) {
      emulator.faults().latency(Duration.ofMillis(latencyMs));
      Scope scope = new Scope(EmulatorSettings.DEFAULT_ACCOUNT_ID, OperatorBenchmark.REGION);
      for (int i = 0; i < size; i++) {
        emulator.createTable(scope, OperatorBenchmark.table(i));
      }
      for (int i = 0; i < changes; i++) {
        emulator.createTable(scope, EARLY + i);
      }
      CustomResourceDefinitions.installPolicyCrds(client);
      CustomResourceDefinitions.ensureNamespace(client, OperatorBenchmark.NAMESPACE);
      Policies policies = new Policies(client, emulator);
      Map<String, String> budgets = new LinkedHashMap<>();
      budgets.put("PITR_AWS_UPDATES_PER_SECOND", Double.toString(updateRate));
      budgets.put("PITR_AWS_DESCRIBES_PER_SECOND", Double.toString(describeRate));
      budgets.put("PITR_DRIFT_INTERVAL", driftSeconds + "s");
      if (profileIdle) {
        // A recording from the start, so that Flight Recorder's own code is compiled before the
        // idle stretch's recording: otherwise compiling it is most of what that recording sees.
        budgets.put(
            "JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording:settings=profile,name=warm,maxsize=16m");
      }

      OperatorProcess operator =
          OperatorProcess.start(kubeconfig, emulator.endpoint(), size, "limits-first", budgets);
      result.put("startupToReadyMs", operator.startupMillis);
      result.put("idle", operator.memory());

      // Policies applied before the rollout, to be changed while it runs.
      for (int i = 0; i < changes; i++) {
        policies.awaitReady(
            policies.create(OperatorBenchmark.NAMESPACE, EARLY + i, EARLY + i, true, 7));
      }

      emulator.observations().reset();
      long wrote = System.nanoTime();
      List<String> timeline = new ArrayList<>();
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      sampler.scheduleAtFixedRate(
          () ->
              timeline.add(
                  String.format(
                      Locale.ROOT,
                      "%.0fs U%d D%d",
                      (System.nanoTime() - wrote) / 1e9,
                      emulator.observations().calls(Operation.UPDATE_CONTINUOUS_BACKUPS),
                      emulator.observations().calls(Operation.DESCRIBE_CONTINUOUS_BACKUPS))),
          10,
          10,
          TimeUnit.SECONDS);
      createAll(client, policies, size);
      List<Double> changeMs = changesDuringRollout(client, emulator, size);
      long readyAt = OperatorBenchmark.awaitAllReady(client, size + changes, Duration.ofHours(3));
      sampler.shutdownNow();
      result.put("creationCallsEvery10s", timeline);
      double seconds = (readyAt - wrote) / 1e9;
      Map<String, Object> creation = new LinkedHashMap<>();
      creation.put("allReadySeconds", OperatorBenchmark.round(seconds));
      creation.put("boundSeconds", OperatorBenchmark.round((size + changes) / updateRate));
      creation.put(
          "overBoundPercent",
          OperatorBenchmark.round(100 * (seconds * updateRate / (size + changes) - 1)));
      creation.putAll(callsAndThrottling(emulator.observations()));
      result.put("massCreation", creation);
      result.put("specChangeDuringRolloutMs", changeMs);
      result.put(
          "specChangeDuringRolloutMaxMs", changeMs.stream().mapToDouble(d -> d).max().orElse(0));
      result.put("loaded", operator.memory());

      result.put("driftDetection", driftDetection(outOfBand, emulator, size, describeRate));
      result.put("idleCpu", idleCpu(emulator, operator, size));

      operator.stop();
      emulator.observations().reset();
      OperatorProcess restarted =
          OperatorProcess.start(kubeconfig, emulator.endpoint(), size, "limits-restart", budgets);
      result.put("restartToReadyMs", restarted.startupMillis);
      result.put("afterRestart", afterRestart(client, emulator, restarted, size, describeRate));
      result.put("afterRestartMemory", restarted.memory());

      emulator.observations().reset();
      long deleting = System.nanoTime();
      deleteAll(client);
      awaitNone(client, Duration.ofHours(3));
      double deletionSeconds = (System.nanoTime() - deleting) / 1e9;
      Map<String, Object> deletion = new LinkedHashMap<>();
      deletion.put("allGoneSeconds", OperatorBenchmark.round(deletionSeconds));
      // The policies changed during the rollout keep their tables' PITR (Retain): no Update.
      deletion.put("boundSeconds", OperatorBenchmark.round(size / updateRate));
      deletion.put(
          "overBoundPercent",
          OperatorBenchmark.round(100 * (deletionSeconds * updateRate / size - 1)));
      deletion.putAll(callsAndThrottling(emulator.observations()));
      result.put("massDeletionDisable", deletion);
      restarted.stop();
    } catch (Exception | AssertionError e) {
      // What was measured before the failure is still worth having.
      OperatorBenchmark.say("measured before the failure: %s", result);
      throw e;
    } finally {
      server.stop();
    }
    OperatorBenchmark.say("%s", result);
    return result;
  }

  /** Every policy at once, 32 writers, each with deletionPolicy Disable. */
  private static void createAll(KubernetesClient client, Policies policies, int size)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(32);
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      String name = OperatorBenchmark.table(i);
      futures.add(
          pool.submit(
              () -> {
                ContinuousBackupsPolicy policy = policies.newPolicy(name, name, true, 7);
                policy.getSpec().setDeletionPolicy(DeletionPolicy.Disable);
                policy.getSpec().setAcknowledgeRestorePointLoss("benchmark: its own tables");
                return client.resource(policy).inNamespace(OperatorBenchmark.NAMESPACE).create();
              }));
    }
    for (Future<?> future : futures) {
      future.get();
    }
    pool.shutdown();
  }

  /**
   * Once a tenth of the rollout's Updates are made, changes the policies applied before it one at a
   * time, each timed from the edit to Ready for its generation.
   */
  private List<Double> changesDuringRollout(
      KubernetesClient client, DynamoDbEmulator emulator, int size) throws Exception {
    while (emulator.observations().calls(Operation.UPDATE_CONTINUOUS_BACKUPS) < size / 10) {
      Thread.sleep(50);
    }
    List<Double> latencies = new ArrayList<>();
    for (int i = 0; i < changes; i++) {
      String name = EARLY + i;
      long started = System.nanoTime();
      ContinuousBackupsPolicy edited =
          client
              .resources(ContinuousBackupsPolicy.class)
              .inNamespace(OperatorBenchmark.NAMESPACE)
              .withName(name)
              .edit(
                  policy -> {
                    policy
                        .getSpec()
                        .getPointInTimeRecoverySpecification()
                        .setRecoveryPeriodInDays(8);
                    return policy;
                  });
      long generation = edited.getMetadata().getGeneration();
      while (true) {
        ContinuousBackupsPolicy policy =
            client
                .resources(ContinuousBackupsPolicy.class)
                .inNamespace(OperatorBenchmark.NAMESPACE)
                .withName(name)
                .get();
        if (policy.getStatus() != null
            && policy.getStatus().getObservedGeneration() != null
            && policy.getStatus().getObservedGeneration() >= generation
            && OperatorBenchmark.isReady(policy)) {
          break;
        }
        Thread.sleep(5);
      }
      latencies.add(OperatorBenchmark.round((System.nanoTime() - started) / 1e6));
      long rolloutLeft = size - emulator.observations().calls(Operation.UPDATE_CONTINUOUS_BACKUPS);
      OperatorBenchmark.say(
          "change %d Ready after %.0f ms, %d first applies still to make",
          i, latencies.get(i), rolloutLeft);
    }
    return latencies;
  }

  /**
   * Turns one table's PITR off behind the operator's back and times how long until the operator
   * turns it on again, against the drift interval stretched to fit the Describe budget.
   */
  private Map<String, Object> driftDetection(
      RemoteEmulator outOfBand, DynamoDbEmulator emulator, int size, double describeRate)
      throws Exception {
    String table = OperatorBenchmark.table(size / 2);
    emulator.observations().reset();
    long changed = System.nanoTime();
    outOfBand.setPitr(table, false, null);
    // Watched in the emulator's request log (a Describe from here would spend the account's rate):
    // the change was the table's first Update, the operator's correction is its second.
    while (emulator.observations().requests().stream()
            .filter(r -> r.operation().equals(Operation.UPDATE_CONTINUOUS_BACKUPS.apiName()))
            .filter(r -> table.equals(r.table()))
            .count()
        < 2) {
      Thread.sleep(200);
    }
    double seconds = (System.nanoTime() - changed) / 1e9;
    // Drift checks plan on 80% of the Describe budget: the interval stretches to fit them.
    double interval = Math.max(driftSeconds, (size + changes) / (0.8 * describeRate));
    Map<String, Object> drift = new LinkedHashMap<>();
    drift.put("detectedSeconds", OperatorBenchmark.round(seconds));
    drift.put("stretchedIntervalSeconds", OperatorBenchmark.round(interval));
    drift.put("boundSeconds", OperatorBenchmark.round(interval * 1.1));
    return drift;
  }

  /** CPU and AWS calls over a steady stretch with every policy in sync. */
  private Map<String, Object> idleCpu(DynamoDbEmulator emulator, OperatorProcess operator, int size)
      throws Exception {
    emulator.observations().reset();
    Path recording = OperatorBenchmark.OUT.resolve("idle-" + size + ".jfr").toAbsolutePath();
    if (profileIdle) {
      operator.jcmd("JFR.start", "name=idle", "settings=profile", "filename=" + recording);
    }
    double before = operator.cpuSeconds();
    Thread.sleep(idleSeconds * 1000L);
    double used = operator.cpuSeconds() - before;
    Map<String, Object> idle = new LinkedHashMap<>();
    if (profileIdle) {
      operator.jcmd("JFR.stop", "name=idle");
      idle.put("recording", recording.toString());
    }
    idle.put("seconds", idleSeconds);
    idle.put("cores", OperatorBenchmark.round(used / idleSeconds * 1000) / 1000);
    idle.put(
        "describesPerSecond",
        OperatorBenchmark.round(
            emulator.observations().calls(Operation.DESCRIBE_CONTINUOUS_BACKUPS)
                / (double) idleSeconds));
    idle.put("updates", emulator.observations().calls(Operation.UPDATE_CONTINUOUS_BACKUPS));
    idle.put("policies", size);
    return idle;
  }

  /** The first stretch after a restart: Updates, status writes, Describes and their spread. */
  private Map<String, Object> afterRestart(
      KubernetesClient client,
      DynamoDbEmulator emulator,
      OperatorProcess operator,
      int size,
      double describeRate)
      throws Exception {
    Map<String, Double> reconcilesBefore = operator.reconciles();
    AtomicLong modified = new AtomicLong();
    long[] tenths = new long[10];
    try (Watch watch = OperatorBenchmark.watchModifications(client, modified)) {
      long before = 0;
      for (int tenth = 0; tenth < tenths.length; tenth++) {
        Thread.sleep(restartWindowSeconds * 100L);
        long now = emulator.observations().calls(Operation.DESCRIBE_CONTINUOUS_BACKUPS);
        tenths[tenth] = now - before;
        before = now;
      }
    }
    Map<String, Object> restart = new LinkedHashMap<>();
    restart.put("windowSeconds", restartWindowSeconds);
    restart.put("updates", emulator.observations().calls(Operation.UPDATE_CONTINUOUS_BACKUPS));
    restart.put("kubernetesWrites", modified.get());
    restart.put(
        "operatorStatusWrites",
        operator.reconciles().getOrDefault("written", 0.0)
            - reconcilesBefore.getOrDefault("written", 0.0));
    restart.put(
        "describesPerSecond",
        OperatorBenchmark.round(
            emulator.observations().calls(Operation.DESCRIBE_CONTINUOUS_BACKUPS)
                / (double) restartWindowSeconds));
    restart.put("describeRate", describeRate);
    restart.put("describesPerTenthOfWindow", Arrays.stream(tenths).boxed().toList());
    restart.putAll(callsAndThrottling(emulator.observations()));
    return restart;
  }

  /**
   * Every policy at once, 32 writers, one request each: one collection DELETE of 10,000 policies
   * outlasts the client's request timeout.
   */
  private static void deleteAll(KubernetesClient client) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(32);
    List<Future<?>> futures = new ArrayList<>();
    for (ContinuousBackupsPolicy policy :
        client
            .resources(ContinuousBackupsPolicy.class)
            .inNamespace(OperatorBenchmark.NAMESPACE)
            .list()
            .getItems()) {
      futures.add(pool.submit(() -> client.resource(policy).withGracePeriod(0).delete()));
    }
    for (Future<?> future : futures) {
      future.get();
    }
    pool.shutdown();
  }

  private static void awaitNone(KubernetesClient client, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (client
          .resources(ContinuousBackupsPolicy.class)
          .inNamespace(OperatorBenchmark.NAMESPACE)
          .list()
          .getItems()
          .isEmpty()) {
        return;
      }
      Thread.sleep(1000);
    }
    throw new IllegalStateException("policies still there after " + timeout);
  }

  /** Calls of each limited operation, how many were throttled, and the throttled share. */
  private static Map<String, Object> callsAndThrottling(Observations observations) {
    long calls = 0;
    long throttled = 0;
    Map<String, Object> byOperation = new LinkedHashMap<>();
    for (Operation operation :
        List.of(Operation.UPDATE_CONTINUOUS_BACKUPS, Operation.DESCRIBE_CONTINUOUS_BACKUPS)) {
      calls += observations.calls(operation);
      throttled += observations.throttled(operation);
      byOperation.put(operation.apiName(), observations.calls(operation));
      byOperation.put(operation.apiName() + "Throttled", observations.throttled(operation));
    }
    byOperation.put(
        "throttledPercent", calls == 0 ? 0.0 : OperatorBenchmark.round(100.0 * throttled / calls));
    return byOperation;
  }

  private void write(List<Map<String, Object>> results) throws Exception {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put(
        "settings",
        Map.of(
            "limitsScale", scale,
            "emulatorLatencyMs", latencyMs,
            "driftIntervalSeconds", driftSeconds,
            "operatorJvm", OperatorProcess.JVM_OPTIONS));
    document.put("results", results);
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(OperatorBenchmark.OUT.resolve("limits.json").toFile(), document);
    Files.writeString(OperatorBenchmark.OUT.resolve("limits.md"), markdown(results));
  }

  @SuppressWarnings("unchecked")
  private static String markdown(List<Map<String, Object>> results) {
    StringBuilder md = new StringBuilder();
    md.append(
        "| Policies | Update / Describe rate | Mass creation: all Ready (bound N÷rate) | throttled | Spec change during it → Ready (max) | Drift found (stretched interval) | Idle CPU | Restart: Updates, status writes, Describes/s | Deletion (Disable): all gone (bound) | throttled |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> r : results) {
      Map<String, Object> limits = (Map<String, Object>) r.get("limits");
      Map<String, Object> creation = (Map<String, Object>) r.get("massCreation");
      Map<String, Object> drift = (Map<String, Object>) r.get("driftDetection");
      Map<String, Object> idle = (Map<String, Object>) r.get("idleCpu");
      Map<String, Object> restart = (Map<String, Object>) r.get("afterRestart");
      Map<String, Object> deletion = (Map<String, Object>) r.get("massDeletionDisable");
      md.append(
          String.format(
              Locale.ROOT,
              "| %,d | %s / %s per s | %.1f s (%.1f s, %+.1f%%) | %.2f%% | %.0f ms | %.1f s (%.0f s) | %.3f cores | %s, %.0f, %.1f | %.1f s (%.1f s, %+.1f%%) | %.2f%% |%n",
              r.get("policies"),
              limits.get("UpdateContinuousBackups"),
              limits.get("DescribeContinuousBackups"),
              creation.get("allReadySeconds"),
              creation.get("boundSeconds"),
              creation.get("overBoundPercent"),
              creation.get("throttledPercent"),
              r.get("specChangeDuringRolloutMaxMs"),
              drift.get("detectedSeconds"),
              drift.get("stretchedIntervalSeconds"),
              idle.get("cores"),
              restart.get("updates"),
              restart.get("operatorStatusWrites"),
              restart.get("describesPerSecond"),
              deletion.get("allGoneSeconds"),
              deletion.get("boundSeconds"),
              deletion.get("overBoundPercent"),
              deletion.get("throttledPercent")));
    }
    return md.toString();
  }
}
