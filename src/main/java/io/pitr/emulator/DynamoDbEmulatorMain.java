package io.pitr.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        --limits PRESET             request rates to enforce per account and region, above which
                                    calls are throttled: none (default) or aws (documented:
                                    DescribeContinuousBackups and ListTagsOfResource 10/s,
                                    TagResource and UntagResource 5/s; assumed: DescribeTable and
                                    ListTables 10/s, UpdateContinuousBackups, CreateTable and
                                    DeleteTable 5/s)
        --limit OPERATION=RATE      limit OPERATION (its API name) to RATE requests per second per
                                    account and region, on top of --limits; 0 lifts its limit
                                    (repeatable)
        --table NAME                create this on-demand table at start (repeatable)
        --role ROLE_ARN,EXTERNAL_ID let AssumeRole assume this role from any account with this
                                    ExternalId (repeatable; the ExternalId is all after the first
                                    comma; trusted accounts: POST /_emulator/roles)
      """;

  private DynamoDbEmulatorMain() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      System.out.print(USAGE);
      return;
    }
    CommandLine commandLine;
    DynamoDbEmulator emulator;
    try {
      commandLine = parse(args);
      emulator = start(commandLine);
    } catch (AwsErrorException | IllegalArgumentException e) {
      System.err.println("DynamoDB emulator not started: " + e.getMessage());
      System.exit(2);
      return;
    }
    EmulatorSettings built = commandLine.settings();
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
    if (!built.limits().isEmpty()) {
      System.out.println(
          "Limits, requests per second per account and region: " + built.limits().byApiName());
    }
    stopped.await();
  }

  /**
   * The options of a command line.
   *
   * @param settings the emulator's settings
   * @param faults the faults to inject from the start, null for none
   * @param tables the tables to create in the default account and region
   * @param roles the roles AssumeRole may assume
   */
  record CommandLine(
      EmulatorSettings settings, JsonNode faults, List<String> tables, List<AssumableRole> roles) {}

  /** Reads the options (but not --help) into settings and what to set up at start. */
  static CommandLine parse(String[] args) throws IOException {
    EmulatorSettings.Builder settings = EmulatorSettings.builder().port(8000);
    JsonNode faults = null;
    List<String> tables = new ArrayList<>();
    List<AssumableRole> roles = new ArrayList<>();
    Limits limits = Limits.NONE;
    Map<Operation, Double> rates = new LinkedHashMap<>();
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
        case "--limits" -> limits = preset(value(args, ++i, option));
        case "--limit" -> {
          Map.Entry<Operation, Double> rate = rate(value(args, ++i, option));
          rates.put(rate.getKey(), rate.getValue());
        }
        case "--table" -> tables.add(value(args, ++i, option));
        case "--role" -> roles.add(role(value(args, ++i, option)));
        default -> throw usage("unknown option " + option);
      }
    }
    for (Map.Entry<Operation, Double> rate : rates.entrySet()) {
      limits = limits.with(rate.getKey(), rate.getValue());
    }
    settings.limits(limits);
    return new CommandLine(settings.build(), faults, tables, roles);
  }

  /**
   * Starts an emulator as the command line says, with its faults, tables and roles in place before
   * it is announced; closes it again if any of them is refused.
   *
   * @throws IllegalArgumentException or {@link AwsErrorException} saying what was refused
   */
  static DynamoDbEmulator start(CommandLine commandLine) {
    EmulatorSettings settings = commandLine.settings();
    DynamoDbEmulator emulator = DynamoDbEmulator.start(settings);
    try {
      if (commandLine.faults() != null) {
        AdminEndpoint.applyFaults(emulator.faults(), commandLine.faults(), settings);
      }
      for (String table : commandLine.tables()) {
        emulator.createTable(new Scope(settings.accountId(), settings.defaultRegion()), table);
      }
      commandLine.roles().forEach(emulator::registerRole);
      return emulator;
    } catch (AwsErrorException | IllegalArgumentException e) {
      emulator.close();
      throw e;
    }
  }

  /**
   * ROLE_ARN,EXTERNAL_ID, split at the first comma, since an ExternalId may hold commas; a role
   * whose name holds one is registered through the admin API instead.
   */
  private static AssumableRole role(String value) {
    int comma = value.indexOf(',');
    if (comma < 0) {
      throw usage("--role is ROLE_ARN,EXTERNAL_ID, was " + value);
    }
    return AssumableRole.trustingAnyAccount(value.substring(0, comma), value.substring(comma + 1));
  }

  private static Limits preset(String name) {
    try {
      return Limits.preset(name);
    } catch (IllegalArgumentException e) {
      throw usage("--limits is aws or none, was " + name);
    }
  }

  /** OPERATION=RATE, as {@code --limit} takes it; the rate is checked by {@link Limits#with}. */
  private static Map.Entry<Operation, Double> rate(String value) {
    int equals = value.indexOf('=');
    if (equals < 0) {
      throw usage("--limit is OPERATION=RATE, for example ListTables=5, was " + value);
    }
    String name = value.substring(0, equals);
    Operation operation =
        Operation.fromApiName(name)
            .orElseThrow(
                () ->
                    usage(
                        "--limit: unknown operation "
                            + name
                            + "; one of "
                            + Arrays.stream(Operation.values()).map(Operation::apiName).toList()));
    String rate = value.substring(equals + 1);
    double requestsPerSecond;
    try {
      requestsPerSecond = Double.parseDouble(rate);
    } catch (NumberFormatException e) {
      throw usage(
          "--limit " + name + ": the rate must be a number of requests per second, was " + rate);
    }
    try {
      Limits.NONE.with(operation, requestsPerSecond);
    } catch (IllegalArgumentException e) {
      throw usage("--limit " + e.getMessage());
    }
    return Map.entry(operation, requestsPerSecond);
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
