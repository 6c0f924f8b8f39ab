package io.pitr.operator.testing;

import io.pitr.testing.ExternalCommand;
import io.pitr.testing.ProvisionedTools;
import io.pitr.testing.ToolProvisioning;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The chart in helm/pitr-operator, driven by the helm (4) binary the build provisioned. */
public final class HelmChart {

  public static final Path CHART = Path.of("helm", "pitr-operator");
  public static final String RELEASE = "pitr-operator";
  public static final String NAMESPACE = "pitr-system";

  private HelmChart() {}

  /** The provisioned helm, or a failure saying how to get it. */
  public static Path helm() {
    Path helm = ProvisionedTools.directory().resolve("helm-" + version()).resolve("helm");
    if (!Files.isExecutable(helm)) {
      throw new IllegalStateException(
          helm + " is missing: ./mvnw verify provisions it (src/test/scripts/provision-helm.sh).");
    }
    return helm;
  }

  /**
   * Provisions helm (src/test/scripts/provision-helm.sh: an installed one, or built once), for unit
   * tests, which run before the build provisions it for the integration tests.
   */
  public static void provision() {
    ToolProvisioning.run(
        Path.of("src", "test", "scripts", "provision-helm.sh"), "--version", version());
  }

  private static String version() {
    String version = System.getProperty("pitr.test.helm-version");
    if (version == null) {
      throw new IllegalStateException("pitr.test.helm-version is not set: run with ./mvnw verify");
    }
    return version;
  }

  /** helm with these arguments. */
  public static ExternalCommand.Result run(String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(helm().toString());
    command.addAll(List.of(arguments));
    return ExternalCommand.run(command, Map.of(), Duration.ofSeconds(120));
  }

  /** The rendered manifests for these extra arguments (values files, --set), failing on error. */
  public static String template(String... extraArguments) {
    return templateRelease(RELEASE, NAMESPACE, extraArguments);
  }

  /** The manifests of release {@code release} in {@code namespace}, failing on error. */
  public static String templateRelease(String release, String namespace, String... extraArguments) {
    List<String> arguments =
        new ArrayList<>(List.of("template", release, CHART.toString(), "--namespace", namespace));
    arguments.addAll(List.of(extraArguments));
    ExternalCommand.Result rendered = run(arguments.toArray(String[]::new));
    if (rendered.exitCode() != 0) {
      throw new IllegalStateException("helm template failed: " + rendered.stderr());
    }
    return rendered.stdout();
  }
}
