package io.pitr.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationService;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The Java Operator SDK's Operator, started once the Kubernetes API server is ready, so that a pod
 * started during an API server outage waits for it (live, not ready) instead of exiting into a
 * crash loop whose back-off would delay its work long after the server is back. It is started in
 * the background ({@code quarkus.operator-sdk.async-start}), so the health endpoints answer
 * meanwhile. A start that fails once the server is ready (no right to the Lease, say) ends the
 * process, as a failed start did before, with the reason in the log.
 */
final class PatientOperator extends Operator {

  private static final Logger LOG = Logger.getLogger(PatientOperator.class);

  /** How long a stop waits for reconciliations to end before it gives the Lease up. */
  private static final Duration RECONCILIATIONS_END = Duration.ofSeconds(5);

  private final CountDownLatch stopping = new CountDownLatch(1);

  PatientOperator(ConfigurationService configuration) {
    super(configuration);
  }

  @Override
  public void start() {
    try {
      if (!ApiServerWait.untilReady(getKubernetesClient(), stopping)) {
        return;
      }
      synchronized (this) {
        // Not after a stop: the shutdown may have come while the server became ready.
        if (stopping.getCount() > 0) {
          super.start();
        }
      }
    } catch (RuntimeException e) {
      // Started in the background: nobody else would see this, and the pod would never be ready.
      exit("The operator could not start", e);
    }
  }

  @Override
  public void stop() {
    stopping.countDown();
    synchronized (this) {
      Config client = getKubernetesClient().getConfiguration();
      ExecutorService reconciling =
          getConfigurationService().getExecutorServiceManager().reconcileExecutorService();
      super.stop();
      if (finished(reconciling)) {
        releaseLease(client);
      }
    }
  }

  /**
   * Whether every reconciliation has ended (the stop interrupts them; an AWS call ends within its
   * timeout): only then may a standby take over at once, or it could repeat a call still in flight.
   */
  private static boolean finished(ExecutorService reconciling) {
    if (reconciling == null) {
      return true; // never started
    }
    try {
      if (reconciling.awaitTermination(RECONCILIATIONS_END.toMillis(), TimeUnit.MILLISECONDS)) {
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.warnf(
        "Reconciliations still running %s after the stop: keeping the leader election Lease until"
            + " it runs out",
        RECONCILIATIONS_END);
    return false;
  }

  /**
   * Gives the Lease up if this replica holds it, once it reconciles no more, so that a standby
   * takes over at its next try (every 2 s) instead of when the Lease runs out (15 s): the Java
   * Operator SDK 5.3.2 does not (its elector does not release on cancel). The update carries the
   * Lease's resourceVersion, so a Lease another replica took meanwhile is left alone. The
   * operator's own client may be closed by its stop: a short-lived one, without retries, does it.
   */
  private void releaseLease(Config client) {
    LeaderElectionConfiguration election =
        getConfigurationService().getLeaderElectionConfiguration().orElse(null);
    if (election == null || election.getIdentity().isEmpty()) {
      return;
    }
    String identity = election.getIdentity().get();
    try (KubernetesClient kubernetes =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(client)
                    .withRequestRetryBackoffLimit(0)
                    .withRequestTimeout(2_000)
                    .build())
            .build()) {
      String namespace = election.getLeaseNamespace().orElse(kubernetes.getNamespace());
      Lease lease =
          kubernetes.leases().inNamespace(namespace).withName(election.getLeaseName()).get();
      if (lease == null || !identity.equals(lease.getSpec().getHolderIdentity())) {
        return;
      }
      ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
      lease.getSpec().setHolderIdentity(null);
      lease.getSpec().setLeaseDurationSeconds(1);
      lease.getSpec().setAcquireTime(now);
      lease.getSpec().setRenewTime(now);
      kubernetes.resource(lease).update();
      LOG.infof("Gave up the leader election Lease %s/%s", namespace, election.getLeaseName());
    } catch (RuntimeException e) { // the API server's refusal, or a Lease of an unexpected shape
      LOG.warnf(
          "Could not give up the leader election Lease (a standby takes over when it runs out): %s",
          e.getMessage());
    }
  }

  /**
   * Ends the process with status 1, so that Kubernetes restarts it, unless the JVM is already
   * shutting down: then it ends by itself, and System.exit would wait for that forever. The exit
   * runs on a thread of its own, so that no pool the shutdown waits for holds it.
   */
  static void exit(String why, Throwable cause) {
    if (jvmShuttingDown()) {
      LOG.infof("%s, while shutting down", why);
      return;
    }
    LOG.errorf(cause, "%s: exiting", why);
    new Thread(() -> System.exit(1), "exit").start();
  }

  /** Whether the JVM is running its shutdown hooks (new hooks are then refused). */
  static boolean jvmShuttingDown() {
    Thread probe = new Thread(() -> {});
    try {
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException shuttingDown) {
      return true;
    }
  }
}
