package io.pitr.emulator;

import io.pitr.testing.ExternalCommand;
import io.pitr.testing.ProvisionedTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;

/** The conformance scenarios through the AWS CLI, one command per call. */
class AwsCliConformanceIT extends ExternalClientConformance {

  private static final Pattern SERVICE_ERROR =
      Pattern.compile(
          "An error occurred \\((\\w+)\\) when calling the \\w+ operation"
              + "(?: \\(reached max retries: \\d+\\))?: (.*)",
          Pattern.DOTALL);
  private static Path aws;

  @BeforeAll
  static void requireAwsCli() {
    aws = ProvisionedTools.python("aws");
  }

  @Override
  Outcome call(URI endpoint, String operation, String params) {
    var result =
        ExternalCommand.run(
            List.of(
                aws.toString(),
                "dynamodb",
                kebabCase(operation),
                "--endpoint-url",
                endpoint.toString(),
                "--output",
                "json",
                "--cli-input-json",
                params),
            Map.of(
                "AWS_ACCESS_KEY_ID", "AKIDEXAMPLE",
                "AWS_SECRET_ACCESS_KEY", "secret",
                "AWS_DEFAULT_REGION", REGION,
                "AWS_CONFIG_FILE", "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE", "/dev/null",
                "AWS_MAX_ATTEMPTS", "1",
                "AWS_RETRY_MODE", "standard"),
            Duration.ofSeconds(60));
    if (result.exitCode() == 0) {
      try {
        String out = result.stdout().isBlank() ? "{}" : result.stdout();
        return new Outcome(JSON.readTree(out), null, null, null);
      } catch (IOException e) {
        throw new UncheckedIOException("aws printed no JSON: " + result.stdout(), e);
      }
    }
    String stderr = result.stderr().strip();
    Matcher error = SERVICE_ERROR.matcher(stderr);
    if (error.find()) {
      return new Outcome(null, error.group(1), error.group(2).strip(), null);
    }
    if (stderr.contains("Parameter validation failed")) {
      return new Outcome(null, null, null, stderr);
    }
    throw new IllegalStateException("aws failed unexpectedly: " + stderr);
  }

  /** UpdateContinuousBackups → update-continuous-backups. */
  private static String kebabCase(String operation) {
    return operation.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
  }
}
