package io.pitr.operator;

import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationService;
import java.util.concurrent.CountDownLatch;
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
      super.stop();
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
