package io.pitr.operator.gitops;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pitr.operator.testing.GoPrograms;
import io.pitr.operator.testing.GoPrograms.FluxVerdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example Flux Kustomization (deploy/flux) judges each state of a policy's life, from the
 * testdata of the Argo CD check, as its comments say, computed by flux-health with Flux's own code
 * ({@link GoPrograms#fluxHealth}: the status readers kustomize-controller builds from
 * healthCheckExprs, fluxcd/pkg/runtime's cel.NewStatusReader among them). Not covered: a running
 * Flux (its wait over all the objects of a Kustomization, timeouts, pruning), and objects as the
 * operator really writes them (GitOpsHealthIT judges those).
 */
class FluxHealthCheckTest {

  private static final Path KUSTOMIZATION = GoPrograms.FLUX_KUSTOMIZATION;

  /** The state each testdata file holds, and the status Flux computes with the example. */
  private static final Map<String, String> EXPECTED =
      Map.ofEntries(
          // Not acted on yet: the CRD's default status says observedGeneration -1.
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
          // The expressions judge an object being deleted like any other (kstatus would say
          // Terminating): its generation is ahead of the status, so it is in progress.
          entry("deleting.yaml", "InProgress"));

  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

  @Test
  void eachStateHasTheFluxHealthTheExampleDescribes() {
    List<Path> files = ArgoCdHealthCheckTest.testdata();

    List<FluxVerdict> verdicts = GoPrograms.fluxHealth(KUSTOMIZATION, files);

    assertThat(
            ArgoCdHealthCheckTest.byFile(
                files, verdicts.stream().map(FluxVerdict::verdict).toList()))
        .isEqualTo(EXPECTED);
    assertThat(verdicts).allSatisfy(verdict -> assertThat(verdict.healthCheckExpr()).isTrue());
  }

  @Test
  void withoutTheExpressionsFluxStillWaitsForANewPolicy(@TempDir Path temporary)
      throws IOException {
    ObjectNode kustomization = (ObjectNode) yaml.readTree(KUSTOMIZATION.toFile());
    ((ObjectNode) kustomization.get("spec")).remove("healthCheckExprs");
    Path plain = temporary.resolve("plain.yaml");
    yaml.writeValue(plain.toFile(), kustomization);

    FluxVerdict fresh = only(GoPrograms.fluxHealth(plain, List.of(testdata("new.yaml"))));

    // kstatus alone: the CRD's default status (observedGeneration -1) is what it waits on.
    assertThat(fresh.healthCheckExpr()).isFalse();
    assertThat(fresh.status()).isEqualTo("InProgress");
  }

  @Test
  void aPolicyWithNoStatusAtAllIsWaitedOnAsUnknown(@TempDir Path temporary) throws IOException {
    // As a policy would read under a CRD without the status default: every expression reads
    // status and fails to evaluate, and Flux reports Unknown, which it keeps waiting on.
    ObjectNode policy = (ObjectNode) yaml.readTree(testdata("new.yaml").toFile());
    assertThat(policy.remove("status")).isNotNull();
    Path bare = temporary.resolve("bare.yaml");
    yaml.writeValue(bare.toFile(), policy);

    FluxVerdict fresh = only(GoPrograms.fluxHealth(KUSTOMIZATION, List.of(bare)));

    assertThat(fresh.status()).isEqualTo("Unknown");
    assertThat(fresh.message())
        .startsWith("failed to evaluate the CEL expression '!has(status.observedGeneration)")
        .endsWith("no such attribute(s): status.observedGeneration");
  }

  @Test
  void aConditionWrittenForAnEarlierGenerationDoesNotCount(@TempDir Path temporary)
      throws IOException {
    // status.observedGeneration is current, so Flux's own generation check passes, but Ready
    // (Stalled) was written for the generation before: only the expressions' own check sees it.
    Path staleReady = temporary.resolve("stale-ready.yaml");
    Files.writeString(
        staleReady,
        Files.readString(testdata("in-sync.yaml")) // generation 3
            .replace("      observedGeneration: 3", "      observedGeneration: 2"));
    Path staleStalled = temporary.resolve("stale-stalled.yaml");
    Files.writeString(
        staleStalled,
        Files.readString(testdata("access-denied.yaml")) // generation 1
            .replace("\n  generation: 1\n", "\n  generation: 2\n")
            .replace("\n  observedGeneration: 1\n", "\n  observedGeneration: 2\n"));
    assertThat(Files.readString(staleReady)).contains("\n  observedGeneration: 3\n");
    assertThat(Files.readString(staleStalled))
        .contains(
            "\n  generation: 2\n", "\n  observedGeneration: 2\n", "      observedGeneration: 1");

    List<FluxVerdict> verdicts =
        GoPrograms.fluxHealth(KUSTOMIZATION, List.of(staleReady, staleStalled));

    assertThat(verdicts)
        .extracting(FluxVerdict::status)
        .containsExactly("InProgress", "InProgress");
  }

  @Test
  void aMisspeltFieldIsRefusedAsTheApiServerWouldNotKeepIt(@TempDir Path temporary)
      throws IOException {
    Path misspelt = temporary.resolve("misspelt.yaml");
    Files.writeString(
        misspelt, Files.readString(KUSTOMIZATION).replace("inProgress:", "inprogress:"));

    assertThatThrownBy(() -> GoPrograms.fluxHealth(misspelt, List.of(testdata("in-sync.yaml"))))
        .hasMessageContaining("unknown field \"spec.healthCheckExprs[0].inprogress\"");
  }

  private static Path testdata(String file) {
    return GoPrograms.POLICY_HEALTH_CHECK.resolve("testdata").resolve(file);
  }

  private static FluxVerdict only(List<FluxVerdict> verdicts) {
    assertThat(verdicts).hasSize(1);
    return verdicts.get(0);
  }
}
