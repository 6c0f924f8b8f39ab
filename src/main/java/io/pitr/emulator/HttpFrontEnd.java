package io.pitr.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.CRC32;

/**
 * DynamoDB's wire protocol (awsJson1_0, spec section 2) on the JDK's HTTP server: POST / with
 * {@code X-Amz-Target}, JSON in and out, errors as {@code __type} + message, and {@code
 * x-amz-crc32} and {@code x-amzn-RequestId} on every answer. STS's requests go to {@link
 * StsEndpoint} and paths under {@value AdminEndpoint#PREFIX} to the admin endpoint instead.
 */
final class HttpFrontEnd {

  static final String JSON_1_0 = "application/x-amz-json-1.0";
  private static final Logger LOG = Logger.getLogger(HttpFrontEnd.class.getName());
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final char[] REQUEST_ID_ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();

  private final EmulatorSettings settings;
  private final ControlPlane controlPlane;
  private final SecurityTokenService sts;
  private final Faults faults;
  private final Observations observations;
  private final EmulatorClock clock;
  private final AdminEndpoint admin;
  private final StsEndpoint stsEndpoint;
  private final HttpServer server;
  private final ExecutorService executor;

  HttpFrontEnd(
      EmulatorSettings settings,
      ControlPlane controlPlane,
      SecurityTokenService sts,
      Faults faults,
      Observations observations,
      EmulatorClock clock)
      throws IOException {
    this.settings = settings;
    this.controlPlane = controlPlane;
    this.sts = sts;
    this.faults = faults;
    this.observations = observations;
    this.clock = clock;
    this.admin = new AdminEndpoint(settings, controlPlane, sts, faults, observations, clock);
    this.stsEndpoint = new StsEndpoint(settings, sts, faults, observations, clock);
    // Without TCP_NODELAY, small answers wait on Nagle's algorithm and delayed ACKs (~40 ms).
    System.setProperty("sun.net.httpserver.nodelay", "true");
    this.server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 1024);
    AtomicInteger threads = new AtomicInteger();
    // Enough threads that injected latency (a sleeping handler) does not queue other clients.
    this.executor =
        new ThreadPoolExecutor(
            256,
            256,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            runnable -> {
              Thread thread =
                  new Thread(runnable, "dynamodb-emulator-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    ((ThreadPoolExecutor) executor).allowCoreThreadTimeOut(true);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  void start() {
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  void stop() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (path.startsWith(AdminEndpoint.PREFIX)) {
        admin.handle(exchange);
      } else if ("POST".equals(exchange.getRequestMethod())) {
        byte[] requestBytes;
        try (InputStream in = exchange.getRequestBody()) {
          requestBytes = in.readAllBytes();
        }
        if (StsEndpoint.addressedToSts(exchange.getRequestHeaders(), requestBytes)) {
          stsEndpoint.answer(exchange, requestBytes);
        } else {
          answerApiCall(exchange, requestBytes);
        }
      } else if ("GET".equals(exchange.getRequestMethod()) && "/".equals(path)) {
        // What DynamoDB answers to a GET, and a cheap liveness probe.
        send(
            exchange,
            200,
            "text/plain",
            ("healthy: dynamodb." + settings.defaultRegion() + ".amazonaws.com ")
                .getBytes(StandardCharsets.UTF_8));
      } else {
        sendError(exchange, AwsErrorType.UNKNOWN_OPERATION.exception(null));
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, "Could not answer a request", e);
    }
  }

  private void answerApiCall(HttpExchange exchange, byte[] requestBytes) throws IOException {
    long started = System.nanoTime();
    Instant arrived = clock.instant();
    String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    String[] credential = credentialOf(authorization);
    Caller caller =
        sts.identify(
            credential.length >= 1 ? credential[0] : null,
            credential.length >= 3 ? credential[2] : null);
    Scope scope = caller.scope();
    Optional<Operation> operation = Operation.fromTarget(target);
    ObjectNode request = null;
    AwsErrorException error = null;
    byte[] body;
    try {
      sleep(faults.latencyFor(operation.orElse(null), scope.region()));
      if (settings.requireAuthentication() && authorization == null) {
        throw AwsErrorType.MISSING_AUTHENTICATION_TOKEN.exception(
            AwsErrorType.MISSING_AUTHENTICATION_TOKEN.defaultMessage());
      }
      sts.authenticate(caller, exchange.getRequestHeaders().getFirst("X-Amz-Security-Token"));
      if (operation.isEmpty()) {
        throw AwsErrorType.UNKNOWN_OPERATION.exception(null);
      }
      Optional<AwsErrorException> injected =
          faults.injectedError(operation.get(), scope, tableNamed(parseQuietly(requestBytes)));
      if (injected.isPresent()) {
        throw injected.get();
      }
      request = parse(requestBytes);
      body =
          MAPPER.writeValueAsBytes(
              controlPlane.handle(operation.get(), scope, new RequestBody(request)));
    } catch (AwsErrorException answered) {
      error = answered;
      body = errorBody(answered);
    } catch (RuntimeException unexpected) {
      LOG.log(Level.WARNING, "Unexpected failure answering " + target, unexpected);
      error =
          AwsErrorType.INTERNAL_SERVER_ERROR.exception(
              AwsErrorType.INTERNAL_SERVER_ERROR.defaultMessage());
      body = errorBody(error);
    }
    int status = error == null ? 200 : error.type().httpStatus();
    // Recorded before answering, so that a client that has its answer also sees it counted.
    observations.record(
        arrived,
        operation.orElse(null),
        target,
        caller,
        credential.length >= 1 ? credential[0] : null,
        tableNamed(request != null ? request : parseQuietly(requestBytes)),
        status,
        error == null ? null : error.type().code(),
        (System.nanoTime() - started) / 1000,
        null);
    send(exchange, status, JSON_1_0, body);
  }

  /** The request as JSON, for the log only, when it was not read (an injected fault came first). */
  private static ObjectNode parseQuietly(byte[] body) {
    try {
      return parse(body);
    } catch (AwsErrorException e) {
      return null;
    }
  }

  /** An empty body is an empty request (spec 2.1); anything but a JSON object is refused. */
  private static ObjectNode parse(byte[] body) {
    if (body.length == 0) {
      return MAPPER.createObjectNode();
    }
    JsonNode json;
    try {
      json = MAPPER.readTree(body);
    } catch (IOException e) {
      throw AwsErrorType.SERIALIZATION.exception(null);
    }
    if (json == null || json.isMissingNode()) {
      return MAPPER.createObjectNode();
    }
    if (!json.isObject()) {
      throw AwsErrorType.SERIALIZATION.exception(
          "Start of structure or map found where not expected.");
    }
    return (ObjectNode) json;
  }

  /**
   * The parts of the SigV4 credential ({@code Credential=AKID/date/region/service/aws4_request}),
   * empty when the request is not signed. The signature is not checked (spec 2.5).
   */
  static String[] credentialOf(String authorization) {
    int start = authorization == null ? -1 : authorization.indexOf("Credential=");
    if (start < 0) {
      return new String[0];
    }
    int end = authorization.indexOf(',', start);
    return authorization
        .substring(start + "Credential=".length(), end < 0 ? authorization.length() : end)
        .trim()
        .split("/");
  }

  private static String tableNamed(ObjectNode request) {
    if (request == null) {
      return null;
    }
    JsonNode name = request.get("TableName");
    if (name == null || !name.isTextual()) {
      name = request.get("ResourceArn");
    }
    return name != null && name.isTextual() ? name.textValue() : null;
  }

  private static void sendError(HttpExchange exchange, AwsErrorException error) throws IOException {
    send(exchange, error.type().httpStatus(), JSON_1_0, errorBody(error));
  }

  /** {@code {"__type": "<namespace>#<Code>", "message": "..."}} (spec section 2.3). */
  private static byte[] errorBody(AwsErrorException error) {
    ObjectNode body = MAPPER.createObjectNode();
    body.put("__type", error.type().wireType());
    if (error.getMessage() != null) {
      body.put(error.type().messageMember(), error.getMessage());
    }
    try {
      return MAPPER.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes an answer with DynamoDB's headers; the CRC32 covers the exact body bytes (spec 2.4). */
  static void send(HttpExchange exchange, int status, String contentType, byte[] body)
      throws IOException {
    CRC32 crc = new CRC32();
    crc.update(body);
    var headers = exchange.getResponseHeaders();
    headers.set("Content-Type", contentType);
    headers.set("x-amzn-RequestId", requestId());
    headers.set("x-amz-crc32", Long.toString(crc.getValue()));
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** 52 uppercase alphanumerics, the form of live DynamoDB's request ids. */
  private static String requestId() {
    var random = ThreadLocalRandom.current();
    char[] id = new char[52];
    for (int i = 0; i < id.length; i++) {
      id[i] = REQUEST_ID_ALPHABET[random.nextInt(REQUEST_ID_ALPHABET.length)];
    }
    return new String(id);
  }

  static void sleep(Duration latency) {
    if (latency.isZero()) {
      return;
    }
    try {
      Thread.sleep(latency.toMillis(), latency.toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static ObjectMapper mapper() {
    return MAPPER;
  }
}
