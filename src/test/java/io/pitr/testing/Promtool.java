package io.pitr.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prometheus's promtool, built from its Go module by src/test/scripts/provision-promtool.sh at the
 * version src/test/prometheus/promtool/go.mod pins, once per version (cached in {@link
 * ProvisionedTools#directory()}).
 */
public final class Promtool {

  private static final Path SCRIPT = Path.of("src", "test", "scripts", "provision-promtool.sh");
  private static Path binary;

  private Promtool() {}

  /** The binary, built first if needed (see {@link ToolProvisioning} for a machine without Go). */
  public static synchronized Path binary() {
    if (binary == null) {
      String printed = ToolProvisioning.run(SCRIPT).strip();
      Path path = Path.of(printed.substring(printed.lastIndexOf('\n') + 1));
      if (!Files.isExecutable(path)) {
        throw new IllegalStateException(SCRIPT + " printed no executable promtool: " + printed);
      }
      binary = path;
    }
    return binary;
  }

  /** promtool with these arguments. */
  public static ExternalCommand.Result run(String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(binary().toString());
    command.addAll(List.of(arguments));
    return ExternalCommand.run(command, Map.of(), Duration.ofSeconds(120));
  }
}
