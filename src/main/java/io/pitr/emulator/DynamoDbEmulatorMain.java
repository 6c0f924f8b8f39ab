package io.pitr.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the emulator from the command line until stopped (Ctrl-C or SIGTERM). See {@link #USAGE}.
 */
public final class DynamoDbEmulatorMain {

  static final String USAGE =
      """
      Usage: DynamoDbEmulatorMain [options]
        --host HOST                 address to listen on (default 127.0.0.1; 0.0.0.0 in a container)
        --port PORT                 port to listen on (default 8000; 0 picks a free one)
        --account-id ID             account of requests whose access key is not 12 digits
                                    (default 000000000000)
        --region REGION             region of unsigned requests (default us-east-1)
        --lifecycle MODE            instant (default) or realistic table timings
        --enable-without-period M   reset (default: an enable without a period means 35 days)
                                    or keep (the current period stays)
        --require-authentication    answer unsigned requests with MissingAuthenticationToken
        --faults FILE               faults to inject from the start (JSON, as POST /_emulator/faults)
        --table NAME                create this on-demand table at start (repeatable)
      """;

  private DynamoDbEmulatorMain() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    EmulatorSettings.Builder settings = EmulatorSettings.builder().port(8000);
    JsonNode faults = null;
    List<String> tables = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      switch (option) {
        case "--host" -> settings.host(value(args, ++i, option));
        case "--port" -> settings.port(Integer.parseInt(value(args, ++i, option)));
        case "--account-id" -> settings.accountId(value(args, ++i, option));
        case "--region" -> settings.defaultRegion(value(args, ++i, option));
        case "--lifecycle" ->
            settings.lifecycle(
                switch (value(args, ++i, option)) {
                  case "instant" -> EmulatorSettings.Lifecycle.INSTANT;
                  case "realistic" -> EmulatorSettings.Lifecycle.REALISTIC;
                  default -> throw usage("--lifecycle is instant or realistic");
                });
        case "--enable-without-period" ->
            settings.enableWithoutPeriod(
                switch (value(args, ++i, option)) {
                  case "reset" -> EmulatorSettings.EnableWithoutPeriod.RESET_TO_DEFAULT;
                  case "keep" -> EmulatorSettings.EnableWithoutPeriod.KEEP_CURRENT;
                  default -> throw usage("--enable-without-period is reset or keep");
                });
        case "--require-authentication" -> settings.requireAuthentication(true);
        case "--faults" ->
            faults =
                HttpFrontEnd.mapper().readTree(Files.readString(Path.of(value(args, ++i, option))));
        case "--table" -> tables.add(value(args, ++i, option));
        case "--help", "-h" -> {
          System.out.print(USAGE);
          return;
        }
        default -> throw usage("unknown option " + option);
      }
    }

    EmulatorSettings built = settings.build();
    DynamoDbEmulator emulator = DynamoDbEmulator.start(built);
    try {
      if (faults != null) {
        AdminEndpoint.applyFaults(emulator.faults(), faults, built);
      }
      for (String table : tables) {
        emulator.createTable(new Scope(built.accountId(), built.defaultRegion()), table);
      }
    } catch (AwsErrorException | IllegalArgumentException e) {
      emulator.close();
      System.err.println("DynamoDB emulator not started: " + e.getMessage());
      System.exit(2);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  emulator.close();
                  stopped.countDown();
                }));
    System.out.printf(
        "DynamoDB emulator listening on %s (account %s, region %s, %s lifecycle)%n",
        emulator.endpoint(),
        built.accountId(),
        built.defaultRegion(),
        built.lifecycle().equals(EmulatorSettings.Lifecycle.INSTANT) ? "instant" : "realistic");
    stopped.await();
  }

  private static String value(String[] args, int index, String option) {
    if (index >= args.length) {
      throw usage(option + " needs a value");
    }
    return args[index];
  }

  private static IllegalArgumentException usage(String problem) {
    return new IllegalArgumentException(problem + "\n" + USAGE);
  }
}
