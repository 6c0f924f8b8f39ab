package io.pitr.operator.aws;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The operator's AWS account, for table ARNs: configured, or learned from STS GetCallerIdentity
 * (which needs no IAM permission). Learned once, in the background, never on the path of a DynamoDB
 * call: until it is known, ARNs are left out. A failed lookup is tried again only after a backoff
 * (doubling from 10 s to 10 min), and each lookup is bounded by the call timeout. With an endpoint
 * override (an emulator) and no configured account, the account is unknown and ARNs are left out
 * rather than guessed.
 */
final class AccountLookup implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(AccountLookup.class);
  static final Duration FIRST_RETRY = Duration.ofSeconds(10);
  static final Duration LAST_RETRY = Duration.ofMinutes(10);

  private final Function<String, Optional<String>> lookup;
  private final AutoCloseable resources;
  private final LongSupplier nanoTime;
  private final ExecutorService background;
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile Optional<String> known;
  private volatile long notBeforeNanos;
  private volatile Duration nextBackoff = FIRST_RETRY;

  /** The lookup the settings call for. */
  static AccountLookup of(DynamoDbGateway.Settings settings) {
    if (settings.accountId().isPresent() || settings.endpointOverride().isPresent()) {
      return new AccountLookup(
          settings.accountId(), region -> Optional.empty(), () -> {}, System::nanoTime);
    }
    StsLookup sts = new StsLookup(settings);
    return new AccountLookup(null, sts, sts, System::nanoTime);
  }

  /**
   * @param fixed the answer when there is nothing to look up; null to look it up
   * @param lookup asks for the account, from a region's endpoint
   * @param resources closed with this
   * @param nanoTime the time source for the backoff
   */
  AccountLookup(
      Optional<String> fixed,
      Function<String, Optional<String>> lookup,
      AutoCloseable resources,
      LongSupplier nanoTime) {
    this.known = fixed;
    this.lookup = lookup;
    this.resources = resources;
    this.nanoTime = nanoTime;
    this.notBeforeNanos = nanoTime.getAsLong();
    this.background =
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "pitr-account-lookup");
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * The account, if known. If not, starts a lookup in the background (unless one is running, or the
   * last failure's backoff has not passed) and answers empty at once.
   */
  Optional<String> accountId(String region) {
    Optional<String> account = known;
    if (account != null) {
      return account;
    }
    if (nanoTime.getAsLong() - notBeforeNanos >= 0 && running.compareAndSet(false, true)) {
      background.execute(() -> lookUp(region));
    }
    return Optional.empty();
  }

  /** Whether no lookup is running. */
  boolean idle() {
    return !running.get();
  }

  private void lookUp(String region) {
    try {
      Optional<String> account = lookup.apply(region);
      if (account.isPresent()) {
        known = account;
        LOG.infof("AWS account: %s", account.get());
      } else {
        backOff("STS answered no account");
      }
    } catch (RuntimeException e) {
      backOff(
          e.getClass().getSimpleName()
              + ": "
              + AwsErrorClassifier.sanitize(String.valueOf(e.getMessage())));
    } finally {
      running.set(false);
    }
  }

  private void backOff(String why) {
    Duration wait = nextBackoff;
    notBeforeNanos = nanoTime.getAsLong() + wait.toNanos();
    Duration doubled = wait.multipliedBy(2);
    nextBackoff = doubled.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : doubled;
    LOG.warnf("Could not learn the AWS account for table ARNs (%s); next try in %s", why, wait);
  }

  /** GetCallerIdentity on STS's endpoint in the first region asked about (its partition's). */
  private static final class StsLookup
      implements Function<String, Optional<String>>, AutoCloseable {
    private final DynamoDbGateway.Settings settings;
    private StsClient client;

    StsLookup(DynamoDbGateway.Settings settings) {
      this.settings = settings;
    }

    @Override
    public Optional<String> apply(String region) {
      return Optional.ofNullable(client(region).getCallerIdentity().account());
    }

    private synchronized StsClient client(String region) {
      if (client == null) {
        client = DynamoDbGateway.configured(StsClient.builder(), settings, region).build();
      }
      return client;
    }

    @Override
    public synchronized void close() {
      if (client != null) {
        client.close();
      }
    }
  }

  @Override
  public void close() {
    background.shutdownNow();
    try {
      resources.close();
    } catch (Exception e) {
      LOG.debugf(e, "Closing the STS client failed");
    }
  }
}
