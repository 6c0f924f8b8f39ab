package io.pitr.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.pitr.testing.ExternalCommand;
import io.pitr.testing.ProvisionedTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
  Outcome call(URI endpoint, String service, String operation, String params, Keys keys) {
    return run(List.of(service, kebabCase(operation), "--cli-input-json", params), endpoint, keys);
  }

  /** The flags a person types, rather than --cli-input-json, reach the emulator alike. */
  @Test
  void assumeRoleWithTheCommandsOwnFlags() {
    emulator.registerRole(AssumableRole.trustingAnyAccount(ROLE_ARN, EXTERNAL_ID));

    Outcome assumed =
        run(
            List.of(
                "sts",
                "assume-role",
                "--role-arn",
                ROLE_ARN,
                "--role-session-name",
                "from-the-cli",
                "--external-id",
                EXTERNAL_ID,
                "--duration-seconds",
                "900",
                "--tags",
                "Key=team,Value=payments"),
            emulator.endpoint(),
            callerKeys());
    assertThat(assumed.response().at("/AssumedRoleUser/Arn").asText())
        .isEqualTo("arn:aws:sts::" + ROLE_ACCOUNT + ":assumed-role/pitr/from-the-cli");
    Instant arrived = emulator.observations().requests().get(0).time();
    assertThat(
            OffsetDateTime.parse(assumed.response().at("/Credentials/Expiration").asText())
                .toInstant())
        .as("900 seconds from when it was issued, in whole seconds")
        .isBetween(
            arrived.truncatedTo(ChronoUnit.SECONDS).plusSeconds(900), arrived.plusSeconds(901));

    Outcome identity =
        run(
            List.of("sts", "get-caller-identity"),
            emulator.endpoint(),
            Keys.issuedBy(assumed.response()));
    assertThat(identity.response().get("Account").asText()).isEqualTo(ROLE_ACCOUNT);
    assertThat(emulator.observations().requests().get(0).assumeRole().sessionTags())
        .containsExactly(Map.entry("team", "payments"));

    Outcome denied =
        run(
            List.of(
                "sts",
                "assume-role",
                "--role-arn",
                ROLE_ARN,
                "--role-session-name",
                "from-the-cli",
                "--external-id",
                "guessed"),
            emulator.endpoint(),
            callerKeys());
    assertThat(denied.errorCode()).isEqualTo("AccessDenied");
  }

  private Outcome run(List<String> arguments, URI endpoint, Keys keys) {
    List<String> command = new ArrayList<>();
    command.add(aws.toString());
    command.addAll(arguments);
    command.addAll(List.of("--endpoint-url", endpoint.toString(), "--output", "json"));
    Map<String, String> environment =
        new HashMap<>(
            Map.of(
                "AWS_ACCESS_KEY_ID", keys.accessKeyId(),
                "AWS_SECRET_ACCESS_KEY", keys.secretAccessKey(),
                "AWS_DEFAULT_REGION", REGION,
                "AWS_CONFIG_FILE", "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE", "/dev/null",
                "AWS_MAX_ATTEMPTS", "1",
                "AWS_RETRY_MODE", "standard"));
    if (keys.sessionToken() != null) {
      environment.put("AWS_SESSION_TOKEN", keys.sessionToken());
    }
    var result = ExternalCommand.run(command, environment, Duration.ofSeconds(60));
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
