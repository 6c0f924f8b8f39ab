package io.pitr.operator.local;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.operator.testing.HelmChart;
import io.pitr.operator.testing.LocalCluster;
import io.pitr.operator.testing.OciImage;
import io.pitr.operator.testing.RealKubeApiServer;
import io.pitr.testing.ExternalCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The README's "Try it in a local cluster" command: the real single-node cluster of the tests, the
 * operator's image (as the build wrote it) imported into its node, the chart installed with its
 * emulator in a namespace that enforces the restricted Pod Security Standard, and the examples
 * applied. Ctrl-C stops the cluster and leaves the host as it was (it says so, or what differs).
 *
 * <p>Arguments: the Kubernetes, etcd and helm versions (the build's, from pom.xml).
 */
public final class LocalClusterRun {

  private static final String SYSTEM = "pitr-system";
  private static final String DEMO = "demo";
  private static final List<String> TABLES =
      List.of("orders", "payments", "scratch.events-v2", "audit-log");

  private LocalClusterRun() {}

  public static void main(String[] args) throws Exception {
    try {
      run(args);
    } catch (Exception | AssertionError e) {
      // exec:java would hold the failure until every thread has ended, which the clients' threads
      // never do: say it and end, which stops the cluster (the shutdown hook).
      say("failed: %s", e);
      e.printStackTrace();
      System.exit(1);
    }
    Thread.currentThread().join();
  }

  private static void run(String[] args) throws Exception {
    if (args.length != 3) {
      throw new IllegalArgumentException(
          "usage: LocalClusterRun KUBE_VERSION ETCD_VERSION HELM_VERSION");
    }
    if (!"0".equals(command(List.of("id", "-u")).stdout().strip())) {
      say(
          "The local cluster needs root (it makes a bridge, mounts and cgroups): run it with sudo.");
      System.exit(2);
    }
    System.setProperty(RealKubeApiServer.VERSION_PROPERTY, args[0]);
    System.setProperty("pitr.test.helm-version", args[2]);
    if (!Files.isRegularFile(OciImage.ARCHIVE)) {
      throw new IllegalStateException(
          OciImage.ARCHIVE
              + " is missing: run the command from the README (it packages the image)");
    }
    say("Provisioning the cluster's binaries (built once, then reused)");
    provision(
        "src/test/cluster/provision-cluster.sh",
        "--kube-version",
        args[0],
        "--etcd-version",
        args[1]);
    provision("src/test/scripts/provision-helm.sh", "--version", args[2]);

    Instant starting = Instant.now();
    LocalCluster cluster = LocalCluster.start("local-cluster");
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  say("Stopping the cluster");
                  try {
                    cluster.close();
                    say("Stopped; the host is as it was before the start.");
                  } catch (AssertionError | RuntimeException e) {
                    say("%s", e.getMessage());
                  }
                },
                "local-cluster-stop"));
    say("Cluster started in %d s; importing the image", elapsed(starting));
    cluster.importImage(OciImage.ARCHIVE);
    try (KubernetesClient client = cluster.client()) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(SYSTEM)
                  .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                  .endMetadata()
                  .build())
          .create();
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(DEMO).endMetadata().build())
          .create();
    }
    say("Installing the chart with its emulator");
    check(
        cluster.helm(
            "install",
            HelmChart.RELEASE,
            HelmChart.CHART.toString(),
            "--namespace",
            SYSTEM,
            "--set",
            "emulator.enabled=true",
            "--set",
            "emulator.tables={" + String.join(",", TABLES) + "}",
            "--set",
            "driftInterval=1m",
            "--set",
            "image.pullPolicy=Never",
            "--wait",
            "--timeout",
            "4m"));
    check(cluster.kubectl("apply", "--namespace", DEMO, "--filename", "deploy/examples"));
    say(
        """
        Ready in %d s. In another terminal:

          export KUBECONFIG=%s
          kubectl get pods -n %s -o wide
          kubectl logs -n %s deploy/pitr-operator
          kubectl get cbp -n %s --watch
          kubectl describe cbp -n %s orders
          kubectl get lease -n %s
          helm --kubeconfig $KUBECONFIG upgrade -n %s pitr-operator helm/pitr-operator --reuse-values --set replicas=2

        (helm: %s). Ctrl-C stops the cluster and leaves the host as it was.""",
        elapsed(starting),
        cluster.kubeconfig(),
        SYSTEM,
        SYSTEM,
        DEMO,
        DEMO,
        SYSTEM,
        SYSTEM,
        HelmChart.helm());
  }

  private static void provision(String script, String... arguments)
      throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("bash", script));
    command.addAll(List.of(arguments));
    if (new ProcessBuilder(command).inheritIO().start().waitFor() != 0) {
      throw new IllegalStateException(script + " failed (see above)");
    }
  }

  private static ExternalCommand.Result command(List<String> command) {
    return ExternalCommand.run(command, java.util.Map.of(), Duration.ofSeconds(10));
  }

  private static void check(ExternalCommand.Result result) {
    if (result.exitCode() != 0) {
      throw new IllegalStateException(result.stdout() + result.stderr());
    }
  }

  private static long elapsed(Instant since) {
    return Duration.between(since, Instant.now()).toSeconds();
  }

  private static void say(String format, Object... arguments) {
    System.out.printf("local-cluster: " + format + "%n", arguments);
  }
}
