package io.pitr.operator.testing;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.pitr.testing.ExternalCommand;
import io.pitr.testing.ProvisionedTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real single-node Kubernetes cluster on this machine (src/test/cluster/cluster.sh): kubelet,
 * containerd and runc run the pods, kube-proxy the Services, CoreDNS their names. Its state lives
 * in a new directory under /tmp; {@link #close()} stops it, copies its logs to {@code
 * target/cluster-logs/<name>}, and fails if the host then differs from before the start (mounts,
 * links, routes, nftables and iptables rules, sysctls, cgroups, processes).
 */
public final class LocalCluster implements AutoCloseable {

  /** The node's address, on a bridge of this machine: pods reach this machine through it. */
  public static final String NODE_ADDRESS = "10.244.0.1";

  /** The image every pod sandbox runs (containerd's {@code sandbox_image}). */
  static final String PAUSE_IMAGE = "pitr.local/pause:1";

  private static final Path SCRIPTS = Path.of("src", "test", "cluster");

  private final String name;
  private final Path directory;
  private final Path kubeconfig;
  private boolean stopped;

  private LocalCluster(String name, Path directory, Path kubeconfig) {
    this.name = name;
    this.directory = directory;
    this.kubeconfig = kubeconfig;
  }

  /**
   * Starts the cluster (provision-cluster.sh must have run: ./mvnw verify runs it), returning once
   * its node is Ready and pods are admitted. {@code name} names its logs.
   */
  public static LocalCluster start(String name) {
    Path tools = ProvisionedTools.directory().resolve("cluster");
    if (!Files.isRegularFile(tools.resolve(".stamp"))) {
      throw new IllegalStateException(
          "The test cluster is not provisioned in "
              + tools
              + ": ./mvnw verify provisions it (src/test/cluster/provision-cluster.sh).");
    }
    try {
      // A short path: containerd's sockets live in it, and a socket's path has at most 107 bytes.
      Path directory = Files.createTempDirectory(Path.of("/tmp"), "pitr-cluster-");
      Path pause = pauseImage(tools.resolve("bin").resolve("pause"), directory);
      ExternalCommand.Result started =
          script("start", directory.resolve("state").toString(), pause.toString());
      if (started.exitCode() != 0) {
        // The failed start took down what it started; stop checks the host as after any run.
        ExternalCommand.Result stopped = script("stop", directory.resolve("state").toString());
        copyLogs(directory.resolve("state"), name);
        throw new IllegalStateException(
            "The test cluster did not start (logs in target/cluster-logs/"
                + name
                + "):\n"
                + started.stderr()
                + stopped.stderr());
      }
      return new LocalCluster(
          name, directory, Path.of(started.stdout().strip().lines().reduce((a, b) -> b).get()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The cluster administrator's kubeconfig (a client certificate in group system:masters). */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** A client as the cluster administrator; the caller closes it. */
  public KubernetesClient client() {
    try {
      return new KubernetesClientBuilder()
          .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Makes an image archive (OCI or docker-save) available to pods, as a registry would. */
  public void importImage(Path archive) {
    ExternalCommand.Result imported =
        script("import", state().toString(), archive.toAbsolutePath().toString());
    if (imported.exitCode() != 0) {
      throw new IllegalStateException("Could not import " + archive + ": " + imported.stderr());
    }
  }

  /** kubectl (the one built beside the cluster) as the cluster administrator. */
  public ExternalCommand.Result kubectl(String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(RealKubeApiServer.kubectl().toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(arguments));
    return ExternalCommand.run(command, Map.of(), Duration.ofSeconds(180));
  }

  /** helm against this cluster. */
  public ExternalCommand.Result helm(String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(HelmChart.helm().toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(arguments));
    return ExternalCommand.run(command, Map.of(), Duration.ofSeconds(300));
  }

  /**
   * Saves the logs of every container of every pod now in the cluster to {@code
   * target/cluster-logs/<name>/pods/<prefix>-<namespace>-<pod>-<container>.log}: kubelets drop a
   * pod's logs with the pod.
   */
  public void savePodLogs(String prefix) {
    Path target = Path.of("target", "cluster-logs", name, "pods");
    try (KubernetesClient client = client()) {
      Files.createDirectories(target);
      for (var pod : client.pods().inAnyNamespace().list().getItems()) {
        for (var container : pod.getSpec().getContainers()) {
          String log;
          try {
            log =
                client
                    .pods()
                    .inNamespace(pod.getMetadata().getNamespace())
                    .withName(pod.getMetadata().getName())
                    .inContainer(container.getName())
                    .getLog();
          } catch (RuntimeException notStarted) {
            log = "(no log: " + notStarted.getMessage() + ")";
          }
          Files.writeString(
              target.resolve(
                  String.join(
                          "-",
                          prefix,
                          pod.getMetadata().getNamespace(),
                          pod.getMetadata().getName(),
                          container.getName())
                      + ".log"),
              log);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Stops the cluster and removes its directory, failing if the host is not as it was before the
   * start (the difference is in the message).
   */
  @Override
  public void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    ExternalCommand.Result result = script("stop", state().toString());
    copyLogs(state(), name);
    if (result.exitCode() != 0) {
      throw new AssertionError(
          "Stopping the test cluster failed or left the host changed (state kept in "
              + directory
              + "):\n"
              + result.stderr());
    }
    deleteRecursively(directory);
  }

  private Path state() {
    return directory.resolve("state");
  }

  private static ExternalCommand.Result script(String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(SCRIPTS.resolve("cluster.sh").toAbsolutePath().toString());
    command.addAll(List.of(arguments));
    return ExternalCommand.run(command, Map.of(), Duration.ofMinutes(5));
  }

  /** The sandbox image: the provisioned pause program alone, built with Jib like the product's. */
  private static Path pauseImage(Path pause, Path directory) {
    Path archive = directory.resolve("pause.tar");
    try {
      Jib.fromScratch()
          .addFileEntriesLayer(
              FileEntriesLayer.builder()
                  .addEntry(
                      pause, AbsoluteUnixPath.get("/pause"), FilePermissions.fromOctalString("755"))
                  .build())
          .setEntrypoint("/pause")
          .setUser("65535:65535")
          .containerize(Containerizer.to(TarImage.at(archive).named(PAUSE_IMAGE)));
      return archive;
    } catch (Exception e) {
      throw new IllegalStateException("Could not build the pause image from " + pause, e);
    }
  }

  private static void copyLogs(Path state, String name) {
    Path logs = state.resolve("logs");
    if (!Files.isDirectory(logs)) {
      return;
    }
    Path target = Path.of("target", "cluster-logs", name);
    try (Stream<Path> files = Files.list(logs)) {
      Files.createDirectories(target);
      for (Path file : files.toList()) {
        Files.copy(file, target.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path directory) {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
