package io.pitr.emulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A DynamoDB control-plane emulator for point-in-time recovery: tables, tags and continuous backups
 * over DynamoDB's own wire protocol, so that the unmodified AWS SDKs and CLI work against it
 * through an endpoint override. On the same port it answers STS's AssumeRole and GetCallerIdentity,
 * so that cross-account access through a role with an ExternalId can be tested too. Start one with
 * {@link #start(EmulatorSettings)}; close it to stop.
 *
 * <p>This package is self-contained: it imports nothing from the operator.
 */
public final class DynamoDbEmulator implements AutoCloseable {

  private final EmulatorSettings settings;
  private final EmulatorClock clock;
  private final Faults faults;
  private final Observations observations;
  private final ControlPlane controlPlane;
  private final SecurityTokenService sts;
  private volatile HttpFrontEnd frontEnd;
  private final int port;

  private DynamoDbEmulator(EmulatorSettings settings, EmulatorClock clock) throws IOException {
    this.settings = settings;
    this.clock = clock;
    this.faults = new Faults(clock).limits(settings.limits());
    this.observations = new Observations(settings.requestLogCapacity());
    this.controlPlane = new ControlPlane(settings, clock, faults);
    this.sts = new SecurityTokenService(settings, clock);
    this.frontEnd = new HttpFrontEnd(settings, controlPlane, sts, faults, observations, clock);
    frontEnd.start();
    this.port = frontEnd.port();
  }

  /** Starts an emulator on real time. */
  public static DynamoDbEmulator start(EmulatorSettings settings) {
    return start(settings, EmulatorClock.system());
  }

  /** Starts an emulator on the given clock. */
  public static DynamoDbEmulator start(EmulatorSettings settings, EmulatorClock clock) {
    try {
      return new DynamoDbEmulator(settings, clock);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Could not listen on " + settings.host() + ":" + settings.port(), e);
    }
  }

  /** The endpoint to give clients, for example {@code http://127.0.0.1:43117}. */
  public URI endpoint() {
    return URI.create("http://" + hostForUri() + ":" + port);
  }

  public int port() {
    return port;
  }

  public EmulatorSettings settings() {
    return settings;
  }

  public EmulatorClock clock() {
    return clock;
  }

  /**
   * Fault injection and the request rates in force ({@link Faults#limits()}), changeable while the
   * emulator runs.
   */
  public Faults faults() {
    return faults;
  }

  /** Call counters and the request log. */
  public Observations observations() {
    return observations;
  }

  /**
   * Creates an on-demand table (hash key {@code pk}) that is ACTIVE with backups available at once,
   * whatever the lifecycle timings: for seeding demo and benchmark tables.
   *
   * @return the table's ARN
   */
  public String createTable(Scope scope, String tableName) {
    return createTable(scope, tableName, Map.of());
  }

  /**
   * Creates an on-demand table as {@link #createTable(Scope, String)} does, with these tags (at
   * most 50, validated as CreateTable validates them): for seeding many tagged tables without calls
   * through the API, which are counted and may be limited ({@link Faults#limits()}).
   *
   * @return the table's ARN
   */
  public String createTable(Scope scope, String tableName, Map<String, String> tags) {
    return controlPlane.createReadyTable(scope, tableName, tags);
  }

  /**
   * Makes an existing table's point-in-time recovery on since {@code since} (on the emulator's
   * clock) with this period, as if turned on then: a table with restore points older than the run.
   */
  public void seedPitr(Scope scope, String tableName, int periodDays, Instant since) {
    controlPlane.seedPitr(scope, tableName, periodDays, since);
  }

  /** Forgets every table of every account and region. */
  public void clearTables() {
    controlPlane.clear();
  }

  /**
   * Lets AssumeRole assume {@code role} from its trusted accounts with its ExternalId; credentials
   * it issues act in the role's account. Registering an ARN again replaces its trust.
   */
  public void registerRole(AssumableRole role) {
    sts.registerRole(role);
  }

  /** The roles AssumeRole may assume, by ARN. */
  public List<AssumableRole> roles() {
    return sts.roles();
  }

  /** Forgets every role; credentials already issued keep working until they expire. */
  public void clearRoles() {
    sts.clearRoles();
  }

  /**
   * Stops listening, keeping every table and fault: clients are refused a connection, as when
   * DynamoDB's endpoint cannot be reached, until {@link #listenAgain()}.
   */
  public synchronized void stopListening() {
    frontEnd.stop();
  }

  /** Listens again on the same port, after {@link #stopListening()}. */
  public synchronized void listenAgain() {
    try {
      frontEnd =
          new HttpFrontEnd(
              settings.toBuilder().port(port).build(),
              controlPlane,
              sts,
              faults,
              observations,
              clock);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not listen again on port " + port, e);
    }
    frontEnd.start();
  }

  @Override
  public synchronized void close() {
    frontEnd.stop();
  }

  private String hostForUri() {
    String host = settings.host();
    if (host.equals("0.0.0.0") || host.equals("::")) {
      return "127.0.0.1";
    }
    return host.contains(":") ? "[" + host + "]" : host;
  }
}
