package io.pitr.operator.gitops;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pitr.operator.testing.Fixtures;
import io.pitr.operator.testing.GoPrograms;
import io.pitr.operator.testing.GoPrograms.HealthCase;
import io.pitr.operator.testing.GoPrograms.HealthTestRun;
import io.pitr.operator.testing.GoPrograms.ScriptSource;
import io.pitr.operator.testing.GoPrograms.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Argo CD health check of ContinuousBackupsPolicy (deploy/argocd, in the layout of Argo CD's
 * resource_customizations) gives each state of a policy's life the health the README promises, run
 * by argo-health as Argo CD runs health scripts ({@link GoPrograms}): its health_test.yaml passes
 * Argo CD's own kind of test, and each object gets its status from the controller's path, with the
 * libraries of a built-in script and of an argocd-cm customization. Not covered here: a running
 * Argo CD (its resource cache, an application's aggregated health), and objects as the operator
 * really writes them (the testdata are written by hand to its status contract).
 */
class ArgoCdHealthCheckTest {

  private static final Path CHECK = GoPrograms.POLICY_HEALTH_CHECK;
  private static final Path SCRIPT = CHECK.resolve("health.lua");

  /** The state each testdata file holds, and the health Argo CD must show for it. */
  private static final Map<String, String> EXPECTED =
      Map.ofEntries(
          entry("new.yaml", "Progressing"),
          entry("in-sync.yaml", "Healthy"),
          entry("spec-changed.yaml", "Progressing"),
          entry("table-not-found.yaml", "Progressing"),
          entry("throttled.yaml", "Progressing"),
          entry("access-denied.yaml", "Degraded"),
          entry("conflict.yaml", "Degraded"),
          entry("restore-point-loss-not-acknowledged.yaml", "Degraded"),
          entry("observe-drift.yaml", "Healthy"),
          entry("restore-window-reduced.yaml", "Healthy"),
          entry("deleting.yaml", "Progressing"));

  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

  @Test
  void argoCdsTestOfTheCheckPassesForEveryTestdataObject() {
    HealthTestRun run = GoPrograms.argoHealthTest(CHECK);

    assertThat(run.mismatches()).as(run.report()).isEmpty();
    assertThat(run.cases())
        .extracting(HealthCase::inputPath)
        .containsExactlyInAnyOrderElementsOf(
            testdata().stream().map(file -> "testdata/" + file.getFileName()).toList());
  }

  @Test
  void theCheckAlsoPassesWithOnlyTheLibrariesOfAnArgocdCmCustomization() {
    HealthTestRun run = GoPrograms.argoHealthTest(CHECK, ScriptSource.ARGOCD_CM);

    assertThat(run.mismatches()).as(run.report()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(ScriptSource.class)
  void eachStateHasTheHealthTheReadmePromises(ScriptSource source) {
    List<Path> files = testdata();

    List<Verdict> verdicts = GoPrograms.argoHealth(SCRIPT, files, source);

    assertThat(byFile(files, verdicts)).isEqualTo(EXPECTED);
  }

  @Test
  void messagesSayWhatIsAwaitedOrWrong() throws IOException {
    Map<String, Verdict> verdicts = verdicts();

    assertThat(verdicts.get("new.yaml").message()).contains("Waiting for the operator");
    assertThat(verdicts.get("spec-changed.yaml").message())
        .contains("generation 4")
        .contains("generation 3");
    for (String stalled :
        List.of(
            "access-denied.yaml", "conflict.yaml", "restore-point-loss-not-acknowledged.yaml")) {
      assertThat(verdicts.get(stalled).message()).as(stalled).isEqualTo(readyMessage(stalled));
    }
    for (String waiting : List.of("table-not-found.yaml", "throttled.yaml", "in-sync.yaml")) {
      assertThat(verdicts.get(waiting).message()).as(waiting).isEqualTo(readyMessage(waiting));
    }
    assertThat(verdicts.get("observe-drift.yaml").message())
        .isEqualTo(readyMessage("observe-drift.yaml"))
        .startsWith("Observe only: point-in-time recovery is disabled, where the spec asks for");
    assertThat(verdicts.get("restore-window-reduced.yaml").message())
        .startsWith(readyMessage("restore-window-reduced.yaml"))
        .contains("Restore points reach back to 2026-11-20T08:15:00Z");
    // The controller judges an object being deleted itself, without the script (gitops-engine's
    // GetResourceHealth); the script's own message shows in Argo CD's test of it.
    assertThat(verdicts.get("deleting.yaml").message()).isEqualTo("Pending deletion");
    assertThat(
            GoPrograms.argoHealthTest(CHECK).cases().stream()
                .filter(c -> c.inputPath().equals("testdata/deleting.yaml"))
                .findFirst()
                .orElseThrow()
                .actual()
                .message())
        .startsWith("Deleting: point-in-time recovery of table payments is turned off first");
  }

  @Test
  void aWrongExpectationIsReportedAsAMismatch(@TempDir Path temporary) throws IOException {
    Path check = copyOfTheCheck(temporary);
    Files.writeString(
        check.resolve("health_test.yaml"),
        """
        tests:
        - healthStatus:
            status: Degraded
            message: "Point-in-time recovery is enabled with a 35-day recovery period, as specified."
          inputPath: testdata/in-sync.yaml
        - healthStatus:
            status: Progressing
            message: "Not what the script says"
          inputPath: testdata/throttled.yaml
        - healthStatus:
            status: Progressing
            message: "Table invoices was not found in eu-west-1."
          inputPath: testdata/table-not-found.yaml
        """);

    HealthTestRun run = GoPrograms.argoHealthTest(check);

    assertThat(run.passed()).isFalse();
    assertThat(run.mismatches())
        .extracting(HealthCase::inputPath)
        .containsExactly("testdata/in-sync.yaml", "testdata/throttled.yaml");
    assertThat(run.mismatches().get(0).actual().status()).isEqualTo("Healthy");
    assertThat(run.mismatches().get(1).actual().message())
        .isEqualTo(readyMessage("throttled.yaml"));
    assertThat(run.report())
        .contains("FAIL testdata/in-sync.yaml", "FAIL testdata/throttled.yaml", "2 of 3");
  }

  @Test
  void aScriptThatFailsFailsEveryCase(@TempDir Path temporary) throws IOException {
    Path check = copyOfTheCheck(temporary);
    Files.writeString(check.resolve("health.lua"), "return { status = obj.status.nothing.here }");

    HealthTestRun run = GoPrograms.argoHealthTest(check);

    assertThat(run.mismatches()).hasSameSizeAs(run.cases()).isNotEmpty();
    assertThat(run.cases()).allSatisfy(c -> assertThat(c.error()).isNotBlank());
  }

  @Test
  void aTestdataObjectOfAnotherKindIsNotJudgedByTheScript(@TempDir Path temporary)
      throws IOException {
    Path check = copyOfTheCheck(temporary);
    Path inSync = check.resolve("testdata").resolve("in-sync.yaml");
    Files.writeString(
        inSync,
        Files.readString(inSync)
            .replace("kind: ContinuousBackupsPolicy", "kind: DynamoDbAccountBinding"));

    HealthTestRun run = GoPrograms.argoHealthTest(check);

    assertThat(run.mismatches())
        .extracting(HealthCase::inputPath)
        .containsExactly("testdata/in-sync.yaml");
    assertThat(run.mismatches().get(0).error())
        .contains("Argo CD runs this script for dynamodb.pitr.io/ContinuousBackupsPolicy only");
  }

  private Map<String, Verdict> verdicts() {
    List<Path> files = testdata();
    List<Verdict> verdicts = GoPrograms.argoHealth(SCRIPT, files);
    assertThat(verdicts).hasSameSizeAs(files);
    Map<String, Verdict> byName = new LinkedHashMap<>();
    for (int i = 0; i < files.size(); i++) {
      byName.put(files.get(i).getFileName().toString(), verdicts.get(i));
    }
    return byName;
  }

  /** The message of the Ready condition in a testdata file. */
  private String readyMessage(String file) throws IOException {
    JsonNode policy = yaml.readTree(CHECK.resolve("testdata").resolve(file).toFile());
    for (JsonNode condition : policy.at("/status/conditions")) {
      if (condition.get("type").asText().equals("Ready")) {
        return condition.get("message").asText();
      }
    }
    throw new AssertionError(file + " has no Ready condition");
  }

  static List<Path> testdata() {
    return Fixtures.yamlFilesIn(CHECK.resolve("testdata"));
  }

  /** File name to status; the programs answer one line per object, in the order of the files. */
  static Map<String, String> byFile(List<Path> files, List<Verdict> verdicts) {
    assertThat(verdicts).hasSameSizeAs(files);
    Map<String, String> statuses = new LinkedHashMap<>();
    for (int i = 0; i < files.size(); i++) {
      assertThat(verdicts.get(i).file()).isEqualTo(files.get(i).toAbsolutePath().toString());
      statuses.put(files.get(i).getFileName().toString(), verdicts.get(i).status());
    }
    return statuses;
  }

  /** The check copied to a directory of the same GROUP/KIND layout, for Argo CD's lookup. */
  private static Path copyOfTheCheck(Path temporary) throws IOException {
    Path copy = temporary.resolve("dynamodb.pitr.io").resolve("ContinuousBackupsPolicy");
    try (Stream<Path> files = Files.walk(CHECK)) {
      for (Path file : files.toList()) {
        Path target = copy.resolve(CHECK.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
    return copy;
  }
}
