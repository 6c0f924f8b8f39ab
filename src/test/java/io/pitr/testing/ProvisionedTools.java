package io.pitr.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tools the build provisions for the integration tests, outside the work tree, in {@code
 * $PITR_TOOLS_DIR} (default {@code ~/.cache/pitr-operator}): helm, and a Python virtual environment
 * with the AWS CLI, boto3 and moto (src/test/scripts/provision-*.sh, run by ./mvnw verify before
 * the integration tests). A missing tool fails the test with how to get it; it is never skipped.
 */
public final class ProvisionedTools {

  private ProvisionedTools() {}

  /** Where provisioned tools live. */
  public static Path directory() {
    String configured = System.getenv("PITR_TOOLS_DIR");
    return configured != null && !configured.isBlank()
        ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".cache", "pitr-operator");
  }

  /** A program of the provisioned Python environment: python, aws, moto_server. */
  public static Path python(String program) {
    Path path = directory().resolve("python-tools").resolve("bin").resolve(program);
    if (!Files.isExecutable(path)) {
      throw new IllegalStateException(
          program
              + " is missing at "
              + path
              + ": ./mvnw verify provisions it (src/test/scripts/provision-python-tools.sh, which"
              + " needs python3 with its venv module).");
    }
    return path;
  }
}
