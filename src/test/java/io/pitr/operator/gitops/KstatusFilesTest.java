package io.pitr.operator.gitops;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import io.pitr.operator.testing.GoPrograms;
import io.pitr.operator.testing.GoPrograms.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kstatus (sigs.k8s.io/cli-utils' status.Compute, which Flux, kpt and the cli-utils applier use to
 * wait for objects) on the policy in each state of its life, from the testdata of the Argo CD
 * check: the conditions the operator writes mean to kstatus what the README says. Not covered: the
 * objects the operator really writes (the testdata are written by hand to its status contract).
 */
class KstatusFilesTest {

  /** The state each testdata file holds, and the status kstatus computes for it. */
  private static final Map<String, String> EXPECTED =
      Map.ofEntries(
          // With no status at all kstatus would fall back to Current (status.Compute's last rule);
          // the CRD's default status, observedGeneration -1, makes a new policy in progress.
          entry("new.yaml", "InProgress"),
          entry("in-sync.yaml", "Current"),
          entry("spec-changed.yaml", "InProgress"),
          entry("table-not-found.yaml", "InProgress"),
          entry("throttled.yaml", "InProgress"),
          entry("access-denied.yaml", "Failed"),
          entry("conflict.yaml", "Failed"),
          entry("restore-point-loss-not-acknowledged.yaml", "Failed"),
          entry("observe-drift.yaml", "Current"),
          entry("restore-window-reduced.yaml", "Current"),
          entry("deleting.yaml", "Terminating"));

  @Test
  void eachStateHasTheKstatusTheReadmePromises() {
    List<Path> files = ArgoCdHealthCheckTest.testdata();

    List<Verdict> verdicts = GoPrograms.kstatusFiles(files);

    assertThat(ArgoCdHealthCheckTest.byFile(files, verdicts)).isEqualTo(EXPECTED);
  }

  @Test
  void messagesComeFromTheConditionsThatDecided() {
    Map<String, Verdict> verdicts = verdicts();

    assertThat(verdicts.get("new.yaml").message())
        .isEqualTo("ContinuousBackupsPolicy generation is 1, but latest observed generation is -1");
    assertThat(verdicts.get("in-sync.yaml").message()).isEqualTo("Resource is Ready");
    assertThat(verdicts.get("spec-changed.yaml").message())
        .isEqualTo("ContinuousBackupsPolicy generation is 4, but latest observed generation is 3");
    assertThat(verdicts.get("throttled.yaml").message())
        .isEqualTo("DynamoDB throttled DescribeContinuousBackups (ThrottlingException).");
    assertThat(verdicts.get("conflict.yaml").message())
        .isEqualTo(
            "Table orders in eu-west-1 is managed by team-a/orders; this policy takes over if that"
                + " one is deleted.");
    assertThat(verdicts.get("deleting.yaml").message())
        .isEqualTo("Resource scheduled for deletion");
  }

  @Test
  void withoutTheDefaultStatusKstatusWouldCountANewPolicyDone(@TempDir Path temporary)
      throws IOException {
    // Why the CRD defaults status: the same policy as served without it.
    String served =
        Files.readString(GoPrograms.POLICY_HEALTH_CHECK.resolve("testdata").resolve("new.yaml"));
    assertThat(served).endsWith("\nstatus:\n  conditions: []\n  observedGeneration: -1\n");
    Path bare = temporary.resolve("bare.yaml");
    Files.writeString(bare, served.substring(0, served.indexOf("\nstatus:\n") + 1));

    assertThat(GoPrograms.kstatusFiles(List.of(bare)))
        .singleElement()
        .returns("Current", Verdict::status)
        .returns("Resource is current", Verdict::message);
  }

  private static Map<String, Verdict> verdicts() {
    List<Path> files = ArgoCdHealthCheckTest.testdata();
    List<Verdict> verdicts = GoPrograms.kstatusFiles(files);
    assertThat(verdicts).hasSameSizeAs(files);
    Map<String, Verdict> byFile = new java.util.LinkedHashMap<>();
    for (int i = 0; i < files.size(); i++) {
      byFile.put(files.get(i).getFileName().toString(), verdicts.get(i));
    }
    return byFile;
  }
}
