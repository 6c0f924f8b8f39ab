package io.pitr.emulator;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * STS's AssumeRole and GetCallerIdentity on the query protocol, beside DynamoDB on the same port:
 * POST / with a form ({@code Action=AssumeRole&Version=2011-06-15&...}), answered in XML, errors as
 * {@code <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>}, a
 * UUID request id in the body and in {@code x-amzn-RequestId}. Latency, authentication, faults and
 * the request log work as for DynamoDB's operations.
 */
final class StsEndpoint {

  static final String VERSION = "2011-06-15";
  private static final String NAMESPACE = "https://sts.amazonaws.com/doc/" + VERSION + "/";
  private static final String FORM = "application/x-www-form-urlencoded";
  private static final Logger LOG = Logger.getLogger(StsEndpoint.class.getName());

  private final EmulatorSettings settings;
  private final SecurityTokenService sts;
  private final Faults faults;
  private final Observations observations;
  private final EmulatorClock clock;

  StsEndpoint(
      EmulatorSettings settings,
      SecurityTokenService sts,
      Faults faults,
      Observations observations,
      EmulatorClock clock) {
    this.settings = settings;
    this.sts = sts;
    this.faults = faults;
    this.observations = observations;
    this.clock = clock;
  }

  /**
   * Whether a POST is meant for STS: signed for the service {@code sts}, or, unsigned, a form (by
   * its content type, or a body with an {@code Action}) without DynamoDB's {@code X-Amz-Target}.
   */
  static boolean addressedToSts(Headers headers, byte[] body) {
    String[] credential = HttpFrontEnd.credentialOf(headers.getFirst("Authorization"));
    if (credential.length >= 4) {
      return credential[3].equals("sts");
    }
    if (headers.containsKey("X-Amz-Target")) {
      return false;
    }
    String contentType = headers.getFirst("Content-Type");
    return (contentType != null && contentType.startsWith(FORM))
        || form(body).containsKey("Action");
  }

  void answer(HttpExchange exchange, byte[] requestBytes) throws IOException {
    long started = System.nanoTime();
    Instant arrived = clock.instant();
    Map<String, String> form = form(requestBytes);
    String action = form.get("Action");
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    String[] credential = HttpFrontEnd.credentialOf(authorization);
    String accessKeyId = credential.length >= 1 ? credential[0] : null;
    Caller caller = sts.identify(accessKeyId, credential.length >= 3 ? credential[2] : null);
    Optional<Operation> operation = Operation.fromAction(action);
    String requestId = UUID.randomUUID().toString();
    Boolean externalIdMatched = null;
    AwsErrorException error = null;
    String body = null;
    try {
      HttpFrontEnd.sleep(faults.latencyFor(operation.orElse(null), caller.scope().region()));
      if (settings.requireAuthentication() && authorization == null) {
        throw AwsErrorType.MISSING_AUTHENTICATION_TOKEN.exception(
            AwsErrorType.MISSING_AUTHENTICATION_TOKEN.defaultMessage());
      }
      sts.authenticate(caller, exchange.getRequestHeaders().getFirst("X-Amz-Security-Token"));
      if (operation.isEmpty()) {
        throw AwsErrorType.UNKNOWN_OPERATION.exception(
            "Could not find operation " + action + " for version " + VERSION);
      }
      Optional<AwsErrorException> injected =
          faults.injectedError(operation.get(), caller.scope(), null);
      if (injected.isPresent()) {
        throw injected.get();
      }
      body =
          switch (operation.get()) {
            case ASSUME_ROLE -> {
              AssumeRoleRequest request = AssumeRoleRequest.from(form);
              SecurityTokenService.TrustCheck trust = sts.checkTrust(caller, request);
              externalIdMatched = trust.externalIdMatched();
              yield assumeRoleResponse(sts.assumeRole(caller, request, trust), requestId);
            }
            case GET_CALLER_IDENTITY -> callerIdentityResponse(caller, requestId);
            default -> throw new IllegalStateException(operation.get() + " is not STS's");
          };
    } catch (AwsErrorException answered) {
      error = answered;
    } catch (RuntimeException unexpected) {
      LOG.log(Level.WARNING, "Unexpected failure answering STS " + action, unexpected);
      error =
          AwsErrorType.INTERNAL_SERVER_ERROR.exception(
              AwsErrorType.INTERNAL_SERVER_ERROR.defaultMessage());
    }
    AwsErrorType.StsError stsError = error == null ? null : stsError(error.type());
    int status = stsError == null ? 200 : stsError.httpStatus();
    observations.record(
        arrived,
        operation.orElse(null),
        action,
        caller,
        accessKeyId,
        null,
        status,
        stsError == null ? null : stsError.code(),
        (System.nanoTime() - started) / 1000,
        operation.orElse(null) == Operation.ASSUME_ROLE
            ? new Observations.AssumeRoleAttempt(
                form.get("RoleArn"),
                form.get("RoleSessionName"),
                AssumeRoleRequest.sessionTags(form),
                externalIdMatched)
            : null);
    send(
        exchange,
        status,
        stsError == null ? body : errorResponse(stsError, error.getMessage(), requestId),
        requestId);
  }

  private static AwsErrorType.StsError stsError(AwsErrorType type) {
    return type.onSts()
        .orElseThrow(() -> new IllegalStateException(type.code() + " has no STS counterpart"));
  }

  private static String assumeRoleResponse(RoleSession session, String requestId) {
    Integer packedPolicySize = SecurityTokenService.packedPolicySize(session);
    return response(
        "AssumeRole",
        "    <AssumedRoleUser>\n"
            + element(6, "AssumedRoleId", session.assumedRoleId())
            + element(6, "Arn", session.assumedRoleArn())
            + "    </AssumedRoleUser>\n"
            + "    <Credentials>\n"
            + element(6, "AccessKeyId", session.accessKeyId())
            + element(6, "SecretAccessKey", session.secretAccessKey())
            + element(6, "SessionToken", session.sessionToken())
            + element(6, "Expiration", session.expiration().toString())
            + "    </Credentials>\n"
            + (packedPolicySize == null
                ? ""
                : element(4, "PackedPolicySize", packedPolicySize.toString())),
        requestId);
  }

  private static String callerIdentityResponse(Caller caller, String requestId) {
    return response(
        "GetCallerIdentity",
        element(4, "Arn", caller.arn())
            + element(4, "UserId", caller.userId())
            + element(4, "Account", caller.scope().accountId()),
        requestId);
  }

  /** {@code <NameResponse><NameResult>...</NameResult><ResponseMetadata/></NameResponse>}. */
  private static String response(String operation, String result, String requestId) {
    return "<"
        + operation
        + "Response xmlns=\""
        + NAMESPACE
        + "\">\n  <"
        + operation
        + "Result>\n"
        + result
        + "  </"
        + operation
        + "Result>\n  <ResponseMetadata>\n"
        + element(4, "RequestId", requestId)
        + "  </ResponseMetadata>\n</"
        + operation
        + "Response>\n";
  }

  private static String errorResponse(
      AwsErrorType.StsError error, String message, String requestId) {
    return "<ErrorResponse xmlns=\""
        + NAMESPACE
        + "\">\n  <Error>\n"
        + element(4, "Type", error.senderFault() ? "Sender" : "Receiver")
        + element(4, "Code", error.code())
        + (message == null ? "" : element(4, "Message", message))
        + "  </Error>\n"
        + element(2, "RequestId", requestId)
        + "</ErrorResponse>\n";
  }

  private static String element(int indent, String name, String text) {
    return " ".repeat(indent) + "<" + name + ">" + escaped(text) + "</" + name + ">\n";
  }

  private static String escaped(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&apos;");
  }

  /** The form's parameters, decoded; a repeated name keeps its last value. */
  private static Map<String, String> form(byte[] body) {
    Map<String, String> parameters = new LinkedHashMap<>();
    for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = equals < 0 ? pair : pair.substring(0, equals);
      String value = equals < 0 ? "" : pair.substring(equals + 1);
      try {
        parameters.put(
            URLDecoder.decode(name, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException malformed) {
        // Not a form (a JSON body, say): nothing in it is a parameter.
        return Map.of();
      }
    }
    return parameters;
  }

  /** Writes an answer with STS's headers: text/xml and the request id of the body. */
  private static void send(HttpExchange exchange, int status, String body, String requestId)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    Headers headers = exchange.getResponseHeaders();
    headers.set("Content-Type", "text/xml");
    headers.set("x-amzn-RequestId", requestId);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
