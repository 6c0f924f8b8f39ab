package io.pitr.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The emulator's own HTTP API, for tests, benchmarks and people, beside the DynamoDB API:
 *
 * <ul>
 *   <li>{@code GET /_emulator/calls}: calls per operation; {@code DELETE} zeroes them, the
 *       throttled counts and the log
 *   <li>{@code GET /_emulator/throttled}: calls per operation answered ThrottlingException
 *   <li>{@code GET /_emulator/requests}: the request log, oldest first
 *   <li>{@code GET /_emulator/faults}: the faults in force; {@code POST} adds faults (JSON, see
 *       {@link #applyFaults}); {@code DELETE} removes them all
 *   <li>{@code GET /_emulator/limits}: the request rates in force, per second per account and
 *       Region; {@code POST} changes them (JSON, see {@link #limits}); {@code DELETE} lifts them
 *       all
 *   <li>{@code POST /_emulator/clock/advance} with {@code {"seconds": N}}: moves the clock ahead
 *   <li>{@code DELETE /_emulator/tables}: forgets every table
 *   <li>{@code GET /_emulator/roles}: the roles AssumeRole may assume; {@code POST} registers one,
 *       {@code {"roleArn": "arn:aws:iam::222222222222:role/pitr", "externalId": "...",
 *       "trustedAccounts": ["111111111111"]}} (trustedAccounts optional, empty or absent: any
 *       account), replacing the trust of a role with the same ARN; {@code DELETE} forgets them all
 * </ul>
 */
final class AdminEndpoint {

  static final String PREFIX = "/_emulator/";
  private static final ObjectMapper MAPPER = HttpFrontEnd.mapper();

  private final EmulatorSettings settings;
  private final ControlPlane controlPlane;
  private final SecurityTokenService sts;
  private final Faults faults;
  private final Observations observations;
  private final EmulatorClock clock;

  AdminEndpoint(
      EmulatorSettings settings,
      ControlPlane controlPlane,
      SecurityTokenService sts,
      Faults faults,
      Observations observations,
      EmulatorClock clock) {
    this.settings = settings;
    this.controlPlane = controlPlane;
    this.sts = sts;
    this.faults = faults;
    this.observations = observations;
    this.clock = clock;
  }

  void handle(HttpExchange exchange) throws IOException {
    String resource = exchange.getRequestURI().getPath().substring(PREFIX.length());
    String method = exchange.getRequestMethod();
    JsonNode body;
    try (InputStream in = exchange.getRequestBody()) {
      byte[] bytes = in.readAllBytes();
      body = bytes.length == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(bytes);
    } catch (IOException e) {
      reply(exchange, 400, Map.of("error", "the body is not JSON: " + e.getMessage()));
      return;
    }
    try {
      switch (method + " " + resource) {
        case "GET calls" -> reply(exchange, 200, observations.callCounts());
        case "DELETE calls" -> {
          observations.reset();
          reply(exchange, 200, observations.callCounts());
        }
        case "GET throttled" -> reply(exchange, 200, observations.throttledCounts());
        case "GET requests" ->
            reply(
                exchange,
                200,
                observations.requests().stream().map(AdminEndpoint::asJson).toList());
        case "GET faults" -> reply(exchange, 200, faults.describe());
        case "POST faults" -> {
          applyFaults(faults, body, settings);
          reply(exchange, 200, faults.describe());
        }
        case "DELETE faults" -> {
          faults.clear();
          reply(exchange, 200, faults.describe());
        }
        case "GET limits" -> reply(exchange, 200, faults.limits().byApiName());
        case "POST limits" -> {
          faults.limits(limits(faults.limits(), body));
          reply(exchange, 200, faults.limits().byApiName());
        }
        case "DELETE limits" -> {
          faults.limits(Limits.NONE);
          reply(exchange, 200, faults.limits().byApiName());
        }
        case "POST clock/advance" -> {
          clock.advance(Duration.ofMillis(Math.round(number(body, "seconds") * 1000)));
          reply(exchange, 200, Map.of("now", clock.instant().toString()));
        }
        case "DELETE tables" -> {
          controlPlane.clear();
          reply(exchange, 200, Map.of());
        }
        case "GET roles" -> reply(exchange, 200, rolesAsJson());
        case "POST roles" -> {
          sts.registerRole(role(body));
          reply(exchange, 200, rolesAsJson());
        }
        case "DELETE roles" -> {
          sts.clearRoles();
          reply(exchange, 200, rolesAsJson());
        }
        default ->
            reply(exchange, 404, Map.of("error", "no admin resource " + method + " " + resource));
      }
    } catch (IllegalArgumentException e) {
      reply(exchange, 400, Map.of("error", e.getMessage()));
    }
  }

  /**
   * Adds the faults described by a JSON object, the same at start ({@code --faults FILE}) and at
   * run time ({@code POST /_emulator/faults}). Every member is optional:
   *
   * <pre>{@code
   * {"throttleRequestsPerSecond": {"DescribeContinuousBackups": 10},
   *  "throttleProbability": {"UpdateContinuousBackups": 0.5},
   *  "internalErrorProbability": {"*": 0.01, "UpdateContinuousBackups": 0.5},
   *  "latencyMillis": {"*": 20},
   *  "backupsUnavailable": [{"table": "orders", "region": "eu-west-1",
   *                          "accountId": "000000000000", "seconds": 30}],
   *  "pitrStatus": [{"table": "orders", "status": "ENABLING", "seconds": 5}],
   *  "failNext": [{"operation": "UpdateContinuousBackups", "count": 2,
   *                "error": "ThrottlingException", "message": "optional text",
   *                "table": "optional: only calls naming this table"}]}
   * }</pre>
   *
   * "*" stands for every operation. Region and account default to the emulator's own. Operations
   * include STS's AssumeRole and GetCallerIdentity; errors are named by DynamoDB's codes and
   * answered on STS operations as their STS counterparts (ThrottlingException as Throttling).
   *
   * @throws IllegalArgumentException naming the member that is wrong
   */
  static void applyFaults(Faults faults, JsonNode json, EmulatorSettings settings) {
    if (!json.isObject()) {
      throw new IllegalArgumentException("faults must be a JSON object");
    }
    perOperation(
        json,
        "throttleRequestsPerSecond",
        (operation, value) -> {
          if (operation == null) {
            throw new IllegalArgumentException("throttleRequestsPerSecond needs an operation");
          }
          faults.throttle(operation, value);
        });
    perOperation(
        json,
        "throttleProbability",
        (operation, value) -> {
          if (operation == null) {
            throw new IllegalArgumentException("throttleProbability needs an operation");
          }
          faults.throttleShare(operation, value);
        });
    perOperation(
        json,
        "internalErrorProbability",
        (operation, value) -> {
          if (operation == null) {
            faults.internalErrors(value);
          } else {
            faults.internalErrors(operation, value);
          }
        });
    perOperation(
        json,
        "latencyMillis",
        (operation, value) -> {
          Duration latency = Duration.ofMillis(Math.round(value));
          if (operation == null) {
            faults.latency(latency);
          } else {
            faults.latency(operation, latency);
          }
        });
    for (JsonNode window : json.path("backupsUnavailable")) {
      Scope scope =
          new Scope(
              window.path("accountId").asText(settings.accountId()),
              window.path("region").asText(settings.defaultRegion()));
      faults.backupsUnavailable(
          scope,
          text(window, "table"),
          Duration.ofMillis(Math.round(number(window, "seconds") * 1000)));
    }
    for (JsonNode report : json.path("pitrStatus")) {
      Scope scope =
          new Scope(
              report.path("accountId").asText(settings.accountId()),
              report.path("region").asText(settings.defaultRegion()));
      faults.reportPitrStatus(
          scope,
          text(report, "table"),
          text(report, "status"),
          Duration.ofMillis(Math.round(number(report, "seconds") * 1000)));
    }
    for (JsonNode failure : json.path("failNext")) {
      Operation operation = operation(text(failure, "operation"));
      AwsErrorType error =
          AwsErrorType.fromCode(text(failure, "error"))
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "unknown error code "
                              + failure.get("error")
                              + "; one of "
                              + Arrays.stream(AwsErrorType.values())
                                  .map(AwsErrorType::code)
                                  .toList()));
      int count = (int) number(failure, "count");
      String message = failure.path("message").asText(error.defaultMessage());
      String table = failure.hasNonNull("table") ? text(failure, "table") : null;
      faults.failNext(operation, table, count, error, message);
    }
  }

  /**
   * The limits {@code POST /_emulator/limits} asks for: a preset in place of the limits in force,
   * if named, then the rates given, 0 lifting an operation's limit. Both members are optional:
   *
   * <pre>{@code
   * {"preset": "aws", "requestsPerSecond": {"ListTables": 5, "UpdateContinuousBackups": 0}}
   * }</pre>
   *
   * @throws IllegalArgumentException naming the member that is wrong
   */
  static Limits limits(Limits inForce, JsonNode json) {
    if (!json.isObject()) {
      throw new IllegalArgumentException("limits must be a JSON object");
    }
    Limits limits = json.has("preset") ? Limits.preset(text(json, "preset")) : inForce;
    JsonNode rates = json.path("requestsPerSecond");
    if (!rates.isMissingNode() && !rates.isObject()) {
      throw new IllegalArgumentException(
          "requestsPerSecond must be an object of operation names and rates");
    }
    for (Iterator<Map.Entry<String, JsonNode>> fields = rates.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> rate = fields.next();
      if (!rate.getValue().isNumber()) {
        throw new IllegalArgumentException(
            "requestsPerSecond." + rate.getKey() + " must be a number");
      }
      limits = limits.with(operation(rate.getKey()), rate.getValue().doubleValue());
    }
    return limits;
  }

  /** A role as {@code POST /_emulator/roles} takes it. */
  private static AssumableRole role(JsonNode json) {
    if (!json.isObject()) {
      throw new IllegalArgumentException("a role must be a JSON object");
    }
    Set<String> trustedAccounts = new LinkedHashSet<>();
    JsonNode accounts = json.path("trustedAccounts");
    if (!accounts.isMissingNode() && !accounts.isNull() && !accounts.isArray()) {
      throw new IllegalArgumentException("trustedAccounts must be a list of account ids");
    }
    for (JsonNode account : accounts) {
      if (!account.isTextual()) {
        throw new IllegalArgumentException("trustedAccounts must be a list of account ids");
      }
      trustedAccounts.add(account.textValue());
    }
    return new AssumableRole(text(json, "roleArn"), text(json, "externalId"), trustedAccounts);
  }

  private List<Map<String, Object>> rolesAsJson() {
    return sts.roles().stream()
        .map(
            role -> {
              Map<String, Object> json = new LinkedHashMap<>();
              json.put("roleArn", role.roleArn());
              json.put("externalId", role.externalId());
              json.put("trustedAccounts", role.trustedAccounts().stream().sorted().toList());
              return json;
            })
        .toList();
  }

  private static Map<String, Object> asJson(Observations.RequestRecord record) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("sequence", record.sequence());
    json.put("time", record.time().toString());
    json.put("operation", record.operation());
    json.put("accountId", record.accountId());
    json.put("region", record.region());
    json.put("accessKeyId", record.accessKeyId());
    json.put("roleArn", record.roleArn());
    json.put("roleSessionName", record.roleSessionName());
    json.put("table", record.table());
    json.put("httpStatus", record.httpStatus());
    json.put("errorCode", record.errorCode());
    json.put("durationMicros", record.durationMicros());
    Observations.AssumeRoleAttempt attempt = record.assumeRole();
    if (attempt != null) {
      Map<String, Object> assumeRole = new LinkedHashMap<>();
      assumeRole.put("roleArn", attempt.roleArn());
      assumeRole.put("roleSessionName", attempt.roleSessionName());
      assumeRole.put("sessionTags", attempt.sessionTags());
      assumeRole.put("externalIdMatched", attempt.externalIdMatched());
      json.put("assumeRole", assumeRole);
    }
    return json;
  }

  private static void perOperation(
      JsonNode json, String member, BiConsumer<Operation, Double> apply) {
    JsonNode values = json.path(member);
    Iterator<Map.Entry<String, JsonNode>> fields = values.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!field.getValue().isNumber()) {
        throw new IllegalArgumentException(member + "." + field.getKey() + " must be a number");
      }
      Operation operation = "*".equals(field.getKey()) ? null : operation(field.getKey());
      apply.accept(operation, field.getValue().doubleValue());
    }
  }

  private static Operation operation(String name) {
    return Operation.fromApiName(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException("unknown operation " + name + " (use its API name)"));
  }

  private static String text(JsonNode json, String member) {
    JsonNode value = json.get(member);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException(member + " must be a string");
    }
    return value.textValue();
  }

  private static double number(JsonNode json, String member) {
    JsonNode value = json.get(member);
    if (value == null || !value.isNumber()) {
      throw new IllegalArgumentException(member + " must be a number");
    }
    return value.doubleValue();
  }

  private static void reply(HttpExchange exchange, int status, Object body) throws IOException {
    HttpFrontEnd.send(exchange, status, "application/json", MAPPER.writeValueAsBytes(body));
  }
}
