package io.pitr.operator.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.pitr.testing.ExternalCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The operator's image run by runc, the OCI runtime under containerd, as the chart's container
 * runs: the image's entrypoint, user and working directory; the container's environment; a
 * read-only root filesystem with a tmpfs on /tmp (the chart's emptyDir); no capabilities, no new
 * privileges; its memory limit in its cgroup; its own PID, IPC, UTS and mount namespaces. It shares
 * this machine's network (the test API server and emulator listen on loopback). Its state lives in
 * a directory of its own and is deleted with the container: nothing is left on the host.
 */
public final class RuncContainer implements AutoCloseable {

  /** Where src/test/scripts/provision-runc.sh puts runc. */
  public static final Path RUNC =
      Path.of(
          System.getenv()
              .getOrDefault(
                  "PITR_TOOLS_DIR", System.getProperty("user.home") + "/.cache/pitr-operator"),
          "runc",
          "runc");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String id;
  private final Path directory;
  private final Process process;
  private final Path logFile;
  private final OperatorHttp http;

  private RuncContainer(String id, Path directory, Process process, int port, Path logFile) {
    this.id = id;
    this.directory = directory;
    this.process = process;
    this.logFile = logFile;
    this.http = new OperatorHttp(port, process, logFile);
  }

  /**
   * Unpacks {@code archive} and runs it as the operator container of {@code pod}: with its
   * environment added to the image's, its security contexts, its emptyDir volumes as tmpfs, its
   * memory limit, its kubeconfig mounted read-only at /etc/pitr/kubeconfig (KUBECONFIG), and HTTP
   * on a free port of this machine. Not applied: the seccomp profile (RuntimeDefault is
   * containerd's; runc alone has none).
   */
  public static RuncContainer run(Path archive, OperatorRelease.PodTemplate pod) {
    if (!Files.isExecutable(RUNC)) {
      throw new IllegalStateException(
          RUNC
              + " is missing: run the tests with ./mvnw verify (src/test/scripts/provision-runc.sh)");
    }
    if (ProcessHandle.current().info().user().map(u -> !u.equals("root")).orElse(true)) {
      throw new IllegalStateException("runc runs containers for root only here: run as root");
    }
    String id = pod.podName();
    Path directory = null;
    try {
      directory = Files.createTempDirectory("runc-" + id + "-");
      OciImage image = OciImage.read(archive);
      OciImage.unpack(archive, directory.resolve("rootfs"));
      int port = PackagedOperator.freePort();
      Map<String, String> env = new LinkedHashMap<>();
      for (String variable : image.environment()) {
        env.put(
            variable.substring(0, variable.indexOf('=')),
            variable.substring(variable.indexOf('=') + 1));
      }
      env.putAll(pod.environment());
      env.put("HOSTNAME", id);
      env.put("KUBECONFIG", "/etc/pitr/kubeconfig");
      env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
      // Readable by the container's user, as the kubelet projects a ServiceAccount token (0644).
      Path readableKubeconfig = directory.resolve("kubeconfig");
      Files.copy(pod.kubeconfig(), readableKubeconfig);
      Files.setPosixFilePermissions(
          readableKubeconfig, PosixFilePermissions.fromString("rw-r--r--"));
      Files.writeString(
          directory.resolve("config.json"),
          JSON.writeValueAsString(spec(image, env, pod, readableKubeconfig)));
      Files.createDirectories(Path.of("target", "operator-logs"));
      Path logFile = Path.of("target", "operator-logs", id + ".log");
      Process process =
          new ProcessBuilder(
                  RUNC.toString(),
                  "--root",
                  directory.resolve("state").toString(),
                  "run",
                  "--bundle",
                  directory.toString(),
                  id)
              .redirectErrorStream(true)
              .redirectOutput(logFile.toFile())
              .start();
      System.out.println("[" + id + "] runc run; log: " + logFile);
      return new RuncContainer(id, directory, process, port, logFile);
    } catch (IOException | RuntimeException e) {
      if (directory != null) {
        deleteRecursively(directory);
      }
      if (e instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw (RuntimeException) e;
    }
  }

  /** The OCI runtime configuration of the pod's operator container. */
  private static Map<String, Object> spec(
      OciImage image, Map<String, String> env, OperatorRelease.PodTemplate pod, Path kubeconfig) {
    Container container = pod.operator();
    PodSecurityContext podContext =
        Objects.requireNonNullElseGet(pod.spec().getSecurityContext(), PodSecurityContext::new);
    SecurityContext context =
        Objects.requireNonNullElseGet(container.getSecurityContext(), SecurityContext::new);
    String[] imageUser = (image.user() + ":" + image.user()).split(":");
    long uid =
        firstOf(context.getRunAsUser(), podContext.getRunAsUser(), Long.parseLong(imageUser[0]));
    long gid =
        firstOf(context.getRunAsGroup(), podContext.getRunAsGroup(), Long.parseLong(imageUser[1]));
    boolean nonRoot =
        Boolean.TRUE.equals(context.getRunAsNonRoot())
            || Boolean.TRUE.equals(podContext.getRunAsNonRoot());
    if (nonRoot && uid == 0) {
      throw new AssertionError("runAsNonRoot, and the container would run as root");
    }
    List<String> capabilities =
        context.getCapabilities() != null
                && context.getCapabilities().getDrop() != null
                && context.getCapabilities().getDrop().contains("ALL")
            ? List.of()
            : DEFAULT_CAPABILITIES;
    if (context.getCapabilities() != null
        && context.getCapabilities().getAdd() != null
        && !context.getCapabilities().getAdd().isEmpty()) {
      throw new AssertionError("added capabilities are not supported here");
    }

    List<Map<String, Object>> mounts = new ArrayList<>();
    mounts.add(mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
    mounts.add(
        mount(
            "/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
    mounts.add(
        mount(
            "/dev/pts",
            "devpts",
            "devpts",
            List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")));
    mounts.add(
        mount(
            "/dev/shm",
            "tmpfs",
            "shm",
            List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
    mounts.add(mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
    mounts.add(
        mount(
            "/sys/fs/cgroup",
            "cgroup",
            "cgroup",
            List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
    for (VolumeMount volumeMount : container.getVolumeMounts()) {
      Volume volume =
          pod.spec().getVolumes().stream()
              .filter(v -> v.getName().equals(volumeMount.getName()))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no volume " + volumeMount.getName()));
      if (volume.getEmptyDir() == null) {
        throw new AssertionError("only emptyDir volumes are supported here: " + volume);
      }
      // An emptyDir, writable by the pod's user.
      mounts.add(
          mount(
              volumeMount.getMountPath(),
              "tmpfs",
              "tmpfs",
              List.of("nosuid", "nodev", "mode=1777")));
    }
    mounts.add(
        mount("/etc/pitr/kubeconfig", "bind", kubeconfig.toString(), List.of("rbind", "ro")));
    return Map.of(
        "ociVersion", "1.0.2",
        "hostname", pod.podName(),
        "root",
            Map.of(
                "path",
                "rootfs",
                "readonly",
                Boolean.TRUE.equals(context.getReadOnlyRootFilesystem())),
        "process",
            Map.of(
                "terminal", false,
                "user", Map.of("uid", uid, "gid", gid),
                "args", image.entrypoint(),
                "env", env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList(),
                "cwd", image.workingDirectory(),
                "noNewPrivileges", Boolean.FALSE.equals(context.getAllowPrivilegeEscalation()),
                "capabilities",
                    Map.of(
                        "bounding", capabilities,
                        "effective", capabilities,
                        "permitted", capabilities,
                        "inheritable", List.of(),
                        "ambient", List.of())),
        "mounts", mounts,
        "linux",
            Map.of(
                "namespaces",
                    List.of(
                        Map.of("type", "pid"),
                        Map.of("type", "ipc"),
                        Map.of("type", "uts"),
                        Map.of("type", "mount")),
                "resources",
                    Map.of(
                        "memory", Map.of("limit", pod.memoryLimit()),
                        // No device but those runc always allows, as containerd does.
                        "devices", List.of(Map.of("allow", false, "access", "rwm"))),
                "maskedPaths",
                    List.of("/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"),
                "readonlyPaths",
                    List.of(
                        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")));
  }

  /** What containerd gives a container that drops none (its default set). */
  private static final List<String> DEFAULT_CAPABILITIES =
      List.of(
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE");

  private static long firstOf(Long container, Long pod, long image) {
    return container != null ? container : pod != null ? pod : image;
  }

  private static Map<String, Object> mount(
      String destination, String type, String source, List<String> options) {
    return Map.of("destination", destination, "type", type, "source", source, "options", options);
  }

  /** The container's main process (the JVM) as this machine sees it. */
  public long pid() {
    ExternalCommand.Result state =
        ExternalCommand.run(
            List.of(RUNC.toString(), "--root", directory.resolve("state").toString(), "state", id),
            Map.of(),
            Duration.ofSeconds(10));
    try {
      return JSON.readTree(state.stdout()).get("pid").asLong();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A line of /proc/PID/status of the container's main process, such as "Uid". */
  public String processStatus(String field) throws IOException {
    return Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status")).stream()
        .filter(line -> line.startsWith(field + ":"))
        .map(line -> line.substring(field.length() + 1).trim())
        .findFirst()
        .orElseThrow();
  }

  /** The container's mounts, as its main process sees them (/proc/PID/mountinfo). */
  public List<String> mounts() throws IOException {
    return Files.readAllLines(Path.of("/proc", Long.toString(pid()), "mountinfo"));
  }

  /** Runs {@code command} in the container (runc exec), as its user, and returns its output. */
  public ExternalCommand.Result exec(String... command) {
    List<String> arguments =
        new ArrayList<>(
            List.of(RUNC.toString(), "--root", directory.resolve("state").toString(), "exec", id));
    arguments.addAll(List.of(command));
    return ExternalCommand.run(arguments, Map.of(), Duration.ofSeconds(60));
  }

  /** Waits until /q/health/ready answers 200, as the chart's readiness probe does. */
  public RuncContainer awaitReady() {
    http.awaitStatus("/q/health/ready", 200, Duration.ofSeconds(90));
    return this;
  }

  /** The HTTP status and body of a GET on the operator's HTTP port. */
  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.get(path);
  }

  /** The container's output so far. */
  public List<String> log() throws IOException {
    return Files.readAllLines(logFile);
  }

  /** Stops the container as the kubelet does (SIGTERM), deletes it and everything runc kept. */
  @Override
  public void close() {
    String state = directory.resolve("state").toString();
    try {
      runc(state, "kill", id, "TERM");
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        runc(state, "kill", id, "KILL");
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      System.out.println("[" + id + "] could not stop it: " + e);
    } finally {
      try {
        runc(state, "delete", "--force", id);
      } finally {
        deleteRecursively(directory);
      }
    }
  }

  private static void runc(String state, String... command) {
    List<String> arguments = new ArrayList<>(List.of(RUNC.toString(), "--root", state));
    arguments.addAll(List.of(command));
    ExternalCommand.run(arguments, Map.of(), Duration.ofSeconds(10));
  }

  private static void deleteRecursively(Path directory) {
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      System.out.println("could not delete " + directory + ": " + e);
    }
  }
}
