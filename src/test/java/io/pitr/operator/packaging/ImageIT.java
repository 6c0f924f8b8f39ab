package io.pitr.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.emulator.DynamoDbEmulator;
import io.pitr.emulator.EmulatorSettings;
import io.pitr.emulator.Scope;
import io.pitr.operator.testing.ChartValues;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.OciImage;
import io.pitr.operator.testing.OperatorRelease;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.RealKubeApiServer;
import io.pitr.operator.testing.RuncContainer;
import io.pitr.testing.ExternalCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator's image (target/pitr-operator-image.tar, as the build writes it) run by runc as the
 * chart's container: it starts, is ready and manages a policy against the real API server and the
 * emulator, with the user, read-only root filesystem, privileges, JVM options and memory limit the
 * chart gives it.
 */
@ExtendWith(RealKubeApiServer.class)
class ImageIT {

  static final Scope SCOPE = new Scope("333344445555", "eu-west-1");
  static final String NAMESPACE = "image-a";

  @Test
  void theImageRunsTheOperatorAsTheChartsContainer(KubernetesClient client) throws Exception {
    assertThat(Files.getLastModifiedTime(OciImage.ARCHIVE))
        .as("the image was built by this build (not skipped with -DskipImage)")
        .isGreaterThanOrEqualTo(
            Files.getLastModifiedTime(Path.of("target", "quarkus-app", "quarkus-run.jar")));
    OciImage image = OciImage.read(OciImage.ARCHIVE);
    CustomResourceDefinitions.installPolicyCrds(client);
    try (DynamoDbEmulator emulator =
            DynamoDbEmulator.start(
                EmulatorSettings.builder()
                    .accountId(SCOPE.accountId())
                    .defaultRegion(SCOPE.region())
                    .build());
        OperatorRelease release =
            OperatorRelease.install(
                client,
                "image",
                "image-system",
                ChartValues.against(emulator.endpoint())
                    .region(SCOPE.region())
                    .accountId(SCOPE.accountId())
                    .watchNamespaces(NAMESPACE)
                    .build())) {
      assertThat(release.image()).as("the chart's default image").isEqualTo(image.reference());
      OperatorRelease.PodTemplate pod = release.podTemplate();

      Instant started = Instant.now();
      try (RuncContainer container = RuncContainer.run(OciImage.ARCHIVE, pod)) {
        container.awaitReady();
        Duration startup = Duration.between(started, Instant.now());

        // Working: a policy Ready, and its metrics served.
        Policies policies = new Policies(client, emulator);
        emulator.createTable(SCOPE, "imaged");
        policies.awaitReady(policies.create(NAMESPACE, "imaged", "imaged", true, 14));
        assertThat(container.get("/q/metrics").body()).contains("pitr_reconciles_total");

        // As the chart's securityContext asks, seen from this machine.
        assertThat(container.processStatus("Uid")).startsWith("185\t");
        assertThat(container.processStatus("Gid")).startsWith("185\t");
        assertThat(image.user())
            .as("the image's own user, for runtimes without one")
            .isEqualTo("185:185");
        assertThat(container.processStatus("CapEff")).isEqualTo("0000000000000000");
        assertThat(container.processStatus("NoNewPrivs")).isEqualTo("1");
        assertThat(container.mounts())
            .as("the root filesystem is mounted read-only")
            .anyMatch(
                line -> line.split(" ")[4].equals("/") && line.split(" ")[5].startsWith("ro"));
        // With the chart's JVM options, sizing its heap by the container's memory limit.
        String jvmOptions = pod.environment().get("JAVA_TOOL_OPTIONS");
        assertThat(jvmOptions).contains("-XX:MaxRAMPercentage=70");
        assertThat(container.log())
            .anyMatch(line -> line.equals("Picked up JAVA_TOOL_OPTIONS: " + jvmOptions));
        ExternalCommand.Result flags = container.exec("/opt/java/bin/jcmd", "1", "VM.flags");
        assertThat(flags.exitCode()).as(flags.stdout() + flags.stderr()).isZero();
        Matcher heap = Pattern.compile("-XX:MaxHeapSize=(\\d+)").matcher(flags.stdout());
        assertThat(heap.find()).as(flags.stdout()).isTrue();
        long maxHeap = Long.parseLong(heap.group(1));
        assertThat(maxHeap)
            .as("70% (MaxRAMPercentage) of the memory limit")
            .isBetween(pod.memoryLimit() * 65 / 100, pod.memoryLimit() * 71 / 100);

        System.out.printf(
            "IMAGE: %s, %d MB compressed (layers %s bytes); ready %d ms after the archive was"
                + " unpacked and run by runc on this machine; max heap %d MiB of a %d MiB limit%n",
            image.reference(),
            image.layerSizes().stream().mapToLong(Long::longValue).sum() / 1_000_000,
            image.layerSizes(),
            startup.toMillis(),
            maxHeap >> 20,
            pod.memoryLimit() >> 20);
        // Deleted while the operator runs, which removes its finalizer.
        policies.deleteAll(NAMESPACE);
      }
    }
  }
}
