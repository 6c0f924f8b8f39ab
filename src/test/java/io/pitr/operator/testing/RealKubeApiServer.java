package io.pitr.operator.testing;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit extension that runs one real kube-apiserver + etcd (Fabric8 kube-api-test) per test JVM and
 * injects a {@link KubernetesClient} for it, authenticated as a cluster admin.
 *
 * <p>The binaries must already be in kube-api-test's cache: the Maven build provisions them
 * (src/test/scripts/provision-kube-binaries.sh) before the integration tests. Nothing is ever
 * downloaded here, and a missing binary fails the test with instructions; it never skips.
 */
public final class RealKubeApiServer implements ParameterResolver {

  /** Set by the build to the Kubernetes version it provisioned; without it, the newest cached. */
  public static final String VERSION_PROPERTY = "pitr.test.kube-version";

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(RealKubeApiServer.class);
  private static final List<String> BINARIES = List.of("kube-apiserver", "etcd", "kubectl");

  /**
   * A kubeconfig file for the server, with cluster-admin credentials, for programs such as kubectl
   * or an operator process.
   *
   * @param file the kubeconfig's path
   */
  public record Kubeconfig(Path file) {}

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == KubernetesClient.class || type == Kubeconfig.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
      throws ParameterResolutionException {
    RunningServer running =
        context
            .getRoot()
            .getStore(NAMESPACE)
            .computeIfAbsent(
                RunningServer.class, key -> RunningServer.start(), RunningServer.class);
    return parameter.getParameter().getType() == Kubeconfig.class
        ? running.kubeconfig()
        : running.client();
  }

  /** The kubectl built with the API server, of the same version. */
  public static Path kubectl() {
    String version = System.getProperty(VERSION_PROPERTY);
    if (version == null || version.isBlank()) {
      throw new IllegalStateException(VERSION_PROPERTY + " is not set: run with ./mvnw verify");
    }
    requireBinaries(version);
    return binaryDirectory(version).resolve("kubectl");
  }

  /** The server and an admin client, closed by JUnit when the whole test run ends. */
  private record RunningServer(KubeAPIServer server, KubernetesClient client, Kubeconfig kubeconfig)
      implements AutoCloseable {

    static RunningServer start() {
      String version = System.getProperty(VERSION_PROPERTY);
      var builder =
          KubeAPIServerConfigBuilder.anAPIServerConfig()
              .withOfflineMode(true)
              .withTestDir(cacheRoot().toString());
      if (version != null && !version.isBlank()) {
        requireBinaries(version);
        builder.withApiServerVersion(version);
      }
      var server = new KubeAPIServer(builder.build());
      // kube-api-test stops etcd and kube-apiserver only when the run ends normally; a killed or
      // timed-out test JVM would otherwise leave both running.
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroy)));
      server.start();
      String kubeconfigYaml = server.getKubeConfigYaml();
      var client =
          new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfigYaml)).build();
      try {
        Path file = Files.createTempFile("kube-api-test-", ".kubeconfig");
        Files.writeString(file, kubeconfigYaml);
        return new RunningServer(server, client, new Kubeconfig(file));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() throws IOException {
      client.close();
      server.stop();
      Files.deleteIfExists(kubeconfig.file());
    }
  }

  /** kube-api-test's own lookup: builder, then KUBE_API_TEST_DIR, then ~/.kubeapitest. */
  static Path cacheRoot() {
    String fromEnvironment = System.getenv(KubeAPIServerConfigBuilder.KUBE_API_TEST_DIR);
    return fromEnvironment != null
        ? Path.of(fromEnvironment)
        : Path.of(System.getProperty("user.home"), KubeAPIServerConfigBuilder.DIRECTORY_NAME);
  }

  private static Path binaryDirectory(String version) {
    return cacheRoot().resolve("k8s").resolve(version + "-linux-amd64");
  }

  private static void requireBinaries(String version) {
    Path directory = binaryDirectory(version);
    List<String> missing =
        BINARIES.stream().filter(binary -> !Files.isExecutable(directory.resolve(binary))).toList();
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          String.format(
              "The real Kubernetes API server for the integration tests is missing: %s not found in"
                  + " %s. Run the tests with ./mvnw verify, which builds them, or run"
                  + " src/test/scripts/provision-kube-binaries.sh --kube-version %s (needs Go).",
              String.join(", ", missing), directory, version));
    }
  }
}
