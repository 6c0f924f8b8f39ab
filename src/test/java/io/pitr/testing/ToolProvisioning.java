package io.pitr.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a provisioning script of src/test/scripts from a unit test, which runs before the build
 * provisions anything (that is the integration tests' pre-integration-test phase). The scripts
 * build a tool once from its Go module and are quick once it is cached.
 *
 * <p>When a script fails for want of Go, the test is skipped on a developer's machine, with a
 * message saying so, so that unit tests run without Go; under CI ({@code CI=true}) it fails, as
 * does any other failure anywhere.
 */
public final class ToolProvisioning {

  private static final long TIMEOUT_MINUTES = 20;

  private ToolProvisioning() {}

  /** Runs {@code script} with {@code arguments}, returning what it printed on standard output. */
  public static String run(Path script, String... arguments) {
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(List.of(arguments));
    Process process;
    try {
      process = new ProcessBuilder(command).start();
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new UncheckedIOException("Could not run " + String.join(" ", command), e);
    }
    CompletableFuture<String> stdout = readAll(process.getInputStream());
    // A first build takes minutes: its progress goes to the test output as it comes.
    CompletableFuture<String> stderr = echo(process.getErrorStream());
    try {
      if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            script + " did not finish within " + TIMEOUT_MINUTES + " minutes");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (process.exitValue() == 0) {
      return stdout.join();
    }
    String failure = script.getFileName() + " failed:\n" + stderr.join();
    if (!inCi() && !onPath("go")) {
      String skipped =
          failure
              + "Skipped outside CI: install Go 1.26+ to run this test (CI=true makes this a"
              + " failure).";
      System.err.println(skipped);
      Assumptions.abort(skipped);
    }
    throw new IllegalStateException(failure);
  }

  /** Whether this runs in CI, where a missing tool fails a test instead of skipping it. */
  public static boolean inCi() {
    String ci = System.getenv("CI");
    return ci != null && (ci.equalsIgnoreCase("true") || ci.equals("1"));
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String directory : path.split(File.pathSeparator)) {
      if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, program))) {
        return true;
      }
    }
    return false;
  }

  private static CompletableFuture<String> readAll(InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  private static CompletableFuture<String> echo(InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          StringBuilder all = new StringBuilder();
          try (BufferedReader reader =
              new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
              System.err.println(line);
              all.append(line).append('\n');
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return all.toString();
        });
  }
}
