package io.pitr.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.pitr.testing.ExternalCommand;
import io.pitr.testing.ProvisionedTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

/** The conformance scenarios through boto3 (Python), one process per call. */
class Boto3ConformanceIT extends ExternalClientConformance {

  static final Path SCRIPT = Path.of("src", "test", "python", "boto3_call.py");
  private static Path python;

  @BeforeAll
  static void requireBoto3() {
    python = requireBoto3Python();
  }

  /** The provisioned Python with boto3 importable, or a failure saying how to get it. */
  static Path requireBoto3Python() {
    Path python3 = ProvisionedTools.python("python");
    var probe =
        ExternalCommand.run(
            List.of(python3.toString(), "-c", "import boto3"), Map.of(), Duration.ofSeconds(60));
    if (probe.exitCode() != 0) {
      throw new IllegalStateException(
          "boto3 is not importable by "
              + python3
              + ": rerun src/test/scripts/provision-python-tools.sh\n"
              + probe.stderr());
    }
    return python3;
  }

  @Override
  Outcome call(URI endpoint, String service, String operation, String params, Keys keys) {
    List<String> command =
        new ArrayList<>(
            List.of(
                python.toString(),
                SCRIPT.toString(),
                endpoint.toString(),
                REGION,
                service,
                operation,
                params,
                keys.accessKeyId(),
                keys.secretAccessKey()));
    if (keys.sessionToken() != null) {
      command.add(keys.sessionToken());
    }
    var result =
        ExternalCommand.run(
            command,
            Map.of("AWS_CONFIG_FILE", "/dev/null", "AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
            Duration.ofSeconds(60));
    if (result.exitCode() != 0) {
      throw new IllegalStateException("boto3_call.py failed: " + result.stderr());
    }
    try {
      JsonNode outcome = JSON.readTree(result.stdout());
      JsonNode error = outcome.get("error");
      return new Outcome(
          outcome.get("response"),
          error == null ? null : error.get("code").asText(),
          error == null ? null : error.get("message").asText(),
          outcome.has("clientError") ? outcome.get("clientError").asText() : null);
    } catch (IOException e) {
      throw new UncheckedIOException("boto3_call.py printed no JSON: " + result.stdout(), e);
    }
  }
}
