package io.pitr.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs programs nobody here wrote (the AWS CLI, Python with boto3, moto, kubectl, helm) for
 * integration tests; {@link ProvisionedTools} finds them.
 */
public final class ExternalCommand {

  private ExternalCommand() {}

  /**
   * What a finished command printed.
   *
   * @param exitCode the process's exit code
   * @param stdout standard output
   * @param stderr standard error
   */
  public record Result(int exitCode, String stdout, String stderr) {}

  /** Runs a command to completion, with extra environment variables, within a time limit. */
  public static Result run(
      List<String> command, Map<String, String> environment, Duration timeout) {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      CompletableFuture<String> stdout = read(process.getInputStream());
      CompletableFuture<String> stderr = read(process.getErrorStream());
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            "Command did not finish within " + timeout + ": " + String.join(" ", command));
      }
      return new Result(process.exitValue(), stdout.join(), stderr.join());
    } catch (IOException e) {
      throw new UncheckedIOException("Could not run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static CompletableFuture<String> read(java.io.InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
