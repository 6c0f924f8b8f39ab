package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.emulator.AwsErrorType;
import io.pitr.emulator.Observations.RequestRecord;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.status.PolicyStatusBuilder;
import io.pitr.operator.testing.CallRates;
import io.pitr.operator.testing.OperatorUnderTest;
import io.pitr.operator.testing.PackagedOperator;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.PrometheusMetrics;
import io.pitr.operator.testing.RealKubeApiServer;
import io.pitr.operator.testing.RestartingPod;
import io.pitr.operator.testing.StoppableApiServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fault suite: the packaged operator, as the chart runs it, through faults of AWS and of its
 * own pod, observed from outside (the API server, the emulator's request log, /q/metrics). Each
 * scenario ends with every policy converged, no Update that a spec change or a real drift did not
 * call for, and status telling the truth throughout. Budgets are small (4 Describes and 2 Updates a
 * second) so that 40 policies press on them; figures are printed with the prefix "FAULTS".
 */
@ExtendWith(RealKubeApiServer.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteIT {

  static final Scope SCOPE = new Scope("777788889999", "eu-west-1");
  static final String NAMESPACE = "faults-a";
  static final double DESCRIBES_PER_SECOND = 4;
  static final double UPDATES_PER_SECOND = 2;
  static final int POLICIES = 40;
  static final Duration STALLED_RETRY = Duration.ofSeconds(20);
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
  static final Scope OTHER_REGION = new Scope(SCOPE.accountId(), "us-west-2");

  private static KubernetesClient client;
  private static OperatorUnderTest under;
  private static Policies policies;

  @BeforeAll
  static void start(KubernetesClient kubernetesClient) {
    client = kubernetesClient;
    under =
        OperatorUnderTest.start(
            client,
            "faults",
            SCOPE,
            values ->
                values
                    .watchNamespaces(NAMESPACE)
                    .describesPerSecond(DESCRIBES_PER_SECOND)
                    .updatesPerSecond(UPDATES_PER_SECOND)
                    .driftInterval("10s")
                    // A minute without an observation stays within the bound.
                    .env("PITR_DRIFT_STALE_AFTER", "120s")
                    .env("PITR_RETRY_STALLED", STALLED_RETRY.toSeconds() + "s")
                    // Latency beyond it must not hold reconciliation threads for long.
                    .env("PITR_AWS_CALL_TIMEOUT", CALL_TIMEOUT.toSeconds() + "s")
                    // Few threads, so that a hanging region could take them all (R5).
                    .env("QUARKUS_OPERATOR_SDK_CONCURRENT_RECONCILIATION_THREADS", "4")
                    .env("PITR_AWS_MAX_CALLS_IN_FLIGHT", "2"));
    policies = under.policies();
  }

  @AfterAll
  static void stop() {
    if (under != null) {
      under.close();
    }
  }

  @Test
  @Order(1)
  @DisplayName("R4: Describe and Update throttled at 50%, then at 100%, a minute each")
  void r4ThrottledCallsNeverExceedTheBudgetAndReadyStaysTruthful() {
    IntStream.range(0, POLICIES).forEach(i -> under.emulator().createTable(SCOPE, table(i)));
    IntStream.range(0, POLICIES)
        .forEach(i -> policies.create(NAMESPACE, name(i), table(i), true, 7));
    IntStream.range(0, POLICIES).forEach(i -> policies.awaitReady(NAMESPACE, name(i), 1));
    long start = lastSequence();
    // A real drift, made before the throttling starts (the throttles hit every caller).
    int drifted = POLICIES - 1;
    under
        .outOfBand()
        .updateContinuousBackups(
            r ->
                r.tableName(table(drifted))
                    .pointInTimeRecoverySpecification(s -> s.pointInTimeRecoveryEnabled(false)));
    Set<Integer> changed = new HashSet<>();
    List<String> untruths = new ArrayList<>();
    // Policies left alone: their Ready condition must not flip at all, not even between samples.
    Map<String, String> readySince = readySince(20, drifted);

    for (double share : List.of(0.5, 1.0)) {
      under.emulator().faults().throttleShare(Operation.DESCRIBE_CONTINUOUS_BACKUPS, share);
      under.emulator().faults().throttleShare(Operation.UPDATE_CONTINUOUS_BACKUPS, share);
      int first = share < 1 ? 0 : 10;
      int period = share < 1 ? 8 : 9;
      Map<Integer, Long> changedAt = new HashMap<>();
      for (int i = first; i < first + 10; i++) {
        int index = i;
        changedAt.put(i, lastSequence());
        policies.edit(
            NAMESPACE,
            name(i),
            p -> p.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(period));
        changed.add(index);
      }
      Instant end = Instant.now().plus(Duration.ofMinutes(1));
      while (Instant.now().isBefore(end)) {
        untruths.addAll(untruths(changed, drifted, changedAt));
        pause(Duration.ofMillis(500));
      }
    }
    under.emulator().faults().clear();
    Instant cleared = Instant.now();
    awaitAllReady(POLICIES);
    await().atMost(Duration.ofSeconds(60)).until(() -> enabled(table(drifted)));
    Duration convergence = Duration.between(cleared, Instant.now());

    List<RequestRecord> requests = since(start);
    int describePeak = peakPerSecond(requests, Operation.DESCRIBE_CONTINUOUS_BACKUPS);
    int updatePeak = peakPerSecond(requests, Operation.UPDATE_CONTINUOUS_BACKUPS);
    List<RequestRecord> writes = successfulUpdates(requests);
    Set<String> calledFor =
        changed.stream().map(FaultSuiteIT::table).collect(Collectors.toCollection(TreeSet::new));
    calledFor.add(table(drifted));
    System.out.printf(
        "FAULTS R4: %d calls (%d throttled), peak per second: %d Describes (budget %.0f), %d"
            + " Updates (budget %.0f); %d successful Updates for %d spec changes and 1 drift;"
            + " converged %d ms after the throttling ended%n",
        requests.size(),
        requests.stream().filter(r -> "ThrottlingException".equals(r.errorCode())).count(),
        describePeak,
        DESCRIBES_PER_SECOND,
        updatePeak,
        UPDATES_PER_SECOND,
        writes.size(),
        changed.size(),
        convergence.toMillis());

    assertThat(untruths).as("status told the truth throughout").isEmpty();
    assertThat(readySince(20, drifted))
        .as("untouched policies never left Ready: their lastTransitionTime did not move")
        .isEqualTo(readySince);
    assertKeptToTheBudgets(requests);
    assertThat(writes)
        .as("one successful Update per spec change and per drift, no other")
        .hasSize(calledFor.size());
    assertThat(writes.stream().map(r -> tableName(r.table())).collect(Collectors.toSet()))
        .isEqualTo(calledFor);
  }

  @Test
  @Order(2)
  @DisplayName("R8: AccessDenied, then the fault removed")
  void r8AccessDeniedRecoversByItselfAndAtOnceWhenAsked() {
    List<String> tables = List.of("denied-untouched", "denied-requested");
    for (String table : tables) {
      under.emulator().createTable(SCOPE, table);
      for (Operation operation :
          List.of(Operation.DESCRIBE_CONTINUOUS_BACKUPS, Operation.UPDATE_CONTINUOUS_BACKUPS)) {
        under
            .emulator()
            .faults()
            .failNext(
                operation,
                table,
                1000,
                AwsErrorType.ACCESS_DENIED,
                "User: arn:aws:sts::777788889999:assumed-role/pitr/x is not authorized");
      }
      policies.create(NAMESPACE, table, table, true, 14);
    }
    for (String table : tables) {
      Condition stalled =
          policies.awaitCondition(NAMESPACE, table, "Stalled", "True", "AccessDenied");
      assertThat(stalled.getMessage()).contains("is not authorized");
    }

    under.emulator().faults().clear();
    Instant fixed = Instant.now();
    String requestedAt = fixed.toString();
    policies.edit(
        NAMESPACE,
        "denied-requested",
        p ->
            p.getMetadata()
                .getAnnotations()
                .put(ContinuousBackupsPolicyReconciler.RECONCILE_REQUESTED_AT, requestedAt));
    ContinuousBackupsPolicy requested = policies.awaitReady(NAMESPACE, "denied-requested", 1);
    Duration whenAsked = Duration.between(fixed, Instant.now());
    policies.awaitReady(NAMESPACE, "denied-untouched", 1);
    Duration untouched = Duration.between(fixed, Instant.now());
    System.out.printf(
        "FAULTS R8: Ready %d ms after the fix with the annotation, %d ms untouched (stalled"
            + " retry %s)%n",
        whenAsked.toMillis(), untouched.toMillis(), STALLED_RETRY);

    assertThat(whenAsked).isLessThan(Duration.ofSeconds(5));
    assertThat(requested.getStatus().getLastHandledReconcileAt()).isEqualTo(requestedAt);
    assertThat(untouched)
        .as("retried by itself, at the stalled interval with its jitter")
        .isLessThan(STALLED_RETRY.multipliedBy(6).dividedBy(5).plusSeconds(5));
  }

  @Test
  @Order(3)
  @DisplayName("R5: server errors, latency beyond the call timeout, connection refused")
  void r5AFailingRegionHoldsNoThreadsAndWritesNothingItWasNotAskedTo() {
    long start = lastSequence();
    Set<Integer> changed = new HashSet<>();
    List<String> untruths = new ArrayList<>();
    Map<String, Duration> otherRegionReady = new java.util.LinkedHashMap<>();
    int next = 20;
    int steady = 0;
    for (String fault : List.of("5xx", "latency", "refused")) {
      switch (fault) {
        case "5xx" -> under.emulator().faults().internalErrors(SCOPE.region(), 1.0);
        case "latency" -> under.emulator().faults().latency(SCOPE.region(), Duration.ofSeconds(30));
        default -> under.emulator().stopListening();
      }
      Map<Integer, Long> changedAt = new HashMap<>();
      for (int i = next; i < next + 5; i++) {
        int index = i;
        changedAt.put(i, lastSequence());
        policies.edit(
            NAMESPACE,
            name(i),
            p -> p.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(10));
        changed.add(index);
      }
      next += 5;
      Instant phaseStart = Instant.now();
      if (!fault.equals("refused")) {
        // Meanwhile, a policy for a table in a healthy region converges.
        String table = "steady-" + steady++;
        under.emulator().createTable(OTHER_REGION, table);
        ContinuousBackupsPolicy policy = policies.newPolicy(table, table, true, 7);
        policy.getSpec().setRegion(OTHER_REGION.region());
        policies.awaitReady(client.resource(policy).inNamespace(NAMESPACE).create());
        otherRegionReady.put(fault, Duration.between(phaseStart, Instant.now()));
      }
      Instant end = phaseStart.plusSeconds(30);
      while (Instant.now().isBefore(end)) {
        untruths.addAll(untruths(changed, -1, changedAt));
        pause(Duration.ofMillis(500));
      }
      under.emulator().faults().clear();
      if (fault.equals("refused")) {
        under.emulator().listenAgain();
      }
    }
    Instant cleared = Instant.now();
    awaitAllReady(POLICIES);
    Duration convergence = Duration.between(cleared, Instant.now());

    List<RequestRecord> requests = since(start);
    List<RequestRecord> writes =
        successfulUpdates(requests).stream()
            .filter(r -> r.region().equals(SCOPE.region()))
            .toList();
    System.out.printf(
        "FAULTS R5: the healthy region's policies Ready in %s while the other failed; peak per"
            + " second %d Describes, %d Updates; %d successful Updates for %d spec changes;"
            + " converged %d ms after the last fault ended%n",
        otherRegionReady,
        peakPerSecond(requests, Operation.DESCRIBE_CONTINUOUS_BACKUPS),
        peakPerSecond(requests, Operation.UPDATE_CONTINUOUS_BACKUPS),
        writes.size(),
        changed.size(),
        convergence.toMillis());

    assertThat(untruths).as("status told the truth throughout").isEmpty();
    assertThat(otherRegionReady.values())
        .as("reconciliation threads were never all held by the failing region")
        .allSatisfy(took -> assertThat(took).isLessThan(Duration.ofSeconds(15)));
    assertKeptToTheBudgets(requests);
    assertThat(writes.stream().map(r -> tableName(r.table())).collect(Collectors.toSet()))
        .as("Updates only for the changed policies")
        .isEqualTo(changed.stream().map(FaultSuiteIT::table).collect(Collectors.toSet()));
    // An Update the operator gave up on (no answer within the call timeout) may still take effect
    // late, as in AWS; apart from those, one Update per spec change.
    long answeredInTime =
        writes.stream().filter(r -> r.durationMicros() < CALL_TIMEOUT.toNanos() / 1000).count();
    assertThat(answeredInTime).isLessThanOrEqualTo(changed.size());
  }

  @Test
  @Order(4)
  @DisplayName("The README's metrics table is exactly what /q/metrics serves")
  void theReadmeListsExactlyTheMetricsServed() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    String table = readme.substring(readme.indexOf("### Metrics"));
    table = table.substring(0, table.indexOf("\n\n", table.indexOf("| Metric")));
    Set<String> listed = new TreeSet<>();
    Matcher row = Pattern.compile("^\\| `(pitr_[a-z_]+)`", Pattern.MULTILINE).matcher(table);
    while (row.find()) {
      listed.add(row.group(1));
    }

    PrometheusMetrics metrics = under.operator().metrics();
    Set<String> served =
        metrics.samples().stream()
            .map(PrometheusMetrics.Sample::name)
            .filter(name -> name.startsWith("pitr_"))
            .collect(Collectors.toCollection(TreeSet::new));

    // Discovery's gauges exist while a policy set watches a region; PolicySetIT sees them served.
    assertThat(served)
        .isEqualTo(
            listed.stream()
                .filter(name -> !name.startsWith("pitr_discovery_"))
                .collect(Collectors.toCollection(TreeSet::new)));
    assertThat(
            metrics.sum(
                "pitr_aws_budget_calls_per_second", "operation", "DescribeContinuousBackups"))
        .isEqualTo(DESCRIBES_PER_SECOND);
  }

  @Test
  @Order(5)
  @DisplayName(
      "R1: SIGKILL between UpdateContinuousBackups and the status write, repeatedly, during a"
          + " churn of spec changes on 100 policies")
  void r1KilledBetweenUpdateAndStatusWriteEveryPolicyConvergesWithoutStaleGenerations() {
    // The policies of the scenarios before, and new ones up to 100.
    List<String> names = new ArrayList<>();
    client
        .resources(ContinuousBackupsPolicy.class)
        .inNamespace(NAMESPACE)
        .list()
        .getItems()
        .stream()
        .filter(p -> p.getSpec().getRegion() == null)
        .forEach(p -> names.add(p.getMetadata().getName()));
    int existing = names.size();
    for (int i = 0; i < 100 - existing; i++) {
      String name = "churn-" + i;
      under.emulator().createTable(SCOPE, name);
      // 35 days: applied with one Update, no look first (nothing to lose).
      policies.create(NAMESPACE, name, name, true, 35);
      names.add(name);
    }
    names.forEach(name -> policies.awaitReady(NAMESPACE, name, 1));
    long start = lastSequence();
    // Updates take a while, so that a kill finds some answered and not yet written to status.
    under.emulator().faults().latency(Operation.UPDATE_CONTINUOUS_BACKUPS, Duration.ofMillis(300));
    Map<String, Integer> specChanges = new HashMap<>();
    int kills = 3;
    int stale = 0;
    for (int kill = 0; kill < kills; kill++) {
      int period = 11 + kill;
      for (int j = 0; j < 25; j++) {
        String name = names.get((kill * 37 + j * 4) % names.size());
        // Some policies of the earlier scenarios keep more days: a shorter period is confirmed.
        policies.edit(
            NAMESPACE,
            name,
            p -> {
              p.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(period);
              p.getSpec().setAcknowledgeRestorePointLoss("test: " + period + " days");
            });
        specChanges.merge(name, 1, Integer::sum);
      }
      long answered = under.emulator().observations().calls(Operation.UPDATE_CONTINUOUS_BACKUPS);
      await()
          .atMost(Duration.ofSeconds(40))
          .pollInterval(Duration.ofMillis(2))
          .until(
              () ->
                  under.emulator().observations().calls(Operation.UPDATE_CONTINUOUS_BACKUPS)
                      > answered);
      under.operator().kill();
      // Updates in flight at the kill still land (the emulator answers after its latency); only
      // then is it known which policies lost the status of an applied Update.
      pause(Duration.ofSeconds(1));
      stale += (int) names.stream().filter(name -> updatedButNotRecorded(name)).count();
      under.startOperator();
    }
    under.emulator().faults().clear();
    Instant restarted = Instant.now();
    // The new leader takes the Lease when the killed one's runs out, then works through the
    // changes at the Update budget (2 a second).
    Duration bound =
        Duration.ofSeconds(20 + Math.round(specChanges.size() / UPDATES_PER_SECOND * 2));
    names.forEach(
        name ->
            policies.awaitReady(
                NAMESPACE,
                name,
                policies.get(NAMESPACE, name).getMetadata().getGeneration(),
                bound));
    Duration convergence = Duration.between(restarted, Instant.now());

    List<RequestRecord> writes = successfulUpdates(since(start));
    int changes = specChanges.values().stream().mapToInt(Integer::intValue).sum();
    System.out.printf(
        "FAULTS R1: %d kills; %d policies found with their Update answered and its status not"
            + " written; %d successful Updates for %d spec changes; converged %d ms after the last"
            + " restart%n",
        kills, stale, writes.size(), changes, convergence.toMillis());

    for (String name : names) {
      ContinuousBackupsPolicy policy = policies.get(NAMESPACE, name);
      assertThat(policy.getStatus().getObservedGeneration())
          .as(name + ": no stale observedGeneration")
          .isEqualTo(policy.getMetadata().getGeneration());
      Integer period =
          policy.getSpec().getPointInTimeRecoverySpecification().getRecoveryPeriodInDays();
      assertThat(Policies.period(policy)).as(name + ": status").isEqualTo(period);
      assertThat(
              under
                  .outOfBand()
                  .describeContinuousBackups(r -> r.tableName(name))
                  .continuousBackupsDescription()
                  .pointInTimeRecoveryDescription()
                  .recoveryPeriodInDays())
          .as(name + ": DynamoDB")
          .isEqualTo(period);
    }
    assertThat(writes.stream().map(r -> tableName(r.table())).collect(Collectors.toSet()))
        .as("Updates only for policies whose spec changed")
        .isSubsetOf(specChanges.keySet());
    assertThat(stale)
        .as("the kills came between an answered Update and its status write")
        .isPositive();
    // A kill may lose the status of the Updates in flight; each such spec change is applied once
    // more after the restart, and no other write is made.
    assertThat(writes.size()).isLessThanOrEqualTo(changes + stale);
  }

  /** Whether DynamoDB has the policy's newest spec while its status has not recorded it. */
  private static boolean updatedButNotRecorded(String name) {
    ContinuousBackupsPolicy policy = policies.get(NAMESPACE, name);
    if (policy.getMetadata().getGeneration().equals(policy.getStatus().getObservedGeneration())) {
      return false;
    }
    return policy
        .getSpec()
        .getPointInTimeRecoverySpecification()
        .getRecoveryPeriodInDays()
        .equals(
            under
                .outOfBand()
                .describeContinuousBackups(r -> r.tableName(name))
                .continuousBackupsDescription()
                .pointInTimeRecoveryDescription()
                .recoveryPeriodInDays());
  }

  @Test
  @Order(6)
  @DisplayName("R2: the leader killed with SIGKILL; the standby takes over")
  void r2TheStandbyTakesOverWithinTwentySecondsWithoutAnAwsWrite() {
    PackagedOperator leader = under.operator();
    PackagedOperator standby = under.release().startUnready().awaitLive();
    assertThat(leaseHolder()).isEqualTo(leader.podName());
    long updates = policies.calls(Operation.UPDATE_CONTINUOUS_BACKUPS);
    long start = lastSequence();

    Instant killed = Instant.now();
    leader.kill();
    await().atMost(Duration.ofSeconds(40)).until(() -> standby.podName().equals(leaseHolder()));
    Duration takeover = Duration.between(killed, Instant.now());
    under.adopt(standby);
    standby.awaitReady();
    assertThat(policies.calls(Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("no AWS write during the handover")
        .isEqualTo(updates);
    under.emulator().createTable(SCOPE, "after-kill");
    policies.awaitReady(policies.create(NAMESPACE, "after-kill", "after-kill", true, 7));
    Duration working = Duration.between(killed, Instant.now());
    System.out.printf(
        "FAULTS R2: Lease taken %d ms after the SIGKILL; a new policy Ready %d ms after it;"
            + " %d Describes, 0 other Updates meanwhile%n",
        takeover.toMillis(),
        working.toMillis(),
        since(start).stream()
            .filter(r -> r.operation().equals(Operation.DESCRIBE_CONTINUOUS_BACKUPS.apiName()))
            .count());

    assertThat(takeover).isLessThan(Duration.ofSeconds(20));
    assertThat(policies.calls(Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(updates + 1);
    IntStream.range(0, POLICIES)
        .forEach(
            i ->
                assertThat(
                        PolicyStatusBuilder.readyReason(
                            policies.get(NAMESPACE, name(i)).getStatus()))
                    .contains(io.pitr.operator.pitr.ConditionReason.InSync));
  }

  @Test
  @Order(7)
  @DisplayName("R3: the kube-apiserver stopped for 60 s and restarted on the same etcd")
  void r3AnApiServerOutageCausesNoCrashLoopAndTheBacklogIsProcessedAfterIt() throws Exception {
    List<String> outage = IntStream.range(0, 20).mapToObj(i -> "outage-" + i).toList();
    outage.forEach(name -> under.emulator().createTable(SCOPE, name));
    outage.forEach(name -> policies.create(NAMESPACE, name, name, true, 7));
    outage.forEach(name -> policies.awaitReady(NAMESPACE, name, 1));
    List<String> changed = outage.subList(0, 10);
    String drifted = outage.get(10);

    try (StoppableApiServer apiServer =
            StoppableApiServer.startBeside(client, "kube-apiserver-r3");
        RestartingPod pod = restartingLeaderOn(apiServer)) {
      long start = lastSequence();
      Instant down = Instant.now();
      apiServer.stop();
      // The backlog: spec changes the operator cannot see, made through the other API server.
      changed.forEach(
          name ->
              policies.edit(
                  NAMESPACE,
                  name,
                  p ->
                      p.getSpec()
                          .getPointInTimeRecoverySpecification()
                          .setRecoveryPeriodInDays(21)));
      // Its Lease cannot be renewed: the operator exits, and its container is restarted.
      await().atMost(Duration.ofSeconds(50)).until(() -> pod.restarts() == 1);
      RestartingPod.Exit exit = pod.exits().get(0);
      // And a drift in AWS that no running operator has seen.
      under
          .outOfBand()
          .updateContinuousBackups(
              r ->
                  r.tableName(drifted)
                      .pointInTimeRecoverySpecification(s -> s.pointInTimeRecoveryEnabled(false)));
      // The new container waits for the API server: live, not ready, not exiting.
      PackagedOperator waiting = pod.current().awaitLive();
      assertThat(waiting.get("/q/health/ready").statusCode()).isEqualTo(503);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> waiting.log().stream().anyMatch(line -> line.contains("waiting for it")));
      Duration left = Duration.between(Instant.now(), down.plus(Duration.ofSeconds(60)));
      pause(left.isNegative() ? Duration.ZERO : left);
      apiServer.start();
      Instant up = Instant.now();

      // The backlog, within 60 s of the API server's return; status truthful meanwhile.
      Instant deadline = up.plus(Duration.ofSeconds(60));
      List<String> untruths = new ArrayList<>();
      while (!changed.stream().allMatch(name -> readyForItsSpec(policies.get(NAMESPACE, name)))
          && Instant.now().isBefore(deadline)) {
        untruths.addAll(saidReadyBeforeTheirUpdate(changed, start));
        pause(Duration.ofMillis(500));
      }
      Duration backlog = Duration.between(up, Instant.now());
      // A drift is seen at the policy's drift check: within one drift interval, as stretched for
      // the number of policies at the drift share of the Describe budget.
      int policyCount =
          client
              .resources(ContinuousBackupsPolicy.class)
              .inNamespace(NAMESPACE)
              .list()
              .getItems()
              .size();
      Duration driftInterval =
          Duration.ofMillis(
                  Math.max(10_000, Math.round(policyCount / (DESCRIBES_PER_SECOND * 0.8) * 1000)))
              .multipliedBy(11)
              .dividedBy(10);
      await().atMost(Duration.ofSeconds(60).plus(driftInterval)).until(() -> enabled(drifted));
      Duration drift = Duration.between(up, Instant.now());
      List<RequestRecord> writes = successfulUpdates(since(start));
      System.out.printf(
          "FAULTS R3: API server down 60 s; the operator exited %d ms after it went down (status"
              + " %d) and was restarted %d time(s); %d spec changes processed %d ms after the API"
              + " server was back (ready again), the drift corrected after %d ms (drift interval"
              + " for %d policies: %d ms); %d successful Updates%n",
          Duration.between(down, exit.at()).toMillis(),
          exit.exitCode(),
          pod.restarts(),
          changed.size(),
          backlog.toMillis(),
          drift.toMillis(),
          policyCount,
          driftInterval.toMillis(),
          writes.size());

      assertThat(exit.exitCode()).isEqualTo(1);
      assertThat(exit.container().log())
          .as("it exited because it lost its Lease")
          .anyMatch(line -> line.contains("Lost the leader election Lease"));
      assertThat(backlog).isLessThan(Duration.ofSeconds(60));
      assertThat(untruths).as("status told the truth throughout").isEmpty();
      assertThat(pod.restarts()).as("restarts: no crash loop").isLessThanOrEqualTo(1);
      assertThat(pod.current()).isSameAs(waiting);
      assertThat(waiting.isAlive()).isTrue();
      assertThat(writes.stream().map(r -> tableName(r.table())).collect(Collectors.toSet()))
          .as("Updates only for the spec changes and the drift")
          .isEqualTo(new TreeSet<>(outage.subList(0, 11)));
      assertThat(writes).hasSize(changed.size() + 1);
      for (ContinuousBackupsPolicy policy :
          client
              .resources(ContinuousBackupsPolicy.class)
              .inNamespace(NAMESPACE)
              .list()
              .getItems()) {
        String name = policy.getMetadata().getName();
        assertThat(policy.getStatus().getObservedGeneration())
            .as(name + ": observedGeneration")
            .isEqualTo(policy.getMetadata().getGeneration());
        assertThat(PolicyStatusBuilder.readyReason(policy.getStatus()))
            .as(name + ": Ready")
            .contains(io.pitr.operator.pitr.ConditionReason.InSync);
      }
    }
  }

  /** Whether the policy says Ready for its current generation. */
  private static boolean readyForItsSpec(ContinuousBackupsPolicy policy) {
    return policy.getStatus() != null
        && policy.getMetadata().getGeneration().equals(policy.getStatus().getObservedGeneration())
        && PolicyStatusBuilder.ready(policy.getStatus())
            .filter(c -> "True".equals(c.getStatus()))
            .isPresent();
  }

  /** The policies that say Ready for their spec with no successful Update since {@code start}. */
  private static List<String> saidReadyBeforeTheirUpdate(List<String> names, long start) {
    return names.stream()
        .filter(name -> readyForItsSpec(policies.get(NAMESPACE, name)))
        .filter(
            name ->
                policies.requests(name, Operation.UPDATE_CONTINUOUS_BACKUPS).stream()
                    .noneMatch(r -> r.sequence() > start && r.httpStatus() == 200))
        .map(name -> name + " said Ready for its new spec before its Update")
        .toList();
  }

  /**
   * The operator moved to {@code apiServer}: its pod stopped, and a new one started there, whose
   * container is restarted when it exits, as the kubelet does; once it holds the Lease.
   */
  private static RestartingPod restartingLeaderOn(StoppableApiServer apiServer) {
    under.stopOperator();
    RestartingPod pod = under.release().startRestarting(apiServer.url());
    try {
      pod.current().awaitLive();
      await()
          .atMost(Duration.ofSeconds(40))
          .until(() -> pod.current().podName().equals(leaseHolder()));
      pod.current().awaitReady();
      return pod;
    } catch (RuntimeException | AssertionError e) {
      pod.close();
      throw e;
    }
  }

  /**
   * What status says that is not true: a policy nobody touched that stops saying Ready, or a
   * changed policy that says Ready for its new generation before its Update went through.
   */
  private static List<String> untruths(
      Set<Integer> changed, int drifted, Map<Integer, Long> changedAt) {
    List<String> found = new ArrayList<>();
    for (ContinuousBackupsPolicy policy :
        client.resources(ContinuousBackupsPolicy.class).inNamespace(NAMESPACE).list().getItems()) {
      String name = policy.getMetadata().getName();
      if (!name.startsWith("throttled-")) {
        continue;
      }
      int index = Integer.parseInt(name.substring("throttled-".length()));
      boolean ready =
          PolicyStatusBuilder.ready(policy.getStatus())
              .filter(c -> "True".equals(c.getStatus()))
              .isPresent();
      boolean current =
          policy.getStatus() != null
              && policy
                  .getMetadata()
                  .getGeneration()
                  .equals(policy.getStatus().getObservedGeneration());
      if (!changed.contains(index) && index != drifted && !ready) {
        found.add(name + " stopped saying Ready: " + policy.getStatus().getConditions());
      }
      if (changedAt.containsKey(index) && ready && current) {
        boolean applied =
            policies.requests(table(index), Operation.UPDATE_CONTINUOUS_BACKUPS).stream()
                .anyMatch(r -> r.sequence() > changedAt.get(index) && r.httpStatus() == 200);
        if (!applied) {
          found.add(
              name
                  + " said Ready for generation "
                  + policy.getMetadata().getGeneration()
                  + " before its Update");
        }
      }
    }
    return found;
  }

  /** Waits until the first {@code count} throttled-* policies are Ready for their spec. */
  private static void awaitAllReady(int count) {
    IntStream.range(0, count)
        .forEach(
            i ->
                policies.awaitReady(
                    NAMESPACE,
                    name(i),
                    policies.get(NAMESPACE, name(i)).getMetadata().getGeneration()));
  }

  /** The UpdateContinuousBackups calls DynamoDB carried out. */
  private static List<RequestRecord> successfulUpdates(List<RequestRecord> requests) {
    return requests.stream()
        .filter(r -> r.operation().equals(Operation.UPDATE_CONTINUOUS_BACKUPS.apiName()))
        .filter(r -> r.httpStatus() == 200)
        .toList();
  }

  /** The Ready condition's lastTransitionTime of throttled-{from} up to (not including) {to}. */
  private static Map<String, String> readySince(int from, int to) {
    Map<String, String> since = new java.util.TreeMap<>();
    for (int i = from; i < to; i++) {
      ContinuousBackupsPolicy policy = policies.get(NAMESPACE, name(i));
      since.put(
          name(i),
          PolicyStatusBuilder.ready(policy.getStatus()).orElseThrow().getStatus()
              + " since "
              + PolicyStatusBuilder.ready(policy.getStatus())
                  .orElseThrow()
                  .getLastTransitionTime());
    }
    return since;
  }

  /**
   * The operator's calls keep to its budgets: never ahead of the rate by more than the budget's
   * burst (half a second's worth, CallBudget) and the one call a spec change may borrow from it,
   * per region; the emulator's clock reads arrivals, which network and scheduling jitter can put
   * one call closer.
   */
  private static void assertKeptToTheBudgets(List<RequestRecord> requests) {
    Map<Operation, Double> budgets =
        Map.of(
            Operation.DESCRIBE_CONTINUOUS_BACKUPS, DESCRIBES_PER_SECOND,
            Operation.UPDATE_CONTINUOUS_BACKUPS, UPDATES_PER_SECOND);
    budgets.forEach(
        (operation, perSecond) ->
            requests.stream()
                .map(RequestRecord::region)
                .distinct()
                .forEach(
                    region ->
                        assertThat(
                                CallRates.mostAboveTheRateAt(
                                    requests.stream()
                                        .filter(r -> r.operation().equals(operation.apiName()))
                                        .filter(r -> r.region().equals(region))
                                        .map(RequestRecord::time)
                                        .toList(),
                                    perSecond))
                            .as("%s in %s, against %.0f a second", operation, region, perSecond)
                            .isLessThanOrEqualTo(Math.ceil(perSecond / 2) + 1 + 1)));
  }

  /** The most calls of {@code operation} about one region in any one second. */
  private static int peakPerSecond(List<RequestRecord> requests, Operation operation) {
    return requests.stream()
        .map(RequestRecord::region)
        .distinct()
        .mapToInt(region -> peakPerSecond(requests, operation, region))
        .max()
        .orElse(0);
  }

  private static int peakPerSecond(
      List<RequestRecord> requests, Operation operation, String region) {
    List<Instant> times =
        requests.stream()
            .filter(r -> r.operation().equals(operation.apiName()))
            .filter(r -> r.region().equals(region))
            .map(RequestRecord::time)
            .sorted()
            .toList();
    int peak = 0;
    int from = 0;
    for (int to = 0; to < times.size(); to++) {
      while (!times.get(from).plusSeconds(1).isAfter(times.get(to))) {
        from++;
      }
      peak = Math.max(peak, to - from + 1);
    }
    return peak;
  }

  private static boolean enabled(String table) {
    return "ENABLED"
        .equals(
            under
                .outOfBand()
                .describeContinuousBackups(r -> r.tableName(table))
                .continuousBackupsDescription()
                .pointInTimeRecoveryDescription()
                .pointInTimeRecoveryStatusAsString());
  }

  private static List<RequestRecord> since(long sequence) {
    return policies.operatorRequests().stream().filter(r -> r.sequence() > sequence).toList();
  }

  private static long lastSequence() {
    List<RequestRecord> all = under.emulator().observations().requests();
    return all.isEmpty() ? 0 : all.get(all.size() - 1).sequence();
  }

  private static String leaseHolder() {
    var lease =
        client
            .leases()
            .inNamespace(under.release().namespace())
            .withName("faults-pitr-operator-leader")
            .get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static String tableName(String nameOrArn) {
    return nameOrArn.substring(nameOrArn.lastIndexOf('/') + 1);
  }

  private static String name(int i) {
    return "throttled-" + i;
  }

  private static String table(int i) {
    return "throttled-" + i;
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
